"""The WSGI shell around every protocol: routing, body cap, request ids, logs, health, metrics."""
from __future__ import annotations

import io
import json
import logging

import pytest

from adapters.store import Store
from gateway.app import create_app
from gateway.dispatch import Gateway
from gateway.routing import RAW_BODY, Answer, Route
from gateway.config import Settings
from tests.conftest import BASE_URL


def echo_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [environ[RAW_BODY]]


def boom_app(environ, start_response):
    raise RuntimeError("secret internals")


def xml_error(status: int, message: str) -> Answer:
    return Answer(status, "text/xml", f"<error code='{status}'>{message}</error>".encode())


@pytest.fixture
def gateway(settings, store) -> Gateway:
    return Gateway(
        settings.replace(max_body_bytes=1000),
        store,
        {
            "/echo": Route("echo", echo_app, error=xml_error),
            "/boom": Route("boom", boom_app, error=xml_error),
        },
    )


def call(app, path, body=b"", method="POST", headers=None, stream=None):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "gateway.test",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": stream if stream is not None else io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if stream is None else "",
        **(headers or {}),
    }
    seen = {}

    def start_response(status, hdrs, exc_info=None):
        seen["status"], seen["headers"] = status, dict(hdrs)

    out = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), seen["headers"], out


def test_healthz_ok_with_request_id(http):
    r = http.get(f"{BASE_URL}/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert len(r.headers["X-Request-Id"]) == 32


def test_healthz_503_when_store_is_down(tmp_path):
    dead = Store(f"sqlite:///{tmp_path}/missing-dir/store.db")
    app = create_app(Settings.load(environ={}), dead)
    status, headers, body = call(app, "/healthz", method="GET")
    assert status == 503
    assert json.loads(body)["status"] == "unavailable"
    assert "X-Request-Id" in headers


def test_caller_request_id_is_echoed_and_junk_replaced(gateway):
    _, headers, _ = call(gateway, "/echo", b"x", headers={"HTTP_X_REQUEST_ID": "abc-123"})
    assert headers["X-Request-Id"] == "abc-123"
    _, headers, _ = call(gateway, "/echo", b"x", headers={"HTTP_X_REQUEST_ID": "<script>"})
    assert headers["X-Request-Id"] != "<script>"


def test_raw_body_reaches_protocol_unchanged(gateway):
    body = b"\xef\xbb\xbf<x a='1'>\r\n</x>"
    status, _, out = call(gateway, "/echo", body)
    assert (status, out) == (200, body)


class ExplodingStream:
    def read(self, *args):
        raise AssertionError("the body was read")


def test_oversized_body_refused_before_reading(gateway):
    environ_headers = {"CONTENT_LENGTH": "1001"}
    status, headers, out = call(gateway, "/echo", stream=ExplodingStream(), headers=environ_headers)
    assert status == 413
    assert headers["Content-Type"] == "text/xml"
    assert b"<error code='413'>" in out and b"1001" in out


def test_chunked_body_over_cap_is_refused_after_cap_plus_one(gateway):
    stream = io.BytesIO(b"x" * 50_000)
    status, _, _ = call(gateway, "/echo", stream=stream, headers={"HTTP_TRANSFER_ENCODING": "chunked"})
    assert status == 413
    assert stream.tell() <= 1001 + 65536


def test_no_length_and_not_chunked_means_no_body(gateway):
    # wsgiref hands over the socket itself: reading it to the end blocked every GET on a
    # keep-alive connection until the client timed out
    status, _, out = call(gateway, "/echo", stream=ExplodingStream(), method="POST")
    assert status == 200


def test_unhandled_error_becomes_protocol_error_without_traceback(gateway, caplog):
    with caplog.at_level(logging.ERROR, logger="lms_gateway"):
        status, headers, out = call(gateway, "/boom", b"x")
    assert status == 500
    assert out.startswith(b"<error code='500'>")
    assert b"secret internals" not in out and b"Traceback" not in out
    assert headers["X-Request-Id"].encode() in out
    assert "secret internals" in caplog.text  # the operator still gets it


def test_unknown_path_404_and_wrong_method_405(gateway):
    assert call(gateway, "/nowhere")[0] == 404
    status, headers, _ = call(gateway, "/metrics", method="POST")
    assert status == 405 and headers["Allow"] == "GET"


def test_one_access_line_per_request(gateway, caplog):
    with caplog.at_level(logging.INFO, logger="lms_gateway.access"):
        call(gateway, "/echo", b"hello", headers={"HTTP_X_REQUEST_ID": "rid-1"})
    records = [r for r in caplog.records if r.name == "lms_gateway.access"]
    assert len(records) == 1
    fields = ("request_id", "method", "path", "protocol", "operation", "account", "status", "bytes", "remote")
    assert {f: getattr(records[0], f) for f in fields} == {
        "request_id": "rid-1", "method": "POST", "path": "/echo", "protocol": "echo",
        "operation": None, "account": None, "status": 200, "bytes": 5, "remote": None,
    }
    assert records[0].ms >= 0


def test_metrics_count_requests_by_route_and_status(gateway):
    def count():
        _, _, text = call(gateway, "/metrics", method="GET")
        for line in text.decode().splitlines():
            if line.startswith('lms_gateway_requests_total{route="echo",status="413"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = count()
    call(gateway, "/echo", b"y" * 2000)
    _, headers, text = call(gateway, "/metrics", method="GET")
    assert headers["Content-Type"].startswith("text/plain")
    assert count() == before + 1
    assert b"lms_gateway_request_duration_seconds_bucket" in text


def named(name: str):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{name} {environ['PATH_INFO']}".encode()]

    return app


def test_prefix_routes_serve_the_paths_below_them(settings, store):
    gateway = Gateway(settings, store, {
        "/api": Route("api", named("api"), prefix=True),
        "/api/exact": Route("exact", named("exact")),
        "/api/deeper": Route("deeper", named("deeper"), prefix=True),
        "/plain": Route("plain", named("plain")),
    })
    assert call(gateway, "/api/a/b", method="GET")[2] == b"api /api/a/b"
    assert call(gateway, "/api", method="GET")[2] == b"api /api"
    assert call(gateway, "/api/exact", method="GET")[2] == b"exact /api/exact"  # an exact route wins
    assert call(gateway, "/api/deeper/x", method="GET")[2] == b"deeper /api/deeper/x"  # the longest prefix wins
    assert call(gateway, "/apix", method="GET")[0] == 404  # a prefix is a whole path segment
    assert call(gateway, "/plain/below", method="GET")[0] == 404  # exact routes stay exact


def test_only_routes_that_wait_on_nothing_but_an_embedded_store_run_on_the_event_loop(app, store):
    from gateway import qti_profile, webex
    from gateway.itslearning import services as itslearning
    from gateway.lis import pox, soap
    from gateway.lti13 import app as lti13

    on_sqlite = store.dialect == "sqlite"
    for path in (soap.PATH, pox.PATH, qti_profile.PATH):
        assert app.runs_on_loop(path) is on_sqlite, path
    # WebEx and itslearning may hash a password (PBKDF2, a fifth of a second, GIL released); LTI 1.3
    # may fetch a tool's keys; uploads stream; the admin pages, health and metrics stay off the loop too
    for path in (webex.PATH, itslearning.DATA_PATH, itslearning.FILE_PATH, lti13.PATH + "/token", "/__admin/requests",
                 "/healthz", "/metrics", "/nowhere"):
        assert not app.runs_on_loop(path), path
    assert not create_app(app.settings.replace(run_on_loop=False), store).runs_on_loop(soap.PATH)
    with store.long_write():  # an itslearning import of this process may hold SQLite's write lock for long
        assert not app.runs_on_loop(soap.PATH)
    assert app.runs_on_loop(soap.PATH) is on_sqlite
