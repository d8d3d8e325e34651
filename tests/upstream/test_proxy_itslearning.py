"""The proxy in front of itslearning's Migration API (WCF, WS-Security UsernameToken): the caller's
token is checked here, the upstream's put in its place, the password never recorded, and a failing
upstream is a SOAP Fault."""
from __future__ import annotations

import pytest
import requests
from wsgiadapter import WSGIAdapter

from adapters.upstream import samples
from gateway import xmlsafe
from gateway.proxy import ProxyConfig, create_proxy_app
from gateway.proxy.forward import UpstreamCredentials
from tests.upstream.conftest import CALLER_SECRET, PROXY_URL, UPSTREAM

DATA_PATH = "/ContentImport/DataService.svc"
UPSTREAM_ITS = {"Username": "vendor-its-user", "Password": "vendor-its-pass-Lq93"}
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def get_message_types(username: str, password: str) -> bytes:
    return f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
<s:Header><o:Security xmlns:o="{WSSE}"><o:UsernameToken><o:Username>{username}</o:Username>
<o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{password}</o:Password>
</o:UsernameToken></o:Security></s:Header>
<s:Body><GetMessageTypes xmlns="http://tempuri.org/"/></s:Body></s:Envelope>""".encode()


ANSWER = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetMessageTypesResponse '
          b'xmlns="http://tempuri.org/"><GetMessageTypesResult/></GetMessageTypesResponse></s:Body></s:Envelope>')
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://tempuri.org/IDataService/GetMessageTypes"'}


@pytest.fixture
def its_proxy(settings, store, demo_loaded, record_dir) -> requests.Session:
    credentials = UpstreamCredentials(itslearning=UPSTREAM_ITS)
    app = create_proxy_app(settings, store, ProxyConfig(UPSTREAM, credentials, record_dir, timeout_seconds=5))
    session = requests.Session()
    session.mount(PROXY_URL, WSGIAdapter(app))
    return session


def test_the_upstream_token_replaces_the_callers_and_no_password_is_recorded(its_proxy, vendor, record_dir):
    seen = []

    def callback(request):
        seen.append(request.body)
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, ANSWER
    vendor.add_callback("POST", UPSTREAM + DATA_PATH, callback=callback)
    r = its_proxy.post(PROXY_URL + DATA_PATH, data=get_message_types("itslearning-demo", CALLER_SECRET), headers=HEADERS)
    assert (r.status_code, r.content) == (200, ANSWER)
    [body] = seen
    assert b"<o:Username>vendor-its-user</o:Username>" in body and b">vendor-its-pass-Lq93</o:Password>" in body
    assert CALLER_SECRET.encode() not in body
    [folder] = samples.discover([record_dir])
    sample = samples.load(folder)
    assert (sample.protocol, sample.operation) == ("itslearning", "GetMessageTypes")
    assert b">REDACTED</o:Password>" in sample.request.body
    for path in folder.iterdir():
        assert CALLER_SECRET.encode() not in path.read_bytes() and b"vendor-its-pass" not in path.read_bytes()


def test_an_unknown_caller_gets_wcfs_authentication_fault_and_nothing_is_forwarded(its_proxy, vendor):
    r = its_proxy.post(PROXY_URL + DATA_PATH, data=get_message_types("itslearning-demo", "wrong"), headers=HEADERS)
    assert r.status_code == 500
    fault = xmlsafe.parse(r.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault.findtext("faultcode").endswith("Client.FailedAuthentication")
    assert fault.findtext("faultstring") == "At least one security token in the message could not be validated."
    assert len(vendor.calls) == 0


def test_a_timeout_is_a_soap_fault(its_proxy, vendor):
    vendor.add("POST", UPSTREAM + DATA_PATH, body=requests.exceptions.ConnectTimeout("connect timed out"))
    r = its_proxy.post(PROXY_URL + DATA_PATH, data=get_message_types("itslearning-demo", CALLER_SECRET), headers=HEADERS)
    assert r.status_code == 500
    fault = xmlsafe.parse(r.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault.findtext("faultcode") == "SOAP-ENV:Server"
    assert "did not answer: timed out after 5 s" in fault.findtext("faultstring")
