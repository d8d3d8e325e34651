"""The upstream clients (zeep LIS with signing transport, WebEx XML API) from Python and the CLI,
and `sync lis`: results pulled from a vendor, then served by the gateway."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from adapters.upstream import lis as lis_client
from adapters.upstream import samples
from adapters.upstream import webex as webex_client
from gateway import xmlsafe
from gateway.cli import main
from gateway.lis import envelope, status
from gateway.lis.wsdl import WSDL_FILE
from adapters import lis_records
from tests.conftest import BASE_URL, REFERENCE
from tests.upstream.conftest import CALLER_SECRET, SAMPLES, UPSTREAM, UPSTREAM_KEY, UPSTREAM_SECRET, verify_signed

LIS_URL = UPSTREAM + "/api/soap/1p0/lis-result"
WEBEX_URL = UPSTREAM + "/WBXService/XMLService"
READ_RESULT = samples.load(SAMPLES / "lis-readresult-49313814")
READ_RESULTS = samples.load(SAMPLES / "lis-readresults-49313814-49313826")
WEBEX = samples.load(SAMPLES / "webex-getimstestresult-207")
LINE_ITEM = "20028310"


def ids_answer(ids: list[str]) -> bytes:
    return envelope.to_bytes(envelope.response("readResultIdsForLineItemResponse", status.success(f"{len(ids)} found."),
                                               "ref", [lis_records.sourced_id_set(ids)]))


def lis_vendor(seen: list, signature_method: str = "HMAC-SHA1"):
    """The vendor's LIS service: answers by SOAPAction, after checking the signature like the vendor would."""
    answers = {"readResult": READ_RESULT.response.body, "readResults": READ_RESULTS.response.body,
               "readResultIdsForLineItem": ids_answer(["49313814", "49313826"])}

    def callback(request):
        params = verify_signed(request)
        assert params["oauth_signature_method"] == signature_method
        action = request.headers["SOAPAction"].strip('"').rsplit("/", 1)[1]
        seen.append((action, request.body))
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, answers[action]
    return callback


@pytest.mark.parametrize("wsdl", [WSDL_FILE, REFERENCE / "lis" / "lis-result.wsdl"], ids=["gateway-wsdl", "ims-wsdl"])
@pytest.mark.parametrize("method", ["HMAC-SHA1", "HMAC-SHA256"])
def test_lis_client_signs_the_final_bytes(vendor, wsdl, method):
    seen = []
    vendor.add_callback("POST", LIS_URL, callback=lis_vendor(seen, method))
    client = lis_client.LisClient(wsdl, LIS_URL, UPSTREAM_KEY, UPSTREAM_SECRET, signature_method=method)
    answer = client.read_result("49313814")
    assert answer.ok and answer.status.code_minor == "fullsuccess"
    [record] = answer.records
    assert (record.sourced_id, record.score_text, record.line_item_sourced_id) == ("49313814", "100", LINE_ITEM)
    [(action, body)] = seen
    root = xmlsafe.parse(body)
    assert root.findtext(".//{*}imsx_messageIdentifier") and root.findtext(".//{*}sourcedId") == "49313814"


def test_lis_client_reports_a_transport_failure_clearly(vendor):
    import requests
    vendor.add("POST", LIS_URL, body=requests.exceptions.ConnectionError("refused"))
    client = lis_client.LisClient(WSDL_FILE, LIS_URL, UPSTREAM_KEY, UPSTREAM_SECRET)
    with pytest.raises(lis_client.LisError, match="readResult: ConnectionError"):
        client.read_result("1")


def cli(store_url, *args):
    return CliRunner().invoke(main, ["--database-url", store_url, *args], catch_exceptions=False)


def test_call_lis_from_the_cli(vendor, store_url):
    vendor.add_callback("POST", LIS_URL, callback=lis_vendor([]))
    result = cli(store_url, "call", "lis", "readResult", "49313814", "--upstream", LIS_URL, "--key", UPSTREAM_KEY,
                 "--secret", UPSTREAM_SECRET)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["status"]["code_major"] == "success" and out["records"][0]["score_text"] == "100"
    assert out["records"][0]["date"] == "2012-05-22T14:41:50Z"


def webex_vendor(seen: list, answer: bytes):
    def callback(request):
        seen.append(request.body)
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, answer
    return callback


def test_webex_client_builds_the_message_and_reads_success_and_failure(vendor):
    seen = []
    vendor.add_callback("POST", WEBEX_URL, callback=webex_vendor(seen, WEBEX.response.body))
    security = webex_client.SecurityContext(webExID="hostid", password="pw", siteID="0000", partnerID="9999")
    client = webex_client.WebexClient(WEBEX_URL, security, xmlsafe.parse)
    answer = client.get_ims_test_result("207", "georgew@sz.webex.com")
    assert answer.ok and answer.body_content.find(".//{*}score_value").text == "45"
    sent = xmlsafe.parse(seen[0])
    assert sent.findtext("header/securityContext/webExID") == "hostid"
    content = sent.find("body/bodyContent")
    assert content.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "java:com.webex.service.binding.training.GetIMStestResult"
    assert [c.tag for c in content] == ["testID", "participantEmail"]
    failure = (b'<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"><serv:header><serv:response>'
               b"<serv:result>FAILURE</serv:result><serv:reason>Sorry, no record found</serv:reason>"
               b"<serv:gsbStatus>PRIMARY</serv:gsbStatus><serv:exceptionID>000015</serv:exceptionID></serv:response>"
               b"</serv:header><serv:body><serv:bodyContent/></serv:body></serv:message>")
    vendor.replace("POST", WEBEX_URL, body=failure)
    answer = client.get_ims_test_result("1", "x@y")
    assert (answer.ok, answer.exception_id, answer.reason) == (False, "000015", "Sorry, no record found")


def test_webex_client_against_the_gateway_itself(http, demo_loaded):
    security = webex_client.SecurityContext(webExID="hostid", password="hostpassword", siteID="0000", partnerID="9999")
    client = webex_client.WebexClient(BASE_URL + "/WBXService/XMLService", security, xmlsafe.parse, session=http)
    answer = client.get_ims_test_result("207", "georgew@sz.webex.com")
    assert answer.ok, answer.reason
    assert answer.body_content.find(".//{*}assessment_result").get("asi_title") == "Test1 (3)"
    wrong = webex_client.WebexClient(BASE_URL + "/WBXService/XMLService",
                                     webex_client.SecurityContext(webExID="hostid", password="nope", siteID="0000"),
                                     xmlsafe.parse, session=http).get_ims_test_result("207", "georgew@sz.webex.com")
    assert (wrong.result, wrong.exception_id) == ("FAILURE", "030002")


def test_call_webex_from_the_cli(vendor, store_url):
    seen = []
    vendor.add_callback("POST", WEBEX_URL, callback=webex_vendor(seen, WEBEX.response.body))
    result = cli(store_url, "call", "webex", "GetIMStestResult", "--test-id", "207", "--participant",
                 "georgew@sz.webex.com", "--upstream", WEBEX_URL, "--webex-id", "hostid", "--password", "pw")
    assert result.exit_code == 0, result.output
    assert "<serv:result>SUCCESS</serv:result>" in result.output
    assert b"<participantEmail>georgew@sz.webex.com</participantEmail>" in seen[0]


def test_sync_lis_then_the_gateway_serves_the_results(vendor, store_url, store, http):
    seen = []
    vendor.add_callback("POST", LIS_URL, callback=lis_vendor(seen))
    assert cli(store_url, "accounts", "add", "bridge", "--consumer-key", "lms-1", "--secret", "lms-secret-123").exit_code == 0
    result = cli(store_url, "sync", "lis", "--upstream", LIS_URL, "--line-item", LINE_ITEM, "--key", UPSTREAM_KEY,
                 "--secret", UPSTREAM_SECRET, "--account", "bridge")
    assert result.exit_code == 0, result.output
    assert "2 results from 1 line item(s): 2 created, 0 replaced" in result.output
    assert [a for a, _ in seen] == ["readResultIdsForLineItem", "readResults"]
    # through the gateway: LIS SOAP with zeep, signed with the bridge account's own consumer key
    client = lis_client.LisClient(WSDL_FILE, BASE_URL + "/api/soap/1p0/lis-result", "lms-1", "lms-secret-123",
                                  session=http)
    answer = client.read_result("49313826")
    assert answer.ok and answer.records[0].person_sourced_id == "100012195"
    assert answer.records[0].extension["fields"][3] == {"name": "StudentPaperSimilarity", "type": "Integer", "value": "100"}
    assert client.read_result_ids_for_line_item(LINE_ITEM).ids == ["49313814", "49313826"]
    # and through LTI 1.1 POX, the same record
    pox = (b'<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"><imsx_POXHeader>'
           b"<imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>1</imsx_messageIdentifier>"
           b"</imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><readResultRequest><resultRecord><sourcedGUID>"
           b"<sourcedId>49313814</sourcedId></sourcedGUID></resultRecord></readResultRequest></imsx_POXBody>"
           b"</imsx_POXEnvelopeRequest>")
    from adapters.upstream.signing import BodyHashAuth
    r = http.post(BASE_URL + "/lti/outcomes", data=pox, headers={"Content-Type": "application/xml"},
                  auth=BodyHashAuth("lms-1", "lms-secret-123"))
    pox_root = xmlsafe.parse(r.content)
    assert pox_root.findtext(".//{*}imsx_codeMajor") == "success" and pox_root.findtext(".//{*}textString") == "1"  # LIS's 100 of 100
    # the gateway's readResults answer equals the vendor's, but for message identifiers
    from adapters.upstream.compare import Rules, diff_trees
    r = http.post(BASE_URL + READ_RESULTS.request.path, data=READ_RESULTS.request.body, headers=READ_RESULTS.request.headers,
                  auth=BodyHashAuth("lms-1", "lms-secret-123"))
    assert diff_trees(xmlsafe.parse(READ_RESULTS.response.body), xmlsafe.parse(r.content),
                      Rules.of(READ_RESULTS.volatile)) == []
    # a second sync replaces rather than duplicates
    result = cli(store_url, "sync", "lis", "--upstream", LIS_URL, "--line-item", LINE_ITEM, "--key", UPSTREAM_KEY,
                 "--secret", UPSTREAM_SECRET, "--account", "bridge")
    assert "0 created, 2 replaced" in result.output


def test_sync_without_an_account_for_the_key_says_what_to_do(vendor, store_url):
    result = CliRunner().invoke(main, ["--database-url", store_url, "sync", "lis", "--upstream", LIS_URL, "--line-item", "1",
                                       "--key", "unknown-key", "--secret", "s"])
    assert result.exit_code == 2 and "--account" in result.output


def test_lis_client_builds_from_the_gateways_wsdl_url(http, demo_loaded):
    """`call lis --wsdl URL`: zeep fetches ?wsdl through the signing session (a GET, no body to hash)."""
    url = BASE_URL + "/api/soap/1p0/lis-result"
    client = lis_client.LisClient(url + "?wsdl", url, "49201", CALLER_SECRET, session=http)
    answer = client.read_result("49313814")
    assert answer.ok and answer.records[0].sourced_id == "49313814"
