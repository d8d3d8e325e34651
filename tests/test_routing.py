"""The request's headers as the journal and the proxy read them from the WSGI environ."""
from __future__ import annotations

from gateway import routing


def test_request_headers_are_named_as_http_spells_them():
    environ = {
        "CONTENT_TYPE": "text/xml", "CONTENT_LENGTH": "12", "HTTP_SOAPACTION": '"x"', "HTTP_X_REQUEST_ID": "r-1",
        "HTTP_HOST": "h", "HTTP_ACCEPT": b"*/*", "HTTP_EMPTY": "", "HTTP_": "odd", "REQUEST_METHOD": "POST",
        "wsgi.input": object(),
    }
    assert routing.request_headers(environ, skip=("Host",)) == {
        "Content-Type": "text/xml", "SOAPAction": '"x"', "X-Request-Id": "r-1", "Accept": "*/*",
    }


def test_invented_header_names_are_not_remembered_without_bound(monkeypatch):
    monkeypatch.setattr(routing, "_HEADER_NAMES", {})
    for i in range(routing._MAX_HEADER_NAMES + 50):
        assert routing.request_headers({f"HTTP_X_{i}": "v"}) == {f"X-{i}": "v"}
    assert len(routing._HEADER_NAMES) == routing._MAX_HEADER_NAMES
