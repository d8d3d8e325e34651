"""Around every journaled route: match fault rules before the protocol, journal after it.

The dispatcher (:mod:`gateway.dispatch`) calls the tap with the route, the environ (raw body
already read) and ``run``, which runs the protocol and returns ``(status, headers, body)``.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from collections.abc import Callable

from adapters.store import Store, StoreUnavailable
from adapters.instants import aware
from adapters.store import faults as store_faults
from adapters.store import journal as store_journal
from gateway.admin import faults
from gateway.admin.exchange import Exchange, describe
from gateway.admin.journal import Journal
from gateway.config import Settings
from gateway.routing import ACCOUNT, DELAY_ANSWER, KEYS, OPERATION, RAW_BODY, Route

log = logging.getLogger(__name__)

Rendered = tuple[int, list[tuple[str, str]], bytes]


class RuleCache:
    """The fault rules, read from the store at most once per ``refresh`` seconds per process, so
    that a gateway without rules spends no query on them. A rule's use is claimed in the store
    (:func:`adapters.store.faults.claim`), so counts stay exact across workers and a removed rule
    stops at once; a rule added through another worker is obeyed within ``refresh`` seconds (at once
    through this one, which forgets its copy)."""

    def __init__(self, store: Store, refresh: float):
        self.store = store
        self.refresh = refresh
        self._rules: list[dict] = []
        self._until = 0.0

    def invalidate(self) -> None:
        self._until = 0.0

    def candidates(self, protocol: str, operation: str | None) -> list[dict]:
        now = time.monotonic()
        if now >= self._until:
            with self.store.session() as session:
                self._rules = store_faults.current(session)
            self._until = now + self.refresh
        wall = datetime.now(timezone.utc)
        return [r for r in self._rules if r["protocol"] == protocol and r["operation"] in (None, operation)
                and (r["until"] is None or aware(r["until"]) > wall)]


class Tap:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        #: Where the journal's rows are, written or not (:func:`adapters.store.journal.open_store`).
        self.journal_store = store_journal.open_store(store, settings.journal_database_url)
        self.journal = Journal(settings, self.journal_store) if settings.journal else None
        self.rules = RuleCache(store, settings.fault_rules_refresh_seconds)

    def flush(self) -> None:
        """This process's journal entries are in the store when this returns (or after 5 s)."""
        if self.journal is not None:
            self.journal.flush()

    def __call__(self, route: Route, environ: dict, run: Callable[[], Rendered]) -> Rendered:
        started = time.perf_counter()
        exchange = describe(route.name, environ, environ.get(RAW_BODY, b""))
        rule = self._rule(exchange) if exchange.protocol in faults.PROTOCOLS else None
        result = None
        if rule is not None:
            try:
                answer = faults.answer(rule, route, environ, exchange, self.settings.samples_dir)
            except faults.Drop:
                exchange.outcome = "dropped"
                self._record(environ, exchange, (0, [], b""), started, rule["id"])
                raise
            except Exception:
                log.exception("fault rule %s could not answer; the protocol answers instead", rule["id"])
                answer = None
            if answer is not None:
                result = (answer.status, [("Content-Type", answer.content_type), *answer.headers], answer.body)
            if rule["action"] == "drop":
                exchange.outcome = "dropped"
            if rule["action"] == "delay" and DELAY_ANSWER in environ:
                # the server holds the answer back after this returns: the entry's duration counts it
                started -= faults.delay_seconds(rule)
        if result is None:
            result = run()
        self._record(environ, exchange, result, started, rule["id"] if rule else None)
        return result

    def _rule(self, exchange: Exchange) -> dict | None:
        try:
            candidates = [r for r in self.rules.candidates(exchange.protocol, exchange.operation)
                          if faults.matches(r, exchange)]
            if not candidates:
                return None
            with self.store.session() as session:
                for rule in candidates:
                    if store_faults.claim(session, rule):
                        return rule
        except StoreUnavailable:
            return None  # the protocol will answer busy on its own
        except Exception:
            log.warning("could not read the fault rules", exc_info=True)
        return None

    def _record(self, environ: dict, exchange: Exchange, result: Rendered, started: float, rule_id: int | None) -> None:
        if self.journal is None:
            return
        status, headers, body = result
        # what the protocol itself knew wins over what was read from the body
        exchange.operation = environ.get(OPERATION) or exchange.operation
        exchange.account = environ.get(ACCOUNT) or exchange.account
        for name, values in (environ.get(KEYS) or {}).items():
            for value in values if isinstance(values, (list, tuple)) else [values]:
                exchange.add(name, str(value))
        self.journal.record(environ, exchange, status, headers, body, (time.perf_counter() - started) * 1000, rule_id)

