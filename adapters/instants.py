"""Instants given as text by callers (API filters, rule deadlines): ISO 8601, ``Z`` allowed, a
time without an offset read as UTC; and instants read back from the store, where SQLite returns UTC
without an offset."""
from __future__ import annotations

from datetime import datetime, timezone


def parse_utc(value: object, name: str) -> datetime | None:
    """``None`` for an empty value; ``ValueError`` naming ``name`` for one that is not a time."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} must be an ISO 8601 time such as 2026-11-30T12:00:00Z, not {value!r}") from None
    return aware(moment)


def aware(moment: datetime | None) -> datetime | None:
    """``moment`` with UTC as its offset when it has none (SQLite gives stored times back naive)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
