"""lms-gateway: the running service (HTTP, vendor protocols, security, CLI)."""
from gateway import spyne_compat

spyne_compat.install()
