"""GetIMStestResult and the test operations: the seed exchange, request variants, failures."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from adapters import ns
from adapters.store import accounts
from gateway.security.passwords import hash_password
from tests.conftest import REFERENCE
from tests.webex.conftest import NS, assert_valid, message, result_of, training

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "webex-getimstestresult-207"
RESULT = training("GetIMStestResult")
GEORGE = "<testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail>"


def canonical(el: etree._Element, equivalents: dict[str, str]) -> tuple:
    """Element name, attributes, stripped text and children in order: what the seed promises."""
    attrs = tuple(sorted((k, equivalents.get(v, v)) for k, v in el.attrib.items()))
    kids = tuple(canonical(c, equivalents) for c in el if isinstance(c.tag, str))
    return (el.tag, attrs, (el.text or "").strip(), kids)


def test_seed_exchange_replays_exactly(webex):
    meta = json.loads((SAMPLE / "meta.json").read_text())
    root = webex((SAMPLE / "request.xml").read_bytes())
    expected = etree.fromstring((SAMPLE / "response.xml").read_bytes())
    equivalents = meta["equivalent_values"]
    assert canonical(root, equivalents) == canonical(expected, equivalents)
    # the literal clients search for, and the exact prefixes
    assert b"<serv:result>SUCCESS</serv:result>" in webex.last_raw
    assert root.nsmap == expected.nsmap
    assert_valid(root)


def test_seed_own_request_answers_from_demo_data(webex):
    request = (SAMPLE / "request.xml").read_text().replace("<testID>207<", "<testID>102<").replace(
        "georgew@sz.webex.com", "amyl@sz.webex.com")
    root = webex(request)
    assert result_of(root)[0] == "SUCCESS"
    result = root.find(".//qti:assessment_result", NS)
    assert result.get("ident_ref") == "102"
    assert root.findtext(".//qti:identifier_string", namespaces=NS) == "amyl@sz.webex.com"
    assert_valid(root)


def seed_report(webex) -> bytes:
    root = webex(message(RESULT, GEORGE))
    assert result_of(root)[0] == "SUCCESS", result_of(root)
    return etree.tostring(root.find("serv:body", NS), method="c14n")


VARIANTS = {
    "qualified elements": lambda: message(RESULT, GEORGE).replace("<header>", "<serv:header>").replace(
        "</header>", "</serv:header>").replace("<body>", "<serv:body>").replace("</body>", "</serv:body>").replace(
        "<bodyContent", "<serv:bodyContent").replace("</bodyContent>", "</serv:bodyContent>").replace(
        "<securityContext>", f'<serv:securityContext xmlns:com="{ns.WEBEX_COMMON}">').replace(
        "</securityContext>", "</serv:securityContext>").replace("<webExID>hostid</webExID>", "<com:webExID>hostid</com:webExID>"),
    "QName xsi:type": lambda: message("train:getIMStestResult", GEORGE).replace(
        "<serv:message", f'<serv:message xmlns:train="{ns.WEBEX_TRAINING}"'),
    "undeclared serv prefix": lambda: message(RESULT, GEORGE, declare_serv=False),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_request_variants_answer_the_same_report(webex, variant):
    baseline = seed_report(webex)
    root = webex(VARIANTS[variant]())
    assert result_of(root)[0] == "SUCCESS", result_of(root)
    assert etree.tostring(root.find("serv:body", NS), method="c14n") == baseline


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/xml", "", "text/plain"])
def test_any_content_type_is_read_as_xml(webex, content_type):
    baseline = seed_report(webex)
    root = webex(message(RESULT, GEORGE), content_type=content_type)
    assert etree.tostring(root.find("serv:body", NS), method="c14n") == baseline


def test_iso_8859_1_request(webex):
    baseline = seed_report(webex)
    body = message(RESULT, GEORGE + "<!-- réponse demandée -->").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    root = webex(body.encode("iso-8859-1"))
    assert etree.tostring(root.find("serv:body", NS), method="c14n") == baseline


def failure_of(webex, body) -> tuple[str, str, str]:
    root = webex(body)
    assert_valid(root)
    assert root.find("serv:body/serv:bodyContent", NS) is not None and len(root.find("serv:body/serv:bodyContent", NS)) == 0
    return result_of(root)


def test_unknown_test(webex):
    assert failure_of(webex, message(RESULT, "<testID>999</testID><participantEmail>georgew@sz.webex.com</participantEmail>")) == (
        "FAILURE", "000015", "Sorry, no record found")


def test_participant_without_attempt(webex):
    body = message(RESULT, "<testID>207</testID><participantEmail>nobody@sz.webex.com</participantEmail>")
    assert failure_of(webex, body)[:2] == ("FAILURE", "000015")


def test_another_hosts_test_is_denied(webex, demo_store):
    with demo_store.session() as s:
        account = accounts.get_or_create_account(s, "demo")
        accounts.set_webex_credential(s, account, webex_id="otherhost", password_hash=hash_password("pw"), site_id="0000")
    body = message(RESULT, GEORGE, "<webExID>otherhost</webExID><password>pw</password><siteID>0000</siteID>")
    assert failure_of(webex, body) == ("FAILURE", "000001", "Access denied, additional privileges are required")


def test_another_accounts_test_is_not_found(webex, demo_store):
    with demo_store.session() as s:
        other = accounts.get_or_create_account(s, "other")
        accounts.set_webex_credential(s, other, webex_id="stranger", password_hash=hash_password("pw"), site_id="0000")
    body = message(RESULT, GEORGE, "<webExID>stranger</webExID><password>pw</password><siteID>0000</siteID>")
    assert failure_of(webex, body)[:2] == ("FAILURE", "000015")


@pytest.mark.parametrize("body", [
    b"<serv:message><header>",
    b"not xml at all",
    b"",
    b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><serv:message>&x;</serv:message>',
    b"<a>" * 5000 + b"</a>" * 5000,
])
def test_malformed_and_hostile_requests(webex, body):
    assert failure_of(webex, body) == ("FAILURE", "000000", "Fail to forward request:null")
    assert b"root:" not in webex.last_raw


def test_operation_not_implemented(webex):
    result = failure_of(webex, message(training("CreateTrainingSession"), ""))
    assert result == ("FAILURE", "999999", "Operation CreateTrainingSession is not supported by this gateway")


def test_non_integer_test_id(webex):
    result = failure_of(webex, message(RESULT, "<testID>abc</testID><participantEmail>x@y</participantEmail>"))
    assert result[:2] == ("FAILURE", "999999") and "testID" in result[2]


def test_missing_body_content(webex):
    body = f'<serv:message xmlns:serv="{ns.WEBEX_SERVICE}"><header/><body/></serv:message>'
    assert failure_of(webex, body)[:2] == ("FAILURE", "999999")


def test_oversized_body_answers_failure(http, demo_store, settings):
    from gateway.app import create_app
    from tests.conftest import BASE_URL
    from wsgiadapter import WSGIAdapter
    import requests

    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(create_app(settings.replace(max_body_bytes=100), demo_store)))
    response = session.post(BASE_URL + "/WBXService/XMLService", data=message(RESULT, GEORGE))
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert result_of(root)[:2] == ("FAILURE", "999999") and "exceeds the limit" in result_of(root)[2]


def test_get_ims_test_details(webex):
    root = webex(message(training("GetIMStestDetails"), "<testID>207</testID>"))
    assert result_of(root)[0] == "SUCCESS"
    body = root.find("serv:body/serv:bodyContent", NS)
    assert body.get(f"{{{ns.XSI}}}type") == "train:getIMStestDetailsResponse"
    qti = body.find("train:questestinterop", NS)
    assert qti.find("qtiasi:assessment", NS).get("title") == "Test1 (3)"
    assert [i.get("ident") for i in qti.iterfind(".//qtiasi:item", NS)] == ["236", "241", "246", "251", "261", "266"]
    assert qti.findtext("qtiasi:assessment/qtiasi:qticomment", namespaces=NS) == "basic ability test"
    first = qti.find(".//qtiasi:item", NS)
    assert [l.get("ident") for l in first.iterfind(".//qtiasi:response_label", NS)] == ["357", "362", "367"]
    assert first.find(".//qtiasi:respcondition/qtiasi:conditionvar/qtiasi:varequal", NS).text == "357"
    assert_valid(root)


def test_get_test_information(webex):
    root = webex(message(training("GetTestInformation"), "<testID>207</testID>"))
    assert result_of(root)[0] == "SUCCESS"
    body = root.find("serv:body/serv:bodyContent", NS)
    assert body.findtext("train:title", namespaces=NS) == "Test1 (3)"
    assert body.findtext("train:numQuestions", namespaces=NS) == "6"
    assert body.findtext("train:numSubmitted", namespaces=NS) == "1"
    [row] = body.findall("train:submittedTest", NS)
    assert row.findtext("train:email", namespaces=NS) == "georgew@sz.webex.com"
    assert row.findtext("train:score", namespaces=NS) == "45"
    assert body.findtext("train:maxScore", namespaces=NS) == "100"
    assert_valid(root)


def test_lst_scheduled_tests(webex):
    root = webex(message(training("LstScheduledTests"), ""))
    assert result_of(root)[0] == "SUCCESS"
    ids = [t.findtext("train:testID", namespaces=NS) for t in root.iterfind(".//train:test", NS)]
    assert ids == ["102", "207"]
    assert_valid(root)


def test_lst_scheduled_tests_empty_is_no_record(webex):
    root = webex(message(training("LstScheduledTests"), "<status>ENDED</status>"))
    assert result_of(root)[:2] == ("FAILURE", "000015")
    assert_valid(root)


ITEMS_V1P2 = sorted(p for p in (REFERENCE / "qti" / "items-v1p2").glob("*.xml"))


@pytest.mark.parametrize("path", ITEMS_V1P2, ids=lambda p: p.name)
def test_details_of_any_test_fit_webex_schema(webex, demo_store, path):
    """Every reference QTI 1.2 file, imported as a test, answers GetIMStestDetails that validates."""
    from gateway import assessments

    with demo_store.session() as s:
        account = accounts.get_or_create_account(s, "demo")
        test, _ = assessments.import_test(s, account, path.read_bytes(), host_webex_id="hostid")
        test_id = test.webex_test_id
    root = webex(message(training("GetIMStestDetails"), f"<testID>{test_id}</testID>"))
    assert result_of(root)[0] == "SUCCESS", result_of(root)
    assert_valid(root)


def test_cached_report_follows_changes_to_the_person_and_the_test(webex, demo_store):
    """Reports are cached per attempt; a renamed participant or a changed test is a new report."""
    from adapters.store import attempts as store_attempts
    from adapters.store import tests as store_tests

    first = webex(message(RESULT, GEORGE))
    assert first.findtext(".//qti:context/qti:name", namespaces=NS) == "java java"
    with demo_store.session() as s:
        store_attempts.find_person_by_email(s, 1, "georgew@sz.webex.com").name = "George W"
        test = store_tests.find_test(s, 1, 207)
        test.qti_xml = test.qti_xml.replace('title="Test1 (3)"', 'title="Test1 (4)"', 1)
    second = webex(message(RESULT, GEORGE))
    assert second.findtext(".//qti:context/qti:name", namespaces=NS) == "George W"
    assert second.find(".//qti:assessment_result", NS).get("asi_title") == "Test1 (4)"


def test_test_information_without_submissions(webex, demo_store):
    from gateway import assessments

    with demo_store.session() as s:
        account = accounts.get_or_create_account(s, "demo")
        test, _ = assessments.import_test(s, account, (REFERENCE / "qti" / "items-v1p2" / "mchc_ir_01.xml").read_bytes(),
                                          host_webex_id="hostid")
        test_id = test.webex_test_id
    root = webex(message(training("GetTestInformation"), f"<testID>{test_id}</testID>"))
    body = root.find("serv:body/serv:bodyContent", NS)
    assert (body.findtext("train:numSubmitted", namespaces=NS), body.findtext("train:status", namespaces=NS)) == ("0", "NOT_STARTED")
    assert body.findtext("train:maxScore", namespaces=NS) == "1"
    assert_valid(root)
