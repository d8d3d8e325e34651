"""Fixtures: a real store (an SQLite file, and PostgreSQL when configured), the real WSGI app,
and a ``requests`` session wired to that app in process so that real clients (zeep,
requests-oauthlib, lti) can talk to it unchanged.

PostgreSQL runs when ``LMS_GATEWAY_TEST_POSTGRES_URL`` names a server whose user may create
databases; each test run creates its own database. ``LMS_GATEWAY_REQUIRE_POSTGRES=1`` (set by
``.ci/run``) turns a missing server into a failure instead of a skip.
"""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from wsgiadapter import WSGIAdapter

from adapters.store import Store, schema
from adapters.store.models import Base
from gateway.app import create_app
from gateway.dispatch import Gateway
from gateway.config import Settings

#: Third-party reference files and the seed documents, copied into the repository (see SOURCES.md there).
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE = FIXTURES / "reference"
SEEDS = FIXTURES / "seeds"
BASE_URL = "http://gateway.test"

PG_URL = os.environ.get("LMS_GATEWAY_TEST_POSTGRES_URL")
REQUIRE_PG = os.environ.get("LMS_GATEWAY_REQUIRE_POSTGRES") == "1"


def pytest_report_header(config):
    return f"stores: sqlite{' + postgresql' if PG_URL else ''}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = Store(f"sqlite:///{path}")
    schema.upgrade(store)
    with store.engine.connect() as conn:  # fold the WAL into the main file before copying
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("LMS_GATEWAY_REQUIRE_POSTGRES=1 but LMS_GATEWAY_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set LMS_GATEWAY_TEST_POSTGRES_URL)")
    name = f"lmsgw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(Store(PG_URL).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(Store(PG_URL).url).set(database=name).render_as_string(hide_password=False)
    store = Store(url)
    schema.upgrade(store)
    store.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(store: Store) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    store = Store(url)
    _truncate_all(store)
    store.dispose()
    return url


@pytest.fixture
def settings(store_url) -> Settings:
    return Settings.load(environ={}, database_url=store_url)


@pytest.fixture
def store(settings) -> Iterator[Store]:
    store = Store(settings.database_url)
    yield store
    store.dispose()


@pytest.fixture
def app(settings, store) -> Gateway:
    return create_app(settings, store)


@pytest.fixture
def http(app) -> requests.Session:
    """A requests session whose requests go to the in-process WSGI app at BASE_URL."""
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(app))
    return session
