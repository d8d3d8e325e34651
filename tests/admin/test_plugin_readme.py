"""The README's pytest plugin example, verbatim (keep the two in step)."""
import requests
from requests_oauthlib import OAuth1

READ = b"""<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:ims="http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0">
<SOAP-ENV:Header><ims:imsx_syncRequestHeaderInfo><ims:imsx_version>V1.0</ims:imsx_version>
<ims:imsx_messageIdentifier>1</ims:imsx_messageIdentifier></ims:imsx_syncRequestHeaderInfo></SOAP-ENV:Header>
<SOAP-ENV:Body><ims:readResultRequest><ims:sourcedId>s-1</ims:sourcedId></ims:readResultRequest></SOAP-ENV:Body>
</SOAP-ENV:Envelope>"""


def read_score(url, key, secret):          # the client under test
    answer = requests.post(url, data=READ, headers={"Content-Type": "text/xml; charset=utf-8"},
                           auth=OAuth1(key, secret, force_include_body=True))
    if "targetisbusy" in answer.text:
        return None
    return answer.text.split("<tns:textString>")[1].split("<")[0]


def test_reads_a_score_and_survives_a_busy_target(lms_gateway):
    lis = lms_gateway.credentials["lis"]
    url = lms_gateway.url + "/api/soap/1p0/lis-result"
    lms_gateway.load_results([{"sourcedId": "s-1", "lineItemSourcedId": "li-1", "score": "0.8"}])
    assert read_score(url, lis["consumer_key"], lis["secret"]) == "0.8"
    lms_gateway.add_fault("lis", "readResult", times=1, code_minor="targetisbusy")
    assert read_score(url, lis["consumer_key"], lis["secret"]) is None
    lms_gateway.assert_received("lis", "readResult", sourced_id="s-1", count=2)


def test_this_file_is_the_readme_example():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = Path(__file__).read_text().split('"""\n', 1)[1].split("\n\ndef test_this_file")[0]
    assert example.strip() in readme
