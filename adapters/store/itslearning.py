"""Store operations of the itslearning Migration API: assets, the message queue, course lookups.

Isolation (DESIGN.md §10): itslearning scopes everything by site, so every lookup a caller can
steer takes the account AND the site of its credential (or of the queued message): an asset,
message, course, user or folder of another site is simply not found, with the same answer as one
that does not exist.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from adapters.integers import INT32, in_range
from adapters.store.hot import HotUnit, Prepared
from adapters.store.models import ItsAsset, ItsCourse, ItsElement, ItsGrade, ItsMessage, ItsUser

INQUEUE, PROCESSING, FINISHED = "InQueue", "Processing", "Finished"


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


# --- assets ---------------------------------------------------------------------------------


def add_asset(session: Session, account_id: int, site_id: int, name: str, content: bytes, keep_days: int,
              guid: str | None = None) -> ItsAsset:
    uploaded = now()
    asset = ItsAsset(
        guid=guid or str(uuid.uuid4()), account_id=account_id, site_id=site_id, name=name, size=len(content),
        content=content, uploaded_at=uploaded, expires_at=uploaded + timedelta(days=keep_days),
    )
    session.add(asset)
    session.flush()
    return asset


def live_asset(session: Session, account_id: int, site_id: int, guid: str) -> ItsAsset | None:
    """The site's asset with that GUID, unless it has expired."""
    asset = session.get(ItsAsset, guid.strip().lower())
    if asset is None or (asset.account_id, asset.site_id) != (account_id, site_id) or aware(asset.expires_at) <= now():
        return None
    return asset


def site_asset_bytes(session: Session, account_id: int, site_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.sum(ItsAsset.size), 0)).where(
            ItsAsset.account_id == account_id, ItsAsset.site_id == site_id, ItsAsset.expires_at > now()
        )
    )


# --- the message queue ----------------------------------------------------------------------


def enqueue(session: Session, account_id: int, site_id: int, type_: int, data: str) -> ItsMessage:
    message = ItsMessage(account_id=account_id, site_id=site_id, type=type_, data=data, status=INQUEUE, details=[])
    session.add(message)
    session.flush()
    return message


def _claimable(at: datetime):
    return or_(ItsMessage.status == INQUEUE, and_(ItsMessage.status == PROCESSING, ItsMessage.lease_until < at))


def claim(session: Session, lease_seconds: float) -> int | None:
    """Take the oldest message that is queued or whose worker's lease ran out; None when idle.

    The conditional UPDATE is the lock: of two workers racing for one message, one updates a row
    and the other none, on SQLite and PostgreSQL alike.
    """
    at = now()
    for candidate in session.scalars(select(ItsMessage.id).where(_claimable(at)).order_by(ItsMessage.id).limit(5)):
        won = session.execute(
            update(ItsMessage)
            .where(ItsMessage.id == candidate, _claimable(at))
            .values(status=PROCESSING, lease_until=at + timedelta(seconds=lease_seconds), tries=ItsMessage.tries + 1)
        ).rowcount
        if won:
            return candidate
    return None


def finish(session: Session, message: ItsMessage, details: list[dict]) -> None:
    message.status = FINISHED
    message.details = details
    message.finished_at = now()
    message.lease_until = None


def site_message(db: HotUnit | Session, account_id: int, site_id: int, message_id: int) -> tuple | None:
    """The site's message ``message_id`` as ``(id, status, details)`` (what a poll answers; never its
    data, which can be large); None for any id an ``Integer`` column cannot hold."""
    if not in_range(message_id, INT32):
        return None
    return _SITE_MESSAGE.first(db, id=message_id, account_id=account_id, site_id=site_id)


# Built once: clients poll GetMessageResult in a loop.
_MESSAGES = ItsMessage.__table__
_SITE_MESSAGE = Prepared(select(_MESSAGES.c.id, _MESSAGES.c.status, _MESSAGES.c.details).where(
    _MESSAGES.c.id == bindparam("id"), _MESSAGES.c.account_id == bindparam("account_id"),
    _MESSAGES.c.site_id == bindparam("site_id"),
))


# --- courses, users, folders, grades --------------------------------------------------------


def course(session: Session, account_id: int, site_id: int, *, course_id: int | None = None,
           sync_key: str | None = None) -> ItsCourse | None:
    if course_id is not None and not in_range(course_id, INT32):
        return None
    query = select(ItsCourse).where(ItsCourse.account_id == account_id, ItsCourse.site_id == site_id)
    query = query.where(ItsCourse.id == course_id) if course_id is not None else query.where(ItsCourse.sync_key == sync_key)
    return session.scalar(query)


def user(session: Session, account_id: int, site_id: int, *, user_id: int | None = None,
         sync_key: str | None = None) -> ItsUser | None:
    if user_id is not None and not in_range(user_id, INT32):
        return None
    query = select(ItsUser).where(ItsUser.account_id == account_id, ItsUser.site_id == site_id)
    query = query.where(ItsUser.id == user_id) if user_id is not None else query.where(ItsUser.sync_key == sync_key)
    return session.scalar(query)


def element(session: Session, account_id: int, site_id: int, *, element_id: int | None = None,
            sync_key: str | None = None) -> ItsElement | None:
    """An element of a course of the site (elements belong to the site through their course)."""
    if element_id is not None and not in_range(element_id, INT32):
        return None
    query = (select(ItsElement).join(ItsCourse, ItsCourse.id == ItsElement.course_id)
             .where(ItsElement.account_id == account_id, ItsCourse.site_id == site_id))
    query = query.where(ItsElement.id == element_id) if element_id is not None else query.where(ItsElement.sync_key == sync_key)
    return session.scalar(query)


def sync_key_taken(session: Session, account_id: int, sync_key: str) -> bool:
    return session.scalar(
        select(func.count()).select_from(ItsElement).where(ItsElement.account_id == account_id, ItsElement.sync_key == sync_key)
    ) > 0


def grade(session: Session, account_id: int, grade_id: int) -> ItsGrade | None:
    found = session.get(ItsGrade, grade_id) if in_range(grade_id, INT32) else None
    return found if found is not None and found.account_id == account_id else None


def element_of_message(session: Session, message_id: int) -> ItsElement | None:
    return session.scalar(select(ItsElement).where(ItsElement.message_id == message_id))


def ensure_row(session: Session, model, row_id: int, **fields):
    """A row with a fixed id (demo data), created if missing.

    PostgreSQL's id sequence does not see explicit ids: it is moved past them so that the next
    row without an id does not collide.
    """
    row = session.get(model, row_id)
    if row is None:
        row = model(id=row_id, **fields)
        session.add(row)
        session.flush()
        if session.bind.dialect.name == "postgresql":
            table = model.__tablename__
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            )
    return row
