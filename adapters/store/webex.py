"""Store queries the WebEx test operations need."""
from __future__ import annotations

import collections

from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from adapters.store.hot import HotUnit, Prepared
from adapters.store.models import Attempt, Person, Test


def visible_to(test: Test | LatestAttempt, webex_id: str) -> bool:
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


_TESTS, _ATTEMPTS, _PERSONS = Test.__table__, Attempt.__table__, Person.__table__


def _latest_attempt_statement():
    # The newest attempt is found among the test's own attempts (ix_attempts_test_person), each
    # checked against its person by primary key; then that one attempt and its person are joined
    # by primary key. Joining attempts to persons first made SQLite materialise every attempt in
    # the store and PostgreSQL scan every person, so the lookup grew with the store.
    mine, participant = _ATTEMPTS.alias("mine"), _PERSONS.alias("participant")
    email_of_mine = select(func.lower(participant.c.email)).where(participant.c.id == mine.c.person_id).scalar_subquery()
    latest = (
        select(mine.c.id)
        .where(mine.c.test_id == _TESTS.c.id, email_of_mine == bindparam("email"))
        .order_by(mine.c.created_at.desc(), mine.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    test = (
        select(_TESTS.c.id, _TESTS.c.webex_test_id, _TESTS.c.host_webex_id, _TESTS.c.qti_xml, _TESTS.c.meta,
               latest.label("latest_attempt"))
        .where(_TESTS.c.account_id == bindparam("account_id"), _TESTS.c.webex_test_id == bindparam("test_id"))
        .limit(1)
        .subquery("test")
    )
    # Built once with bind parameters: SQLAlchemy then reuses the compiled SQL on every call, and
    # plain Core rows of just these columns skip the ORM's identity map and object building.
    return select(
        test.c.id, test.c.webex_test_id, test.c.host_webex_id, test.c.qti_xml, test.c.meta,
        _ATTEMPTS.c.id.label("attempt_id"), _ATTEMPTS.c.responses, _ATTEMPTS.c.started_at, _ATTEMPTS.c.duration,
        _PERSONS.c.name.label("person_name"), _PERSONS.c.email.label("person_email"),
    ).select_from(
        test.outerjoin(_ATTEMPTS, _ATTEMPTS.c.id == test.c.latest_attempt)
        .outerjoin(_PERSONS, _PERSONS.c.id == _ATTEMPTS.c.person_id)
    )


_LATEST_ATTEMPT = Prepared(_latest_attempt_statement())
#: What :func:`test_with_latest_attempt` answers: a named tuple of the statement's columns.
LatestAttempt = collections.namedtuple("LatestAttempt", [c.key for c in _LATEST_ATTEMPT.statement.selected_columns])


def test_with_latest_attempt(db: HotUnit | Session, account_id: int, webex_test_id: int, email: str) -> LatestAttempt | None:
    """The account's test and the participant's newest attempt at it, in one query.

    None when the account has no such test; else one row: the test's ``id``, ``webex_test_id``,
    ``host_webex_id``, ``qti_xml`` and ``meta`` (what :func:`gateway.assessments.assessment_of` and
    :func:`visible_to` read), the attempt's ``attempt_id``, ``responses``, ``started_at`` and
    ``duration``, and the participant's ``person_name`` and ``person_email``; ``attempt_id`` is
    None when the participant has no attempt.
    """
    row = _LATEST_ATTEMPT.first(db, account_id=account_id, test_id=webex_test_id, email=email.strip().lower())
    return None if row is None else LatestAttempt._make(row)
