"""lms-gateway: the running service (HTTP, vendor protocols, security, CLI)."""
