"""Fixtures for the journal, admin API and fault tests: the in-process gateway seen from loopback,
demo data under a long demo secret (so that a leak of it is findable), signed LIS/POX sessions."""
from __future__ import annotations

import uuid

import pytest
import requests
from requests_oauthlib import OAuth1
from wsgiadapter import WSGIAdapter

from adapters.ns import LIS_OMS
from gateway import demo
from gateway.config import Settings
from gateway.demo.accounts import LIS_CONSUMER_KEY
from tests.conftest import BASE_URL

DEMO_SECRET = "journal-demo-secret-7f3a"
WEBEX_PASSWORD = "hostpassword"
SOAP_URL = f"{BASE_URL}/api/soap/1p0/lis-result"
POX_URL = f"{BASE_URL}/lti/outcomes"
WEBEX_URL = f"{BASE_URL}/WBXService/XMLService"
ADMIN = f"{BASE_URL}/__admin"


@pytest.fixture
def settings(store_url, tmp_path) -> Settings:
    return Settings.load(environ={}, database_url=store_url, demo_secret=DEMO_SECRET, samples_dir=str(tmp_path / "samples"))


class FromAddress:
    """The in-process adapter sets no REMOTE_ADDR; a real server would."""

    def __init__(self, app, address: str = "127.0.0.1"):
        self.app, self.address = app, address

    def __call__(self, environ, start_response):
        environ.setdefault("REMOTE_ADDR", self.address)
        return self.app(environ, start_response)


def session_on(app, address: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(FromAddress(app, address)))
    return session


@pytest.fixture
def demo_data(store, settings) -> None:
    demo.load(store, settings)


@pytest.fixture
def http(app, demo_data) -> requests.Session:
    return session_on(app)


class SignPosts(OAuth1):
    def __call__(self, r):
        return super().__call__(r) if r.method == "POST" else r


@pytest.fixture
def signed(app, demo_data) -> requests.Session:
    session = session_on(app)
    session.auth = SignPosts(LIS_CONSUMER_KEY, DEMO_SECRET, force_include_body=True)
    return session


def lis_envelope(operation: str, inner: str, message_id: str | None = None) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="{LIS_OMS}">'
        "<SOAP-ENV:Header><ns1:imsx_syncRequestHeaderInfo><ns1:imsx_version>V1.0</ns1:imsx_version>"
        f"<ns1:imsx_messageIdentifier>{message_id or uuid.uuid4()}</ns1:imsx_messageIdentifier>"
        "</ns1:imsx_syncRequestHeaderInfo></SOAP-ENV:Header>"
        f"<SOAP-ENV:Body><ns1:{operation}Request>{inner}</ns1:{operation}Request></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def read_result(sourced_id: str = "49313814", message_id: str | None = None) -> bytes:
    return lis_envelope("readResult", f"<ns1:sourcedId>{sourced_id}</ns1:sourcedId>", message_id)


def pox(operation: str, sourced_id: str, score: str | None = None) -> bytes:
    result = f"<result><resultScore><language>en</language><textString>{score}</textString></resultScore></result>" if score else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">'
        "<imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>"
        "<imsx_messageIdentifier>m-1</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader>"
        f"<imsx_POXBody><{operation}Request><resultRecord><sourcedGUID><sourcedId>{sourced_id}</sourcedId></sourcedGUID>"
        f"{result}</resultRecord></{operation}Request></imsx_POXBody></imsx_POXEnvelopeRequest>"
    ).encode()


SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def webex_message(operation: str, content: str, password: str = WEBEX_PASSWORD, ticket: str | None = None) -> bytes:
    secret = f"<sessionTicket>{ticket}</sessionTicket>" if ticket else f"<password>{password}</password>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<header><securityContext><webExID>hostid</webExID>{secret}<siteID>0000</siteID>"
        "<partnerID>9999</partnerID></securityContext></header>"
        f'<body><bodyContent xsi:type="{operation}">{content}</bodyContent></body></serv:message>'
    ).encode()


def training(op: str) -> str:
    return f"java:com.webex.service.binding.training.{op}"


def entries(http: requests.Session, **query) -> list[dict]:
    response = http.get(f"{ADMIN}/requests", params=query)
    assert response.status_code == 200, response.text
    return response.json()["requests"]

