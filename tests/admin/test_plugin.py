"""The shipped pytest plugin: the ``lms_gateway`` fixture used the way a client's test suite would."""
from __future__ import annotations

import pytest
import requests
from requests_oauthlib import OAuth1
from zeep import Client
from zeep.transports import Transport

from tests.admin.conftest import SOAP_HEADERS, pox, read_result, training, webex_message

QTI = b"""<questestinterop><assessment ident="A1" title="Plugin test"><section ident="S1">
<item ident="Q1"><presentation><response_lid ident="R1" rcardinality="Single"><render_choice>
<response_label ident="a"/><response_label ident="b"/></render_choice></response_lid></presentation>
<resprocessing><outcomes><decvar varname="SCORE" vartype="Integer" minvalue="0" maxvalue="10"/></outcomes>
<respcondition><conditionvar><varequal respident="R1">a</varequal></conditionvar>
<setvar action="Set" varname="SCORE">10</setvar></respcondition></resprocessing></item>
</section></assessment></questestinterop>"""


def test_a_lis_client_written_against_the_fixture(lms_gateway):
    lis = lms_gateway.credentials["lis"]
    lms_gateway.load_results([{"sourcedId": "s-1", "lineItemSourcedId": "li-1", "personSourcedId": "p-1", "score": "0.5"}])
    # a real client: zeep built from the gateway's own WSDL, signing with requests-oauthlib
    session = requests.Session()
    session.auth = SignPosts(lis["consumer_key"], lis["secret"], force_include_body=True)
    client = Client(lms_gateway.url + "/api/soap/1p0/lis-result?wsdl", transport=Transport(session=session))
    header = client.get_element("{http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0}imsx_syncRequestHeaderInfo")
    answer = client.service.readResult(sourcedId="s-1", _soapheaders=[header(imsx_version="V1.0", imsx_messageIdentifier="m1")])
    assert answer.body.resultRecord.result.resultScore.textString == "0.5"
    lms_gateway.assert_received("lis", "readResult", sourced_id="s-1", count=1)
    with pytest.raises(AssertionError, match="expected 1 call"):
        lms_gateway.assert_received("lis", "replaceResult", sourced_id="s-1")

    lms_gateway.add_fault("lis", "readResult", times=1, code_minor="targetisbusy")
    busy = session.post(lms_gateway.url + "/api/soap/1p0/lis-result", data=read_result("s-1"), headers=SOAP_HEADERS)
    assert "targetisbusy" in busy.text
    assert lms_gateway.count("lis", "readResult", key="s-1") == 2


class SignPosts(OAuth1):
    """requests-oauthlib for the POSTs; zeep's WSDL GET goes unsigned."""

    def __call__(self, r):
        return super().__call__(r) if r.method == "POST" else r


def test_tests_and_attempts_through_the_fixture(lms_gateway):
    loaded = lms_gateway.load_test(QTI, test_id=900, host="hostid")
    assert loaded == {"test": 900, "items": ["Q1"]}
    scored = lms_gateway.submit_attempt({"test": 900, "participant": {"email": "a@b.c", "name": "A B"},
                                         "responses": {"Q1": {"R1": ["a"]}}})
    assert scored["score"] == 10
    answer = requests.post(lms_gateway.url + "/WBXService/XMLService",
                           data=webex_message(training("GetIMStestResult"),
                                              "<testID>900</testID><participantEmail>a@b.c</participantEmail>"))
    assert "<serv:result>SUCCESS</serv:result>" in answer.text
    [entry] = lms_gateway.assert_received("webex", "GetIMStestResult", key="900")
    assert entry["outcome"] == "SUCCESS"


@pytest.mark.lms_gateway(demo=False)
def test_empty_store_and_own_accounts(lms_gateway):
    assert lms_gateway.requests() == []
    lms_gateway.add_account("acme", consumer_key="acme-key", secret="acme-secret-123")
    lms_gateway.load_results([{"sourcedId": "x1", "lineItemSourcedId": "l1"}], account="acme")
    auth = OAuth1("acme-key", "acme-secret-123", force_include_body=True)
    answer = requests.post(lms_gateway.url + "/lti/outcomes", data=pox("replaceResult", "x1", "0.7"),
                           headers={"Content-Type": "application/xml"}, auth=auth)
    assert "<imsx_codeMajor>success</imsx_codeMajor>" in answer.text
    lms_gateway.assert_received("lti", "replaceResult", sourced_id="x1")
    demo = requests.post(lms_gateway.url + "/lti/outcomes", data=pox("readResult", "49313814"),
                         headers={"Content-Type": "application/xml"}, auth=OAuth1("49201", "secret", force_include_body=True))
    assert demo.status_code == 401  # no demo data here
