"""Instants given as text by callers (API filters, rule deadlines): ISO 8601, ``Z`` allowed, a
time without an offset read as UTC."""
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
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
