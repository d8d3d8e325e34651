"""What a GetIMStestResult asks the store (issue 15): the host with its failed-login counters in one
statement, then the test with the participant's latest attempt in one more, found through the
test's own attempts rather than every attempt in the store."""
from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import sqlite

from adapters.store import Store
from adapters.store import webex as queries
from gateway.app import create_app
from gateway.security import passwords
from tests.security.test_login_limits import WRONG, from_address, webex
from tests.webex.conftest import URL, message, training

REPORT = message(training("GetIMStestResult"), "<testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail>")


@contextlib.contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """The SQL statements SQLite runs meanwhile, in order, whoever sends them (SQLAlchemy or a raw
    DBAPI cursor): sqlite3's own trace hook on every connection handed out. PostgreSQL's driver has
    no such hook, so the tests that count are SQLite's; the answers are checked on both stores."""
    if store.dialect != "sqlite":
        pytest.skip("statements are counted through sqlite3's trace hook")
    seen: list[str] = []

    def checkout(dbapi_connection, record, proxy):
        dbapi_connection.set_trace_callback(lambda sql: seen.append(" ".join(sql.split())))

    def checkin(dbapi_connection, record):
        dbapi_connection.set_trace_callback(None)

    event.listen(store.engine, "checkout", checkout)
    event.listen(store.engine, "checkin", checkin)
    try:
        yield seen
    finally:
        event.remove(store.engine, "checkout", checkout)
        event.remove(store.engine, "checkin", checkin)


def queries_in(seen: list[str]) -> list[str]:
    return [s for s in seen if s.upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"))]


@pytest.fixture
def quiet_app(settings, demo_store):
    """The gateway without its journal, whose background writer would add its own statements, and
    with the fault rules read once for the whole test (a slow machine let the cached rules expire
    between the warm-up and the call counted)."""
    passwords.forget_all()
    return create_app(dataclasses.replace(settings, journal=False, fault_rules_refresh_seconds=3600), demo_store)


def test_get_ims_test_result_is_two_statements(quiet_app, demo_store):
    client = from_address(quiet_app, "198.51.100.2")
    assert b"<serv:result>SUCCESS" in client.post(URL, data=REPORT.encode()).content  # warm: fault rules read
    with statements(demo_store) as seen:
        answer = client.post(URL, data=REPORT.encode()).content
    assert b"<serv:result>SUCCESS" in answer
    queries_run = queries_in(seen)
    assert len(queries_run) == 2, queries_run
    host, report = queries_run
    assert "login_failures" in host and "webex_credentials" in host
    assert "attempts" in report and "login_failures" not in report


def test_the_counters_still_refuse_in_that_one_statement(quiet_app, demo_store, settings):
    attacker = from_address(quiet_app, "203.0.113.7")
    for i in range(settings.login_max_failures):
        assert webex(attacker, WRONG.format(i))[1] == "030002"
    with statements(demo_store) as seen:
        refused = attacker.post(URL, data=REPORT.encode()).content
    assert b"<serv:exceptionID>000045</serv:exceptionID>" in refused
    assert len(queries_in(seen)) == 1, seen  # no password, no report read


def test_the_latest_attempt_is_looked_up_through_its_test(demo_store):
    """SQLite once joined every attempt of the store to its person on each call (a full scan that
    grew with the attempts table); the lookup must go through ix_attempts_test_person."""
    if demo_store.dialect != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL plans by its statistics")
    compiled = queries._LATEST_ATTEMPT.statement.compile(dialect=sqlite.dialect())
    values = compiled.construct_params({"email": "x@y", "account_id": 1, "test_id": 207})
    with demo_store.engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string,
                                                       tuple(values[name] for name in compiled.positiontup))]
    assert not [step for step in plan if step.startswith("SCAN") and "attempts" in step or step.startswith("SCAN mine")], plan
    assert any("ix_attempts_test_person" in step for step in plan), plan


def test_the_latest_attempt_is_the_participants_newest_at_that_test(demo_store):
    """The rewritten lookup answers as the plain ORM query does: by submission time then id, email
    case-insensitive, other participants and other tests ignored, the test without an attempt."""
    from datetime import datetime, timedelta

    from sqlalchemy import insert, select

    from adapters.store import attempts
    from adapters.store.models import Attempt, Person, Test

    with demo_store.session() as s:
        test = s.scalar(select(Test).where(Test.webex_test_id == 207))
        other = Test(account_id=test.account_id, webex_test_id=208, ident="other", title="other", qti_xml=test.qti_xml, meta={})
        s.add(other)
        s.flush()
        people = [Person(account_id=test.account_id, sourced_id=f"p{i}", email=email)
                  for i, email in enumerate(["Ann@Example.org", "bob@example.org", "ANN@example.ORG"])]
        s.add_all(people)
        s.flush()
        start = datetime(2024, 1, 1)
        plan = [(test, people[0], 1), (test, people[1], 5), (test, people[2], 3), (test, people[2], 3),
                (other, people[0], 9), (test, people[1], 0)]
        s.execute(insert(Attempt), [{"test_id": t.id, "person_id": p.id, "responses": {}, "outcomes": {},
                                     "created_at": start + timedelta(hours=h)} for t, p, h in plan])
    with demo_store.session() as s:
        for email in ("ann@example.org", " BOB@example.org ", "georgew@sz.webex.com", "nobody@example.org"):
            for test_id in (207, 208):
                test = s.scalar(select(Test).where(Test.webex_test_id == test_id))
                expected = attempts.latest_attempt(s, test.id, email)
                found = queries.test_with_latest_attempt(s, test.account_id, test_id, email)
                assert found.id == test.id and found.qti_xml == test.qti_xml
                if expected is None:
                    assert (found.attempt_id, found.person_name, found.person_email) == (None, None, None)
                else:
                    attempt, person = expected
                    assert (found.attempt_id, found.person_email) == (attempt.id, person.email), (email, test_id)
        assert queries.test_with_latest_attempt(s, test.account_id, 209, "ann@example.org") is None


def test_a_good_get_ims_test_result_clears_its_counter(quiet_app, demo_store, settings):
    """The hot read (prepared statements, no ORM session) forgets the counter as the others do."""
    from sqlalchemy import func, select

    from adapters.store.models import LoginFailure

    user = from_address(quiet_app, "198.51.100.2")
    for i in range(settings.login_max_failures - 1):
        assert webex(user, WRONG.format(i))[1] == "030002"
    assert b"<serv:result>SUCCESS" in user.post(URL, data=REPORT.encode()).content
    with demo_store.session() as s:
        assert s.scalar(select(func.count()).select_from(LoginFailure)) == 2  # the address's, the user's
    for i in range(settings.login_max_failures - 1):
        assert webex(user, WRONG.format(i))[1] == "030002"
    assert b"<serv:result>SUCCESS" in user.post(URL, data=REPORT.encode()).content
