"""The exact answer of every failure of the LIS SOAP endpoint (DESIGN.md §5, §7, §10)."""
from __future__ import annotations

import time
import uuid

import pytest
import requests
from wsgiadapter import WSGIAdapter

from gateway.app import create_app
from gateway.lis.envelope import fault_bytes
from gateway.security.oauth import authorization_header
from tests.conftest import BASE_URL
from tests.lis.conftest import SOAP_URL

NS = "http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0"


def envelope(body: str, message_id: str = "m-1") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="{NS}">'
        f"<SOAP-ENV:Header><ns1:imsx_syncRequestHeaderInfo><ns1:imsx_version>V1.0</ns1:imsx_version>"
        f"<ns1:imsx_messageIdentifier>{message_id}</ns1:imsx_messageIdentifier></ns1:imsx_syncRequestHeaderInfo></SOAP-ENV:Header>"
        f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


READ = envelope("<ns1:readResultRequest><ns1:sourcedId>49313814</ns1:sourcedId></ns1:readResultRequest>")


def post(http, body: bytes = READ, *, content_type='text/xml;charset="utf-8"', url=SOAP_URL, sign_body: bytes | None = None,
         key="49201", secret="secret", **sign) -> requests.Response:
    auth = authorization_header(url, body if sign_body is None else sign_body, key, secret, content_type=content_type, **sign)
    headers = {"Content-Type": content_type, "Authorization": auth, "SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/readResult"'}
    return http.post(url, data=body, headers=headers)


def auth_fault(message: str) -> bytes:
    return fault_bytes("Authentication Fault", message)


def assert_fault(r: requests.Response, status: int, expected: bytes) -> None:
    assert r.status_code == status
    assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert r.content == expected


@pytest.fixture
def soap(http, demo_data):
    return http


def test_the_fault_is_literally_what_turnitin_compares(soap):
    r = post(soap, secret="not-the-secret")
    assert r.status_code == 500
    assert b"<faultcode>Authentication Fault</faultcode>" in r.content
    assert r.content == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">\n'
        b"<SOAP-ENV:Body>\n<SOAP-ENV:Fault>\n<faultcode>Authentication Fault</faultcode>\n"
        b"<faultstring>OAuth check failed: invalid signature (the gateway signed POST http://gateway.test/api/soap/1p0/lis-result)</faultstring>\n"
        b"</SOAP-ENV:Fault>\n</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"
    )
    assert b"not-the-secret" not in r.content and b"oauth_signature" not in r.content


def test_tampered_body(soap):
    tampered = READ.replace(b"49313814", b"49313826")
    assert_fault(post(soap, tampered, sign_body=READ), 500,
                 auth_fault("OAuth check failed: oauth_body_hash does not match the request body"))


def test_replayed_nonce(soap):
    nonce, ts = uuid.uuid4().hex + "abcdefgh", str(int(time.time()))
    assert post(soap, nonce=nonce, timestamp=ts).status_code == 200
    assert_fault(post(soap, nonce=nonce, timestamp=ts), 500,
                 auth_fault("OAuth check failed: the nonce has already been used (replayed request)"))


def test_stale_timestamp(soap):
    assert_fault(post(soap, timestamp=str(int(time.time()) - 5401)), 500,
                 auth_fault("OAuth check failed: timestamp is more than 5400 seconds away from the gateway clock"))


def test_timestamp_inside_the_window_is_accepted(soap):
    assert post(soap, timestamp=str(int(time.time()) - 5300)).status_code == 200


def test_unknown_key(soap):
    assert_fault(post(soap, key="10000"), 500, auth_fault("OAuth check failed: unknown consumer key '10000'"))


def test_missing_authorization(soap):
    r = soap.post(SOAP_URL, data=READ, headers={"Content-Type": "text/xml"})
    assert_fault(r, 500, auth_fault("OAuth check failed: the request has no Authorization header"))


def test_unsupported_signature_method(soap):
    assert_fault(post(soap, signature_method="PLAINTEXT"), 500,
                 auth_fault("OAuth check failed: signature method must be HMAC-SHA1 or HMAC-SHA256"))


def test_hmac_sha256_accepted(soap):
    assert post(soap, signature_method="HMAC-SHA256").status_code == 200


@pytest.mark.parametrize("content_type", ['text/xml;charset="utf-8"', "text/xml; charset=utf-8", "application/xml", "text/xml"])
def test_accepted_content_types(soap, content_type):
    r = post(soap, content_type=content_type)
    assert r.status_code == 200 and b"<tns:imsx_codeMajor>success</tns:imsx_codeMajor>" in r.content


def test_wrong_content_type(soap):
    assert_fault(post(soap, content_type="application/json"), 415,
                 fault_bytes("SOAP-ENV:Client", "Unsupported Content-Type 'application/json': send text/xml"))


def test_malformed_envelope(soap):
    body = READ[:-30]
    r = post(soap, body)
    assert r.status_code == 500
    assert b"<faultcode>SOAP-ENV:Client</faultcode>" in r.content
    assert b"<faultstring>Malformed SOAP envelope: " in r.content


def test_not_a_soap_envelope(soap):
    assert_fault(post(soap, b"<readResultRequest/>"), 500,
                 fault_bytes("SOAP-ENV:Client", "No {http://schemas.xmlsoap.org/soap/envelope/}Envelope element was found!"))


def test_unknown_operation(soap):
    r = post(soap, envelope("<ns1:fetchEverythingRequest/>"))
    assert_fault(r, 500, fault_bytes("SOAP-ENV:Client", f"Unknown operation: '{{{NS}}}fetchEverythingRequest'"))


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
    ],
    ids=["xxe", "entity-expansion"],
)
def test_hostile_xml_is_a_client_fault(soap, doc):
    r = post(soap, doc)
    assert r.status_code == 500
    assert b"<faultcode>SOAP-ENV:Client</faultcode>" in r.content and b"passwd" not in r.content.replace(b"file:///etc/passwd", b"")
    assert b"root:" not in r.content


def test_oversized_body_is_a_client_fault_before_reading(settings, store, demo_data):
    app = create_app(settings.replace(max_body_bytes=512), store)
    http = requests.Session()
    http.mount(BASE_URL, WSGIAdapter(app))
    r = post(http, READ + b" " * 600)
    assert_fault(r, 413, fault_bytes("SOAP-ENV:Client", f"Request body of {len(READ) + 600} bytes exceeds the limit of 512 bytes"))


def test_501_ids(soap):
    ids = "".join(f"<ns1:sourcedId>{i}</ns1:sourcedId>" for i in range(501))
    r = post(soap, envelope(f"<ns1:readResultsRequest><ns1:sourcedIdSet>{ids}</ns1:sourcedIdSet></ns1:readResultsRequest>"))
    assert r.status_code == 200  # imsx failures are not HTTP errors
    assert b"<tns:imsx_codeMajor>failure</tns:imsx_codeMajor>\n<tns:imsx_severity>error</tns:imsx_severity>" in r.content
    assert b"<tns:imsx_description>readResults takes at most 500 sourcedIds; 501 were sent.</tns:imsx_description>" in r.content
    assert b"<tns:imsx_codeMinorFieldValue>invaliddata</tns:imsx_codeMinorFieldValue>" in r.content
    assert f'<tns:readResultsResponse xmlns:tns="{NS}"/>'.encode() in r.content


def test_wsdl_is_served_with_the_callers_address(soap):
    r = soap.get(f"{SOAP_URL}?wsdl")
    assert r.status_code == 200
    assert f'location="{SOAP_URL}"'.encode() in r.content
    assert b'soapAction="http://www.imsglobal.org/soap/lis/oms1p0/readResult"' in r.content


def test_get_without_wsdl_is_a_client_fault(soap):
    r = soap.get(SOAP_URL)
    assert_fault(r, 405, fault_bytes("SOAP-ENV:Client", "Send SOAP requests with POST; the WSDL is at /api/soap/1p0/lis-result?wsdl"))


def test_committed_wsdl_matches_the_code():
    from gateway.lis import wsdl

    assert wsdl.WSDL_FILE.read_bytes() == wsdl.generate(), "run: python -m gateway.lis.wsdl"


def test_store_unavailable_is_targetisbusy(soap, store, monkeypatch):
    from adapters.store import StoreUnavailable
    from gateway.lis import service

    def down(*a, **k):
        raise StoreUnavailable("connection refused")

    monkeypatch.setitem(service.HANDLERS, "readResult", down)
    r = post(soap)
    assert r.status_code == 200
    assert b"<tns:imsx_codeMinorFieldValue>targetisbusy</tns:imsx_codeMinorFieldValue>" in r.content
