"""The store being unavailable gives each protocol's own "busy" answer (DESIGN.md §10), and the
gateway answers normally again once the store is back."""
from __future__ import annotations

import shutil

import requests
from wsgiadapter import WSGIAdapter

from adapters.store import Store, schema
from gateway import demo
from gateway.app import create_app
from gateway.config import Settings
from gateway.lis.envelope import fault_bytes
from gateway.security.oauth import authorization_header
from tests.conftest import BASE_URL
from tests.lis.conftest import POX_URL, SOAP_URL
from tests.lis.test_lis_soap_failures import READ

POX_READ = (
    b'<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">'
    b"<imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>1</imsx_messageIdentifier>"
    b"</imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><readResultRequest><resultRecord><sourcedGUID>"
    b"<sourcedId>49313814</sourcedId></sourcedGUID></resultRecord></readResultRequest></imsx_POXBody></imsx_POXEnvelopeRequest>"
)


def session_for(app) -> requests.Session:
    s = requests.Session()
    s.mount(BASE_URL, WSGIAdapter(app))
    return s


def signed_post(http, url, body, content_type):
    auth = authorization_header(url, body, "49201", "secret", content_type=content_type)
    return http.post(url, data=body, headers={"Content-Type": content_type, "Authorization": auth})


def test_store_down_then_back(tmp_path):
    path = tmp_path / "moving" / "store.db"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    settings = Settings.load(environ={}, database_url=url)
    store = Store(url)
    schema.upgrade(store)
    demo.load(store, settings)
    store.dispose()
    hidden = tmp_path / "hidden"
    shutil.move(str(path.parent), hidden)  # the store's directory is gone: every connection fails
    store = Store(url)
    http = session_for(create_app(settings, store))
    try:
        r = signed_post(http, SOAP_URL, READ, "text/xml")
        # LIS's busy answer (DESIGN.md §10), the same as when the store fails inside the operation
        assert r.status_code == 200
        assert b"<tns:imsx_codeMajor>failure</tns:imsx_codeMajor>" in r.content
        assert b"<tns:imsx_codeMinorFieldValue>targetisbusy</tns:imsx_codeMinorFieldValue>" in r.content
        assert b"<tns:readResultResponse" in r.content
        r = signed_post(http, SOAP_URL, READ.replace(b"readResultRequest", b"noSuchRequest"), "text/xml")
        assert r.status_code == 503  # no operation to answer for: a Server fault
        assert r.content == fault_bytes("SOAP-ENV:Server", "The result store is unavailable; try again later.")
        r = signed_post(http, POX_URL, POX_READ, "application/xml")
        assert r.status_code == 503
        assert b"<imsx_codeMajor>failure</imsx_codeMajor>" in r.content
        assert b"<imsx_description>The result store is unavailable; try again later.</imsx_description>" in r.content

        shutil.move(str(hidden), path.parent)  # back again
        r = signed_post(http, SOAP_URL, READ, "text/xml")
        assert r.status_code == 200 and b"<tns:imsx_codeMinorFieldValue>fullsuccess</tns:imsx_codeMinorFieldValue>" in r.content
        r = signed_post(http, POX_URL, POX_READ, "application/xml")
        assert r.status_code == 200 and b"<textString>1</textString>" in r.content  # 100 of 100 as a fraction
    finally:
        store.dispose()
