"""Plain-text LIS requests skip spyne (gateway.lis.soap.direct_call): the answers are the answers
spyne's way gives, byte for byte but for the fresh imsx_messageIdentifier, whatever the envelope."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from spyne.server.wsgi import WsgiApplication

from adapters.ns import LIS_OMS, SOAP_ENV
from gateway import xmlsafe
from gateway.lis import soap
from tests.lis.conftest import SOAP_URL

HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
_FRESH_ID = re.compile(rb"<tns:imsx_messageIdentifier>[0-9A-F-]{36}</tns:imsx_messageIdentifier>")

texts = st.sampled_from(["49313814", " 49313814 ", "", " ", "unknown", "a&amp;b", "l1", "p1", " m-1\n"])
names = st.sampled_from(["sourcedId", "lineItemSourcedid", "personSourcedId", "imsx_messageIdentifier", "other"])


@st.composite
def children(draw, allowed_names=names, allowed_texts=texts) -> str:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(allowed_names)
        prefix = draw(st.sampled_from(["ims:", "ims:", "ims:", "", "o:"]))
        inner = draw(allowed_texts)
        shape = draw(st.integers(0, 40))  # mostly plain: the direct way's own ground
        if shape == 0:
            inner += "<ims:nested>x</ims:nested>"
        elif shape == 1:
            inner += "<!-- a comment -->" + draw(allowed_texts)
        attribute = ' xsi:nil="true"' if shape == 2 else ""
        out.append(f"<{prefix}{name}{attribute}>{inner}</{prefix}{name}>")
        if shape == 3:
            out.append("<!-- between -->")
    return "".join(out)


@st.composite
def envelopes(draw) -> bytes:
    header = draw(st.sampled_from(["none", "empty", *["info"] * 8, "info-attribute", "other", "info+other"]))
    info = f"<ims:imsx_syncRequestHeaderInfo>{draw(children(st.sampled_from(['imsx_version', 'imsx_messageIdentifier', 'other'])))}" \
           "</ims:imsx_syncRequestHeaderInfo>"
    with_attribute = info.replace("Info>", "Info o:a='1'>", 1)
    header_xml = {
        "none": "", "empty": "<SOAP-ENV:Header/>", "info": f"<SOAP-ENV:Header>{info}</SOAP-ENV:Header>",
        "info-attribute": f"<SOAP-ENV:Header>{with_attribute}</SOAP-ENV:Header>",
        "other": "<SOAP-ENV:Header><o:other/></SOAP-ENV:Header>",
        "info+other": f"<SOAP-ENV:Header>{info}<o:other/></SOAP-ENV:Header>",
    }[header]
    entries = []
    for _ in range(draw(st.sampled_from([*[1] * 10, 0, 2]))):
        operation = draw(st.sampled_from(["readResult", "readResult", "readResultIdsForLineItem", "readResultIdsForPerson",
                                          "readAllResultIds", "deleteResult", "readLineItem", "noSuchThing"]))
        # deleteResult only of ids the store does not hold: both ways must meet the same store
        content = draw(children(allowed_texts=st.sampled_from(["unknown", "", " "]))) if operation == "deleteResult" \
            else draw(children())
        prefix = draw(st.sampled_from([*["ims:"] * 8, "o:"]))
        entries.append(f"<{prefix}{operation}Request>{content}</{prefix}{operation}Request>")
    attribute = ' o:a="1"' if draw(st.integers(0, 15)) == 0 else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ims="{LIS_OMS}" xmlns:o="urn:other"'
        f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"{attribute}>'
        f"{header_xml}<SOAP-ENV:Body>{''.join(entries)}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def _answer(signed, body: bytes) -> tuple[int, dict, bytes]:
    response = signed.post(SOAP_URL, data=body, headers=HEADERS)
    headers = {k: v for k, v in response.headers.items() if k != "X-Request-Id"}
    return response.status_code, headers, _FRESH_ID.sub(b"<tns:imsx_messageIdentifier/>", response.content)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=envelopes())
def test_direct_answers_are_spynes_answers(signed, monkeypatch, body):
    direct = _answer(signed, body)
    with monkeypatch.context() as patch:
        patch.setattr(soap, "direct_call", lambda root: None)
        through_spyne = _answer(signed, body)
    assert direct == through_spyne, body


def test_plain_requests_do_not_reach_spyne(signed, monkeypatch):
    def refuse(*args):
        raise AssertionError("spyne was called")

    monkeypatch.setattr(WsgiApplication, "__call__", refuse)
    for operation, inner in [("readResult", "<ims:sourcedId>49313814</ims:sourcedId>"),
                             ("deleteResult", "<ims:sourcedId>unknown</ims:sourcedId>"),
                             ("readAllResultIds", "")]:
        body = (f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ims="{LIS_OMS}"><SOAP-ENV:Header>'
                "<ims:imsx_syncRequestHeaderInfo><ims:imsx_version>V1.0</ims:imsx_version>"
                "<ims:imsx_messageIdentifier> m-1 </ims:imsx_messageIdentifier></ims:imsx_syncRequestHeaderInfo>"
                f"</SOAP-ENV:Header><SOAP-ENV:Body><ims:{operation}Request>{inner}</ims:{operation}Request>"
                "</SOAP-ENV:Body></SOAP-ENV:Envelope>").encode()
        assert soap.direct_call(xmlsafe.parse(body))[::2] == (operation, "m-1")
        status, _, answer = _answer(signed, body)
        assert status == 200 and b"<tns:imsx_messageRefIdentifier>m-1<" in answer, answer


@pytest.mark.parametrize("inner", [
    "<ims:readResultRequest><ims:sourcedId xsi:nil='true'/></ims:readResultRequest>",
    "<ims:readResultRequest><ims:sourcedId>a<ims:b/></ims:sourcedId></ims:readResultRequest>",
    "<ims:readResultRequest/><ims:readResultRequest/>",
    "<ims:replaceResultRequest/>",
    "<ims:readLineItemRequest/>",
])
def test_anything_else_goes_to_spyne(inner):
    body = (f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" xmlns:ims="{LIS_OMS}" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SOAP-ENV:Body>{inner}</SOAP-ENV:Body>'
            "</SOAP-ENV:Envelope>").encode()
    assert soap.direct_call(xmlsafe.parse(body)) is None
