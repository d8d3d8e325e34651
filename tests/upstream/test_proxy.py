"""The proxy against a `responses` stand-in for the vendor: forward, re-sign, record with redaction,
replay of the recording, and upstream timeouts and failures as each protocol's own failure."""
from __future__ import annotations

import json
import re

import pytest
import requests
from click.testing import CliRunner

from adapters.store import results as store_results
from adapters.upstream import replay, samples
from gateway import xmlsafe
from gateway.cli import main
from gateway.demo.accounts import WEBEX as DEMO_WEBEX
from tests.conftest import BASE_URL
from tests.upstream.conftest import (
    CALLER_SECRET, PROXY_URL, SAMPLES, UPSTREAM, UPSTREAM_SECRET, UPSTREAM_WEBEX, caller_auth, verify_signed,
)

LIS_PATH = "/api/soap/1p0/lis-result"
POX_PATH = "/lti/outcomes"
WEBEX_PATH = "/WBXService/XMLService"
READ_RESULT = samples.load(SAMPLES / "lis-readresult-49313814")
WEBEX_SAMPLE = samples.load(SAMPLES / "webex-getimstestresult-207")
NS = {"tns": "http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0",
      "serv": "http://www.webex.com/schemas/2002/06/service",
      "pox": "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"}
#: The vendor's answer: the seed's record with another score, so that we can tell where it came from.
VENDOR_ANSWER = READ_RESULT.response.body.replace(b"<tns:textString>100<", b"<tns:textString>87<")

POX_REQUEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
<imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>
<imsx_messageIdentifier>pox-1</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader>
<imsx_POXBody><replaceResultRequest><resultRecord><sourcedGUID><sourcedId>lti-555</sourcedId></sourcedGUID>
<result><resultScore><language>en</language><textString>0.75</textString></resultScore></result>
</resultRecord></replaceResultRequest></imsx_POXBody></imsx_POXEnvelopeRequest>
"""
POX_ANSWER = b"""<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version>
<imsx_messageIdentifier>v-1</imsx_messageIdentifier><imsx_statusInfo><imsx_codeMajor>success</imsx_codeMajor>
<imsx_severity>status</imsx_severity><imsx_description>Score for lti-555 is now 0.75</imsx_description>
<imsx_messageRefIdentifier>pox-1</imsx_messageRefIdentifier>
<imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier></imsx_statusInfo>
</imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody><replaceResultResponse/></imsx_POXBody>
</imsx_POXEnvelopeResponse>
"""
AUTHENTICATE = b"""<?xml version="1.0" encoding="UTF-8"?>
<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<header><securityContext><webExID>hostid</webExID><password>hostpassword</password><siteID>0000</siteID>
</securityContext></header><body><bodyContent xsi:type="java:com.webex.service.binding.user.AuthenticateUser"/>
</body></serv:message>"""
TICKET = "tkt-9f8e7d6c5b4a39281706"
AUTHENTICATED = f"""<?xml version="1.0" encoding="UTF-8"?>
<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service" xmlns:use="http://www.webex.com/schemas/2002/06/service/user">
<serv:header><serv:response><serv:result>SUCCESS</serv:result><serv:gsbStatus>PRIMARY</serv:gsbStatus></serv:response></serv:header>
<serv:body><serv:bodyContent><use:sessionTicket>{TICKET}</use:sessionTicket></serv:bodyContent></serv:body>
</serv:message>""".encode()


def lis_post(session, body=READ_RESULT.request.body, auth=None):
    headers = {k: v for k, v in READ_RESULT.request.headers.items()}
    return session.post(PROXY_URL + LIS_PATH, data=body, headers=headers, auth=auth or caller_auth())


def signed_vendor(answer: bytes, seen: list, status: int = 200, content_type: str = "text/xml; charset=utf-8"):
    def callback(request):
        seen.append((request, verify_signed(request)))
        return status, {"Content-Type": content_type}, answer
    return callback


def test_lis_is_forwarded_re_signed_and_answered_byte_for_byte(via_proxy, vendor, store):
    seen = []
    vendor.add_callback("POST", UPSTREAM + LIS_PATH, callback=signed_vendor(VENDOR_ANSWER, seen))
    r = lis_post(via_proxy)
    assert r.status_code == 200 and r.content == VENDOR_ANSWER
    [(upstream_request, params)] = seen
    # re-signed for the vendor with the vendor's key (verified in the callback with oauthlib), body as sent
    assert params["oauth_consumer_key"] == "vendor-key-77"
    assert upstream_request.body == READ_RESULT.request.body
    assert upstream_request.headers["SOAPAction"] == READ_RESULT.request.headers["SOAPAction"]
    # the result the vendor answered is now in the store, under the caller's account
    with store.session() as session:
        from adapters.store.accounts import find_consumer
        account_id = find_consumer(session, "49201").account_id
        assert store_results.find_result(session, account_id, "49313814").score_text == "87"


def test_each_forward_is_signed_afresh(via_proxy, vendor):
    seen = []
    vendor.add_callback("POST", UPSTREAM + LIS_PATH, callback=signed_vendor(VENDOR_ANSWER, seen))
    lis_post(via_proxy), lis_post(via_proxy)
    assert seen[0][1]["oauth_nonce"] != seen[1][1]["oauth_nonce"]


def test_a_caller_with_a_bad_signature_is_refused_and_nothing_is_forwarded(via_proxy, vendor):
    from adapters.upstream.signing import BodyHashAuth
    r = lis_post(via_proxy, auth=BodyHashAuth("49201", "wrong-secret"))
    assert r.status_code == 500 and b"<faultcode>Authentication Fault</faultcode>" in r.content
    assert len(vendor.calls) == 0


def test_recording_keeps_no_secret(via_proxy, vendor, record_dir):
    vendor.add_callback("POST", UPSTREAM + LIS_PATH, callback=signed_vendor(VENDOR_ANSWER, []))
    vendor.add_callback("POST", UPSTREAM + POX_PATH, callback=signed_vendor(POX_ANSWER, [], content_type="application/xml"))
    vendor.add("POST", UPSTREAM + WEBEX_PATH, body=AUTHENTICATED, content_type="text/xml")
    sent_signatures = []
    for r in (lis_post(via_proxy),
              via_proxy.post(PROXY_URL + POX_PATH, data=POX_REQUEST, headers={"Content-Type": "application/xml"},
                             auth=caller_auth()),
              via_proxy.post(PROXY_URL + WEBEX_PATH, data=AUTHENTICATE, headers={"Content-Type": "text/xml"})):
        assert r.status_code == 200, r.text
        auth = r.request.headers.get("Authorization")
        if auth:
            sent_signatures.append(re.search(r'oauth_signature="([^"]+)"', auth.decode() if isinstance(auth, bytes) else auth).group(1))
    folders = samples.discover([record_dir])
    assert sorted(samples.load(f).protocol for f in folders) == ["lis-oms-soap", "lti-pox", "webex"]
    secrets = [CALLER_SECRET, UPSTREAM_SECRET, UPSTREAM_WEBEX["password"], DEMO_WEBEX["password"], TICKET, *sent_signatures]
    for path in record_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"{secret!r} recorded in {path}"
            assert b"oauth_signature" not in data and b"Authorization" not in data.replace(b"request header Authorization", b"")
    by_protocol = {samples.load(f).protocol: samples.load(f) for f in folders}
    webex = by_protocol["webex"]
    assert b"<password>REDACTED</password>" in webex.request.body
    assert b"<use:sessionTicket>REDACTED</use:sessionTicket>" in webex.response.body
    lis = by_protocol["lis-oms-soap"]
    assert lis.auth.consumer_key == "49201" and "request header Authorization" in lis.redacted
    assert lis.response.body == VENDOR_ANSWER and lis.request.body == READ_RESULT.request.body  # otherwise byte-exact
    assert lis.operation == "readResult" and by_protocol["lti-pox"].operation == "replaceResult"


def test_the_recording_replays_cleanly_against_the_gateway_and_an_altered_one_does_not(
        via_proxy, vendor, record_dir, http, store_url):
    vendor.add_callback("POST", UPSTREAM + LIS_PATH, callback=signed_vendor(VENDOR_ANSWER, []))
    assert lis_post(via_proxy).status_code == 200
    [folder] = samples.discover([record_dir])
    # the gateway now serves what the vendor answered, from the store, in the vendor's own shape
    outcome = replay.replay(samples.load(folder), http, BASE_URL, xmlsafe.parse, secret_for=lambda key: CALLER_SECRET)
    assert outcome.passed, "\n".join(map(str, outcome.differences))
    cli = CliRunner().invoke(main, ["--database-url", store_url, "replay", str(record_dir)], catch_exceptions=False)
    assert cli.exit_code == 0, cli.output
    response = folder / "response.xml"
    response.write_bytes(response.read_bytes().replace(b"<tns:label>TestDoc1.doc<", b"<tns:label>Other.doc<"))
    cli = CliRunner().invoke(main, ["--database-url", store_url, "replay", str(record_dir)], catch_exceptions=False)
    assert cli.exit_code == 1
    assert ("tns:resultValue/tns:label: text expected 'Other.doc', got 'TestDoc1.doc'") in cli.output


def test_pox_scores_seen_are_stored(via_proxy, vendor, store, http):
    vendor.add_callback("POST", UPSTREAM + POX_PATH, callback=signed_vendor(POX_ANSWER, [], content_type="application/xml"))
    r = via_proxy.post(PROXY_URL + POX_PATH, data=POX_REQUEST, headers={"Content-Type": "application/xml"}, auth=caller_auth())
    assert r.content == POX_ANSWER
    # served afterwards by the gateway itself, through LTI POX
    read = POX_REQUEST.replace(b"replaceResultRequest", b"readResultRequest")
    r = http.post(BASE_URL + POX_PATH, data=read, headers={"Content-Type": "application/xml"}, auth=caller_auth())
    assert xmlsafe.parse(r.content).findtext(".//pox:textString", namespaces=NS) == "0.75"


def test_webex_security_context_is_replaced_by_the_upstream_credentials(via_proxy, vendor):
    seen = []

    def callback(request):
        seen.append(request.body)
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, WEBEX_SAMPLE.response.body
    vendor.add_callback("POST", UPSTREAM + WEBEX_PATH, callback=callback)
    r = via_proxy.post(PROXY_URL + WEBEX_PATH, data=WEBEX_SAMPLE.request.body, headers=WEBEX_SAMPLE.request.headers)
    assert r.content == WEBEX_SAMPLE.response.body
    [body] = seen
    assert b"<webExID>vendor-host</webExID>" in body and b"<password>vendor-pass-Zk42</password>" in body
    assert b"<siteID>4242</siteID>" in body and b"hostpassword" not in body
    assert b"<testID>207</testID>" in body  # the rest as the caller sent it


def test_a_webex_caller_must_be_a_host_here_before_the_upstream_credentials_are_used(via_proxy, vendor):
    wrong = WEBEX_SAMPLE.request.body.replace(b"<password>hostpassword</password>", b"<password>guess</password>")
    r = via_proxy.post(PROXY_URL + WEBEX_PATH, data=wrong, headers=WEBEX_SAMPLE.request.headers)
    assert _webex_failure(r)[:2] == ("FAILURE", "030002")
    assert len(vendor.calls) == 0


def test_webex_callers_guessing_passwords_through_the_proxy_are_limited(via_proxy, vendor, settings):
    """The proxy's own check of its callers counts failed logins like the gateway does (issue 12 item 4)."""
    for i in range(settings.login_max_failures):
        wrong = WEBEX_SAMPLE.request.body.replace(b"<password>hostpassword</password>", f"<password>g{i}</password>".encode())
        assert _webex_failure(via_proxy.post(PROXY_URL + WEBEX_PATH, data=wrong, headers=WEBEX_SAMPLE.request.headers))[1] == "030002"
    r = via_proxy.post(PROXY_URL + WEBEX_PATH, data=WEBEX_SAMPLE.request.body, headers=WEBEX_SAMPLE.request.headers)
    assert _webex_failure(r)[:2] == ("FAILURE", "000045")
    assert len(vendor.calls) == 0


def test_the_wsdl_fetched_through_the_proxy_points_at_the_proxy(via_proxy, vendor):
    wsdl = (b'<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/">'
            b'<wsdl:service name="S"><wsdl:port name="P" binding="b"><soap:address location="https://vendor.test/api/soap/1p0/lis-result"/>'
            b"</wsdl:port></wsdl:service></wsdl:definitions>")
    vendor.add("GET", UPSTREAM + LIS_PATH + "?wsdl", body=wsdl, content_type="text/xml")
    r = via_proxy.get(PROXY_URL + LIS_PATH + "?wsdl")
    assert r.status_code == 200
    assert b'<soap:address location="http://proxy.test/api/soap/1p0/lis-result"/>' in r.content


# ------------------------------------------------------------------------- timeouts and failures
def _lis_failure(r):
    assert r.status_code == 200
    root = xmlsafe.parse(r.content)
    status = root.find(".//tns:imsx_statusInfo", NS)
    assert root.find(".//tns:readResultResponse", NS) is not None
    assert status.findtext("tns:imsx_messageRefIdentifier", namespaces=NS) == "16dd3b8d-c66b-4839-a158-638b81587088"
    return (status.findtext("tns:imsx_codeMajor", namespaces=NS), status.findtext(".//tns:imsx_codeMinorFieldValue", namespaces=NS),
            status.findtext("tns:imsx_description", namespaces=NS))


def _pox_failure(r):
    root = xmlsafe.parse(r.content)
    return r.status_code, root.findtext(".//pox:imsx_codeMajor", namespaces=NS), root.findtext(".//pox:imsx_description", namespaces=NS)


def _webex_failure(r):
    root = xmlsafe.parse(r.content)
    assert r.status_code == 200
    return (root.findtext(".//serv:result", namespaces=NS), root.findtext(".//serv:exceptionID", namespaces=NS),
            root.findtext(".//serv:reason", namespaces=NS))


def test_upstream_timeout_is_each_protocols_own_failure(via_proxy, vendor, record_dir):
    for path in (LIS_PATH, POX_PATH, WEBEX_PATH):
        vendor.add("POST", UPSTREAM + path, body=requests.exceptions.ReadTimeout("read timed out"))
    major, minor, text = _lis_failure(lis_post(via_proxy))
    assert (major, minor) == ("failure", "targetisbusy") and "timed out after 5 s" in text
    status, major, text = _pox_failure(via_proxy.post(PROXY_URL + POX_PATH, data=POX_REQUEST,
                                                      headers={"Content-Type": "application/xml"}, auth=caller_auth()))
    assert (status, major) == (504, "failure") and "timed out" in text
    result, code, reason = _webex_failure(via_proxy.post(PROXY_URL + WEBEX_PATH, data=WEBEX_SAMPLE.request.body))
    assert (result, code) == ("FAILURE", "000000") and reason.startswith("Fail to forward request:timed out")
    assert not record_dir.exists() or not samples.discover([record_dir])  # only what the upstream answered is recorded


@pytest.mark.parametrize("failure", ["http-502", "refused"])
def test_upstream_failure_is_each_protocols_own_failure(via_proxy, vendor, failure):
    for path in (LIS_PATH, POX_PATH, WEBEX_PATH):
        if failure == "http-502":
            vendor.add("POST", UPSTREAM + path, status=502, body=b"<html>Bad Gateway</html>", content_type="text/html")
        else:
            vendor.add("POST", UPSTREAM + path, body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    expected = "HTTP 502 from the upstream" if failure == "http-502" else "connection refused"
    major, minor, text = _lis_failure(lis_post(via_proxy))
    assert (major, minor) == ("failure", "linkfailure") and expected in text
    status, major, text = _pox_failure(via_proxy.post(PROXY_URL + POX_PATH, data=POX_REQUEST,
                                                      headers={"Content-Type": "application/xml"}, auth=caller_auth()))
    assert (status, major) == (502, "failure") and expected in text
    result, code, reason = _webex_failure(via_proxy.post(PROXY_URL + WEBEX_PATH, data=WEBEX_SAMPLE.request.body))
    assert (result, code) == ("FAILURE", "000000") and expected in reason


def test_an_upstream_soap_fault_is_passed_on_as_it_is(via_proxy, vendor, record_dir):
    fault = (b'<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
             b"<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>Authentication Fault</faultcode><faultstring>bad key</faultstring>"
             b"</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>")
    vendor.add("POST", UPSTREAM + LIS_PATH, status=500, body=fault, content_type="text/xml")
    r = lis_post(via_proxy)
    assert (r.status_code, r.content) == (500, fault)
    [folder] = samples.discover([record_dir])
    assert json.loads((folder / "meta.json").read_text())["response"]["status"] == 500


REPLACE_RESULT = b"""<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0">
<SOAP-ENV:Header><ns1:imsx_syncRequestHeaderInfo><ns1:imsx_version>V1.0</ns1:imsx_version>
<ns1:imsx_messageIdentifier>w-1</ns1:imsx_messageIdentifier></ns1:imsx_syncRequestHeaderInfo></SOAP-ENV:Header>
<SOAP-ENV:Body><ns1:replaceResultRequest><ns1:sourcedId>77000001</ns1:sourcedId><ns1:resultRecord>
<ns1:result><ns1:lineItemSourcedId>LI-9</ns1:lineItemSourcedId><ns1:personSourcedId>P-1</ns1:personSourcedId>
<ns1:resultScore><ns1:language>en-US</ns1:language><ns1:textString>64</ns1:textString></ns1:resultScore>
</ns1:result></ns1:resultRecord></ns1:replaceResultRequest></SOAP-ENV:Body></SOAP-ENV:Envelope>
"""


def test_a_lis_write_the_vendor_accepted_is_stored_and_one_it_refused_is_not(via_proxy, vendor, http):
    from gateway.lis import envelope, status
    accepted = envelope.to_bytes(envelope.response("replaceResultResponse", status.success("Object Result replaced."), "w-1"))
    vendor.add("POST", UPSTREAM + LIS_PATH, body=accepted, content_type="text/xml; charset=utf-8")
    headers = {**READ_RESULT.request.headers, "SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/replaceResult"'}
    r = via_proxy.post(PROXY_URL + LIS_PATH, data=REPLACE_RESULT, headers=headers, auth=caller_auth())
    assert r.content == accepted
    from adapters.upstream.lis import LisClient
    from gateway.lis.wsdl import WSDL_FILE
    client = LisClient(WSDL_FILE, BASE_URL + LIS_PATH, "49201", CALLER_SECRET, session=http)
    [record] = client.read_result("77000001").records
    assert (record.line_item_sourced_id, record.person_sourced_id, record.score_text) == ("LI-9", "P-1", "64")
    refused = envelope.to_bytes(envelope.response("replaceResultResponse", status.failure("No.", "unauthorizedrequest"), "w-1"))
    vendor.replace("POST", UPSTREAM + LIS_PATH, body=refused, content_type="text/xml; charset=utf-8")
    r = via_proxy.post(PROXY_URL + LIS_PATH, data=REPLACE_RESULT.replace(b">64<", b">12<"), headers=headers,
                       auth=caller_auth())
    assert r.content == refused
    assert client.read_result("77000001").records[0].score_text == "64"
