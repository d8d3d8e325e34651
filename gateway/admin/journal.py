"""Writes one journal entry per exchange (DESIGN.md §13), redacted as the proxy redacts samples.

The write is one INSERT in its own short transaction after the answer is built; a journal that
cannot write (store away, disk full) logs and lets the answer go out. Retention (count and age)
runs every ``PRUNE_EVERY`` writes of a process, on a thread of its own, never in a request.
"""
from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone
from typing import Any

from adapters.store import Store
from adapters.store import journal as store_journal
from adapters.upstream import redact
from gateway import xmlsafe
from gateway.admin.exchange import Exchange
from gateway.config import Settings

log = logging.getLogger(__name__)

PRUNE_EVERY = 200
#: Request headers that describe the transfer, not what the client said.
_SKIPPED_HEADERS = frozenset({"content-length", "host", "connection"})
CUT_MARK = b"\n<!-- lms-gateway: cut here, the body was longer -->"


def request_headers(environ: dict) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key == "CONTENT_TYPE":
            name = "Content-Type"
        else:
            continue
        if value and name.lower() not in _SKIPPED_HEADERS:
            headers[name] = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return headers


class Journal:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self._writes = 0
        self._lock = threading.Lock()
        self._pruning = threading.Lock()

    def record(self, environ: dict, exchange: Exchange, status: int, headers: list[tuple[str, str]], body: bytes,
               duration_ms: float, fault_rule: int | None) -> None:
        try:
            row = self._row(environ, exchange, status, headers, body, duration_ms, fault_rule)
            with self.store.engine.begin() as connection:
                store_journal.write(connection, row)
        except Exception:  # the caller has its answer; a journal that cannot write must not change it
            log.warning("could not journal request %s", environ.get("lms.request_id"), exc_info=True)
            return
        with self._lock:
            self._writes += 1
            due = self._writes % PRUNE_EVERY == 1
        if due:
            threading.Thread(target=self.prune, name="journal-prune", daemon=True).start()

    def prune(self) -> int:
        if not self._pruning.acquire(blocking=False):
            return 0
        try:
            with self.store.session() as session:
                return store_journal.prune(session, self.settings.journal_max_entries, self.settings.journal_max_age_seconds)
        except Exception:
            log.warning("could not prune the request journal", exc_info=True)
            return 0
        finally:
            self._pruning.release()

    def _row(self, environ, exchange, status, headers, body, duration_ms, fault_rule) -> dict[str, Any]:
        req_headers, removed = redact.headers(request_headers(environ))
        removed = [f"request {r}" for r in removed]
        path = environ.get("PATH_INFO", "") or "/"
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        path, query_removed = redact.query(path)
        removed += [f"request {r}" for r in query_removed]
        req_body, body_removed = self._body(environ.get("lms.raw_body", b""), req_headers.get("Content-Type", ""))
        removed += [f"request {r}" for r in body_removed]
        resp_headers, resp_removed = redact.headers(dict(headers))
        resp_body, resp_body_removed = self._body(body, resp_headers.get("Content-Type", ""))
        removed += [f"response {r}" for r in (*resp_removed, *resp_body_removed)]
        return {
            "at": datetime.now(timezone.utc),
            "request_id": environ.get("lms.request_id", ""),
            "protocol": exchange.protocol,
            "operation": exchange.operation,
            "account": exchange.account,
            "keys": exchange.keys,
            "oauth": environ.get("lms.oauth"),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "path": path,
            "status": status,
            "outcome": exchange.outcome,
            "duration_ms": round(duration_ms, 3),
            "fault_rule": fault_rule,
            "worker": os.getpid(),
            "request_headers": req_headers,
            "request_body": req_body,
            "response_headers": resp_headers,
            "response_body": resp_body,
            "redacted": sorted(set(removed)),
        }

    def _body(self, data: bytes, content_type: str) -> tuple[bytes, list[str]]:
        cap = self.settings.journal_max_body_bytes
        if len(data) > cap:
            # Cut before the last tag that begins in the kept part, so that no credential element is
            # left open at the end where the redactor could not see its closing tag (a 67 MB upload
            # is not redacted whole just to keep 256 KB of it).
            head = data[:cap]
            head = head[: head.rfind(b"<")] if b"<" in head else head
            data, removed = redact.body(head, content_type, xmlsafe.parse)
            return data + CUT_MARK, removed
        return redact.body(data, content_type, xmlsafe.parse)
