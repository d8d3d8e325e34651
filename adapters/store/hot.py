"""The statements every signed request runs, compiled once and run on a pooled DBAPI connection.

SQLAlchemy's Core execution costs about 60 µs a statement here (execution context, result metadata)
and an ORM unit of work about 130 µs; a pooled DBAPI cursor runs the same SQL in a few µs. The few
statements on the hot paths (the OAuth nonce, a result by sourcedId, the WebEx and itslearning logins
with their failed-login counters, the latest attempt, a message's status) are therefore compiled once per
dialect by SQLAlchemy and run directly: the same SQL, the same type conversions (SQLAlchemy's own bind
and result processors), the same connection pool. Everything else stays on sessions.

    with store.hot() as unit:                      # one transaction, committed when the block ends
        row = unit.first(BY_ID, account=3, id="49313814")

A :class:`Prepared` statement also runs inside an ORM session (``prepared.first(session, ...)``), so
a function that takes either works the same in the CLI's units of work.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable


@dataclass
class _Compiled:
    sql: str
    #: Parameter names in the order of the SQL's placeholders; None for a named paramstyle.
    order: tuple[str, ...] | None
    defaults: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    columns: tuple
    #: Result processors, known from the first cursor's description (PostgreSQL's numeric
    #: processors depend on the type the server reports).
    results: tuple[Callable[[Any], Any] | None, ...] | None = None

    def parameters(self, values: dict[str, Any]):
        merged = {**self.defaults, **values}
        for name, process in self.binds.items():
            merged[name] = process(merged[name])
        return tuple(merged[name] for name in self.order) if self.order is not None else merged

    def row(self, dialect: Dialect, description, raw: tuple | None) -> tuple | None:
        if self.results is None:
            self.results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, d[1])
                                 for column, d in zip(self.columns, description))
        if raw is None or not any(self.results):
            return raw
        return tuple(p(v) if p is not None else v for p, v in zip(self.results, raw))


class Prepared:
    """A Core statement, compiled the first time each dialect runs it with each set of parameter
    names (an INSERT without ``.values()`` names its columns from the parameters, as in Core)."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def compiled(self, dialect: Dialect, names: frozenset[str]) -> _Compiled:
        found = self._compiled.get((dialect.name, names))
        if found is None:
            found = self._compiled[dialect.name, names] = self._compile(dialect, names)
        return found

    def _compile(self, dialect: Dialect, names: frozenset[str]) -> _Compiled:
        table = getattr(self.statement, "table", None)
        if getattr(self.statement, "is_insert", False) and table is not None:
            # Core fills Python-side column defaults at execution; the DBAPI would write NULL instead
            missing = sorted(c.key for c in table.columns if c.default is not None and c.key not in names)
            if missing:
                raise ValueError(f"a prepared INSERT into {table.name} must name {', '.join(missing)}")
        compiled = self.statement.compile(dialect=dialect, column_keys=sorted(names))
        binds = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        return _Compiled(compiled.string, tuple(compiled.positiontup) if compiled.positional else None,
                         {k: v for k, v in compiled.params.items() if v is not None}, binds,
                         tuple(getattr(self.statement, "selected_columns", ())))

    def first(self, db: "HotUnit | Session", **values) -> tuple | None:
        """The first row (a tuple, or a Row that indexes the same), or None."""
        if isinstance(db, Session):
            result = db.connection().execute(self.statement, values)
            return result.first() if result.returns_rows else None  # a DELETE, as on a hot unit
        return db.first(self, **values)

    def all(self, db: "HotUnit | Session", **values) -> list[tuple]:
        """Every row (tuples, or Rows that index the same)."""
        if isinstance(db, Session):
            return list(db.connection().execute(self.statement, values).all())
        return db.all(self, **values)


class HotUnit:
    """One transaction on one pooled DBAPI connection (see :meth:`adapters.store.Store.hot`)."""

    def __init__(self, connection, dialect: Dialect):
        self._connection = connection
        self._dialect = dialect

    def first(self, prepared: Prepared, **values) -> tuple | None:
        rows = self._rows(prepared, values, only_first=True)
        return rows[0] if rows else None

    def all(self, prepared: Prepared, **values) -> list[tuple]:
        return self._rows(prepared, values, only_first=False)

    def _rows(self, prepared: Prepared, values: dict[str, Any], only_first: bool) -> list[tuple]:
        compiled = prepared.compiled(self._dialect, frozenset(values))
        cursor = self._connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(values))
            if cursor.description is None:  # a statement without rows (a DELETE)
                return []
            raw = [cursor.fetchone()] if only_first else cursor.fetchall()
            return [compiled.row(self._dialect, cursor.description, r) for r in raw if r is not None]
        finally:
            cursor.close()


@contextlib.contextmanager
def unit(engine: Engine, unavailable: Callable[[Exception], Exception]) -> Iterator[HotUnit]:
    """Commit when the block ends, roll back if it raises. A database error that means the store is
    out of reach (the DBAPI's OperationalError/InterfaceError) becomes ``unavailable(exc)``, and the
    connection is dropped from the pool rather than handed to the next request."""
    dbapi = engine.dialect.dbapi
    lost = (dbapi.OperationalError, dbapi.InterfaceError)
    try:
        connection = engine.raw_connection()
    except Exception as exc:
        if isinstance(getattr(exc, "orig", exc), lost):
            raise unavailable(exc) from exc
        raise
    try:
        yield HotUnit(connection, engine.dialect)
        connection.commit()
    except lost as exc:
        connection.invalidate(exc)
        raise unavailable(exc) from exc
    except BaseException:
        with contextlib.suppress(Exception):
            connection.rollback()
        raise
    finally:
        connection.close()
