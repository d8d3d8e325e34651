"""Failed-login counters in the store (DESIGN.md §10): every worker and host counts together.

Each counter is one row per key. A failure is one atomic ``INSERT ... ON CONFLICT DO UPDATE``, so
two processes failing at once both count; a counter whose row has expired starts again at 1.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, Table, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from adapters.store.models import LoginFailure

_TABLE = LoginFailure.__table__


def _upsert(dialect_insert):
    stmt = dialect_insert(_TABLE).values(
        key=bindparam("key"), failures=1, blocked_until=None, expires_at=bindparam("expires_at")
    )
    expired = _TABLE.c.expires_at <= bindparam("now", type_=_TABLE.c.expires_at.type)
    return stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "failures": case((expired, 1), else_=_TABLE.c.failures + 1),
            "blocked_until": case((expired, None), else_=_TABLE.c.blocked_until),
            "expires_at": stmt.excluded.expires_at,
        },
    ).returning(_TABLE.c.failures)


#: Built once (by "is PostgreSQL"): a failed login runs one per key.
_UPSERTS = {False: _upsert(sqlite.insert), True: _upsert(postgresql.insert)}


#: How many keys a login is counted under; the state queries take them as ``k0`` .. ``k2`` (``k0``
#: is the credential-from-this-address key, the one a success clears) and the moment as ``now``.
KEYS = 3


def _state():
    """One row whatever the table holds (an aggregate): the latest ``blocked_until`` among the live
    counters of ``k0``..``k2``, and whether ``k0`` has a live counter (1/0)."""
    keys = [bindparam(f"k{i}", type_=_TABLE.c.key.type) for i in range(KEYS)]
    return (
        select(func.max(_TABLE.c.blocked_until).label("blocked_until"),
               func.max(case((_TABLE.c.key == keys[0], 1), else_=0)).label("seen"))
        .where(_TABLE.c.key.in_(keys), _TABLE.c.expires_at > bindparam("now", type_=_TABLE.c.expires_at.type))
    )


_STATE = _state()


def state(session: Session, params: dict) -> tuple[datetime | None, bool]:
    """``(blocked_until, seen)`` of the keys in ``params`` (see :data:`KEYS`)."""
    blocked_until, seen = session.connection().execute(_STATE, params).one()
    return blocked_until, bool(seen)


def guarded(table: Table, condition: ColumnElement[bool]) -> Select:
    """``table``'s rows matching ``condition``, each led by the login state of :func:`state`.

    The state is an aggregate, so the answer always has a first row (with the table's columns NULL
    when nothing matches): a login's counters and its credential cost one query, not two. Build it
    once per lookup and run it with :func:`guarded_rows`.
    """
    login_state = _STATE.subquery("login_state")
    return select(login_state.c.blocked_until, login_state.c.seen, *table.c).select_from(
        login_state.outerjoin(table, condition)
    )


def guarded_rows(session: Session, statement: Select, params: dict) -> tuple[tuple[datetime | None, bool], list]:
    """Run a :func:`guarded` statement: ``((blocked_until, seen), the matching rows)`` (the table
    must be keyed by ``id``: a NULL id is the outer join's row of no match)."""
    rows = session.connection().execute(statement, params).all()
    first = rows[0]
    return (first.blocked_until, bool(first.seen)), [row for row in rows if row.id is not None]


def count_failure(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Count one failure under ``key``; returns the count within the current window."""
    connection = session.connection()
    stmt = _UPSERTS[connection.dialect.name == "postgresql"]
    return connection.execute(stmt, {"key": key, "now": now, "expires_at": now + window}).scalar_one()


def block(session: Session, key: str, until: datetime, expires_at: datetime) -> None:
    session.execute(
        update(LoginFailure).where(LoginFailure.key == key).values(blocked_until=until, expires_at=expires_at)
    )


def forget(session: Session, key: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key == key))


def prune(session: Session, now: datetime) -> int:
    """Forget counters past their expiry (they would restart at 1 anyway)."""
    return session.execute(delete(LoginFailure).where(LoginFailure.expires_at <= now)).rowcount
