"""One test, three vendors: imported through itslearning (QTI 2.1), attempted, then reported as a
WebEx QTI 1.2 results report and read as an LTI outcome (POX) and an LIS result (SOAP)."""
from __future__ import annotations

import requests
from lxml import etree
from wsgiadapter import WSGIAdapter
from requests_oauthlib import OAuth1
from sqlalchemy import select

from adapters import ns
from adapters.store import models
from adapters.upstream.lis import LisClient
from gateway import assessments, demo
from gateway.itslearning.worker import Worker
from gateway.lis.wsdl import WSDL_FILE
from tests.conftest import BASE_URL, REFERENCE
from tests.itslearning.conftest import client
from tests.webex.conftest import NS, assert_valid, message, result_of, training

EXAMPLE = (REFERENCE / "itslearning" / "CreateCourseElementTest-example.xml").read_text()


def test_itslearning_import_reported_by_webex_and_lis(http, app, store, settings):
    demo.load(store, settings)
    added = client(http, "/ContentImport/DataService.svc").service.AddMessage(dataMessage={"Data": EXAMPLE, "Type": 1})
    Worker(store, settings).drain()
    with store.session() as s:
        element = s.scalar(select(models.ItsElement).where(models.ItsElement.message_id == added.MessageId))
        test = s.get(models.Test, element.test_id)
        test_id = test.webex_test_id
        account = s.get(models.Account, test.account_id)
        _, attempt, scored = assessments.submit_attempt(s, account, {
            "test": test_id, "participant": {"email": "kari@example.no", "name": "Kari Nordmann"},
            "started": "2026-11-20T09:00:00", "duration": "P0Y0M0DT0H12M",
            "responses": {"capital": {"RESPONSE": ["Oslo"]}, "primes": {"RESPONSE": ["N2", "N3"]},
                          "protocol": {"RESPONSE": ["HTTP"]}},
            "result": {"sourcedId": "kari-demo-test"},
        })
    assert (scored.score, scored.max) == (4, 5)  # 1 + (1 + 1) + 1 of 1 + 3 + 1

    # WebEx: the participant's results report, computed by the QTI 1.2 engine from the converted test
    response = http.post(f"{BASE_URL}/WBXService/XMLService", data=message(
        training("GetIMStestResult"), f"<testID>{test_id}</testID><participantEmail>kari@example.no</participantEmail>"))
    root = etree.fromstring(response.content)
    assert result_of(root)[0] == "SUCCESS"
    score = root.find(".//qti:assessment_result/qti:outcomes/qti:score", NS)
    assert (score.findtext("qti:score_value", namespaces=NS), score.findtext("qti:score_max", namespaces=NS)) == ("4", "5")
    assert root.find(".//qti:assessment_result", NS).get("asi_title") == "My Imported Test"
    assert_valid(root)

    # LTI 1.1 POX readResult on the same store: the fraction of the maximum
    pox = f"""<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeRequest xmlns="{ns.LTI_POX}"><imsx_POXHeader><imsx_POXRequestHeaderInfo>
<imsx_version>V1.0</imsx_version><imsx_messageIdentifier>1</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader>
<imsx_POXBody><readResultRequest><resultRecord><sourcedGUID><sourcedId>kari-demo-test</sourcedId></sourcedGUID>
</resultRecord></readResultRequest></imsx_POXBody></imsx_POXEnvelopeRequest>"""
    response = http.post(f"{BASE_URL}/lti/outcomes", data=pox.encode(), headers={"Content-Type": "application/xml"},
                         auth=OAuth1("49201", "secret", force_include_body=True))
    assert response.status_code == 200, response.text
    assert b"<imsx_codeMajor>success</imsx_codeMajor>" in response.content
    assert etree.fromstring(response.content).findtext(f".//{{{ns.LTI_POX}}}textString") == "0.8"

    # LIS OMS readResult over SOAP (zeep, OAuth body hash): the same record
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(app))
    lis = LisClient(WSDL_FILE, f"{BASE_URL}/api/soap/1p0/lis-result", "49201", "secret", session=session)
    answer = lis.read_result("kari-demo-test")
    assert (answer.status.code_major, answer.status.code_minor) == ("success", "fullsuccess")
    [record] = answer.records
    assert (record.score_text, record.line_item_sourced_id, record.value_label) == ("0.8", f"test-{test_id}", "My Imported Test")
