"""Fixtures of the reliability suite (real server processes on loopback) and its closing summary.

The store-outage test needs a PostgreSQL it may stop: :func:`private_postgres` makes one (initdb in
a temporary directory, its own port; see ``bench/pgcluster.py``) and removes it afterwards. The
shared PostgreSQL of ``LMS_GATEWAY_TEST_POSTGRES_URL`` is never stopped.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.pgcluster import PostgresUnavailable, PrivatePostgres
from tests.conftest import REQUIRE_PG
from tests.reliability.summary import SUMMARY


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    try:
        cluster = PrivatePostgres()
        cluster.start()
    except PostgresUnavailable as exc:
        if REQUIRE_PG:
            pytest.fail(f"LMS_GATEWAY_REQUIRE_POSTGRES=1 but a private PostgreSQL cannot be started: {exc}")
        pytest.skip(f"no PostgreSQL binaries for a private cluster: {exc}")
    try:
        yield cluster
    finally:
        cluster.remove()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SUMMARY.empty():
        return
    terminalreporter.section("reliability summary")
    for line in SUMMARY.lines():
        terminalreporter.write_line(line)
