"""Store queries the WebEx test operations need."""
from __future__ import annotations

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from adapters.store.models import Attempt, Person, Test


def account_test(session: Session, account_id: int, webex_test_id: int) -> Test | None:
    return session.scalar(select(Test).where(Test.account_id == account_id, Test.webex_test_id == webex_test_id))


def latest_attempt(session: Session, test_id: int, email: str) -> tuple[Attempt, Person] | None:
    """The participant's newest attempt (emails compare case-insensitively, as mail does)."""
    row = session.execute(
        select(Attempt, Person)
        .join(Person, Attempt.person_id == Person.id)
        .where(Attempt.test_id == test_id, func.lower(Person.email) == email.strip().lower())
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def submissions(session: Session, test_id: int) -> list[tuple[Attempt, Person]]:
    rows = session.execute(
        select(Attempt, Person).join(Person, Attempt.person_id == Person.id).where(Attempt.test_id == test_id).order_by(Attempt.id)
    )
    return [(a, p) for a, p in rows]


def tests_of_host(session: Session, account_id: int, webex_id: str) -> list[tuple[Test, bool]]:
    """The account's tests owned by ``webex_id`` (or by nobody), each with whether it has attempts."""
    has_attempts = exists().where(Attempt.test_id == Test.id)
    rows = session.execute(
        select(Test, has_attempts)
        .where(Test.account_id == account_id, or_(Test.host_webex_id == webex_id, Test.host_webex_id.is_(None)))
        .order_by(Test.webex_test_id)
    )
    return [(t, bool(h)) for t, h in rows]
