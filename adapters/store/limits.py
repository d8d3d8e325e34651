"""Lengths the store's columns hold, checked before a write so that an over-long value is a clear
refusal (the CLI's and the admin API's) rather than a database error: PostgreSQL refuses a string
longer than its varchar, SQLite would keep it silently."""
from __future__ import annotations

from sqlalchemy.orm import InstrumentedAttribute

#: Limits of values kept in JSON columns, which have no length of their own. 255 is LTI 1.3 Core's
#: limit for a deployment_id.
DEPLOYMENT_ID_MAX = 255


def fit(value: str, what: str, limit: int | InstrumentedAttribute) -> str:
    """``value`` when it is not blank and within ``limit`` (a number, or a mapped String column's length)."""
    if not value.strip():
        raise ValueError(f"{what} is empty")
    if isinstance(limit, InstrumentedAttribute):
        limit = limit.property.columns[0].type.length
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters long; at most {limit} fit")
    return value
