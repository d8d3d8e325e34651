"""The ``/lti13`` route: one LTI 1.3 platform per account, by the account's name.

    POST /lti13/{account}/token                                   token endpoint (token.py)
    GET  /lti13/{account}/jwks                                    the platform's public keys
    ...  /lti13/{account}/contexts/{context_id}/lineitems[/...]   AGS 2.0 (ags.py)

The issuer of an account is ``{external origin}/lti13/{account}``; the origin honours
X-Forwarded-Proto/-Host from trusted proxies only, as the OAuth 1.0 checks do.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from http import HTTPStatus
from urllib.parse import quote

from sqlalchemy import select

from adapters.store import Store, StoreUnavailable
from adapters.store import lti13 as store_lti13
from adapters.store.models import Account
from gateway.config import Settings
from gateway.lti13.access import AccessTokens
from gateway.lti13.ags import Ags, Context
from gateway.lti13.errors import Refusal, route_error
from gateway.lti13.token import TokenEndpoint
from gateway.lti13.tool_keys import ToolKeys
from gateway.routing import ACCOUNT, OPERATION, Answer, Route, StartResponse
from gateway.security.oauth import external_uri, normalise_environ, parse_networks

log = logging.getLogger(__name__)

PATH = "/lti13"
ACCOUNT_CACHE_SECONDS = 60
MAX_CONTEXT_ID = 255  # the store's column


def issuer_url(origin: str, account: str) -> str:
    return f"{origin}/lti13/{quote(account, safe='')}"


class Lti13App:
    def __init__(self, settings: Settings, store: Store, tool_keys: ToolKeys | None = None):
        self.store = store
        self.proxies = parse_networks(settings.trusted_proxies)
        self.tokens = AccessTokens(store, settings.lti13_access_token_seconds, settings.lti13_clock_leeway_seconds)
        self.token_endpoint = TokenEndpoint(settings, store, self.tokens, tool_keys or ToolKeys())
        self.ags = Ags(store, self.tokens)
        self._accounts: dict[str, tuple[float, int]] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        normalise_environ(environ)
        try:
            answer = self._answer(environ)
        except Refusal as refusal:
            answer = refusal.answer()
        except StoreUnavailable as exc:
            log.warning("LTI 1.3: store unavailable: %s", exc)
            answer = route_error(503, "The store is unavailable; try again shortly.")
        headers = [("Content-Type", answer.content_type), *answer.headers] if answer.body or answer.status != 204 else list(answer.headers)
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", headers)
        return [answer.body]

    def _answer(self, environ: dict) -> Answer:
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        parts = path[len(PATH) + 1:].split("/")
        if len(parts) < 2 or not parts[0]:
            raise Refusal(404, "not_found", "LTI 1.3 paths are /lti13/{account}/token, /jwks or /contexts/{id}/lineitems")
        account_name = parts[0]
        account_id = self._account(account_name)
        environ[ACCOUNT] = account_name
        origin = self._origin(environ)
        issuer = issuer_url(origin, account_name)
        method = environ.get("REQUEST_METHOD", "GET")
        rest = parts[1:]
        if rest == ["token"]:
            environ[OPERATION] = "token"
            if method != "POST":
                raise Refusal(405, "invalid_request", "The token endpoint takes POST")
            return self.token_endpoint(environ, account_id, issuer, issuer + "/token")
        if rest == ["jwks"]:
            environ[OPERATION] = "jwks"
            if method not in ("GET", "HEAD"):
                raise Refusal(405, "invalid_request", "The JWKS endpoint takes GET")
            with self.store.session() as session:
                keys = store_lti13.public_keys(session, account_id)
            return Answer(200, "application/json", json.dumps(keys).encode(), (("Cache-Control", "max-age=300"),))
        if len(rest) in (3, 4, 5) and rest[0] == "contexts" and rest[1] and rest[2] == "lineitems":
            if len(rest[1]) > MAX_CONTEXT_ID:
                raise Refusal(400, "invalid_request", f"A context id has at most {MAX_CONTEXT_ID} characters")
            ctx = Context(account_id, rest[1], f"{issuer}/contexts/{quote(rest[1], safe='')}/lineitems", environ.get("QUERY_STRING", ""))
            item_id = rest[3] if len(rest) > 3 and rest[3] else None
            tail = rest[4] if len(rest) > 4 else None
            if len(rest) > 3 and item_id is None:
                raise Refusal(404, "not_found", "No AGS resource here")
            return self.ags(environ, ctx, item_id, tail)
        raise Refusal(404, "not_found", f"No LTI 1.3 resource at {path}")

    def _account(self, name: str) -> int:
        # An account's id never changes; kept briefly so that a deleted account stops answering soon.
        now = time.monotonic()
        cached = self._accounts.get(name)
        if cached is not None and now - cached[0] < ACCOUNT_CACHE_SECONDS:
            return cached[1]
        with self.store.session() as session:
            account_id = session.scalar(select(Account.id).where(Account.name == name))
        if account_id is None:
            raise Refusal(404, "not_found", f"No LTI 1.3 platform for account {name!r}")
        if len(self._accounts) > 10_000:
            self._accounts.clear()
        self._accounts[name] = (now, account_id)
        return account_id

    def _origin(self, environ: dict) -> str:
        bare = {**environ, "SCRIPT_NAME": "", "PATH_INFO": "", "QUERY_STRING": ""}
        return external_uri(bare, self.proxies)


def route(settings: Settings, store: Store) -> Route:
    return Route(
        "lti13",
        Lti13App(settings, store),
        error=route_error,
        methods=frozenset({"GET", "HEAD", "POST", "PUT", "DELETE"}),
        prefix=True,
    )
