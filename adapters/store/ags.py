"""AGS 2.0 line items, scores and results, on the LIS tables (DESIGN.md §14).

The identity mapping, in one place:

- An AGS **line item** is a LIS line item (``line_items`` row) that has a ``context_id``; its AGS id
  is ``…/contexts/{context_id}/lineitems/{sourced_id}`` and its LIS ``lineItemSourcedId`` is that same
  ``sourced_id``. Line items created over AGS get a fresh sourcedId (32 hex digits).
- An AGS **user** (``userId``) is a LIS person: ``persons.sourced_id`` is the ``userId``, unless
  the account links that ``userId`` to an LTI 1.1 ``user_id`` (the ``user_id`` of the ``lti1p1``
  migration claim a platform sends for a user it knew under LTI 1.1; :func:`link_user`, from
  ``lms-gateway lti13 users link`` or ``POST /__admin/lti13/users``). Then the person is the one
  whose sourcedId is that LTI 1.1 ``user_id``, the personSourcedId legacy LIS/POX callers know:
  AGS scores for the LTI 1.3 user land on the legacy user's results, and AGS ``/results`` (and its
  ``user_id`` filter) name that person by the LTI 1.3 ``userId``. A link is one to one in an
  account (one ``userId`` per LTI 1.1 ``user_id``) and one hop (never followed further). It
  applies from when it is made: results an AGS user got before it stay on a person of its own
  (and show under the same ``userId``).
- An AGS **result** for (line item L, user U) is the account's LIS result whose line item is L and
  person is U (the oldest, if a LIS client made several). When a score arrives and there is none,
  one is created with sourcedId :func:`result_sourced_id` ``"{L}:{U}"``, U being the person's
  sourcedId (the LTI 1.1 ``user_id`` for a linked user; a digest of U when that would exceed
  255 characters) — the
  ``lis_result_sourcedid`` an LTI 1.1 tool is handed for that pair — so LIS readResult, LTI 1.1
  readResult and ``results list`` read the same row, and their replaceResult changes what AGS
  ``/results`` shows. How the score itself reads on each side is :mod:`adapters.scores`.

Every function takes the caller's account and, for AGS, its context: a line item of another
account or context is simply not found.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import String, and_, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from adapters import scores
from adapters.store.limits import fit
from adapters.store.models import LineItem, Lti13UserLink, Person, Result


#: The length of a LIS sourcedId column.
SOURCED_ID_MAX = 255


def result_sourced_id(line_item_sourced_id: str, user_id: str) -> str:
    """The LIS sourcedId of the result of (line item, user) when AGS creates it: ``"{L}:{U}"``,
    or ``"{L}:sha256:{hex digest of U}"`` when that would not fit a sourcedId (255 characters)."""
    plain = f"{line_item_sourced_id}:{user_id}"
    if len(plain) <= SOURCED_ID_MAX:
        return plain
    return f"{line_item_sourced_id}:sha256:{hashlib.sha256(user_id.encode()).hexdigest()}"[:SOURCED_ID_MAX]


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class LineItemFields:
    """What a tool may set on a line item (AGS names in the comments)."""

    label: str  # label
    score_maximum: float  # scoreMaximum
    resource_id: str | None = None  # resourceId
    resource_link_id: str | None = None  # resourceLinkId
    tag: str | None = None  # tag
    start_date_time: datetime | None = None  # startDateTime
    end_date_time: datetime | None = None  # endDateTime


@dataclass(frozen=True)
class Score:
    """An AGS score as POSTed (already validated)."""

    user_id: str
    timestamp: datetime
    activity_progress: str
    grading_progress: str
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None


@dataclass(frozen=True)
class ResultView:
    """One row of AGS ``/results``."""

    sourced_id: str
    user_id: str
    result_score: float | None
    result_maximum: float
    comment: str | None


def find_line_item(
    session: Session, account_id: int, context_id: str, sourced_id: str, *, lock: str | None = None
) -> LineItem | None:
    """``lock``: "share" while writing a score (scores of one line item do not wait for each other,
    a DELETE of it waits for them), "update" while changing or deleting it (PostgreSQL; SQLite
    serialises writers anyway)."""
    query = select(LineItem).where(
        LineItem.account_id == account_id, LineItem.context_id == context_id, LineItem.sourced_id == sourced_id
    )
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    return session.scalar(query)


def list_line_items(
    session: Session,
    account_id: int,
    context_id: str,
    *,
    resource_link_id: str | None = None,
    resource_id: str | None = None,
    tag: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[LineItem], bool]:
    """The context's line items, oldest first, and whether more follow this page."""
    query = select(LineItem).where(LineItem.account_id == account_id, LineItem.context_id == context_id)
    for column, value in ((LineItem.resource_link_id, resource_link_id), (LineItem.resource_id, resource_id), (LineItem.tag, tag)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(LineItem.id).offset(offset)
    if limit is not None:
        query = query.limit(limit + 1)
    rows = list(session.scalars(query))
    if limit is not None and len(rows) > limit:
        return rows[:limit], True
    return rows, False


def _set(item: LineItem, fields: LineItemFields) -> None:
    item.label = fields.label
    item.score_maximum = fields.score_maximum
    item.resource_id = fields.resource_id
    item.resource_link_id = fields.resource_link_id
    item.tag = fields.tag
    item.start_date_time = fields.start_date_time
    item.end_date_time = fields.end_date_time


def create_line_item(session: Session, account_id: int, context_id: str, fields: LineItemFields) -> LineItem:
    item = LineItem(account_id=account_id, sourced_id=uuid.uuid4().hex, context_id=context_id)
    _set(item, fields)
    session.add(item)
    session.flush()
    return item


def update_line_item(item: LineItem, fields: LineItemFields) -> LineItem:
    _set(item, fields)
    return item


def delete_line_item(session: Session, item: LineItem) -> None:
    """The line item and its results (AGS: deleting a line item deletes its results)."""
    session.execute(delete(Result).where(Result.account_id == item.account_id, Result.line_item_id == item.id))
    session.delete(item)


_R = Result.__table__
_P = Person.__table__


def _insert(session: Session, table, values: dict, conflict: list[str]):
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: the new id, or None when the row exists."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict).returning(table.c.id)
    return session.execute(stmt).scalar()


_L = Lti13UserLink.__table__


def _lis_user_id(account_id: int, user_id: str):
    """SQL for the person sourcedId of AGS user ``user_id``: its linked LTI 1.1 user_id, or itself."""
    linked = select(_L.c.lti11_user_id).where(_L.c.account_id == account_id, _L.c.user_id == user_id).scalar_subquery()
    return func.coalesce(linked, literal(user_id, String))


def _person(session: Session, account_id: int, user_id: str) -> tuple[int, str]:
    """The id and sourcedId of AGS user ``user_id``'s person (created when new), in one statement
    when the person exists: the link lookup rides along as a subquery."""
    lis_user_id = _lis_user_id(account_id, user_id)
    existing = select(_P.c.id).where(_P.c.account_id == account_id, _P.c.sourced_id == lis_user_id).scalar_subquery()
    sourced_id, found = session.execute(select(lis_user_id, existing)).one()
    if found is None:
        found = _insert(session, _P, {"account_id": account_id, "sourced_id": sourced_id}, ["account_id", "sourced_id"])
    if found is None:  # another request created the person between the two statements: it is there now
        found = session.execute(select(_P.c.id).where(_P.c.account_id == account_id, _P.c.sourced_id == sourced_id)).scalar()
    return found, sourced_id


def post_score(session: Session, item: LineItem, score: Score) -> bool:
    """Store a score as the (line item, user) result; False when a newer score is stored (409).

    Plain statements rather than ORM entities: this is the hot path of AGS (a handful of
    statements per score instead of a dozen).
    """
    person_id, person_sourced_id = _person(session, item.account_id, score.user_id)
    query = (
        select(_R.c.id, _R.c.date)
        .where(_R.c.account_id == item.account_id, _R.c.line_item_id == item.id, _R.c.person_id == person_id)
        .order_by(_R.c.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.execute(query).first()
    if row is None:
        row = _create_result(session, item, person_id, person_sourced_id)
    if row.date is not None and score.timestamp < aware(row.date):
        return False
    text, scale = scores.ags_to_store(score.score_given, score.score_maximum)
    values = {
        "score_text": text,
        "score_maximum": scale,
        "activity_progress": score.activity_progress,
        "grading_progress": score.grading_progress,
        "comment": score.comment,
        "date": score.timestamp,
        "updated_at": datetime.now(timezone.utc),
    }
    session.execute(update(_R).where(_R.c.id == row.id).values(**values))
    return True


def _create_result(session: Session, item: LineItem, person_id: int, person_sourced_id: str):
    """The (line item, user) result's row (id, date) to update, created when missing.

    Two first scores for one user may arrive at once: one inserts the row, the other finds it by
    its sourcedId (waiting for the first to commit) and updates it, so there is never a second row
    for the pair. When the sourcedId is a LIS result of another pair, this pair gets its own.
    """
    sourced_id = result_sourced_id(item.sourced_id, person_sourced_id)
    bare = {"account_id": item.account_id, "line_item_id": item.id, "person_id": person_id, "score_language": "en",
            "extension": {}, "updated_at": datetime.now(timezone.utc)}
    new_id = _insert(session, _R, {**bare, "sourced_id": sourced_id}, ["account_id", "sourced_id"])
    if new_id is not None:
        return _Row(new_id, None)
    query = select(_R.c.id, _R.c.date, _R.c.line_item_id, _R.c.person_id).where(
        _R.c.account_id == item.account_id, _R.c.sourced_id == sourced_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    taken = session.execute(query).first()
    if taken is not None and (taken.line_item_id, taken.person_id) == (item.id, person_id):
        return _Row(taken.id, taken.date)
    own = f"{sourced_id[:SOURCED_ID_MAX - 9]}:{uuid.uuid4().hex[:8]}"
    new_id = _insert(session, _R, {**bare, "sourced_id": own}, ["account_id", "sourced_id"])
    return _Row(new_id, None)


@dataclass(frozen=True)
class _Row:
    id: int
    date: datetime | None


def list_results(
    session: Session, item: LineItem, *, user_id: str | None = None, offset: int = 0, limit: int | None = None
) -> tuple[list[ResultView], bool]:
    """The line item's results (users with a result row), oldest first, and whether more follow;
    each names its user by AGS userId (a linked LTI 1.1 person by the LTI 1.3 userId)."""
    shown = func.coalesce(_L.c.user_id, Person.sourced_id)
    query = (
        select(Result, shown)
        .join(Person, Result.person_id == Person.id)
        .outerjoin(_L, and_(_L.c.account_id == Person.account_id, _L.c.lti11_user_id == Person.sourced_id))
        .where(Result.account_id == item.account_id, Result.line_item_id == item.id)
    )
    if user_id is not None:
        query = query.where(shown == user_id)
    query = query.order_by(Result.id).offset(offset)
    if limit is not None:
        query = query.limit(limit + 1)
    rows = list(session.execute(query))
    more = limit is not None and len(rows) > limit
    views = []
    for result, person_id in rows[:limit] if limit is not None else rows:
        given, maximum = scores.store_to_ags(result.score_text, result.score_maximum, item.score_maximum)
        views.append(ResultView(result.sourced_id, person_id, given, maximum, result.comment))
    return views, more



# --- LTI 1.3 users tied to their LTI 1.1 user_id ---------------------------------------------


@dataclass(frozen=True)
class UserLink:
    user_id: str  # the LTI 1.3 userId (sub)
    lti11_user_id: str  # the LTI 1.1 user_id (the lti1p1 claim's), a LIS personSourcedId


def link_user(session: Session, account_id: int, user_id: str, lti11_user_id: str) -> UserLink:
    """Tie AGS user ``user_id`` to LTI 1.1 user ``lti11_user_id`` (replacing its earlier link);
    ValueError when that LTI 1.1 user is another AGS user's, or for what the store cannot hold."""
    fit(user_id, "the user id", Lti13UserLink.user_id)
    fit(lti11_user_id, "the LTI 1.1 user id", Lti13UserLink.lti11_user_id)
    taken = session.scalar(select(Lti13UserLink).where(Lti13UserLink.account_id == account_id,
                                                       Lti13UserLink.lti11_user_id == lti11_user_id))
    if taken is not None and taken.user_id != user_id:
        raise ValueError(f"LTI 1.1 user {lti11_user_id!r} is linked to user {taken.user_id!r}; unlink that first")
    row = session.scalar(select(Lti13UserLink).where(Lti13UserLink.account_id == account_id, Lti13UserLink.user_id == user_id))
    if row is None:
        row = Lti13UserLink(account_id=account_id, user_id=user_id)
        session.add(row)
    row.lti11_user_id = lti11_user_id
    session.flush()
    return UserLink(user_id, lti11_user_id)


def unlink_user(session: Session, account_id: int, user_id: str) -> bool:
    """Forget AGS user ``user_id``'s link; False when it had none."""
    query = delete(Lti13UserLink).where(Lti13UserLink.account_id == account_id, Lti13UserLink.user_id == user_id)
    return session.execute(query).rowcount > 0


def user_links(session: Session, account_id: int) -> list[UserLink]:
    query = select(Lti13UserLink).where(Lti13UserLink.account_id == account_id).order_by(Lti13UserLink.user_id)
    return [UserLink(r.user_id, r.lti11_user_id) for r in session.scalars(query)]
