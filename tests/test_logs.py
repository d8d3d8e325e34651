"""The log format (gateway/logs.py): one JSON object a line, the request id on request-scoped lines."""
from __future__ import annotations

import io
import json
import logging

import pytest

from gateway import logs
from gateway.app import create_app
from gateway.config import Settings
from gateway.routing import Route


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)  # setLevel, not .level: loggers cache what their level allows
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_traceback_inside_a_request_is_one_line_with_the_request_id(captured, tmp_path):
    def boom(environ, start_response):
        raise RuntimeError("kaboom")

    settings = Settings.load(environ={}, database_url=f"sqlite:///{tmp_path / 's.db'}")
    app = create_app(settings)
    app.routes["/boom"] = Route("boom", boom)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/boom", "HTTP_X_REQUEST_ID": "rid-boom", "wsgi.input": io.BytesIO()}
    app(environ, lambda status, headers, exc_info=None: None)
    records = lines(captured)
    errors = [r for r in records if r["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "rid-boom"
    assert "RuntimeError: kaboom" in errors[0]["exc_info"] and "Traceback" in errors[0]["exc_info"]
    access = [r for r in records if r["logger"] == "lms_gateway.access"]
    assert access[0]["request_id"] == "rid-boom" and access[0]["status"] == 500
    # outside the request the id is gone again
    logging.getLogger("lms_gateway").info("after")
    assert lines(captured)[-1]["request_id"] is None


def test_an_unknown_format_is_refused_by_name():
    with pytest.raises(ValueError, match="LMS_GATEWAY_LOG_FORMAT"):
        logs.configure("INFO", "xml")


def test_an_uncaught_thread_exception_is_one_json_line(captured, monkeypatch):
    import sys
    import threading

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    root = logging.getLogger()
    before = list(root.handlers)
    logs.configure("INFO", "json")
    try:
        root.addHandler(captured_handler := logging.StreamHandler(captured))
        captured_handler.setFormatter(logs.formatter("json"))
        captured_handler.addFilter(logs.RequestIdFilter())

        def fail():
            raise LookupError("lost")

        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in before:
            root.addHandler(h)
    record = [r for r in lines(captured) if r["level"] == "CRITICAL"][-1]
    assert "LookupError: lost" in record["exc_info"]
