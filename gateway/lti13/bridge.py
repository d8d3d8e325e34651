"""The bridge's core: a legacy result operation (replace, read, delete a score by sourcedId) carried
to the upstream AGS that the sourcedId is linked to (``adapters.store.bridge``).

Scores cross as :mod:`adapters.scores` rule 4 says. The upstream is asked with the gateway's own
key: the account's platform signing key, the one its JWKS endpoint publishes, so an upstream
registers the gateway as a tool by that JWKS URL. Clients (and so their access tokens) are kept
per (account, upstream) in the process.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import requests

from adapters import scores
from adapters.store import Store
from adapters.store import bridge as store_bridge
from adapters.store import lti13 as store_lti13
from adapters.upstream.ags import AgsClient, AgsError, Exchange


class NotLinked(LookupError):
    """The sourcedId is not linked to an upstream (in this account)."""


@dataclass(frozen=True)
class Read:
    sourced_id: str
    link: store_bridge.Link
    #: The upstream's result for the user (None: it has none); adapters.scores rule 5 reads it.
    result: dict | None

    @property
    def lti_text(self) -> str | None:
        return scores.upstream_to_lti(self.result) if self.result else None

    @property
    def lis_text(self) -> str | None:
        return scores.upstream_to_lis(self.result) if self.result else None


class Bridge:
    def __init__(self, store: Store, *, timeout: float = 10.0, session: requests.Session | None = None,
                 on_exchange: Callable[[Exchange], None] | None = None):
        self.store = store
        self.timeout = timeout
        self.session = session
        self.on_exchange = on_exchange
        self._clients: dict[tuple, AgsClient] = {}
        self._lock = threading.Lock()

    def links(self, account_id: int, sourced_ids: list[str]) -> dict[str, store_bridge.Link]:
        with self.store.session() as session:
            return store_bridge.find_links(session, account_id, sourced_ids)

    def _link(self, account_id: int, sourced_id: str) -> store_bridge.Link:
        link = self.links(account_id, [sourced_id]).get(sourced_id)
        if link is None:
            raise NotLinked(sourced_id)
        return link

    def replace(self, account_id: int, sourced_id: str, given: float, maximum: float) -> None:
        link = self._link(account_id, sourced_id)
        self._client(account_id, link.upstream).post_score(link.line_item_url, _score(link.user_id, given, maximum))

    def delete(self, account_id: int, sourced_id: str) -> None:
        """AGS has no delete: a score without scoreGiven clears the user's score."""
        link = self._link(account_id, sourced_id)
        cleared = {"userId": link.user_id, "activityProgress": "Initialized", "gradingProgress": "NotReady", "timestamp": _now()}
        self._client(account_id, link.upstream).post_score(link.line_item_url, cleared)

    def read(self, account_id: int, link: store_bridge.Link) -> Read:
        result = self._client(account_id, link.upstream).read_result(link.line_item_url, link.user_id)
        return Read(link.sourced_id, link, result)

    def _client(self, account_id: int, upstream: store_bridge.Upstream) -> AgsClient:
        with self.store.session() as session:
            key = store_lti13.signing_key(session, account_id)
        ident = (account_id, upstream, key.kid)  # a rotated key or changed upstream gets a fresh client
        with self._lock:
            client = self._clients.get(ident)
            if client is None:
                client = AgsClient(upstream.token_url, upstream.client_id, key, audience=upstream.audience,
                                   timeout=self.timeout, session=self.session, on_exchange=self.on_exchange)
                self._clients[ident] = client
        return client


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _score(user_id: str, given: float, maximum: float) -> dict:
    return {"userId": user_id, "scoreGiven": given, "scoreMaximum": maximum, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": _now()}


__all__ = ["AgsError", "Bridge", "NotLinked", "Read"]
