"""The console's pages, in process (the browser test drives them in Chromium)."""
from __future__ import annotations

import shutil
from pathlib import Path

from lxml import html

from adapters.upstream import samples
from tests.admin.conftest import ADMIN, SOAP_HEADERS, SOAP_URL, entries, read_result

REPO_SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_index_lists_endpoints_demo_credentials_and_the_journal(signed):
    signed.post(SOAP_URL, data=read_result("49313814"), headers=SOAP_HEADERS)
    page = signed.get(f"{ADMIN}/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    doc = html.fromstring(page.content)
    links = [a.get("href") for a in doc.get_element_by_id("endpoints").iter("a")]
    assert "/api/soap/1p0/lis-result?wsdl" in links and "/ContentImport/DataService.svc?wsdl" in links
    demo = doc.get_element_by_id("demo").text_content()
    assert "49201" in demo and "hostid" in demo and "hostpassword" in demo and "itslearning-demo" in demo
    rows = doc.get_element_by_id("journal-rows").findall("tr")
    assert len(rows) == 1 and "readResult" in rows[0].text_content()
    assert "<script src" not in page.text and "http://" not in page.text.split("<script>")[1]


def test_no_demo_credentials_without_demo_data(app):
    from tests.admin.conftest import session_on

    page = session_on(app).get(f"{ADMIN}/").text
    assert 'id="demo"' not in page


def test_entry_page_diff_and_save_as_sample(signed, http, settings):
    shutil.copytree(REPO_SAMPLES / "lis-readresult-49313814", Path(settings.samples_dir) / "seed-read")
    signed.post(SOAP_URL, data=read_result("49313814"), headers=SOAP_HEADERS)
    [entry] = entries(signed)
    page = signed.get(f"{ADMIN}/console/entries/{entry['id']}", params={"sample": "seed-read"})
    doc = html.fromstring(page.content)
    assert "accepted" in doc.get_element_by_id("oauth").text_content()
    assert "\n  <SOAP-ENV:Body>" in doc.get_element_by_id("response-body").text_content()  # pretty-printed
    differences = doc.get_element_by_id("differences").text_content()
    print("diff against the seed sample:", differences)
    saved = http.post(f"{ADMIN}/console/entries/{entry['id']}/sample", data={"name": "my-read"}, allow_redirects=False)
    assert saved.status_code == 303
    sample = samples.load(Path(settings.samples_dir) / "my-read")
    assert sample.protocol == "lis-oms-soap" and sample.operation == "readResult"
    assert sample.auth.consumer_key == "49201" and "Authorization" not in sample.request.headers
    assert b"49313814" in sample.response.body


def test_fault_rules_from_the_page(signed, http):
    added = http.post(f"{ADMIN}/console/faults", data={"protocol": "lis", "operation": "readResult",
                                                          "code_minor": "targetisbusy", "times": "1", "action": "failure"},
                        allow_redirects=False)
    assert added.status_code == 303 and "added" in added.headers["Location"]
    answer = signed.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS)
    assert "targetisbusy" in answer.text
    [rule] = signed.get(f"{ADMIN}/faults").json()["faults"]
    bad = signed.post(f"{ADMIN}/console/faults", data={"protocol": "lis", "code_minor": "nope"}, allow_redirects=False)
    assert "code_minor" in bad.headers["Location"]
    removed = http.post(f"{ADMIN}/console/faults/{rule['id']}/delete", allow_redirects=False)
    assert removed.status_code == 303 and signed.get(f"{ADMIN}/faults").json()["faults"] == []


def test_a_form_posted_from_another_site_is_refused(signed, http):
    answer = http.post(f"{ADMIN}/console/faults", data={"protocol": "lis"},
                         headers={"Origin": "http://evil.example"}, allow_redirects=False)
    assert answer.status_code == 403
    assert signed.get(f"{ADMIN}/faults").json()["faults"] == []
