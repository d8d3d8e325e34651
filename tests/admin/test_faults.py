"""Fault rules answer in each protocol's own failure shape (DESIGN.md §13), for the next N calls or
until a time, matched by protocol, operation and business key; every journal entry names its rule."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from zeep import Client, Settings as ZeepSettings
from zeep.exceptions import Fault as ZeepFault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from gateway.cli import main
from gateway.itslearning.services import DATA_PATH
from tests.admin.conftest import (
    ADMIN, BASE_URL, DEMO_SECRET, POX_URL, SOAP_HEADERS, SOAP_URL, WEBEX_URL, entries, pox, read_result, training,
    webex_message,
)

LIS = {"t": "http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0"}
POX_NS = {"p": "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"}
SERV = {"serv": "http://www.webex.com/schemas/2002/06/service"}
REPO_SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def add(http, **rule) -> dict:
    answer = http.post(f"{ADMIN}/faults", json=rule)
    assert answer.status_code == 201, answer.text
    return answer.json()


def lis_status(answer) -> tuple[str, str, str]:
    root = etree.fromstring(answer.content)
    info = root.find(".//t:imsx_statusInfo", LIS)
    return (info.findtext("t:imsx_codeMajor", namespaces=LIS), info.findtext(".//t:imsx_codeMinorFieldValue", namespaces=LIS),
            info.findtext("t:imsx_messageRefIdentifier", namespaces=LIS))


@pytest.mark.parametrize("minor", ["targetisbusy", "unknownobject"])
def test_lis_failure_for_the_next_call_only(signed, minor):
    rule = add(signed, protocol="lis", operation="readResult", times=1, code_minor=minor, description="Injected")
    answer = signed.post(SOAP_URL, data=read_result("49313814", "m-77"), headers=SOAP_HEADERS)
    assert answer.status_code == 200
    assert lis_status(answer) == ("failure", minor, "m-77")
    assert etree.fromstring(answer.content).find(".//t:readResultResponse", LIS) is not None
    again = signed.post(SOAP_URL, data=read_result("49313814"), headers=SOAP_HEADERS)
    assert lis_status(again)[:2] == ("success", "fullsuccess")
    newest, first = entries(signed)
    assert first["fault_rule"] == rule["id"] and first["outcome"] == f"failure/{minor}"
    assert newest["fault_rule"] is None
    [listed] = signed.get(f"{ADMIN}/faults").json()["faults"]
    assert listed["remaining"] == 0 and listed["hits"] == 1


def test_lis_authentication_fault(signed):
    add(signed, protocol="lis", action="fault", faultcode="Authentication Fault", faultstring="Injected auth failure")
    answer = signed.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS)
    assert answer.status_code == 500
    assert "<faultcode>Authentication Fault</faultcode>" in answer.text
    assert "<faultstring>Injected auth failure</faultstring>" in answer.text


def test_key_match_and_until(signed):
    add(signed, protocol="lis", key="49313826", code_minor="unknownobject")
    add(signed, protocol="lis", operation="readResult", until=(datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat())
    other = signed.post(SOAP_URL, data=read_result("49313814"), headers=SOAP_HEADERS)
    assert lis_status(other)[0] == "success"
    named = signed.post(SOAP_URL, data=read_result("49313826"), headers=SOAP_HEADERS)
    assert lis_status(named)[:2] == ("failure", "unknownobject")
    assert signed.post(f"{ADMIN}/requests/count", json={"key": "49313826", "status": 200}).json() == {"count": 1}


def test_pox_failure_with_http_status(signed):
    add(signed, protocol="lti", operation="replaceResult", code_minor="targetisbusy", http_status=503)
    answer = signed.post(POX_URL, data=pox("replaceResult", "49313814", "0.4"), headers={"Content-Type": "application/xml"})
    assert answer.status_code == 503
    root = etree.fromstring(answer.content)
    assert root.findtext(".//p:imsx_codeMajor", namespaces=POX_NS) == "failure"
    assert root.findtext(".//p:imsx_operationRefIdentifier", namespaces=POX_NS) == "replaceResult"
    assert "<imsx_codeMajor>failure</imsx_codeMajor>" in answer.text  # no prefixes, as POX clients expect


def test_webex_failure_with_exception_id(signed):
    add(signed, protocol="webex", operation="GetIMStestResult", exception_id="030002", reason="Incorrect user or password")
    answer = signed.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"), "<testID>207</testID>"))
    assert answer.status_code == 200
    assert "<serv:result>FAILURE</serv:result>" in answer.text
    root = etree.fromstring(answer.content)
    assert root.findtext(".//serv:exceptionID", namespaces=SERV) == "030002"
    assert root.findtext(".//serv:reason", namespaces=SERV) == "Incorrect user or password"
    assert entries(signed)[0]["outcome"] == "FAILURE 030002"


def test_itslearning_fault_through_zeep(http):
    add(http, protocol="itslearning", operation="GetMessageTypes", message="Service unavailable (injected)")
    data = Client(f"{BASE_URL}{DATA_PATH}?wsdl", transport=Transport(session=http),
                  wsse=UsernameToken("itslearning-demo", DEMO_SECRET), settings=ZeepSettings(strict=False))
    with pytest.raises(ZeepFault) as caught:
        data.service.GetMessageTypes()
    assert caught.value.message == "Service unavailable (injected)"
    entry = entries(http, protocol="itslearning", operation="GetMessageTypes")[0]
    assert entry["fault_rule"] and entry["status"] == 500


def test_delay_then_the_real_answer(signed):
    rule = add(signed, protocol="lis", action="delay", ms=30, times=1)
    answer = signed.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS)
    assert lis_status(answer)[:2] == ("success", "fullsuccess")
    entry = entries(signed)[0]
    assert entry["fault_rule"] == rule["id"]
    print(f"delay rule of 30 ms: the call took {entry['duration_ms']:.1f} ms")


def test_drop_in_process_ends_the_request_without_an_answer(signed):
    add(signed, protocol="lis", action="drop", times=1)
    with pytest.raises(Exception, match="dropped"):
        signed.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS)
    assert entries(signed)[0]["outcome"] == "dropped"


def test_sample_response(signed, settings):
    shutil.copytree(REPO_SAMPLES / "lis-readresult-unknown-99999999", Path(settings.samples_dir) / "unknown")
    add(signed, protocol="lis", action="sample", sample="unknown")
    answer = signed.post(SOAP_URL, data=read_result("49313814"), headers=SOAP_HEADERS)
    assert answer.content == (Path(settings.samples_dir) / "unknown" / "response.xml").read_bytes()


@pytest.mark.parametrize("rule, words", [
    ({"protocol": "smtp"}, "protocol must be one of"),
    ({"protocol": "lis", "code_minor": "partialsuccess"}, "code_minor must be"),
    ({"protocol": "webex", "exception_id": "15"}, "six digits"),
    ({"protocol": "webex", "action": "fault"}, "does not answer SOAP Faults"),
    ({"protocol": "lis", "action": "delay"}, "ms"),
    ({"protocol": "lis", "action": "sample", "sample": "nope"}, "sample 'nope'"),
    ({"protocol": "lis", "times": 0}, "times"),
    ({"protocol": "lis", "until": "soon"}, "until"),
    ({"protocol": "lis", "colour": "red"}, "do not take colour"),
])
def test_bad_rules_are_refused_in_json(http, rule, words):
    answer = http.post(f"{ADMIN}/faults", json=rule)
    assert answer.status_code == 400
    assert words in answer.json()["error"]


def test_rules_are_removed_one_by_one_or_all(http):
    first, second = add(http, protocol="lis"), add(http, protocol="webex")
    assert http.delete(f"{ADMIN}/faults/{first['id']}").json() == {"deleted": 1}
    assert http.delete(f"{ADMIN}/faults/{first['id']}").status_code == 404
    assert [r["id"] for r in http.get(f"{ADMIN}/faults").json()["faults"]] == [second["id"]]
    assert http.delete(f"{ADMIN}/faults").json() == {"deleted": 1}


def test_cli_adds_lists_and_removes_rules_the_gateway_obeys(store_url, signed):
    def run(*args):
        result = CliRunner().invoke(main, ["--database-url", store_url, "faults", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    rule = json.loads(run("add", "--protocol", "lis", "--operation", "readResult", "--code-minor", "targetisbusy",
                          "--times", "2"))
    assert json.loads(run("list"))["id"] == rule["id"]
    answer = signed.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS)
    assert lis_status(answer)[:2] == ("failure", "targetisbusy")
    assert "removed rule" in run("remove", str(rule["id"]))
    assert run("list") == ""
    bad = CliRunner().invoke(main, ["--database-url", store_url, "faults", "add", "--protocol", "lis", "--code-minor", "nope"])
    assert bad.exit_code != 0 and "code_minor must be" in bad.output


def test_a_rule_that_cannot_answer_lets_the_protocol_answer(signed, settings):
    # a sample rule whose folder went away after the rule was added
    shutil.copytree(REPO_SAMPLES / "lis-readresult-unknown-99999999", Path(settings.samples_dir) / "gone")
    add(signed, protocol="lis", action="sample", sample="gone")
    shutil.rmtree(Path(settings.samples_dir) / "gone")
    answer = signed.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS)
    assert lis_status(answer)[:2] == ("success", "fullsuccess")



CALLS = {
    "webex": lambda s: s.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"), "<testID>207</testID>"
                                                           "<participantEmail>georgew@sz.webex.com</participantEmail>")),
    "lti": lambda s: s.post(POX_URL, data=pox("readResult", "49313814"), headers={"Content-Type": "application/xml"}),
    "lis": lambda s: s.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS),
}
SAMPLES = {"webex": "webex-getimstestresult-unknown-test", "lti": "lti-pox-readresult-49313814",
           "lis": "lis-readresult-unknown-99999999"}


@pytest.mark.parametrize("protocol", sorted(CALLS))
def test_delay_drop_and_sample_on_every_protocol(signed, settings, protocol):
    call = CALLS[protocol]
    normal = call(signed)
    delayed_rule = add(signed, protocol=protocol, action="delay", ms=10, times=1)
    delayed = call(signed)
    assert delayed.status_code == normal.status_code and len(delayed.content) > 0
    add(signed, protocol=protocol, action="drop", times=1)
    with pytest.raises(Exception, match="dropped"):
        call(signed)
    shutil.copytree(REPO_SAMPLES / SAMPLES[protocol], Path(settings.samples_dir) / "s")
    add(signed, protocol=protocol, action="sample", sample="s", times=1)
    assert call(signed).content == (Path(settings.samples_dir) / "s" / "response.xml").read_bytes()
    outcomes = [(e["fault_rule"] is not None, e["outcome"]) for e in entries(signed)][:3]
    assert outcomes[1] == (True, "dropped") and outcomes[0][0] and outcomes[2][0]
    assert entries(signed)[2]["fault_rule"] == delayed_rule["id"]


def test_itslearning_upload_fault(http):
    add(http, protocol="itslearning", operation="UploadFile", action="fault", faultcode="SOAP-ENV:Client",
        faultstring="quota (injected)")
    from gateway.itslearning.services import FILE_PATH

    files = Client(f"{BASE_URL}{FILE_PATH}?wsdl", transport=Transport(session=http),
                   wsse=UsernameToken("itslearning-demo", DEMO_SECRET), settings=ZeepSettings(strict=False))
    with pytest.raises(ZeepFault) as caught:
        files.service.UploadFile(fileMessage={"Content": b"PK", "Name": "a.zip", "SiteId": 1})
    assert caught.value.message == "quota (injected)"
