"""Writes one journal entry per exchange (DESIGN.md §13), redacted as the proxy redacts samples.

The request thread only hands the exchange to a writer thread of its process (a queue append);
the writer redacts and files whatever has queued up in one transaction (one INSERT for them all),
so that the journal adds no store round trip, and no write lock, to a request (measured with
``python -m bench.journal``); the WAL checkpoint its pages call for runs after the writers' turn,
at most once every ``CHECKPOINT_SECONDS`` (:meth:`adapters.store.Store.background_writes`).
Readers in the same process call :meth:`Journal.flush` first, so that a caller sees its own calls;
another worker's entries follow within one gathering (0.05 s; up to 0.2 s under sustained load).
A journal that cannot write (store away, disk full) logs and drops the batch; the answers have gone
out already. Retention (count and age) runs every ``PRUNE_EVERY`` entries, on the writer thread.
"""
from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from adapters.store import Store, StoreUnavailable
from adapters.store import journal as store_journal
from adapters.upstream import redact
from gateway import xmlsafe
from gateway.admin.exchange import Exchange, outcome
from gateway.config import Settings
from gateway.routing import request_headers

log = logging.getLogger(__name__)

PRUNE_EVERY = 500
BATCH = 500
#: The writer gathers entries this long before it writes them: one transaction for many requests
#: costs far less than one each (a reader in the process cuts the wait short, see flush()).
GATHER_SECONDS = 0.05
#: Under sustained load (at least ``BUSY`` entries arrived during one gathering) it gathers again,
#: up to this long in all: fewer, larger transactions (2.7 % more LIS readResults/s than writing
#: every 0.05 s), while a caller that sends one call at a time still sees it in another worker
#: within one gathering.
GATHER_BUSY_SECONDS = 0.2
BUSY = 10
#: The writer copies its write-ahead log into the database at most this often: each copy ends in
#: an fsync, and once a batch (every 0.05-0.2 s) it cost 2.4 % of LIS readResults/s (two
#: journaling servers loaded at once, ``bench.journal --together``). A crash loses no committed
#: entry either way: the log is part of the database until it is copied.
CHECKPOINT_SECONDS = 1.0
#: A backlog beyond either bound (a store that stopped answering, a writer that fell behind) is
#: dropped rather than held in memory.
MAX_QUEUED = 10_000
MAX_QUEUED_BYTES = 64 * 1024 * 1024
#: Request headers that describe the transfer, not what the client said.
_SKIPPED_HEADERS = ("Content-Length", "Host", "Connection")
CUT_MARK = b"\n<!-- lms-gateway: cut here, the body was longer -->"


@dataclass
class Pending:
    """What the request thread hands over: plain values, nothing that belongs to the server."""

    at: datetime
    request_id: str
    method: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes
    oauth: dict[str, Any] | None
    exchange: Exchange
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes
    duration_ms: float
    fault_rule: int | None


class Journal:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self._queue: queue.SimpleQueue[Pending] = queue.SimpleQueue()  # bounded in record()
        self._unwritten = 0
        self._queued_bytes = 0
        self._idle = threading.Condition()
        self._written = 0
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._start_lock = threading.Lock()
        self._hurry = threading.Event()
        self._next_checkpoint = 0.0
        store.before_dispose(self.flush)

    def record(self, environ: dict, exchange: Exchange, status: int, headers: list[tuple[str, str]], body: bytes,
               duration_ms: float, fault_rule: int | None) -> None:
        path = environ.get("PATH_INFO", "") or "/"
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        pending = Pending(datetime.now(timezone.utc), environ.get("lms.request_id", ""), environ.get("REQUEST_METHOD", "GET"),
                          path, request_headers(environ, _SKIPPED_HEADERS), self._kept(environ.get("lms.raw_body", b"")),
                          environ.get("lms.oauth"), exchange, status, list(headers), self._kept(body), duration_ms, fault_rule)
        size = _size(pending)
        self._ensure_writer()
        with self._idle:
            room = self._unwritten < MAX_QUEUED and self._queued_bytes + size <= MAX_QUEUED_BYTES
            if room:
                self._unwritten += 1
                self._queued_bytes += size
        if room:
            self._queue.put(pending)
        else:
            log.warning("request journal backlog full; request %s not journaled", pending.request_id)

    def _kept(self, body: bytes) -> bytes:
        """What the writer may keep of a body: the cap and one byte more, which tells it to mark the cut.

        Cut here, on the request thread, so that a backlog holds at most that much per body.
        """
        cap = self.settings.journal_max_body_bytes
        return bytes(body[: cap + 1]) if len(body) > cap + 1 else body

    def _done(self, batch: list[Pending]) -> None:
        with self._idle:
            self._unwritten -= len(batch)
            self._queued_bytes -= sum(map(_size, batch))
            self._idle.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until this process's entries are in the store; False if that took longer than ``timeout``."""
        deadline = time.monotonic() + timeout
        self._hurry.set()
        with self._idle:
            while self._unwritten:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _ensure_writer(self) -> None:
        # one writer per process, started in the process that records (gunicorn forks after import)
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._start_lock:
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._write_forever, name="journal-writer", daemon=True)
                self._thread.start()
                atexit.register(self.flush, 2.0)

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + GATHER_BUSY_SECONDS
            while True:
                hurried = self._hurry.wait(GATHER_SECONDS)
                if hurried:
                    self._hurry.clear()
                before = len(batch)
                while len(batch) < BATCH:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                if hurried or len(batch) - before < BUSY or len(batch) >= BATCH or time.monotonic() >= deadline:
                    break
            try:
                self._write(batch)
            finally:
                self._done(batch)
                del batch  # not held (bodies and all) while the queue waits for the next one

    def _write(self, batch: list[Pending]) -> None:
        try:
            rows = [self._row(p) for p in batch]
            with self.store.background_writes(self._checkpoint_due()) as connection:
                with self.store.writer, connection.begin():  # in turn with this store's other writers
                    store_journal.write_many(connection, rows)
        except StoreUnavailable as exc:  # expected while the store is down: one line, no traceback
            log.warning("could not journal %d request(s): the store is unavailable (%s)", len(batch), _first_line(exc))
            return
        except Exception:
            log.warning("could not journal %d request(s)", len(batch), exc_info=True)
            return
        before, self._written = self._written, self._written + len(batch)
        if before // PRUNE_EVERY != self._written // PRUNE_EVERY or before == 0:
            self.prune()

    def _checkpoint_due(self) -> bool:
        now = time.monotonic()
        if now < self._next_checkpoint:
            return False
        self._next_checkpoint = now + CHECKPOINT_SECONDS
        return True

    def prune(self) -> int:
        try:
            with self.store.background_writes(self._checkpoint_due()) as connection:
                with self.store.writer, connection.begin():
                    return store_journal.prune(connection, self.settings.journal_max_entries,
                                               self.settings.journal_max_age_seconds)
        except StoreUnavailable as exc:
            log.warning("could not prune the request journal: the store is unavailable (%s)", _first_line(exc))
            return 0
        except Exception:
            log.warning("could not prune the request journal", exc_info=True)
            return 0

    def _row(self, p: Pending) -> dict[str, Any]:
        req_headers, removed = redact.headers(p.request_headers)
        removed = [f"request {r}" for r in removed]
        path, query_removed = redact.query(p.path)
        removed += [f"request {r}" for r in query_removed]
        req_body, body_removed = self._body(p.request_body, req_headers.get("Content-Type", ""))
        removed += [f"request {r}" for r in body_removed]
        resp_headers, resp_removed = redact.headers(dict(p.response_headers))
        resp_body, resp_body_removed = self._body(p.response_body, resp_headers.get("Content-Type", ""))
        removed += [f"response {r}" for r in (*resp_removed, *resp_body_removed)]
        e = p.exchange
        return {
            "at": p.at, "request_id": p.request_id, "protocol": e.protocol, "operation": e.operation,
            "account": e.account, "keys": e.keys, "oauth": p.oauth, "method": p.method, "path": path,
            "status": p.status, "outcome": outcome(e.protocol, p.status, p.response_body) if e.outcome is None else e.outcome,
            "duration_ms": round(p.duration_ms, 3),
            "fault_rule": p.fault_rule, "worker": self._pid, "request_headers": req_headers, "request_body": req_body,
            "response_headers": resp_headers, "response_body": resp_body, "redacted": sorted(set(removed)),
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


def _size(p: Pending) -> int:
    return len(p.request_body) + len(p.response_body)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or ["no answer"])[0]
