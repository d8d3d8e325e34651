"""The ``lms-gateway`` command: schema, accounts, demo data and the real multi-process server."""
from __future__ import annotations

import time

import pytest
import requests
from click.testing import CliRunner

from adapters.store import Store, schema
from adapters.store.accounts import list_accounts
from gateway.cli import main
from gateway.security.passwords import verify_password
from tests.servers import children_of, running_gateway


def run(store_url: str, *args: str):
    result = CliRunner().invoke(main, ["--database-url", store_url, *args], catch_exceptions=False)
    return result


def test_db_upgrade_creates_schema_on_empty_store(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    result = run(url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert schema.current_revision(Store(url)) == schema.head_revision()


def test_accounts_add_and_list(store_url):
    result = run(store_url, "accounts", "add", "acme", "--consumer-key", "777", "--secret", "s3cret",
                 "--webex-id", "host1", "--webex-password", "pw", "--site-id", "42")
    assert result.exit_code == 0, result.output
    listing = run(store_url, "accounts", "list")
    assert "acme" in listing.output and "777" in listing.output and "host1@42" in listing.output
    assert "s3cret" not in listing.output and "pw" not in listing.output
    with Store(store_url).session() as s:
        [account] = [a for a in list_accounts(s) if a.name == "acme"]
        assert verify_password("pw", account.webex_credentials[0].password_hash)
        assert not verify_password("wrong", account.webex_credentials[0].password_hash)


def test_accounts_add_refuses_half_a_credential(store_url):
    result = CliRunner().invoke(main, ["--database-url", store_url, "accounts", "add", "x", "--consumer-key", "1"])
    assert result.exit_code == 2 and "go together" in result.output


def test_demo_load_is_idempotent(store_url):
    assert run(store_url, "demo", "load").exit_code == 0
    assert run(store_url, "demo", "load").exit_code == 0
    with Store(store_url).session() as s:
        [demo] = list_accounts(s)
        assert [c.key for c in demo.consumers] == ["49201"]
        assert [w.webex_id for w in demo.webex_credentials] == ["hostid"]


def test_behind_schema_is_refused_with_advice(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    store = Store(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0000')")
    result = CliRunner().invoke(main, ["--database-url", url, "accounts", "list"])
    assert result.exit_code == 1 and "lms-gateway db upgrade" in result.output


@pytest.mark.slow
def test_serve_two_workers_on_one_sqlite_store(tmp_path):
    url = f"sqlite:///{tmp_path}/served.db"
    with running_gateway(url, "--workers", "2", "--demo") as (base, proc):
        deadline = time.monotonic() + 20
        while len(children_of(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(children_of(proc.pid)) == 2
        pids = set()
        for _ in range(40):
            r = requests.get(f"{base}/healthz", headers={"Connection": "close"}, timeout=5)
            assert r.status_code == 200 and r.json()["store"] == "sqlite"
            pids.add(r.json()["pid"])
        assert pids <= set(children_of(proc.pid))
        metrics = requests.get(f"{base}/metrics", timeout=5).text
        assert 'lms_gateway_requests_total{route="healthz",status="200"}' in metrics
