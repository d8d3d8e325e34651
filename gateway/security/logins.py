"""Failed-login limits per credential and per client address (DESIGN.md §10).

Three counters in the store, so all workers and hosts agree:

- a credential from one address (``login_max_failures``): the tight one. Past it, that address is
  refused for that credential for ``login_backoff_seconds``, doubled by every further failure
  (up to ``login_backoff_max_seconds``). Another address is not affected, so an attacker cannot
  lock a legitimate user out, and the block always expires.
- an address, whatever credentials it tries (``login_max_failures_per_address``): one address
  spraying many user names.
- a credential from every address (``login_max_failures_per_credential``): many addresses guessing
  one password; loose, and temporary like the others.

While a key is blocked the password is not checked at all: a refusal costs one indexed read and
teaches the caller nothing. Refused attempts are not counted, only real wrong guesses. A success
clears the credential-from-this-address counter. Counters are forgotten
``login_failure_window_seconds`` after their last failure (or after their block ends).

OAuth 1.0 signatures (LIS, LTI) are not counted: consumer keys are public identifiers sent in
clear, and counting bad signatures per key would let anyone shut a tool integration out; the
secrets are shared keys, not user-chosen passwords, and nonces/timestamps already bound replay.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from adapters.instants import aware
from adapters.store import Store
from adapters.store import logins as store_logins
from adapters.store.hot import HotUnit
from gateway.config import Settings
from gateway.security.oauth import Networks, parse_networks

log = logging.getLogger("lms_gateway.logins")


class LoginRefused(Exception):
    """Too many failed logins under one of the attempt's keys; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """One login: which protocol, the user name as sent, and the client's address."""

    protocol: str
    user: str
    address: str


class LoginGuard:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.proxies: Networks = parse_networks(settings.trusted_proxies)

    def attempt(self, protocol: str, user: str, environ: dict) -> Attempt:
        return Attempt(protocol, user, client_address(environ, self.proxies))

    def bind(self, attempt: Attempt) -> dict:
        """The parameters under which the store reports the attempt's login state: its keys as
        ``k0``..``k2`` and the moment (:func:`adapters.store.logins.state`, ``Guarded``)."""
        params: dict = {f"k{i}": key for i, (key, _) in enumerate(self._keys(attempt))}
        params["now"] = _now()
        return params

    def judge(self, params: dict, blocked_until: datetime | None, seen: bool) -> bool:
        """Raise :class:`LoginRefused` while any of the attempt's keys is blocked; else whether its
        credential-from-this-address key has a counter (for :meth:`succeeded`)."""
        until = aware(blocked_until)
        now = params["now"]
        if until is not None and until > now:
            raise LoginRefused(max(1, round((until - now).total_seconds())))
        return seen

    def check(self, db: HotUnit | Session, attempt: Attempt) -> bool:
        """:meth:`judge` the attempt's state read on its own (a login that cannot fold it into its
        credential lookup with :class:`adapters.store.logins.Guarded`)."""
        params = self.bind(attempt)
        return self.judge(params, *store_logins.state(db, params))

    def failed(self, attempt: Attempt) -> None:
        """Count a wrong guess under every key, in its own unit of work (the request's rolls back)."""
        now = _now()
        s = self.settings
        window = timedelta(seconds=s.login_failure_window_seconds)
        with self.store.session() as session:
            for key, limit in self._keys(attempt):
                count = store_logins.count_failure(session, key, now, window)
                if limit > 0 and count >= limit:
                    seconds = min(s.login_backoff_seconds * 2 ** (count - limit), s.login_backoff_max_seconds)
                    until = now + timedelta(seconds=seconds)
                    store_logins.block(session, key, until, until + window)
                    log.warning("login limit reached (%s failures, blocked %.0f s): protocol %s, address %s",
                                count, seconds, attempt.protocol, attempt.address)
            store_logins.prune(session, now)

    def succeeded(self, db: HotUnit | Session, attempt: Attempt, seen: bool) -> None:
        """A good login clears its credential-from-this-address counter (a write only if there is one)."""
        if seen:
            store_logins.forget(db, self._keys(attempt)[0][0])

    def _keys(self, attempt: Attempt) -> list[tuple[str, int]]:
        s = self.settings
        return [
            (_digest(attempt.protocol, "login", attempt.user, attempt.address), s.login_max_failures),
            (_digest("address", attempt.address), s.login_max_failures_per_address),
            (_digest(attempt.protocol, "user", attempt.user), s.login_max_failures_per_credential),
        ]


def client_address(environ: dict, proxies: Networks = ()) -> str:
    """The caller's address: the peer, or from a trusted proxy the last hop it was not told by one."""
    peer = environ.get("REMOTE_ADDR") or "unknown"
    if not _in(peer, proxies):
        return peer
    hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, proxies):
            return hop
    return peer


def _in(address: str, networks: Networks) -> bool:
    if not networks:  # no trusted proxy configured: nothing to parse the address for
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


