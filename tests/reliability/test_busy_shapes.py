"""Each protocol's "busy" answer when the store cannot be reached at all (DESIGN.md §10), in process.

The store here is a PostgreSQL URL on a loopback port where nothing listens, so every connection
is refused the way it is while a database restarts. The LIS and POX requests are properly signed:
their OAuth consumer and nonce checks are the first thing that needs the store, before any
operation runs, and that must still give the protocol's busy answer rather than a 500.
"""
from __future__ import annotations

import pytest
import requests
from lxml import etree
from requests_oauthlib import OAuth1
from wsgiadapter import WSGIAdapter

from adapters import ns
from adapters.store import Store
from bench import load
from gateway.app import create_app
from gateway.config import Settings
from tests.conftest import BASE_URL
from tests.servers import free_port

LIS = f"{{{ns.LIS_OMS}}}"
POX = f"{{{ns.LTI_POX}}}"


@pytest.fixture(scope="module")
def unreachable():
    settings = Settings.load(environ={}, database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    store = Store(settings.database_url)
    yield create_app(settings, store)
    store.dispose()


def client(app, sign: bool = False) -> requests.Session:
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(app))
    if sign:
        session.auth = OAuth1(load.CONSUMER_KEY, load.SECRET, force_include_body=True)
    return session


def test_healthz_is_503(unreachable):
    answer = client(unreachable).get(BASE_URL + "/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"


@pytest.mark.parametrize("body, operation", [
    (load.lis_read_result("49313814"), "readResult"),
    (load.lis_read_results(["49313814", "x"]), "readResults"),
    (load.lis_replace_result("r-1", "0.5"), "replaceResult"),
])
def test_lis_soap_answers_targetisbusy(unreachable, body, operation):
    answer = client(unreachable, sign=True).post(BASE_URL + load.LIS_PATH, data=body, headers={"Content-Type": "text/xml"})
    assert load.classify_lis(answer.status_code, answer.content)[0] == "busy", answer.text
    root = etree.fromstring(answer.content)
    assert root.find(f".//{LIS}{operation}Response") is not None
    assert root.findtext(f".//{LIS}imsx_severity") == "error"
    sent_id = etree.fromstring(body).findtext(f".//{LIS}imsx_messageIdentifier")
    assert root.findtext(f".//{LIS}imsx_messageRefIdentifier") == sent_id


def test_lis_soap_without_an_operation_is_a_server_fault(unreachable):
    body = f'<s:Envelope xmlns:s="{ns.SOAP_ENV}"><s:Body><nothing/></s:Body></s:Envelope>'.encode()
    answer = client(unreachable, sign=True).post(BASE_URL + load.LIS_PATH, data=body, headers={"Content-Type": "text/xml"})
    assert answer.status_code == 503
    assert etree.fromstring(answer.content).findtext(".//faultcode") == "SOAP-ENV:Server"


def test_pox_answers_503_failure(unreachable):
    body = load.pox_replace_result("r-1", "0.5")
    answer = client(unreachable, sign=True).post(BASE_URL + load.POX_PATH, data=body, headers={"Content-Type": "application/xml"})
    assert load.classify_pox(answer.status_code, answer.content)[0] == "busy", answer.text
    root = etree.fromstring(answer.content)
    assert root.findtext(f".//{POX}imsx_operationRefIdentifier") == "replaceResult"
    assert "unavailable" in root.findtext(f".//{POX}imsx_description")


def test_webex_answers_failure(unreachable):
    answer = client(unreachable).post(BASE_URL + load.WEBEX_PATH, data=load.WEBEX_REQUEST, headers={"Content-Type": "text/xml"})
    assert load.classify_webex(answer.status_code, answer.content)[0] == "busy", answer.text


def test_itslearning_answers_a_busy_fault(unreachable):
    answer = client(unreachable).post(BASE_URL + "/ContentImport/DataService.svc", data=ITSLEARNING_GET_TYPES,
                              headers={"Content-Type": "text/xml", "SOAPAction": '"http://tempuri.org/IDataService/GetMessageTypes"'})
    assert answer.status_code == 500
    fault = etree.fromstring(answer.content).find(f".//{{{ns.SOAP_ENV}}}Fault")
    assert fault.findtext("faultcode").endswith("Server.Busy")


ITSLEARNING_GET_TYPES = (
    f'<s:Envelope xmlns:s="{ns.SOAP_ENV}"><s:Header><wsse:Security xmlns:wsse="{ns.WSSE}"><wsse:UsernameToken>'
    "<wsse:Username>itslearning-demo</wsse:Username><wsse:Password>secret</wsse:Password></wsse:UsernameToken>"
    '</wsse:Security></s:Header><s:Body><GetMessageTypes xmlns="http://tempuri.org/"/></s:Body></s:Envelope>'
).encode()
