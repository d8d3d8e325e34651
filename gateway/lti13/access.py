"""Access tokens: JWTs signed (RS256) with the account's platform key, checked on every AGS call.

Claims: ``iss`` (the account's issuer URL), ``sub`` (the tool's client id), ``aud`` (the issuer),
``iat``, ``exp``, ``jti``, ``scope`` (space-separated, RFC 8693 style) and ``account`` (its id).
Signed rather than opaque, so any worker checks one without a store lookup once it knows the
signing key; keys are looked up by ``kid`` in the account (a token of another account names a kid
this account does not have), and kept in the process for ``KEY_CACHE_SECONDS`` (a retired key stops
verifying within that time).
"""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from adapters.store import Store
from adapters.store import lti13 as store_lti13
from gateway.lti13.errors import Refusal

KEY_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Grant:
    client_id: str
    scopes: frozenset[str]


class AccessTokens:
    def __init__(self, store: Store, lifetime_seconds: int, leeway_seconds: int):
        self.store = store
        self.lifetime = lifetime_seconds
        self.leeway = leeway_seconds
        self._keys: dict[tuple[int, str], tuple[float, RSAKey | None]] = {}
        self._lock = threading.Lock()

    def issue(self, session, account_id: int, issuer: str, client_id: str, scopes: list[str]) -> str:
        key = store_lti13.signing_key(session, account_id)
        now = int(time.time())
        claims = {
            "iss": issuer, "sub": client_id, "aud": issuer, "iat": now, "exp": now + self.lifetime,
            "jti": uuid.uuid4().hex, "scope": " ".join(scopes), "account": account_id,
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}, claims, key, algorithms=["RS256"])

    def check(self, environ: dict, account_id: int, needed: frozenset[str]) -> Grant:
        """The grant of the request's Bearer token, which must hold one of ``needed``."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refusal(401, "invalid_token", "An access token is required: Authorization: Bearer <token>", bearer=True)
        token = token.strip()
        try:
            kid = jws.extract_compact(token.encode()).headers().get("kid")
        except (JoseError, ValueError, UnicodeError):
            raise Refusal(401, "invalid_token", "The access token is not a JWT issued by this platform", bearer=True) from None
        key = self._key(account_id, kid) if isinstance(kid, str) else None
        if key is None:
            raise Refusal(401, "invalid_token", "The access token was not issued by this account's platform", bearer=True)
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            raise Refusal(401, "invalid_token", "The access token's signature does not verify", bearer=True) from None
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp + self.leeway < time.time():
            raise Refusal(401, "invalid_token", "The access token expired", bearer=True)
        if claims.get("account") != account_id:
            raise Refusal(401, "invalid_token", "The access token belongs to another account", bearer=True)
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes & needed:
            raise Refusal(
                403, "insufficient_scope", f"This call needs the scope {' or '.join(sorted(needed))}", bearer=True
            )
        return Grant(str(claims.get("sub", "")), scopes)

    def _key(self, account_id: int, kid: str) -> RSAKey | None:
        now = time.monotonic()
        with self._lock:
            cached = self._keys.get((account_id, kid))
        if cached is not None and now - cached[0] < KEY_CACHE_SECONDS:
            return cached[1]
        with self.store.session() as session:
            key = store_lti13.public_key(session, account_id, kid)
        with self._lock:
            if len(self._keys) > 10_000:  # made-up kids must not grow the cache without bound
                self._keys.clear()
            self._keys[(account_id, kid)] = (now, key)
        return key
