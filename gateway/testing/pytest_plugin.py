"""The ``lms_gateway`` pytest fixture (a ``pytest11`` entry point, active once lms-gateway is installed).

::

    def test_my_lis_client_reports_scores(lms_gateway):
        client = MyLisClient(lms_gateway.url + "/api/soap/1p0/lis-result", **lms_gateway.credentials["lis"])
        client.replace_score("49313814", 0.8)
        lms_gateway.assert_received("lis", "replaceResult", sourced_id="49313814", count=1)

Each test gets a gateway of its own on a free loopback port, with a fresh SQLite store in the test's
temporary directory and the demo data (``@pytest.mark.lms_gateway(demo=False)`` for an empty store).
It runs in a thread of the test process (a threaded WSGI server); everything else, protocols,
journal and fault rules, is the real gateway. The helpers go through the admin API.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "lms_gateway(demo=True, **settings): how the lms_gateway fixture starts the gateway")


class GatewayUnderTest:
    """A running gateway: its address, credentials and helpers."""

    def __init__(self, url: str, credentials: dict[str, dict[str, Any]], settings):
        import requests

        self.url = url
        self.admin_url = url + "/__admin"
        self.credentials = credentials
        self.settings = settings
        self._http = requests.Session()

    def _call(self, method: str, path: str, expect: int = 200, **kwargs) -> Any:
        answer = self._http.request(method, self.admin_url + path, timeout=30, **kwargs)
        if answer.status_code != expect:
            raise AssertionError(f"{method} /__admin{path} answered {answer.status_code}: {answer.text}")
        return answer.json()

    # data
    def add_account(self, name: str, **credentials: Any) -> dict:
        """An account with any of consumer_key/secret, webex_id/webex_password, itslearning_username/password."""
        return self._call("POST", "/accounts", 201, json={"name": name, **credentials})

    def load_results(self, rows: list[dict[str, Any]], consumer_key: str | None = None, account: str | None = None) -> dict:
        """LIS results, in the CLI's import format (``sourcedId``, ``lineItemSourcedId``, ``score``...)."""
        where = {"account": account} if account else {"consumer_key": consumer_key or self.credentials["lis"]["consumer_key"]}
        return self._call("POST", "/results", 200, json={**where, "results": rows})

    def load_test(self, qti: bytes | str | Path, account: str = "demo", test_id: int | None = None,
                  host: str | None = None) -> dict:
        """A QTI 1.2 test (the bytes, or a path to them); answers ``{"test": testID, "items": [...]}``."""
        data = Path(qti).read_bytes() if isinstance(qti, Path) else (qti.encode() if isinstance(qti, str) else qti)
        params = {"account": account, **({"test_id": test_id} if test_id else {}), **({"host": host} if host else {})}
        return self._call("POST", "/tests", 201, params=params, data=data, headers={"Content-Type": "application/xml"})

    def submit_attempt(self, attempt: dict[str, Any], account: str = "demo") -> dict:
        """An attempt in the CLI's JSON shape (DESIGN.md §11); answers the scored attempt."""
        return self._call("POST", "/attempts", 201, json={"account": account, "attempt": attempt})

    # faults
    def add_fault(self, protocol: str, operation: str | None = None, **rule: Any) -> dict:
        """A fault rule, as ``POST /__admin/faults`` takes it (``times=1, code_minor="targetisbusy"``...)."""
        return self._call("POST", "/faults", 201, json={"protocol": protocol, "operation": operation, **rule})

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # journal
    def requests(self, **where: Any) -> list[dict]:
        """Journal entries, newest first, filtered like ``GET /__admin/requests``."""
        return self._call("GET", "/requests", params={k: v for k, v in where.items() if v is not None})["requests"]

    def entry(self, entry_id: int) -> dict:
        return self._call("GET", f"/requests/{entry_id}")

    def count(self, protocol: str | None = None, operation: str | None = None, **where: Any) -> int:
        spec = {"protocol": protocol, "operation": operation, **where}
        return self._call("POST", "/requests/count", json={k: v for k, v in spec.items() if v is not None})["count"]

    def assert_received(self, protocol: str, operation: str | None = None, *, count: int | None = 1,
                        sourced_id: str | None = None, key: str | None = None, **where: Any) -> list[dict]:
        """Exactly ``count`` calls (any number when None, but at least one) of ``operation``; the
        message lists what was received instead."""
        key = key or sourced_id
        found = self.requests(protocol=protocol, operation=operation, key=key, limit=1000, **where)
        if (count is None and not found) or (count is not None and len(found) != count):
            seen = [f"{e['protocol']} {e['operation']} {e['keys']} -> {e['status']} {e['outcome']}"
                    for e in self.requests(limit=20)]
            wanted = f"{protocol} {operation or '(any operation)'}" + (f" naming {key}" if key else "")
            raise AssertionError(f"expected {count if count is not None else 'some'} call(s) of {wanted}, "
                                 f"got {len(found)}; the gateway received (newest first):\n  " + "\n  ".join(seen or ["nothing"]))
        return found

    def clear_journal(self) -> None:
        self._call("DELETE", "/requests")


def _credentials(settings) -> dict[str, dict[str, Any]]:
    from gateway.demo import accounts

    webex = accounts.WEBEX
    return {
        "lis": {"consumer_key": accounts.LIS_CONSUMER_KEY, "secret": settings.demo_secret},
        "lti": {"consumer_key": accounts.LIS_CONSUMER_KEY, "secret": settings.demo_secret},
        "webex": {"webExID": webex["webex_id"], "password": webex["password"], "siteID": webex["site_id"],
                  "partnerID": webex["partner_id"], "email": webex["email"]},
        "itslearning": {"username": accounts.ITSLEARNING_USERNAME, "password": settings.demo_secret,
                        "site_id": accounts.ITSLEARNING_SITE_ID},
    }


@pytest.fixture
def lms_gateway(request, tmp_path):
    """A gateway of this test's own on a free loopback port (see the module docstring)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from adapters.store import Store, schema
    from gateway import demo
    from gateway.app import create_app
    from gateway.config import Settings
    from gateway.itslearning.worker import Worker

    marker = request.node.get_closest_marker("lms_gateway")
    options = dict(marker.kwargs) if marker else {}
    with_demo = options.pop("demo", True)
    settings = Settings.load(environ={}, database_url=f"sqlite:///{tmp_path / 'lms-gateway.db'}",
                             samples_dir=str(tmp_path / "samples"), **options)
    store = Store(settings.database_url)
    schema.upgrade(store)
    if with_demo:
        demo.load(store, settings)
    app = create_app(settings, store)

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:  # the gateway writes its own access log
            pass

    server = make_server("127.0.0.1", 0, app, server_class=Server, handler_class=QuietHandler)
    serving = threading.Thread(target=server.serve_forever, name="lms-gateway", daemon=True)
    serving.start()
    worker = Worker(store, settings)  # itslearning messages are processed as in `serve`
    worker_thread = worker.start_thread() if settings.worker_in_process else None
    try:
        yield GatewayUnderTest(f"http://127.0.0.1:{server.server_port}", _credentials(settings), settings)
    finally:
        server.shutdown()
        server.server_close()
        if worker_thread is not None:
            worker.stop.set()
            worker.wake.set()
            worker_thread.join(timeout=5)
        app.tap.flush()
        store.dispose()
