"""``POST /lti13/{account}/token``: OAuth 2.0 client credentials with a JWT client assertion
(RFC 7523, 1EdTech Security Framework §4.1)::

    POST /lti13/demo/token
    Content-Type: application/x-www-form-urlencoded

    grant_type=client_credentials
    &client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
    &client_assertion=eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9.eyJpc3MiOiJ0b29sIiwic3ViIjoidG9vbCIs...
    &scope=https://purl.imsglobal.org/spec/lti-ags/scope/score

    HTTP/1.1 200 OK
    Content-Type: application/json
    Cache-Control: no-store

    {"access_token": "eyJ...", "token_type": "Bearer", "expires_in": 3600,
     "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score"}

The assertion: RS256 only, signed with a key of the registered tool (by ``kid``); ``iss`` = ``sub`` =
the client id; ``aud`` the URL of this endpoint; ``exp`` in the future; ``iat`` not in the future and
not older than the longest assertion life; ``jti`` never seen before (remembered in the store until
the assertion expires, so a replay is caught by every worker). Scopes granted are those asked for
that the tool is registered for; none of them is ``invalid_scope``.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

from joserfc import jws, jwt
from joserfc.errors import JoseError

from adapters.store import Store
from adapters.store import lti13 as store_lti13
from gateway.config import Settings
from gateway.lti13.access import AccessTokens
from gateway.lti13.errors import Refusal
from gateway.lti13.tool_keys import KeyNotFound, ToolKeys
from gateway.routing import RAW_BODY, Answer

GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_FORM = "application/x-www-form-urlencoded"
_PRUNE_EVERY_SECONDS = 300


def _invalid_client(description: str) -> Refusal:
    return Refusal(401, "invalid_client", description)


class TokenEndpoint:
    def __init__(self, settings: Settings, store: Store, tokens: AccessTokens, tool_keys: ToolKeys):
        self.settings, self.store, self.tokens, self.tool_keys = settings, store, tokens, tool_keys
        self._pruned_at = 0.0

    def __call__(self, environ: dict, account_id: int, issuer: str, token_url: str) -> Answer:
        form = _form(environ)
        if form.get("grant_type") != GRANT_TYPE:
            raise Refusal(400, "unsupported_grant_type", f"grant_type must be {GRANT_TYPE}")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise Refusal(400, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
        assertion = form.get("client_assertion", "")
        if not assertion:
            raise Refusal(400, "invalid_request", "client_assertion is required")
        header, unverified = _peek(assertion)
        if header.get("alg") != "RS256":
            raise _invalid_client(f"The client assertion must be signed with RS256, not {header.get('alg')!r}")
        client_id = unverified.get("iss")
        if not isinstance(client_id, str) or not client_id:
            raise _invalid_client("The client assertion has no iss (the client id)")

        with self.store.session() as session:
            tool = store_lti13.find_tool(session, account_id, client_id)
        if tool is None:
            raise _invalid_client(f"No tool with client id {client_id!r} is registered with this platform")
        kid = header.get("kid")
        try:
            key = self.tool_keys.key(tool, kid if isinstance(kid, str) else None)
        except KeyNotFound as exc:
            raise _invalid_client(str(exc)) from None
        try:
            claims = jwt.decode(assertion, key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            raise _invalid_client("The client assertion's signature does not verify with the tool's key") from None
        exp = self._check_claims(claims, client_id, token_url)

        scopes = self._granted(form.get("scope", ""), tool)
        with self.store.session() as session:
            if not store_lti13.remember_jti(session, client_id, claims["jti"], datetime.fromtimestamp(exp, timezone.utc)):
                raise _invalid_client("The client assertion's jti was already used")
            token = self.tokens.issue(session, account_id, issuer, client_id, scopes)
            self._maybe_prune(session)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.tokens.lifetime, "scope": " ".join(scopes)}
        return Answer(200, "application/json", json.dumps(body).encode(), (("Cache-Control", "no-store"), ("Pragma", "no-cache")))

    def _check_claims(self, claims: dict, client_id: str, token_url: str) -> int:
        now, leeway = time.time(), self.settings.lti13_clock_leeway_seconds
        if claims.get("sub") != client_id:
            raise _invalid_client("The client assertion's sub must equal its iss (the client id)")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if token_url not in audiences:
            raise _invalid_client(f"The client assertion's aud must be this token endpoint, {token_url}")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise _invalid_client("The client assertion has no exp")
        if not isinstance(iat, (int, float)) or isinstance(iat, bool):
            raise _invalid_client("The client assertion has no iat")
        if exp + leeway < now:
            raise _invalid_client("The client assertion expired")
        if iat - leeway > now:
            raise _invalid_client("The client assertion's iat is in the future")
        if now - iat > self.settings.lti13_assertion_max_seconds + leeway or exp - iat > self.settings.lti13_assertion_max_seconds:
            raise _invalid_client("The client assertion is too old (iat) or lives too long (exp)")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 255:
            raise _invalid_client("The client assertion needs a jti (a unique string of at most 255 characters)")
        return int(exp)

    @staticmethod
    def _granted(requested: str, tool: store_lti13.Tool) -> list[str]:
        asked = list(dict.fromkeys(requested.split()))
        if not asked:
            raise Refusal(400, "invalid_scope", "Ask for at least one AGS scope")
        granted = [s for s in asked if s in tool.scopes]
        if not granted:
            raise Refusal(400, "invalid_scope", f"None of the scopes asked for is registered for client {tool.client_id}")
        return granted

    def _maybe_prune(self, session) -> None:
        now = time.monotonic()
        if now - self._pruned_at > _PRUNE_EVERY_SECONDS:
            self._pruned_at = now
            store_lti13.prune_jtis(session)


def _form(environ: dict) -> dict[str, str]:
    media = str(environ.get("CONTENT_TYPE", "")).split(";", 1)[0].strip().lower()
    if media != _FORM:
        raise Refusal(400, "invalid_request", f"Send the token request as {_FORM}")
    try:
        parsed = parse_qs(environ.get(RAW_BODY, b"").decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Refusal(400, "invalid_request", "The form is not UTF-8") from None
    for name, values in parsed.items():
        if len(values) > 1:
            raise Refusal(400, "invalid_request", f"{name} is given more than once")
    return {name: values[0] for name, values in parsed.items()}


def _peek(assertion: str) -> tuple[dict, dict]:
    """Header and claims before verification: which tool, which key (verified right after)."""
    try:
        compact = jws.extract_compact(assertion.encode())
        header = compact.headers()
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError):
        raise _invalid_client("The client assertion is not a compact JWS") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _invalid_client("The client assertion is not a JWT")
    return header, claims
