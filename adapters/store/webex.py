"""Store queries the WebEx test operations need."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, exists, func, join, or_, outerjoin, select
from sqlalchemy.orm import Session

from adapters.store.models import Attempt, Person, Test


def visible_to(test: Test, webex_id: str) -> bool:
    """The host rule (DESIGN.md §10): a host sees its own tests and the tests of no host, never
    another host's. :func:`tests_of_host` applies the same rule in SQL."""
    return not test.host_webex_id or test.host_webex_id == webex_id


def tests_of_host(session: Session, account_id: int, webex_id: str) -> list[tuple[Test, bool]]:
    """The account's tests ``webex_id`` may see (:func:`visible_to`), each with whether it has attempts."""
    has_attempts = exists().where(Attempt.test_id == Test.id)
    rows = session.execute(
        select(Test, has_attempts)
        .where(Test.account_id == account_id,
               or_(Test.host_webex_id == webex_id, Test.host_webex_id.is_(None), Test.host_webex_id == ""))
        .order_by(Test.webex_test_id)
    )
    return [(t, bool(h)) for t, h in rows]


def _latest_attempt_statement():
    # Built once with bind parameters: SQLAlchemy then reuses the compiled SQL on every call,
    # which is most of what a GetIMStestResult costs besides the round trip.
    participant = join(
        Attempt, Person, and_(Person.id == Attempt.person_id, func.lower(Person.email) == bindparam("email"))
    )
    return (
        select(Test, Attempt, Person)
        .select_from(outerjoin(Test, participant, Attempt.test_id == Test.id))
        .where(Test.account_id == bindparam("account_id"), Test.webex_test_id == bindparam("test_id"))
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        .limit(1)
    )


_LATEST_ATTEMPT = _latest_attempt_statement()


def test_with_latest_attempt(
    session: Session, account_id: int, webex_test_id: int, email: str
) -> tuple[Test, Attempt | None, Person | None] | None:
    """The account's test and the participant's newest attempt at it, in one query.

    None when the account has no such test; (test, None, None) when the participant has no attempt.
    """
    row = session.execute(
        _LATEST_ATTEMPT, {"account_id": account_id, "test_id": webex_test_id, "email": email.strip().lower()}
    ).first()
    return None if row is None else (row[0], row[1], row[2])
