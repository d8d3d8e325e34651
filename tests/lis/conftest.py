"""Fixtures for the LIS OMS (SOAP) and LTI 1.1 (POX) tests: demo data, signed sessions, zeep clients."""
from __future__ import annotations

import uuid

import pytest
import requests
from requests_oauthlib import OAuth1
from wsgiadapter import WSGIAdapter
from zeep import Client, Settings as ZeepSettings
from zeep.transports import Transport

from adapters.ns import LIS_OMS
from gateway import demo, xmlsafe
from gateway.demo.accounts import LIS_CONSUMER_KEY
from tests.conftest import BASE_URL, REFERENCE

SOAP_URL = f"{BASE_URL}/api/soap/1p0/lis-result"
POX_URL = f"{BASE_URL}/lti/outcomes"
REFERENCE_WSDL = REFERENCE / "lis" / "lis-result.wsdl"
POX_XSD = REFERENCE / "lis" / "OMSv1p0_LTIv1p1Profile_SyncXSD_v1p0.xsd"
SOAP_ACTION = "http://www.imsglobal.org/soap/lis/oms1p0/"


@pytest.fixture
def demo_data(store, settings) -> None:
    demo.load(store, settings)


class SignPosts(OAuth1):
    """requests-oauthlib's OAuth1 for the POSTs; the WSDL GET goes unsigned (oauthlib refuses to
    sign a GET with force_include_body)."""

    def __call__(self, r):
        return super().__call__(r) if r.method == "POST" else r


@pytest.fixture
def signed(app, demo_data) -> requests.Session:
    """A session on the in-process app that signs every POST like requests-oauthlib clients do."""
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(app))
    session.auth = SignPosts(LIS_CONSUMER_KEY, "secret", force_include_body=True)
    return session


def _zeep(wsdl: str, session: requests.Session) -> Client:
    return Client(wsdl, transport=Transport(session=session), settings=ZeepSettings(strict=True))


@pytest.fixture
def gateway_client(signed) -> Client:
    """zeep built from the WSDL the gateway serves."""
    return _zeep(f"{SOAP_URL}?wsdl", signed)


@pytest.fixture
def reference_client(signed):
    """zeep built from the IMS/Turnitin reference WSDL, pointed at the gateway."""
    client = _zeep(str(REFERENCE_WSDL), signed)
    return client


def reference_service(client: Client, binding: str = "ResultManagerSyncSoapBinding"):
    return client.create_service(f"{{{LIS_OMS}}}{binding}", SOAP_URL)


def header(client: Client, message_id: str | None = None):
    element = client.get_element(f"{{{LIS_OMS}}}imsx_syncRequestHeaderInfo")
    return element(imsx_version="V1.0", imsx_messageIdentifier=message_id or str(uuid.uuid4()))


def lis_schema():
    """The inline XML Schema of the reference WSDL, to validate what the gateway emits."""
    from lxml import etree

    wsdl = xmlsafe.parse(REFERENCE_WSDL.read_bytes())
    inline = wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema")
    # Standalone, the schema needs the WSDL root's declarations (tns: is used in type="..." values).
    schema = etree.Element(inline.tag, dict(inline.attrib), nsmap={**wsdl.nsmap, **inline.nsmap})
    schema.extend(inline)
    return etree.XMLSchema(schema)
