"""Sending a caller's request on to the upstream vendor, re-signed with the upstream's credentials.

- LIS and LTI (OAuth 1.0): with ``upstream_key``/``upstream_secret`` configured, the request is
  signed afresh for the upstream URL (:class:`BodyHashAuth`: new nonce and timestamp, body hash of
  the forwarded bytes). Without them the caller's ``Authorization`` goes through unchanged, which
  only verifies upstream when the upstream sees the same URI the caller signed.
- WebEx: configured upstream credentials replace the text of the matching ``securityContext``
  elements (``<webExID>``, ``<password>``, ``<siteID>``, ``<partnerID>``), the rest of the bytes
  untouched; the caller's own credentials never reach the upstream then.
- itslearning: likewise ``wsse:Username`` and ``wsse:Password`` of the UsernameToken.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from adapters.upstream.signing import BodyHashAuth

#: Not forwarded: hop-by-hop headers (RFC 9110 §7.6.1), and those the forwarding request sets itself.
_SKIP = frozenset({
    "host", "content-length", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade", "authorization", "accept-encoding", "x-request-id",
})


@dataclass(frozen=True)
class UpstreamCredentials:
    oauth_key: str | None = None
    oauth_secret: str | None = None
    signature_method: str = "HMAC-SHA1"
    #: WebEx securityContext fields to put in place of the caller's (webExID, password, siteID, partnerID, email)
    webex: Mapping[str, str] | None = None
    #: itslearning UsernameToken fields to put in place of the caller's (Username, Password)
    itslearning: Mapping[str, str] | None = None

    def secrets(self) -> list[str]:
        return [s for s in (self.oauth_secret, (self.webex or {}).get("password"), (self.itslearning or {}).get("Password")) if s]


def forwardable(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _SKIP}


def replace_security(body: bytes, values: Mapping[str, str]) -> bytes:
    """``body`` with the text of each named securityContext element replaced (any prefix)."""
    for name, value in values.items():
        if not value:
            continue
        pattern = re.compile(rb"(<(?:[\w.-]+:)?" + re.escape(name.encode()) + rb"(?:\s[^>]*)?>)[^<]*(</)")
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8")
        body = pattern.sub(lambda m: m.group(1) + escaped + m.group(2), body, count=1)
    return body


def forward(
    session: requests.Session,
    url: str,
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    protocol: str,
    oauth: bool,
    credentials: UpstreamCredentials,
    timeout: float,
) -> requests.Response:
    """Raises :class:`requests.Timeout` and :class:`requests.RequestException` as ``requests`` does."""
    out_headers = forwardable(headers)
    auth = None
    if oauth and method == "POST":
        if credentials.oauth_key and credentials.oauth_secret:
            auth = BodyHashAuth(credentials.oauth_key, credentials.oauth_secret, credentials.signature_method)
        elif "Authorization" in headers:
            out_headers["Authorization"] = headers["Authorization"]
    elif protocol == "webex" and credentials.webex:
        body = replace_security(body, credentials.webex)
    elif protocol == "itslearning" and credentials.itslearning:
        body = replace_security(body, credentials.itslearning)
    return session.request(method, url, data=body or None, headers=out_headers, auth=auth, timeout=timeout,
                           allow_redirects=False)
