"""Every refusal of the LTI 1.3 platform is an OAuth 2.0 error document (RFC 6749 §5.2, RFC 6750 §3)::

    HTTP/1.1 401 Unauthorized
    Content-Type: application/json
    Cache-Control: no-store
    WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"

    {"error": "invalid_token", "error_description": "The access token expired"}
"""
from __future__ import annotations

import json

from gateway.routing import Answer

CONTENT_TYPE = "application/json"


class Refusal(Exception):
    """Raised anywhere in a request to answer ``status`` with an OAuth 2.0 error document."""

    def __init__(self, status: int, error: str, description: str, *, bearer: bool = False):
        super().__init__(description)
        self.status, self.error, self.description, self.bearer = status, error, description, bearer

    def answer(self) -> Answer:
        return error_answer(self.status, self.error, self.description, bearer=self.bearer)


def error_answer(status: int, error: str, description: str, *, bearer: bool = False) -> Answer:
    body = json.dumps({"error": error, "error_description": description}).encode()
    headers = [("Cache-Control", "no-store")]
    if bearer and status in (401, 403):
        # RFC 6750 §3: quote-safe description (no quotes or backslashes inside the header value)
        safe = description.replace("\\", "/").replace('"', "'")
        headers.append(("WWW-Authenticate", f'Bearer error="{error}", error_description="{safe}"'))
    return Answer(status, CONTENT_TYPE, body, tuple(headers))


_CODES = {400: "invalid_request", 404: "not_found", 405: "invalid_request", 413: "invalid_request", 503: "temporarily_unavailable"}


def route_error(status: int, message: str) -> Answer:
    """The Route's error shape (body too large, method, internal error)."""
    return error_answer(status, _CODES.get(status, "server_error"), message)
