"""OAuth 1.0 nonces in the store (DESIGN.md §7): (consumer key, nonce, timestamp) is unique, so a
replay is caught by whichever process or host sees it second."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.store.models import OAuthNonce


def _insert(dialect_insert):
    table = OAuthNonce.__table__
    return (
        dialect_insert(table)
        .on_conflict_do_nothing(index_elements=["consumer_key", "nonce", "timestamp"])
        .returning(table.c.id)  # rowcount is unreliable with RETURNING (psycopg); a row back means new
    )


#: Built once (this runs on every signed request), by "is PostgreSQL".
_INSERTS = {False: _insert(sqlite.insert), True: _insert(postgresql.insert)}


def remember_nonce(session: Session, consumer_key: str, nonce: str, timestamp: int) -> bool:
    """Record a nonce; False when it was already recorded (a replay).

    ``INSERT ... ON CONFLICT DO NOTHING`` rather than catching IntegrityError: on PostgreSQL a failed
    INSERT would poison the rest of the unit of work, and both dialects support the clause.
    """
    connection = session.connection()
    stmt = _INSERTS[connection.dialect.name == "postgresql"]
    seen = {"consumer_key": consumer_key, "nonce": nonce, "timestamp": timestamp, "seen_at": datetime.now(timezone.utc)}
    return connection.execute(stmt, seen).scalar() is not None


def prune_nonces(session: Session, window_seconds: int, now: float | None = None) -> int:
    """Forget nonces whose timestamp is older than the accepted window: a request carrying such a
    timestamp fails the timestamp check before its nonce is looked at, so keeping them buys nothing."""
    cutoff = int((time.time() if now is None else now) - window_seconds)
    return session.execute(delete(OAuthNonce).where(OAuthNonce.timestamp < cutoff)).rowcount
