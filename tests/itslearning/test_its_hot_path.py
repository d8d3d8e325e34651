"""What a GetMessageResult poll costs the store and the parser (issue 15): the user with its
failed-login counters in one statement, the message's status in one more (never its data), and one
reading of the envelope shared with whoever read it first."""
from __future__ import annotations

import dataclasses

import pytest
import requests
from wsgiadapter import WSGIAdapter

from gateway import xmlsafe
from gateway.app import create_app
from gateway.itslearning import services
from gateway.itslearning.services import DATA_PATH
from gateway.routing import RAW_BODY, parsed_body
from gateway.security import passwords
from tests.conftest import BASE_URL
from tests.itslearning.conftest import client
from tests.webex.test_webex_queries import queries_in, statements

HEAD = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/">'
        '<s:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
        "<wsse:UsernameToken><wsse:Username>itslearning-demo</wsse:Username><wsse:Password>secret</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security></s:Header>")


def poll(message_id: int) -> bytes:
    return (HEAD + f"<s:Body><tem:GetMessageResult><tem:messageId>{message_id}</tem:messageId>"
            "</tem:GetMessageResult></s:Body></s:Envelope>").encode()


@pytest.fixture
def quiet_http(settings, demo_store):
    """The gateway without its journal, whose background writer would add its own statements."""
    passwords.forget_all()
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(create_app(dataclasses.replace(settings, journal=False), demo_store)))
    return session


def test_get_message_result_is_two_statements(quiet_http, demo_store):
    data = client(quiet_http, DATA_PATH)
    message_id = data.service.AddMessage(dataMessage={"Data": "<Message/>" + " " * 100_000, "Type": 1}).MessageId
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://tempuri.org/IDataService/GetMessageResult"'}
    assert b"InQueue" in quiet_http.post(BASE_URL + DATA_PATH, data=poll(message_id), headers=headers).content
    with statements(demo_store) as seen:
        answer = quiet_http.post(BASE_URL + DATA_PATH, data=poll(message_id), headers=headers).content
    assert b"InQueue" in answer
    assert len(queries_in(seen)) == 2, seen
    user, message = queries_in(seen)
    assert "login_failures" in user and "itslearning_credentials" in user
    assert "its_messages" in message and "data" not in message.split("FROM")[0].lower()


def test_an_envelope_is_read_once_per_request():
    environ = {RAW_BODY: poll(1)}
    first = services.envelope_of(environ, poll(1))
    assert services.envelope_of(environ, poll(1)) is first and parsed_body(environ) is first
    assert services.envelope_of(environ, poll(2)) is not first  # not the request's body: read on its own
    assert services.envelope_of(environ, poll(1), 20 * 1024 * 1024) is not first  # other limits: read anew
    with pytest.raises(xmlsafe.XMLInputError):
        services.envelope_of({RAW_BODY: b"<s:Envelope"}, b"<s:Envelope")


def test_the_protocol_takes_the_reading_it_finds(app, demo_store, monkeypatch):
    raw = poll(424242)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": DATA_PATH, "QUERY_STRING": "", "SERVER_NAME": "gateway.test",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "CONTENT_TYPE": "text/xml; charset=utf-8",
               "CONTENT_LENGTH": str(len(raw)), "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_SOAPACTION": '"http://tempuri.org/IDataService/GetMessageResult"'}
    environ[RAW_BODY] = raw
    parsed_body(environ)  # as the journal's reader does before the protocol
    parsed = []
    real = xmlsafe.parse
    monkeypatch.setattr(xmlsafe, "parse", lambda data, **kw: parsed.append(data) or real(data, **kw))
    import io
    import sys

    protocol = app.route_for(DATA_PATH).app  # the route itself, without the journal around it
    environ.update({"wsgi.input": io.BytesIO(raw), "wsgi.errors": sys.stderr})
    body = b"".join(protocol(environ, lambda status, headers, exc_info=None: None))
    assert b"Message 424242 does not exist" in body
    assert parsed == []
