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
    """The SQL the store's engine runs meanwhile, in order (an observer: the store stays real)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


@pytest.fixture
def quiet_app(settings, demo_store):
    """The gateway without its journal, whose background writer would add its own statements."""
    passwords.forget_all()
    return create_app(dataclasses.replace(settings, journal=False), demo_store)


def test_get_ims_test_result_is_two_statements(quiet_app, demo_store):
    client = from_address(quiet_app, "198.51.100.2")
    assert b"<serv:result>SUCCESS" in client.post(URL, data=REPORT.encode()).content  # warm: fault rules read
    with statements(demo_store) as seen:
        answer = client.post(URL, data=REPORT.encode()).content
    assert b"<serv:result>SUCCESS" in answer
    queries_run = [s for s in seen if s.upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"))]
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
    assert len([s for s in seen if s.upper().startswith("SELECT")]) == 1  # no password, no report read


def test_the_latest_attempt_is_looked_up_through_its_test(demo_store):
    """SQLite once joined every attempt of the store to its person on each call (a full scan that
    grew with the attempts table); the lookup must go through ix_attempts_test_person."""
    if demo_store.dialect != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL plans by its statistics")
    compiled = queries._LATEST_ATTEMPT.compile(dialect=sqlite.dialect())
    values = compiled.construct_params({"email": "x@y", "account_id": 1, "test_id": 207})
    with demo_store.engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string,
                                                       tuple(values[name] for name in compiled.positiontup))]
    assert not [step for step in plan if step.startswith("SCAN") and "attempts" in step or step.startswith("SCAN mine")], plan
    assert any("ix_attempts_test_person" in step for step in plan), plan
