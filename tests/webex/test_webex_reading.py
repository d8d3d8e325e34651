"""A WebEx request is read once (issue 15): the journal, the proxy and the protocol share one reading
of the body through the environ instead of each parsing it again."""
from __future__ import annotations

import pytest

from gateway import xmlsafe
from gateway.routing import RAW_BODY
from gateway.webex import PATH, envelope
from tests.webex.conftest import message, training

REPORT = message(training("GetIMStestResult"), "<testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail>")


def test_a_body_is_read_once_per_request():
    raw = REPORT.encode()
    environ: dict = {}
    first = envelope.request_of(environ, raw)
    assert envelope.request_of(environ, bytes(bytearray(raw))) is first  # equal bytes, the same reading
    assert (first.service, first.operation, first.security["webExID"]) == ("training", "GetIMStestResult", "hostid")
    other = message(training("GetIMStestDetails"), "<testID>207</testID>").encode()
    assert envelope.request_of(environ, other).operation == "GetIMStestDetails"  # another body is read anew


@pytest.mark.parametrize("raw, error", [(b"<serv:message", xmlsafe.XMLInputError), (b"<x/>", envelope.RequestError)])
def test_a_body_that_cannot_be_read_fails_the_same_way_each_time(raw, error):
    environ: dict = {}
    for _ in range(2):
        with pytest.raises(error):
            envelope.request_of(environ, raw)


def test_the_protocol_takes_the_reading_it_finds(app, demo_store, monkeypatch):
    raw = REPORT.encode()
    environ: dict = {}
    envelope.request_of(environ, raw)  # as a reader before the protocol (the journal) would
    parsed = []
    real = envelope.parse_request
    monkeypatch.setattr(envelope, "parse_request", lambda data: parsed.append(data) or real(data))
    protocol = app.route_for(PATH).app  # the WebEx route itself, without the journal around it
    body = _post(protocol, raw, environ)
    assert b"<serv:result>SUCCESS" in body and b"qti:assessment_result" in body
    assert parsed == []
    assert b"<serv:result>SUCCESS" in _post(protocol, raw, {})  # without one, it reads the body itself
    assert parsed == [raw]


def _post(app, raw: bytes, extra: dict) -> bytes:
    import io
    import sys

    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": PATH, "QUERY_STRING": "",
               "SERVER_NAME": "gateway.test", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "CONTENT_TYPE": "text/xml", "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw),
               "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.errors": sys.stderr,
               RAW_BODY: raw, **extra}  # the dispatcher reads the body for the route
    return b"".join(app(environ, lambda status, headers, exc_info=None: None))


def test_test_digests_are_remembered_within_their_bounds():
    from gateway.webex.training import _DigestCache

    cache = _DigestCache(size=3, chars=100)
    first = cache.of(1, "a" * 40)
    assert cache.of(1, "a" * 40) == first and cache.of(1, "b" * 40) != first  # a changed text, a new digest
    cache.of(2, "c" * 40)
    cache.of(3, "d" * 40)  # 120 characters kept: the least recent goes
    assert len(cache) == 2
    for test_id in range(10, 20):
        cache.of(test_id, "e")
    assert len(cache) == 3
