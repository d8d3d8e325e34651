"""Failed-login counters in the store (DESIGN.md §10): every worker and host counts together.

Each counter is one row per key. A failure is one atomic ``INSERT ... ON CONFLICT DO UPDATE``, so
two processes failing at once both count; a counter whose row has expired starts again at 1.
"""
from __future__ import annotations

import collections
from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from adapters.store.hot import HotUnit, Prepared
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


_STATE = Prepared(_state())


def state(db: HotUnit | Session, params: dict) -> tuple[datetime | None, bool]:
    """``(blocked_until, seen)`` of the keys in ``params`` (see :data:`KEYS`)."""
    blocked_until, seen = _STATE.first(db, **params)
    return blocked_until, bool(seen)


class Guarded:
    """``table``'s rows matching ``condition``, led by the login state of :func:`state`.

    The state is an aggregate, so the answer always has a first row (with the table's columns NULL
    when nothing matches): a login's counters and its credential cost one query, not two. Build it
    once per lookup; rows come back as :attr:`Row` tuples named by the table's columns.
    """

    def __init__(self, table: Table, condition: ColumnElement[bool]):
        login_state = _state().subquery("login_state")
        self._prepared = Prepared(
            select(login_state.c.blocked_until, login_state.c.seen, *table.c).select_from(
                login_state.outerjoin(table, condition))
        )
        #: The table's rows as named tuples (also what a lookup without the state should give).
        self.Row = collections.namedtuple(f"{table.name}_row", [column.key for column in table.c])
        self._key = 2 + list(table.c).index(next(iter(table.primary_key.columns)))

    def rows(self, db: HotUnit | Session, params: dict) -> tuple[tuple[datetime | None, bool], list]:
        """``((blocked_until, seen), the matching rows)``; a NULL key is the outer join's row of no match."""
        rows = self._prepared.all(db, **params)
        first = rows[0]
        return (first[0], bool(first[1])), [self.Row._make(row[2:]) for row in rows if row[self._key] is not None]


def count_failure(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Count one failure under ``key``; returns the count within the current window."""
    connection = session.connection()
    stmt = _UPSERTS[connection.dialect.name == "postgresql"]
    return connection.execute(stmt, {"key": key, "now": now, "expires_at": now + window}).scalar_one()


def block(session: Session, key: str, until: datetime, expires_at: datetime) -> None:
    session.execute(
        update(LoginFailure).where(LoginFailure.key == key).values(blocked_until=until, expires_at=expires_at)
    )


_FORGET = Prepared(delete(_TABLE).where(_TABLE.c.key == bindparam("key")))


def forget(db: HotUnit | Session, key: str) -> None:
    _FORGET.first(db, key=key)


def prune(session: Session, now: datetime) -> int:
    """Forget counters past their expiry (they would restart at 1 anyway)."""
    return session.execute(delete(LoginFailure).where(LoginFailure.expires_at <= now)).rowcount
