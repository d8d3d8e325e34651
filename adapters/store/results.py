"""LIS results in the store: reads in one query, writes inside the caller's unit of work.

Every function takes the caller's ``account_id``; another account's sourcedIds are simply not
found, so a caller cannot tell them from ids that do not exist (DESIGN.md §5, §7).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from adapters.store.hot import HotUnit, Prepared
from adapters.store.models import LineItem, Person, Result

#: A result with the vendor identifiers of its line item and person (what a resultRecord shows).
@dataclass(frozen=True)
class ResultData:
    sourced_id: str
    line_item_sourced_id: str | None = None
    person_sourced_id: str | None = None
    ref_agent_instance_id: str | None = None
    date: datetime | None = None
    value_label: str | None = None
    score_language: str | None = None
    score_text: str | None = None
    #: {"name_vocabulary": .., "value_vocabulary": .., "fields": [{"name", "type", "value"}]}
    extension: dict[str, Any] = field(default_factory=dict)
    #: The top of the scale score_text is on (adapters/scores.py); None: unknown.
    score_maximum: float | None = None

    def with_id(self, sourced_id: str) -> "ResultData":
        return replace(self, sourced_id=sourced_id)


# Core tables rather than ORM entities: reads are plain rows, and skipping the ORM's loading
# machinery halves the cost of the hot readResult path.
_R = Result.__table__
_LI = LineItem.__table__.alias("li")
_P = Person.__table__.alias("p")
_COLUMNS = (
    _R.c.sourced_id,
    _LI.c.sourced_id,
    _P.c.sourced_id,
    _R.c.ref_agent_instance_id,
    _R.c.date,
    _R.c.value_label,
    _R.c.score_language,
    _R.c.score_text,
    _R.c.extension,
    _R.c.score_maximum,
)


def _query():
    return (
        select(*_COLUMNS)
        .select_from(_R.outerjoin(_LI, _R.c.line_item_id == _LI.c.id).outerjoin(_P, _R.c.person_id == _P.c.id))
    )


# Built once: composing the statement costs more than running it for one id.
_BY_IDS = _query().where(_R.c.account_id == bindparam("account"), _R.c.sourced_id.in_(bindparam("ids", expanding=True)))
_BY_ID = Prepared(_query().where(_R.c.account_id == bindparam("account"), _R.c.sourced_id == bindparam("id")))


#: (ResultData field, what a LIS record calls it, the column that holds it)
_LIMITED = (
    ("sourced_id", "sourcedId", _R.c.sourced_id),
    ("line_item_sourced_id", "result/lineItemSourcedId", LineItem.__table__.c.sourced_id),
    ("person_sourced_id", "result/personSourcedId", Person.__table__.c.sourced_id),
    ("ref_agent_instance_id", "sourcedGUID/refAgentInstanceID", _R.c.ref_agent_instance_id),
    ("value_label", "result/resultValue/label", _R.c.value_label),
    ("score_language", "result/resultScore/language", _R.c.score_language),
    ("score_text", "result/resultScore/textString", _R.c.score_text),
)


def too_long(data: ResultData) -> str | None:
    """What in ``data`` its column cannot hold, said for the client; None when everything fits.

    PostgreSQL refuses an over-long value with an error that would fail the whole unit of work
    (SQLite keeps it); a writer gets its protocol's invalid-data answer instead."""
    for attr, name, column in _LIMITED:
        value = getattr(data, attr)
        if value is not None and column.type.length is not None and len(value) > column.type.length:
            return f"{name} is {len(value)} characters long; at most {column.type.length} are stored."
    return None


def _row(row) -> ResultData:
    return ResultData(*row[:8], extension=row[8] or {}, score_maximum=row[9])


def find_results(session: Session, account_id: int, sourced_ids: Sequence[str]) -> dict[str, ResultData]:
    """The account's results among ``sourced_ids``, by sourcedId, in ONE query (readResults' 500)."""
    if not sourced_ids:
        return {}
    rows = session.connection().execute(_BY_IDS, {"account": account_id, "ids": list(set(sourced_ids))})
    return {r.sourced_id: r for r in map(_row, rows)}


def find_result(db: HotUnit | Session, account_id: int, sourced_id: str) -> ResultData | None:
    row = _BY_ID.first(db, account=account_id, id=sourced_id)
    return _row(row) if row is not None else None


def result_ids_for_line_item(session: Session, account_id: int, line_item_sourced_id: str) -> list[str] | None:
    """The line item's result ids, or None when the account has no such line item."""
    line_item_id = session.scalar(
        select(LineItem.id).where(LineItem.account_id == account_id, LineItem.sourced_id == line_item_sourced_id)
    )
    if line_item_id is None:
        return None
    return list(session.scalars(select(Result.sourced_id).where(Result.line_item_id == line_item_id).order_by(Result.id)))


def result_ids_for_person(session: Session, account_id: int, person_sourced_id: str) -> list[str] | None:
    """The person's result ids, or None when the account has no such person."""
    person_id = session.scalar(select(Person.id).where(Person.account_id == account_id, Person.sourced_id == person_sourced_id))
    if person_id is None:
        return None
    return list(session.scalars(select(Result.sourced_id).where(Result.person_id == person_id).order_by(Result.id)))


def all_result_ids(session: Session, account_id: int) -> list[str]:
    return list(session.scalars(select(Result.sourced_id).where(Result.account_id == account_id).order_by(Result.id)))


def _insert_if_missing(
    session: Session, model: type[LineItem] | type[Person] | type[Result], account_id: int, sourced_id: str
) -> bool:
    """``INSERT ... ON CONFLICT (account_id, sourced_id) DO NOTHING``; True when this call inserted.

    Created on first use means two requests may create the same row at once (the first results of
    an assignment arrive together, two clients create one sourcedId). With a plain INSERT the
    second one's unit of work fails on the unique key; this way one inserts, the other waits for
    it and then finds the row.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(
        insert(model).values(account_id=account_id, sourced_id=sourced_id)
        .on_conflict_do_nothing(index_elements=["account_id", "sourced_id"])
        .returning(model.id)  # rowcount is not reliable through the ORM on every driver
    )
    return inserted.first() is not None


def line_item(session: Session, account_id: int, sourced_id: str, label: str | None = None) -> LineItem:
    """The account's line item ``sourced_id``, created on first use (results name their line item)."""
    query = select(LineItem).where(LineItem.account_id == account_id, LineItem.sourced_id == sourced_id)
    item = session.scalar(query)
    if item is None:
        _insert_if_missing(session, LineItem, account_id, sourced_id)
        item = session.scalar(query)
    if label is not None:
        item.label = label
    return item


def person(session: Session, account_id: int, sourced_id: str, *, email: str | None = None, name: str | None = None) -> Person:
    """The account's person ``sourced_id``, created on first use."""
    query = select(Person).where(Person.account_id == account_id, Person.sourced_id == sourced_id)
    found = session.scalar(query)
    if found is None:
        _insert_if_missing(session, Person, account_id, sourced_id)
        found = session.scalar(query)
    found.email = email if email is not None else found.email
    found.name = name if name is not None else found.name
    return found


def _result_row(session: Session, account_id: int, sourced_id: str) -> Result | None:
    return session.scalar(select(Result).where(Result.account_id == account_id, Result.sourced_id == sourced_id))


def _apply(session: Session, account_id: int, row: Result, data: ResultData, *, partial: bool) -> None:
    def given(value) -> bool:
        return value is not None or not partial

    if given(data.line_item_sourced_id):
        row.line_item_id = line_item(session, account_id, data.line_item_sourced_id).id if data.line_item_sourced_id else None
    if given(data.person_sourced_id):
        row.person_id = person(session, account_id, data.person_sourced_id).id if data.person_sourced_id else None
    for attr in ("ref_agent_instance_id", "date", "value_label", "score_language", "score_text"):
        value = getattr(data, attr)
        if given(value):
            setattr(row, attr, value)
    if given(data.score_text):  # the scale belongs to the text: they change together
        row.score_maximum = data.score_maximum if data.score_text is not None else None
    if data.extension or not partial:
        row.extension = data.extension or {}


def create_result(session: Session, account_id: int, data: ResultData) -> bool:
    """Insert; False when the account already has this sourcedId (nothing is changed then)."""
    if not _insert_if_missing(session, Result, account_id, data.sourced_id):
        return False
    row = _result_row(session, account_id, data.sourced_id)
    _apply(session, account_id, row, data, partial=False)
    session.flush()
    return True


def replace_result(session: Session, account_id: int, data: ResultData) -> bool:
    """Overwrite every field; False when the result does not exist."""
    return _change(session, account_id, data, partial=False)


def update_result(session: Session, account_id: int, data: ResultData) -> bool:
    """Change only the fields given (not None); False when the result does not exist."""
    return _change(session, account_id, data, partial=True)


def _change(session: Session, account_id: int, data: ResultData, *, partial: bool) -> bool:
    row = _result_row(session, account_id, data.sourced_id)
    if row is None:
        return False
    _apply(session, account_id, row, data, partial=partial)
    session.flush()
    return True


def upsert_result(session: Session, account_id: int, data: ResultData) -> bool:
    """Create or replace; True when created (imports)."""
    if create_result(session, account_id, data):
        return True
    replace_result(session, account_id, data)
    return False


def set_score(session: Session, account_id: int, sourced_id: str, score_text: str | None, language: str | None,
              score_maximum: float | None = None) -> bool:
    """LTI 1.1 replaceResult/deleteResult: only the score changes; False when the result does not exist."""
    row = _result_row(session, account_id, sourced_id)
    if row is None:
        return False
    row.score_text = score_text
    row.score_maximum = score_maximum if score_text is not None else None
    row.score_language = language if score_text is not None else row.score_language
    session.flush()
    return True


def link_attempt(session: Session, account_id: int, sourced_id: str, attempt_id: int) -> None:
    """Record which scored attempt a result came from."""
    row = _result_row(session, account_id, sourced_id)
    if row is not None:
        row.attempt_id = attempt_id


def delete_result(session: Session, account_id: int, sourced_id: str) -> bool:
    result = session.execute(delete(Result).where(Result.account_id == account_id, Result.sourced_id == sourced_id))
    return result.rowcount == 1


def ids_in(sourced_ids: Iterable[str]) -> list[str]:
    """Request order without duplicates (a client asking twice for one id gets one record)."""
    return list(dict.fromkeys(sourced_ids))
