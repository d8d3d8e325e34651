"""Issue 12 items 5, 10 and 12 on the LIS SOAP and LTI 1.1 POX endpoints, with real clients.

5. an XML body sent as ``application/xml; a=application/x-www-form-urlencoded`` with a signature
   made without ``oauth_body_hash`` must be refused, the score unchanged;
10. OAuth parameters split between the header and the query string, ``oauth_nonce`` in both, and
    ``Authorization: OAuth ÿ`` get the protocol's authentication failure, not a traceback;
12. a score written on Turnitin's 0-100 scale over LIS SOAP reads as a 0.0-1.0 fraction over POX.
"""
from __future__ import annotations

import uuid

import pytest
from lti import OutcomeRequest
from oauthlib.oauth1 import Client as OAuthClient

from gateway import xmlsafe
from gateway.lis.envelope import fault_bytes
from gateway.security.oauth import authorization_header
from tests.lis.conftest import POX_URL, SOAP_URL, header, reference_service

LIS = "http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0"
POX = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"
CRAFTED = "application/xml; a=application/x-www-form-urlencoded"


def soap_envelope(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
        f' xmlns:ns1="{LIS}"><SOAP-ENV:Header><ns1:imsx_syncRequestHeaderInfo><ns1:imsx_version>V1.0</ns1:imsx_version>'
        f"<ns1:imsx_messageIdentifier>m-1</ns1:imsx_messageIdentifier></ns1:imsx_syncRequestHeaderInfo></SOAP-ENV:Header>"
        f"<SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def soap_replace(score: str, sourced_id: str = "49313814") -> bytes:
    return soap_envelope(
        f"<ns1:replaceResultRequest><ns1:sourcedId>{sourced_id}</ns1:sourcedId><ns1:resultRecord>"
        f"<ns1:sourcedGUID><ns1:sourcedId>{sourced_id}</ns1:sourcedId></ns1:sourcedGUID><ns1:result>"
        f"<ns1:lineItemSourcedId>20028310</ns1:lineItemSourcedId><ns1:resultScore><ns1:language>en-US</ns1:language>"
        f"<ns1:textString>{score}</ns1:textString></ns1:resultScore></ns1:result></ns1:resultRecord>"
        f"</ns1:replaceResultRequest>"
    )


SOAP_READ = soap_envelope("<ns1:readResultRequest><ns1:sourcedId>49313814</ns1:sourcedId></ns1:readResultRequest>")


def pox_request(operation: str, score: str | None = None, sourced_id: str = "49313814") -> bytes:
    result = f"<result><resultScore><language>en</language><textString>{score}</textString></resultScore></result>" if score is not None else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest xmlns="{POX}"><imsx_POXHeader>'
        f"<imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>1</imsx_messageIdentifier>"
        f"</imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><{operation}Request><resultRecord><sourcedGUID>"
        f"<sourcedId>{sourced_id}</sourcedId></sourcedGUID>{result}</resultRecord></{operation}Request></imsx_POXBody>"
        f"</imsx_POXEnvelopeRequest>"
    ).encode()


@pytest.fixture
def soap_score(signed):
    """The score LIS SOAP answers for 49313814, read with a correctly signed request."""

    def read() -> str:
        r = signed.post(SOAP_URL, data=SOAP_READ, headers={"Content-Type": "text/xml; charset=utf-8"})
        assert r.status_code == 200, r.text
        return xmlsafe.parse(r.content).findtext(f".//{{{LIS}}}textString")

    return read


@pytest.fixture
def pox_score(signed):
    def read(sourced_id: str = "49313814") -> str | None:
        r = signed.post(POX_URL, data=pox_request("readResult", sourced_id=sourced_id), headers={"Content-Type": "application/xml"})
        root = xmlsafe.parse(r.content)
        assert root.findtext(f".//{{{POX}}}imsx_codeMajor") == "success", r.text
        return root.findtext(f".//{{{POX}}}textString")

    return read


def unhashed_authorization(url: str, secret: str = "secret") -> str:
    """What an attacker holding a signature over the URL alone sends: no oauth_body_hash at all."""
    _, headers, _ = OAuthClient("49201", client_secret=secret).sign(url, "POST")
    assert "oauth_body_hash" not in headers["Authorization"]
    return headers["Authorization"]


# --- item 5: "form body" from the media type alone --------------------------------------------


def test_lis_soap_crafted_form_parameter_does_not_skip_the_body_hash(http, demo_data, soap_score):
    r = http.post(SOAP_URL, data=soap_replace("42"), headers={
        "Content-Type": CRAFTED, "Authorization": unhashed_authorization(SOAP_URL),
        "SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/replaceResult"'})
    assert r.status_code == 500
    assert r.content == fault_bytes("Authentication Fault", "OAuth check failed: oauth_body_hash is missing")
    assert soap_score() == "100"  # unchanged


def test_lti_pox_crafted_form_parameter_does_not_skip_the_body_hash(http, demo_data, soap_score):
    r = http.post(POX_URL, data=pox_request("replaceResult", "0.5"), headers={
        "Content-Type": CRAFTED, "Authorization": unhashed_authorization(POX_URL)})
    assert r.status_code == 401
    root = xmlsafe.parse(r.content)
    assert root.findtext(f".//{{{POX}}}imsx_codeMajor") == "failure"
    assert root.findtext(f".//{{{POX}}}imsx_description") == "OAuth check failed: oauth_body_hash is missing"
    assert soap_score() == "100"  # unchanged


# --- item 10: OAuth input that reached tracebacks ---------------------------------------------


def split_header(url: str, body: bytes, content_type: str, *, keep_nonce_in_header: bool) -> tuple[str, str]:
    """(url with ?oauth_nonce=..., Authorization) from a correctly signed request."""
    auth = authorization_header(url, body, "49201", "secret", content_type=content_type, nonce="n" * 20)
    params = [p.strip() for p in auth.removeprefix("OAuth ").split(",")]
    if not keep_nonce_in_header:
        params = [p for p in params if not p.startswith("oauth_nonce=")]
    return f"{url}?oauth_nonce={'n' * 20}", "OAuth " + ", ".join(params)


SPLIT = "OAuth check failed: the oauth_ parameters must all come from one place, but were found in AUTH_HEADER, QUERY"
MALFORMED = 'OAuth check failed: malformed Authorization header (expected OAuth name="value", ...)'


@pytest.mark.parametrize("keep_nonce", [False, True], ids=["split", "nonce-in-both"])
def test_lis_soap_split_oauth_parameters(http, demo_data, keep_nonce):
    url, auth = split_header(SOAP_URL, SOAP_READ, "text/xml", keep_nonce_in_header=keep_nonce)
    r = http.post(url, data=SOAP_READ, headers={"Content-Type": "text/xml", "Authorization": auth})
    assert (r.status_code, r.content) == (500, fault_bytes("Authentication Fault", SPLIT))


@pytest.mark.parametrize("keep_nonce", [False, True], ids=["split", "nonce-in-both"])
def test_lti_pox_split_oauth_parameters(http, demo_data, keep_nonce):
    body = pox_request("readResult")
    url, auth = split_header(POX_URL, body, "application/xml", keep_nonce_in_header=keep_nonce)
    r = http.post(url, data=body, headers={"Content-Type": "application/xml", "Authorization": auth})
    assert r.status_code == 401
    assert xmlsafe.parse(r.content).findtext(f".//{{{POX}}}imsx_description") == SPLIT


@pytest.mark.parametrize("value", ["OAuth \xff", 'OAuth oauth_consumer_key="49201", ="x"', "OAuth ,,,"])
def test_malformed_authorization_header(http, demo_data, value):
    r = http.post(SOAP_URL, data=SOAP_READ, headers={"Content-Type": "text/xml", "Authorization": value.encode("latin-1")})
    assert r.status_code == 500 and b"<faultcode>Authentication Fault</faultcode>" in r.content
    r = http.post(POX_URL, data=pox_request("readResult"), headers={"Content-Type": "application/xml", "Authorization": value.encode("latin-1")})
    assert r.status_code == 401 and b"<imsx_codeMajor>failure</imsx_codeMajor>" in r.content


def test_malformed_authorization_header_message(http, demo_data):
    r = http.post(SOAP_URL, data=SOAP_READ, headers={"Content-Type": "text/xml", "Authorization": "OAuth \xff".encode("latin-1")})
    assert (r.status_code, r.content) == (500, fault_bytes("Authentication Fault", MALFORMED))


# --- item 12: one score, every protocol's scale -----------------------------------------------


def lis_replace(reference_client, sourced_id: str, score: str) -> None:
    service = reference_service(reference_client)
    answer = service.replaceResult(
        sourcedId=sourced_id,
        resultRecord={"sourcedGUID": {"sourcedId": sourced_id},
                      "result": {"lineItemSourcedId": "20028310", "resultScore": {"language": "en-US", "textString": score}}},
        _soapheaders=[header(reference_client, str(uuid.uuid4()))],
    )
    assert answer.header[next(iter(answer.header))].imsx_statusInfo.imsx_codeMajor == "success"


def test_demo_record_written_as_100_over_lis_reads_as_1_over_pox(reference_client, pox_score, soap_score, monkeypatch, signed):
    lis_replace(reference_client, "49313814", "100")
    assert soap_score() == "100"  # LIS answers its own text, as written
    assert pox_score() == "1"
    # and the `lti` package, as a tool would read it
    import lti.outcome_request

    monkeypatch.setattr(lti.outcome_request.requests, "post", lambda url, **kw: signed.__class__.post(signed, url, **kw))
    read = OutcomeRequest({"consumer_key": "49201", "consumer_secret": "secret", "lis_outcome_service_url": POX_URL,
                           "lis_result_sourcedid": "49313814"}).post_read_result()
    assert read.is_success() and 0.0 <= float(read.score) <= 1.0


@pytest.mark.parametrize("written, fraction", [
    ("0", "0"), ("1", "0.01"), ("45", "0.45"), ("99.5", "0.995"), ("100", "1"), ("100.0", "1"),
    ("120", "1"), ("-5", "0"), ("A", ""), ("Pass", ""), ("1e2", ""),  # no number: no LTI score (<textString/>)
])
def test_lis_scores_read_over_pox_stay_within_0_and_1(reference_client, pox_score, written, fraction):
    lis_replace(reference_client, "49313814", written)
    assert pox_score() == fraction


def test_pox_fraction_reads_back_as_written_over_both(signed, pox_score, soap_score):
    r = signed.post(POX_URL, data=pox_request("replaceResult", "0.92"), headers={"Content-Type": "application/xml"})
    assert b"<imsx_codeMajor>success</imsx_codeMajor>" in r.content
    assert pox_score() == "0.92"
    assert soap_score() == "0.92"


@pytest.mark.parametrize("score", ["0E-999999999", "1E+999999999", "0x1", "½", "٠.٥"])
def test_pox_refuses_scores_outside_plain_decimal_notation(signed, pox_score, score):
    r = signed.post(POX_URL, data=pox_request("replaceResult", score), headers={"Content-Type": "application/xml"})
    assert r.status_code == 200
    root = xmlsafe.parse(r.content)
    assert root.findtext(f".//{{{POX}}}imsx_codeMajor") == "failure"
    assert "plain notation" in root.findtext(f".//{{{POX}}}imsx_description")
    assert pox_score() == "1"  # the demo's 100 of 100, unchanged
