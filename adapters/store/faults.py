"""Fault rules in the store (DESIGN.md §13), so that every worker and host obeys the same ones."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from adapters.store.models import FaultRule

_TABLE = FaultRule.__table__
_ACTIVE_COLUMNS = [_TABLE.c[n] for n in ("id", "protocol", "operation", "key", "remaining", "until", "action", "params")]


def add(session: Session, **values: Any) -> FaultRule:
    rule = FaultRule(**values)
    session.add(rule)
    session.flush()
    return rule


def listed(session: Session) -> list[FaultRule]:
    return list(session.scalars(select(FaultRule).order_by(FaultRule.id)))


def remove(session: Session, rule_id: int) -> bool:
    return session.execute(delete(_TABLE).where(_TABLE.c.id == rule_id)).rowcount > 0


def clear(session: Session) -> int:
    return session.execute(delete(_TABLE)).rowcount


def current(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Rules that may still answer a call (uses left, time not up), oldest first."""
    now = now or datetime.now(timezone.utc)
    c = _TABLE.c
    stmt = (
        select(*_ACTIVE_COLUMNS)
        .where(or_(c.until.is_(None), c.until > now))
        .where(or_(c.remaining.is_(None), c.remaining > 0))
        .order_by(c.id)
    )
    return [dict(row._mapping) for row in session.execute(stmt)]


def claim(session: Session, rule: dict[str, Any]) -> bool:
    """Count one use of ``rule``; False when its last use was taken by another call meanwhile."""
    c = _TABLE.c
    stmt = update(_TABLE).where(c.id == rule["id"]).values(hits=c.hits + 1)
    if rule["remaining"] is not None:
        stmt = stmt.where(c.remaining > 0).values(remaining=c.remaining - 1)
    return session.execute(stmt).rowcount > 0
