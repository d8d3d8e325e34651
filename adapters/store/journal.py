"""The request journal in the store (DESIGN.md §13): one row per exchange, shared by every worker.

Rows arrive already redacted (the gateway redacts before it writes); this module only files,
finds, counts and prunes them, and opens the database they live in (:func:`open_store`).
"""
from __future__ import annotations

import operator
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import JSON, delete, event, func, insert, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, CreateTable

from adapters.instants import parse_utc
from adapters.store.db import Store, normalise_url
from adapters.store.models import JournalEntry

_TABLE = JournalEntry.__table__
_INSERT = insert(_TABLE)
#: The columns a new row fills, in the order of the SQLite fast path's parameters.
_COLUMNS = tuple(c.name for c in _TABLE.columns if not c.primary_key)
_JSON_COLUMNS = tuple(c.name for c in _TABLE.columns if isinstance(c.type, JSON))
_VALUES = operator.itemgetter(*_COLUMNS)


def file_url(store_url: str, configured: str = "") -> str | None:
    """The SQLite file the journal lives in: ``configured`` if given, else one beside a SQLite file
    store (``lms-gateway.db`` -> ``lms-gateway-journal.db``); None keeps it a table of the store
    (PostgreSQL, an in-memory SQLite store).

    The journal writes far more than everything else together (about 4 KB an exchange against a
    nonce's few bytes). In the store's own write-ahead log, its pages pushed the log past the
    checkpoint threshold, and then the commit of whichever request came next copied them into the
    database; in a file of its own it checkpoints only itself (``bench.journal --together``, a
    journaling server against one with the journal in the store: +4.7 % LIS readResults a second).
    """
    if configured:
        return normalise_url(configured)
    url = make_url(normalise_url(store_url))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return None
    stem, dot, suffix = url.database.rpartition(".")
    path = f"{stem}-journal.{suffix}" if dot and "/" not in suffix else f"{url.database}-journal"
    return url.set(database=path).render_as_string(hide_password=False)


def open_store(store: Store, configured: str = "") -> Store:
    """The store journal rows go to: ``store`` itself, or the file of :func:`file_url`, disposed
    with ``store``. Nothing is opened here: a gateway starts while its store is away, and its
    journal, like the store, answers once the file can be opened."""
    url = file_url(store.url, configured)
    if url is None or _same_file(url, store.url):
        return store
    journal = Store(url)
    event.listen(journal.engine, "connect", _ensure_table)
    store.before_dispose(journal.dispose)
    return journal


def _same_file(url: str, other: str) -> bool:
    a, b = make_url(url), make_url(other)
    return a.get_backend_name() == b.get_backend_name() == "sqlite" and (
        os.path.realpath(a.database or "") == os.path.realpath(b.database or ""))


def _ensure_table(dbapi_connection, _record) -> None:
    """On every new connection to a journal file (after the store's pragmas): the file holds this
    one table, outside the store's migrations. Its ``user_version`` is a checksum of the table's
    DDL, and a file written by another version of the table is emptied and made anew (its entries
    were diagnostics, bounded by count and age anyway)."""
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA user_version").fetchone()[0] == _FILE_VERSION:
            return
        cursor.execute("BEGIN IMMEDIATE")  # two workers starting at once: one makes it
        if cursor.execute("PRAGMA user_version").fetchone()[0] != _FILE_VERSION:
            cursor.execute(f"DROP TABLE IF EXISTS {_TABLE.name}")
            for statement in _FILE_DDL:
                cursor.execute(statement)
            cursor.execute(f"PRAGMA user_version={_FILE_VERSION}")
        cursor.execute("COMMIT")
    finally:
        cursor.close()


def _file_ddl(indexes) -> tuple[str, ...]:
    """The journal file's DDL; ``indexes`` come in any order (a table's are a set, ordered by object
    ids), their statements by name, so that the checksum is the same at every start."""
    return tuple(str(ddl.compile(dialect=sqlite.dialect())).strip()
                 for ddl in (CreateTable(_TABLE), *(CreateIndex(i) for i in sorted(indexes, key=lambda i: i.name))))


_FILE_DDL = _file_ddl(_TABLE.indexes)
_FILE_VERSION = zlib.crc32(";".join(_FILE_DDL).encode()) & 0x7FFFFFFF


def key_index(keys: dict[str, list[str]]) -> str:
    """``|k1|k2|``: every key value between bars, so that ``LIKE '%|k|%'`` finds exactly ``k``."""
    values = [v.replace("|", "/") for vs in keys.values() for v in vs]
    return "|" + "|".join(values) + "|" if values else ""


def write_many(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """One INSERT for all ``rows`` (the columns of :class:`JournalEntry`; ``key_index`` is derived).

    The rows are given away: they are completed and converted in place (the journal's writer makes
    them for this call alone), which spares a copy of every row.
    """
    if not rows:
        return
    for row in rows:
        row["key_index"] = key_index(row.get("keys") or {})
    if connection.dialect.name == "sqlite":
        _sqlite_write_many(connection, rows)
    else:  # PostgreSQL: SQLAlchemy sends the rows as multi-row INSERTs, few round trips
        connection.execute(_INSERT, rows)


def _sqlite_write_many(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """The same INSERT, its parameters made here rather than by SQLAlchemy's per-value processors,
    and many rows to a statement.

    The journal writes a row per exchange; SQLAlchemy's processing of a row's 20 values (five
    through ``json.dumps``) cost more than the INSERT itself. The values are the ones SQLAlchemy
    would send: its own processor formats ``at``, and orjson writes JSON that ``json.loads`` reads
    back alike. Python's sqlite3 lets go of the interpreter lock around every statement it steps,
    and an executemany steps one per row: the writer then took turns with the request threads once
    per row, each turn a context switch for both. Multi-row statements of fixed sizes (so that the
    connection's statement cache keeps them) take one turn for up to ``ROWS_PER_STATEMENT`` rows.
    """
    at = _sqlite_at(connection.dialect)
    for row in rows:
        row["at"] = at(row["at"])
        for name in _JSON_COLUMNS:
            row[name] = orjson.dumps(row.get(name)).decode()
    values = list(map(_VALUES, rows))
    start = 0
    for size in _statement_sizes(len(values)):
        connection.exec_driver_sql(_sqlite_insert(connection.dialect, size),
                                   tuple(v for row in values[start:start + size] for v in row))
        start += size


#: 32 rows of 20 values stay far inside SQLite's limit on parameters (999 before 3.32).
ROWS_PER_STATEMENT = 32


def _statement_sizes(count: int) -> list[int]:
    """Full statements, then the rest in powers of two: at most six statement shapes in all."""
    sizes = [ROWS_PER_STATEMENT] * (count // ROWS_PER_STATEMENT)
    rest = count % ROWS_PER_STATEMENT
    return sizes + [1 << bit for bit in reversed(range(rest.bit_length())) if rest & (1 << bit)]


@lru_cache(maxsize=4)
def _sqlite_at(dialect) -> Callable[[datetime], str]:
    return _TABLE.c.at.type.dialect_impl(dialect).bind_processor(dialect)


@lru_cache(maxsize=32)
def _sqlite_insert(dialect, rows: int) -> str:
    compiled = _INSERT.compile(dialect=dialect, column_keys=list(_COLUMNS))
    assert tuple(compiled.positiontup) == _COLUMNS, compiled.positiontup  # qmark: parameters by position
    head, values, one = str(compiled).partition(" VALUES ")
    assert values and one.count("?") == len(_COLUMNS), one
    return head + values + ", ".join([one] * rows)


@dataclass(frozen=True)
class Filter:
    """What ``GET /__admin/requests`` and ``POST /__admin/requests/count`` select by."""

    protocol: str | None = None
    operation: str | None = None
    key: str | None = None
    status: int | None = None
    since: datetime | None = None
    account: str | None = None
    fault_rule: int | None = None

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> "Filter":
        """From query parameters or a JSON body; raises ValueError naming a bad value."""
        known = {"protocol", "operation", "key", "status", "since", "account", "fault_rule", "sourced_id"}
        unknown = set(values) - known - {"limit"}
        if unknown:
            raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}; use {', '.join(sorted(known))}")
        status = values.get("status")
        since = values.get("since")
        rule = values.get("fault_rule")
        try:
            status = int(status) if status not in (None, "") else None
        except (TypeError, ValueError):
            raise ValueError(f"status must be an HTTP status number, not {status!r}") from None
        try:
            rule = int(rule) if rule not in (None, "") else None
        except (TypeError, ValueError):
            raise ValueError(f"fault_rule must be a rule id, not {rule!r}") from None
        since = parse_utc(since, "since")

        def text(name: str) -> str | None:
            value = values.get(name)
            return str(value) if value not in (None, "") else None

        return cls(text("protocol"), text("operation"), text("key") or text("sourced_id"), status, since,
                   text("account"), rule)

    def where(self) -> list:
        c = _TABLE.c
        clauses = []
        if self.protocol:
            clauses.append(c.protocol == self.protocol)
        if self.operation:
            clauses.append(c.operation == self.operation)
        if self.key:
            escaped = self.key.replace("|", "/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(c.key_index.like(f"%|{escaped}|%", escape="\\"))
        if self.status is not None:
            clauses.append(c.status == self.status)
        if self.since is not None:
            clauses.append(c.at >= self.since)
        if self.account:
            clauses.append(c.account == self.account)
        if self.fault_rule is not None:
            clauses.append(c.fault_rule == self.fault_rule)
        return clauses


#: Columns a listing shows (bodies and headers only for one entry).
SUMMARY = ("id", "at", "request_id", "protocol", "operation", "account", "keys", "oauth", "method", "path",
           "status", "outcome", "duration_ms", "fault_rule", "worker")


def entries(session: Session, where: Filter, limit: int = 100) -> list[dict[str, Any]]:
    columns = [_TABLE.c[name] for name in SUMMARY]
    stmt = select(*columns).where(*where.where()).order_by(_TABLE.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in session.execute(stmt)]


def entry(session: Session, entry_id: int) -> dict[str, Any] | None:
    row = session.execute(select(_TABLE).where(_TABLE.c.id == entry_id)).first()
    return None if row is None else dict(row._mapping)


def count(session: Session, where: Filter) -> int:
    return session.execute(select(func.count()).select_from(_TABLE).where(*where.where())).scalar_one()


def clear(session: Session) -> int:
    return session.execute(delete(_TABLE)).rowcount


def prune(connection: Connection, max_entries: int, max_age_seconds: int, now: datetime | None = None) -> int:
    """Drop entries older than the age limit and all but the newest ``max_entries``.

    The surplus is counted (over the smallest index) and only the oldest rows, the ones dropped,
    are walked: finding the ``max_entries``-th newest by ``OFFSET`` read every kept row's page.
    """
    now = now or datetime.now(timezone.utc)
    c = _TABLE.c
    with _freed_pages_not_zeroed(connection):
        removed = connection.execute(delete(_TABLE).where(c.at < now - timedelta(seconds=max_age_seconds))).rowcount
        surplus = connection.execute(select(func.count()).select_from(_TABLE)).scalar_one() - max_entries
        if surplus > 0:
            last = connection.execute(select(c.id).order_by(c.id).offset(surplus - 1).limit(1)).scalar_one()
            removed += connection.execute(delete(_TABLE).where(c.id <= last)).rowcount
    return removed


@contextmanager
def _freed_pages_not_zeroed(connection: Connection) -> Iterator[None]:
    """SQLite built with SECURE_DELETE (Debian's is) zeroes every page a DELETE frees, which wrote
    each dropped entry's pages a second time. Journal rows hold no secret (they are redacted before
    they are written), so their freed pages may keep old bytes until reused: ``FAST`` zeroes only
    what costs no extra write. Other tables keep the connection's own setting."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
    connection.exec_driver_sql("PRAGMA secure_delete=FAST")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA secure_delete={int(before)}")
