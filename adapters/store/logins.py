"""Failed-login counters in the store (DESIGN.md §10): every worker and host counts together.

Each counter is one row per key. A failure is one atomic ``INSERT ... ON CONFLICT DO UPDATE``, so
two processes failing at once both count; a counter whose row has expired starts again at 1.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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


def counters(session: Session, keys: Sequence[str], now: datetime) -> dict[str, LoginFailure]:
    """The live counters among ``keys`` (expired rows are left out)."""
    rows = session.scalars(select(LoginFailure).where(LoginFailure.key.in_(keys), LoginFailure.expires_at > now))
    return {row.key: row for row in rows}


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
