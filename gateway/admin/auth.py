"""Who may use /__admin/ (DESIGN.md §13): the Bearer token when one is configured, else loopback only."""
from __future__ import annotations

import hmac
import ipaddress


def refusal(environ: dict, token: str) -> tuple[int, str] | None:
    """None when the caller may proceed, else (HTTP status, why)."""
    if token:
        sent = str(environ.get("HTTP_AUTHORIZATION", ""))
        scheme, _, value = sent.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return 401, "The admin API needs Authorization: Bearer <LMS_GATEWAY_ADMIN_TOKEN>."
        if not hmac.compare_digest(value.strip().encode(), token.encode()):
            return 403, "The admin token is not the one configured (LMS_GATEWAY_ADMIN_TOKEN)."
        return None
    if not is_loopback(environ.get("REMOTE_ADDR", "")):
        return 403, ("The admin API answers only loopback callers when LMS_GATEWAY_ADMIN_TOKEN is not set; "
                     "set a token to use it from elsewhere.")
    return None


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip().removeprefix("::ffff:")).is_loopback
    except ValueError:
        return False
