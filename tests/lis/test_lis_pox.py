"""LTI 1.1 Basic Outcomes (POX) at /lti/outcomes (DESIGN.md §6, §7): the `lti` package's
OutcomeRequest against the in-process gateway, and the exact answer of each failure."""
from __future__ import annotations

import time

import pytest
import requests
from lti import OutcomeRequest
from lxml import etree
from requests_oauthlib import OAuth1

from adapters.store import accounts as store_accounts
from adapters.store import results as store_results
from adapters.store.results import ResultData
from gateway import xmlsafe
from gateway.security.oauth import authorization_header
from tests.lis.conftest import POX_URL, POX_XSD, SOAP_URL, _zeep, header

NS = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"


@pytest.fixture
def lti_client(signed, monkeypatch):
    """OutcomeRequest posts with requests.post; send those posts through the in-process session."""
    import lti.outcome_request

    sent = []

    def post(url, **kwargs):
        response = requests.Session.post(signed, url, **kwargs)
        sent.append(response)
        return response

    monkeypatch.setattr(lti.outcome_request.requests, "post", post)

    def make(sourced_id: str) -> OutcomeRequest:
        return OutcomeRequest({"consumer_key": "49201", "consumer_secret": "secret",
                               "lis_outcome_service_url": POX_URL, "lis_result_sourcedid": sourced_id})

    make.sent = sent
    return make


def pox_schema() -> etree.XMLSchema:
    return etree.XMLSchema(xmlsafe.parse(POX_XSD.read_bytes()))


def test_replace_read_delete_with_the_lti_package(lti_client):
    response = lti_client("49313814").post_replace_result(0.92)
    assert response.is_success(), response.description
    assert str(response.description) == "Score for 49313814 is now 0.92"
    assert str(response.operation) == "replaceResult"
    assert response.message_ref_identifier == ""  # the lti package sends an empty identifier

    read = lti_client("49313814").post_read_result()
    assert read.is_success() and read.score == "0.92"

    assert lti_client("49313814").post_delete_result().is_success()
    read = lti_client("49313814").post_read_result()
    assert read.is_success() and read.score == ""

    raw = lti_client.sent[-1].content
    assert b"<imsx_codeMajor>success</imsx_codeMajor>" in raw  # clients test the literal
    assert b"<textString/>" in raw
    for response in lti_client.sent:
        root = xmlsafe.parse(response.content)
        assert all(etree.QName(el).namespace == NS for el in root.iter() if isinstance(el.tag, str))
        assert b"<ns0:" not in response.content and b"xmlns:" not in response.content
        pox_schema().assertValid(etree.ElementTree(root))


def test_statusinfo_order_is_ltis(lti_client):
    lti_client("49313814").post_read_result()
    root = xmlsafe.parse(lti_client.sent[-1].content)
    status = root.find(f"{{{NS}}}imsx_POXHeader/{{{NS}}}imsx_POXResponseHeaderInfo/{{{NS}}}imsx_statusInfo")
    assert [etree.QName(c).localname for c in status] == [
        "imsx_codeMajor", "imsx_severity", "imsx_description", "imsx_messageRefIdentifier", "imsx_operationRefIdentifier"]


def test_pox_score_is_the_record_a_soap_client_reads(lti_client, signed):
    assert lti_client("49313826").post_replace_result(0.5).is_success()
    client = _zeep(f"{SOAP_URL}?wsdl", signed)
    answer = client.service.readResult(sourcedId="49313826", _soapheaders=[header(client)])
    assert answer.body.resultRecord.result.resultScore.textString == "0.5"
    assert answer.body.resultRecord.result.resultScore.language == "en"


@pytest.mark.parametrize("score", ["1.5", "-0.1", "abc", "NaN", "Infinity", "", "0E-999999999", "1e0", "１", "0_5", ".5e1"])
def test_out_of_range_or_non_numeric_score_fails_and_changes_nothing(lti_client, score):
    response = lti_client("49313814").post_replace_result(score)
    assert response.is_failure() and response.has_error()
    assert str(response.description) == (
        f"Score {score!r} is not a decimal between 0.0 and 1.0 in plain notation (such as 0.92); the result was not changed.")
    assert lti_client.sent[-1].status_code == 200
    # the seed's score (100 on Turnitin's 0-100 scale), untouched, read as LTI 1.1's fraction
    assert lti_client("49313814").post_read_result().score == "1"


@pytest.mark.parametrize("score", ["0", "1", "1.0", "0.0", "0.75"])
def test_bounds_are_inclusive(lti_client, score):
    assert lti_client("49313814").post_replace_result(score).is_success()


def test_unknown_and_foreign_sourced_ids_look_the_same(lti_client, store):
    with store.session() as s:
        other = store_accounts.get_or_create_account(s, "other-school")
        store_results.create_result(s, other.id, ResultData(sourced_id="55500001", line_item_sourced_id="9"))
    theirs = lti_client("55500001").post_read_result()
    missing = lti_client("55500002").post_read_result()
    assert theirs.is_failure() and missing.is_failure()
    assert str(theirs.description) == "sourcedId 55500001 is not a known result."
    assert str(missing.description) == "sourcedId 55500002 is not a known result."
    assert lti_client("55500001").post_replace_result(0.3).is_failure()


def pox_request(operation: str, inner: str = "", message_id: str = "42") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest xmlns="{NS}">'
        f"<imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>"
        f"<imsx_messageIdentifier>{message_id}</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader>"
        f"<imsx_POXBody><{operation}>{inner}</{operation}></imsx_POXBody></imsx_POXEnvelopeRequest>"
    ).encode()


def status_of(content: bytes) -> tuple[str, ...]:
    root = xmlsafe.parse(content)
    st = root.find(f".//{{{NS}}}imsx_statusInfo")
    return tuple((c.text or "") for c in st)


def post(signed, body: bytes, content_type="application/xml", **kw) -> requests.Response:
    signed.auth = OAuth1("49201", kw.pop("secret", "secret"), force_include_body=True, **kw)
    return signed.post(POX_URL, data=body, headers={"Content-Type": content_type})


def test_other_operations_are_unsupported(signed):
    r = post(signed, pox_request("readMembershipRequest"))
    assert r.status_code == 200
    assert status_of(r.content) == ("unsupported", "status", "readMembership is not supported by this service.", "42", "readMembership")


def test_bad_signature_is_401_with_a_failure_envelope(signed):
    r = post(signed, pox_request("readResultRequest"), secret="wrong")
    assert r.status_code == 401
    assert status_of(r.content) == ("failure", "error",
                                    "OAuth check failed: invalid signature (the gateway signed POST http://gateway.test/lti/outcomes)", "", "")
    # The request was not read, so no operation can be named: the one place the body stays empty.
    assert b"<imsx_POXBody/>" in r.content


def test_tampered_body_and_replay_are_401(signed):
    body = pox_request("readResultRequest", "<resultRecord><sourcedGUID><sourcedId>49313814</sourcedId></sourcedGUID></resultRecord>")
    auth = authorization_header(POX_URL, body, "49201", "secret", content_type="application/xml", timestamp=str(int(time.time())))
    signed.auth = None
    headers = {"Content-Type": "application/xml", "Authorization": auth}
    assert signed.post(POX_URL, data=body, headers=headers).status_code == 200
    replay = signed.post(POX_URL, data=body, headers=headers)
    assert (replay.status_code, status_of(replay.content)[2]) == (401, "OAuth check failed: the nonce has already been used (replayed request)")
    tampered = signed.post(POX_URL, data=body.replace(b"49313814", b"49313826"), headers=headers)
    assert (tampered.status_code, status_of(tampered.content)[2]) == (401, "OAuth check failed: oauth_body_hash does not match the request body")


def test_wrong_content_type_is_415(signed):
    r = post(signed, pox_request("readResultRequest"), content_type="text/plain")
    assert r.status_code == 415
    assert status_of(r.content)[:3] == ("failure", "error", "Unsupported Content-Type 'text/plain': send application/xml")


def test_malformed_xml_is_400(signed):
    r = post(signed, b"<imsx_POXEnvelopeRequest><oops>")
    assert r.status_code == 400
    assert status_of(r.content)[2].startswith("Malformed XML: ")


def test_missing_sourced_id(signed):
    r = post(signed, pox_request("readResultRequest", "<resultRecord/>"))
    assert (r.status_code, status_of(r.content)[:3]) == (200, ("failure", "error", "resultRecord/sourcedGUID/sourcedId is required."))
