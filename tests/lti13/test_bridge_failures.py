"""The bridge when the upstream AGS fails (mocked with `responses`, a third-party upstream): every
failure is the legacy protocol's own, and a 401 gets one fresh token."""
from __future__ import annotations

import json

import pytest
import requests
import responses
from wsgiadapter import WSGIAdapter

from adapters.store import accounts as store_accounts
from adapters.store import bridge as store_bridge
from adapters.store import lti13 as store_lti13
from gateway.lti13.bridge_app import create_bridge_app
from tests.conftest import BASE_URL
from tests.lis.conftest import POX_URL, SOAP_URL, SignPosts

KEY, SECRET = "legacy-key", "legacy-secret"
TOKEN_URL = "https://lms.example/login/oauth2/token"
LINE_ITEM = "https://lms.example/api/lti/courses/1/line_items/7"
NS = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"


@pytest.fixture
def bridge(store, settings):
    with store.session() as session:
        account = store_accounts.get_or_create_account(session, "legacy")
        store_accounts.set_consumer(session, account, KEY, SECRET)
        store_bridge.set_upstream(session, account.id, store_bridge.Upstream("canvas", TOKEN_URL, "10000000000001"))
        store_bridge.set_link(session, account.id, "res-1", "canvas", LINE_ITEM, "user-1")
        store_lti13.signing_key(session, account.id)
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(create_bridge_app(settings, store, timeout=2)))
    session.auth = SignPosts(KEY, SECRET, force_include_body=True)
    return session


@pytest.fixture
def lms():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def token_ok(lms, token="tok-1"):
    lms.add(responses.POST, TOKEN_URL, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600})


def pox(bridge, operation: str, score: str | None = None):
    record = "<resultRecord><sourcedGUID><sourcedId>res-1</sourcedId></sourcedGUID>"
    if score is not None:
        record += f"<result><resultScore><language>en</language><textString>{score}</textString></resultScore></result>"
    body = (f'<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest xmlns="{NS}"><imsx_POXHeader>'
            "<imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>m1</imsx_messageIdentifier>"
            f"</imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><{operation}Request>{record}</resultRecord>"
            f"</{operation}Request></imsx_POXBody></imsx_POXEnvelopeRequest>")
    return bridge.post(POX_URL, data=body.encode(), headers={"Content-Type": "application/xml"})


def soap_read(bridge):
    body = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:ims="http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0"><soapenv:Header>'
            "<ims:imsx_syncRequestHeaderInfo><ims:imsx_version>V1.0</ims:imsx_version><ims:imsx_messageIdentifier>m2"
            "</ims:imsx_messageIdentifier></ims:imsx_syncRequestHeaderInfo></soapenv:Header><soapenv:Body>"
            "<ims:readResultRequest><ims:sourcedId>res-1</ims:sourcedId></ims:readResultRequest></soapenv:Body></soapenv:Envelope>")
    return bridge.post(SOAP_URL, data=body.encode(), headers={"Content-Type": "text/xml; charset=utf-8",
                                                               "SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/readResult"'})


def minor(response) -> str:
    """The LIS SOAP answer's codeMinor value."""
    return response.text.split("imsx_codeMinorFieldValue>")[1].split("<")[0]


def test_a_score_goes_up_as_fully_graded_with_the_token(bridge, lms):
    token_ok(lms)
    lms.add(responses.POST, LINE_ITEM + "/scores", status=200, json={})
    response = pox(bridge, "replaceResult", "0.9")
    assert response.status_code == 200 and "<imsx_codeMajor>success</imsx_codeMajor>" in response.text
    sent = next(c.request for c in lms.calls if c.request.url.endswith("/scores"))
    assert sent.headers["Authorization"] == "Bearer tok-1"
    assert sent.headers["Content-Type"] == "application/vnd.ims.lis.v1.score+json"
    score = json.loads(sent.body)
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"], score["gradingProgress"]) == ("user-1", 0.9, 1.0, "FullyGraded")
    assert score["timestamp"].endswith("Z")
    form = dict(x.split("=", 1) for x in lms.calls[0].request.body.decode().split("&"))
    assert form["grant_type"] == "client_credentials" and form["client_assertion"].count(".") == 2


def test_a_401_gets_one_fresh_token(bridge, lms):
    token_ok(lms, "tok-1")
    token_ok(lms, "tok-2")
    lms.add(responses.POST, LINE_ITEM + "/scores", status=401, json={"error": "invalid_token"})
    lms.add(responses.POST, LINE_ITEM + "/scores", status=204)
    assert "<imsx_codeMajor>success</imsx_codeMajor>" in pox(bridge, "replaceResult", "0.5").text
    auths = [c.request.headers.get("Authorization") for c in lms.calls if c.request.url.endswith("/scores")]
    assert auths == ["Bearer tok-1", "Bearer tok-2"]


def test_two_401s_are_an_unauthorized_failure(bridge, lms):
    token_ok(lms)
    lms.add(responses.POST, LINE_ITEM + "/scores", status=401, json={"error": "invalid_token"})
    response = pox(bridge, "replaceResult", "0.5")
    assert response.status_code == 200 and "<imsx_codeMajor>failure</imsx_codeMajor>" in response.text
    assert "refused" in response.text


def test_token_endpoint_5xx_is_a_link_failure(bridge, lms):
    lms.add(responses.POST, TOKEN_URL, status=503, body="down")
    response = pox(bridge, "replaceResult", "0.5")
    assert response.status_code == 502 and "<imsx_codeMajor>failure</imsx_codeMajor>" in response.text


def test_a_refused_token_request(bridge, lms):
    lms.add(responses.POST, TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": "unknown kid"})
    response = pox(bridge, "replaceResult", "0.5")
    assert response.status_code == 200 and "unknown kid" in response.text


def test_timeout_is_busy(bridge, lms):
    lms.add(responses.POST, TOKEN_URL, body=requests.exceptions.ReadTimeout("slow"))
    response = pox(bridge, "readResult")
    assert response.status_code == 504 and "<imsx_codeMajor>failure</imsx_codeMajor>" in response.text
    soap = soap_read(bridge)
    assert soap.status_code == 200 and minor(soap) == "targetisbusy"


def test_unreachable_is_a_link_failure(bridge, lms):
    lms.add(responses.POST, TOKEN_URL, body=requests.exceptions.ConnectionError("refused"))
    assert pox(bridge, "deleteResult").status_code == 502
    soap = soap_read(bridge)
    assert soap.status_code == 200 and minor(soap) == "linkfailure"


def test_bad_json_results_are_a_link_failure(bridge, lms):
    token_ok(lms)
    lms.add(responses.GET, LINE_ITEM + "/results", body="<html>oops</html>", status=200)
    assert pox(bridge, "readResult").status_code == 502
    soap = soap_read(bridge)
    assert soap.status_code == 200 and minor(soap) == "linkfailure"


def test_an_upstream_404_is_unknownobject(bridge, lms):
    token_ok(lms)
    lms.add(responses.GET, LINE_ITEM + "/results", status=404, json={"errors": [{"message": "not found"}]})
    soap = soap_read(bridge)
    assert soap.status_code == 200 and minor(soap) == "unknownobject"


def test_results_are_read_with_user_id_and_mapped(bridge, lms):
    token_ok(lms)
    lms.add(responses.GET, LINE_ITEM + "/results", json=[{"userId": "user-1", "resultScore": 15, "resultMaximum": 20}])
    response = pox(bridge, "readResult")
    assert "<textString>0.75</textString>" in response.text
    sent = next(c.request for c in lms.calls if "/results" in c.request.url)
    assert sent.url == LINE_ITEM + "/results?user_id=user-1"
    assert sent.headers["Accept"] == "application/vnd.ims.lis.v2.resultcontainer+json"
