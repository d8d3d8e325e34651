"""``lms-gateway results import`` and ``lms-gateway sign``."""
from __future__ import annotations

import json
import shlex
from pathlib import Path

from click.testing import CliRunner

from adapters.store import accounts as store_accounts
from adapters.store import results as store_results
from gateway.cli import main
from tests.lis.conftest import SOAP_URL

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CSV = """sourcedId,lineItemSourcedId,personSourcedId,date,label,score,language,refAgentInstanceID,InternetSimilarity,Custom
A1,LI-9,P-1,2012-05-22T14:41:50Z,paper.doc,88,en-US,Turnitin SRC12,12,x
A2,LI-9,P-2,,,,,,,
"""


def run(store_url: str, *args: str):
    return CliRunner().invoke(main, ["--database-url", store_url, *args], catch_exceptions=False)


def test_import_csv_then_json_replaces(store_url, store, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(CSV)
    assert run(store_url, "accounts", "add", "school").exit_code == 0
    r = run(store_url, "results", "import", str(path), "--account", "school")
    assert r.exit_code == 0, r.output
    assert "imported 2 result(s) into account school: 2 created, 0 replaced" in r.output
    with store.session() as s:
        account = store_accounts.get_or_create_account(s, "school")
        a1 = store_results.find_result(s, account.id, "A1")
        assert (a1.line_item_sourced_id, a1.person_sourced_id, a1.score_text, a1.value_label) == ("LI-9", "P-1", "88", "paper.doc")
        assert a1.date.isoformat().startswith("2012-05-22T14:41:50")
        fields = {f["name"]: (f["type"], f["value"]) for f in a1.extension["fields"]}
        assert fields["InternetSimilarity"] == ("Integer", "12") and fields["Custom"] == ("String", "x")
        account_id = account.id
    doc = tmp_path / "results.json"
    doc.write_text(json.dumps([{"sourcedId": "A1", "lineItemSourcedId": "LI-9", "score": "91", "extension": {"GradeMark": 70}}]))
    r = run(store_url, "results", "import", str(doc), "--account", "school")
    assert "1 result(s) into account school: 0 created, 1 replaced" in r.output
    with store.session() as s:
        assert store_results.find_result(s, account_id, "A1").score_text == "91"


def test_bad_row_imports_nothing(store_url, store, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(CSV + "A3,,P-3,,,,,,,\n")
    assert run(store_url, "accounts", "add", "school").exit_code == 0
    r = CliRunner().invoke(main, ["--database-url", store_url, "results", "import", str(path), "--account", "school"])
    assert r.exit_code == 1
    assert "line 4: lineItemSourcedId is required; 1 bad row(s), nothing was imported" in r.output
    with store.session() as s:
        account = store_accounts.get_or_create_account(s, "school")
        assert store_results.all_result_ids(s, account.id) == []


def test_import_by_consumer_key(store_url, demo_data, store, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("sourcedId,lineItemSourcedId\nZ9,20028310\n")
    r = run(store_url, "results", "import", str(path), "--consumer-key", "49201")
    assert "into consumer key 49201: 1 created" in r.output
    with store.session() as s:
        assert "Z9" in store_results.result_ids_for_line_item(s, store_accounts.find_consumer(s, "49201").account_id, "20028310")


def test_sign_prints_a_curl_command_the_gateway_accepts(store_url, http, demo_data, tmp_path):
    request = tmp_path / "read.xml"
    request.write_bytes((SAMPLES / "lis-readresult-49313814" / "request.xml").read_bytes())
    r = run(store_url, "sign", str(request), "--key", "49201", "--secret", "secret", "--url", SOAP_URL)
    assert r.exit_code == 0, r.output
    argv = shlex.split(r.output)
    assert argv[:5] == ["curl", "-sS", "-X", "POST", SOAP_URL]
    assert "secret" not in r.output  # the secret signs; it is never printed
    headers = dict(argv[i + 1].split(": ", 1) for i, a in enumerate(argv) if a == "-H")
    assert headers["SOAPAction"] == '"http://www.imsglobal.org/soap/lis/oms1p0/readResult"'
    assert "oauth_body_hash=" in headers["Authorization"]
    assert argv[-1] == f"@{request}"
    answer = http.post(SOAP_URL, data=request.read_bytes(), headers=headers)
    assert answer.status_code == 200
    assert b"<tns:imsx_codeMinorFieldValue>fullsuccess</tns:imsx_codeMinorFieldValue>" in answer.content
