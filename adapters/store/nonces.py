"""OAuth 1.0 nonces in the store (DESIGN.md §7): (consumer key, nonce, timestamp) is unique, so a
replay is caught by whichever process or host sees it second."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.store.hot import HotUnit, Prepared
from adapters.store.models import OAuthNonce


def _insert(dialect_insert) -> Prepared:
    table = OAuthNonce.__table__
    return Prepared(
        dialect_insert(table)
        .on_conflict_do_nothing(index_elements=["consumer_key", "nonce", "timestamp"])
        .returning(table.c.id)  # rowcount is unreliable with RETURNING (psycopg); a row back means new
    )


#: Built once (this runs on every signed request), by "is PostgreSQL".
_INSERTS = {False: _insert(sqlite.insert), True: _insert(postgresql.insert)}


def remember_nonce(db: HotUnit | Session, dialect: str, consumer_key: str, nonce: str, timestamp: int) -> bool:
    """Record a nonce; False when it was already recorded (a replay).

    ``INSERT ... ON CONFLICT DO NOTHING`` rather than catching IntegrityError: on PostgreSQL a failed
    INSERT would poison the rest of the unit of work, and both dialects support the clause.
    """
    seen = {"consumer_key": consumer_key, "nonce": nonce, "timestamp": timestamp, "seen_at": datetime.now(timezone.utc)}
    return _INSERTS[dialect == "postgresql"].first(db, **seen) is not None


def prune_nonces(session: Session, window_seconds: int, now: float | None = None, batch: int | None = None) -> int:
    """Forget nonces that can no longer be replayed; at most ``batch`` of them (all when None).

    A request is accepted only while its timestamp is within ``window_seconds`` of the gateway clock,
    so a nonce first seen more than two windows ago carries a timestamp at least one window old: a
    request carrying it fails the timestamp check before its nonce is looked at. Chosen by ``seen_at``,
    which is indexed (the timestamp is not), so pruning never scans the table; the table holds at
    most two windows of traffic.
    """
    cutoff = datetime.fromtimestamp((time.time() if now is None else now) - 2 * window_seconds, timezone.utc)
    expired = OAuthNonce.seen_at < cutoff
    if batch is not None:
        expired = OAuthNonce.id.in_(select(OAuthNonce.id).where(expired).limit(batch))
    return session.execute(delete(OAuthNonce).where(expired)).rowcount
