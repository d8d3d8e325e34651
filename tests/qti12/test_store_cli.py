"""Store helpers, the demo data and ``lms-gateway tests|attempts``, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from adapters import qti12
from adapters.store import accounts as store_accounts
from adapters.store import attempts as store_attempts
from adapters.store import tests as store_tests
from gateway import assessments, demo
from gateway.cli import main
from gateway.demo.assessments import TEST_207
from tests.qti12.helpers import GEORGE, ITEMS_V1P2


def run(store_url: str, *args: str):
    return CliRunner().invoke(main, ["--database-url", store_url, *args])


def test_add_test_allocates_the_next_test_id_per_account(store):
    xml = TEST_207.read_text()
    with store.session() as s:
        a = store_accounts.get_or_create_account(s, "a")
        b = store_accounts.get_or_create_account(s, "b")
        assert store_tests.add_test(s, a, qti_xml=xml, ident="t").webex_test_id == 1
        assert store_tests.add_test(s, a, qti_xml=xml, ident="t", webex_test_id=207).webex_test_id == 207
        assert store_tests.add_test(s, a, qti_xml=xml, ident="t").webex_test_id == 208
        assert store_tests.add_test(s, b, qti_xml=xml, ident="t").webex_test_id == 1
        with pytest.raises(ValueError, match="testID 207 already exists"):
            store_tests.add_test(s, a, qti_xml=xml, ident="t", webex_test_id=207)
        a_id = a.id
    with store.session() as s:
        assert store_tests.find_test(s, a_id, 207).ident == "t"
        assert store_tests.find_test(s, a_id, 999) is None
        assert [t.webex_test_id for t in store_tests.list_tests(s, a_id)] == [1, 207, 208]


def test_person_by_email_and_latest_attempt(store):
    with store.session() as s:
        account = store_accounts.get_or_create_account(s, "a")
        test = store_tests.add_test(s, account, qti_xml=TEST_207.read_text(), ident="207")
        p1 = store_attempts.person_by_email(s, account.id, "Amy@Example.com", "Amy")
        p2 = store_attempts.person_by_email(s, account.id, "amy@example.COM")
        assert p1.id == p2.id and p2.name == "Amy" and p1.sourced_id == "amy@example.com"
        for n in (1, 2):
            store_attempts.record_attempt(s, test, p1, responses={"n": n}, started=datetime(2003, 12, 12, 16, 17, 11),
                                          duration="PT1M", score=n, score_min=0, score_max=2, outcomes={})
        test_id = test.id
    with store.session() as s:
        attempt, person = store_attempts.latest_attempt(s, test_id, " AMY@example.com ")
        assert attempt.responses == {"n": 2} and person.email == "Amy@Example.com"
        assert store_attempts.latest_attempt(s, test_id, "bob@example.com") is None
        assert len(store_attempts.attempts_of_test(s, test_id)) == 2


def test_demo_data_scores_the_seed_attempt(store, settings):
    demo.load(store, settings)
    demo.load(store, settings)  # idempotent
    with store.session() as s:
        account = store_accounts.get_or_create_account(s, demo.DEMO_ACCOUNT)
        test = store_tests.find_test(s, account.id, 207)
        assert (test.title, test.description, test.host_webex_id) == ("Test1 (3)", "basic ability test", "hostid")
        attempt, person = store_attempts.latest_attempt(s, test.id, "georgew@sz.webex.com")
        assert (person.name, attempt.started_at, attempt.duration) == ("java java", datetime(2003, 12, 12, 16, 17, 11), "P0Y0M0DT0H30M")
        assert (attempt.score, attempt.score_min, attempt.score_max) == (45, 0, 100)
        assert [o["score"] for o in attempt.outcomes.values()] == [15, 15, 0, 0, 0, 15]
        assert len(store_attempts.attempts_of_test(s, test.id)) == 1
        # the stored outcome is what the engine computes from the stored responses and document
        scored = qti12.score_attempt(assessments.assessment_of(test), attempt.responses)
        assert assessments.stored_score(attempt).to_json() == scored.to_json()
        other = store_tests.find_test(s, account.id, 102)
        amy, _ = store_attempts.latest_attempt(s, other.id, "amyl@sz.webex.com")
        assert amy.score == qti12.score_attempt(assessments.assessment_of(other), amy.responses).score == 55


def test_cli_import_and_submit_and_show(store_url, tmp_path):
    assert run(store_url, "demo", "load").exit_code == 0
    imported = run(store_url, "tests", "import", str(ITEMS_V1P2 / "mrsp_ir_01.xml"), "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output) == {"test": 208, "items": ["PYSLET_MRSP_IR_01"]}
    bank = run(store_url, "tests", "import", str(ITEMS_V1P2 / "objectbank.xml"), "--json", "--test-id", "500")
    assert json.loads(bank.output) == {"test": 500, "items": ["bank1", "bank2"]}
    essay = run(store_url, "tests", "import", str(ITEMS_V1P2 / "fibs_ir_03.xml"), "--json")
    assert json.loads(essay.output)["test"] == 501  # its internal DTD subset only declares an element

    attempt = tmp_path / "attempt.json"
    attempt.write_text(json.dumps({
        "test": 208, "participant": {"email": "Kim@Example.com", "name": "Kim"},
        "started": "2024-05-01T09:00:00", "duration": "PT5M",
        "responses": {"PYSLET_MRSP_IR_01": {"MR01": ["A", "C", "F"]}},
    }))
    submitted = run(store_url, "attempts", "submit", str(attempt), "--json")
    assert submitted.exit_code == 0, submitted.output
    assert json.loads(submitted.output) == {"score": 6, "min": 1, "max": 6, "items": {
        "PYSLET_MRSP_IR_01": {"score": 6, "min": 1, "max": 6, "feedback": ["Correct"]}}}
    shown = run(store_url, "attempts", "show", "208", "kim@example.com", "--json")
    data = json.loads(shown.output)
    assert (data["score"], data["participant"], data["duration"]) == (6, {"email": "Kim@Example.com", "name": "Kim"}, "PT5M")

    george = tmp_path / "george.json"
    george.write_text(json.dumps(GEORGE))
    assert json.loads(run(store_url, "attempts", "submit", str(george), "--json").output)["score"] == 45
    report = run(store_url, "attempts", "show", "207", "georgew@sz.webex.com", "--report")
    assert report.exit_code == 0 and "<qti:score_value>45</qti:score_value>" in report.output
    text = run(store_url, "attempts", "show", "207", "georgew@sz.webex.com")
    assert "45 of 100" in text.output and "246: 0 of 20  [Incorrect]" in text.output


@pytest.mark.parametrize("content, message", [
    (b"<questestinterop><item", "not acceptable XML"),
    (b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><questestinterop>&a;</questestinterop>', "entity declarations"),
    (b"<questestinterop/>", "holds no items"),
    (b"<questestinterop><item ident='i'><resprocessing><outcomes><decvar/></outcomes><respcondition>"
     b"<conditionvar><other/></conditionvar><setvar action='Divide'>0</setvar></respcondition></resprocessing></item></questestinterop>", "by zero"),
])
def test_cli_import_errors_are_clean(store_url, store, tmp_path, content, message):
    assert run(store_url, "accounts", "add", "demo").exit_code == 0
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    result = run(store_url, "tests", "import", str(path))
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    with store.session() as s:
        assert s.query(store_tests.Test).count() == 0


@pytest.mark.parametrize("payload, message", [
    ("{", "not JSON"),
    ("[]", "JSON object"),
    ('{"test": "x", "participant": {"email": "a@b"}}', "positive integer"),
    ('{"test": 999, "participant": {"email": "a@b"}}', "no test with testID 999"),
    ('{"test": 207, "participant": {}}', '"participant" must be an object with an "email"'),
    ('{"test": 207, "participant": {"email": "a@b"}, "started": "yesterday"}', "not an ISO 8601 date"),
    ('{"test": 207, "participant": {"email": "a@b"}, "duration": "30 minutes"}', "not an ISO 8601 duration"),
    ('{"test": 207, "participant": {"email": "a@b"}, "responses": {"236": {"237": ["357", "362"]}}}', "takes one value"),
    ('{"test": 207, "participant": {"email": "a@b"}, "responses": {"999": {}}}', "does not hold"),
])
def test_cli_submit_errors_are_clean_and_store_nothing(store_url, store, tmp_path, payload, message):
    assert run(store_url, "demo", "load").exit_code == 0
    path = tmp_path / "a.json"
    path.write_text(payload)
    result = run(store_url, "attempts", "submit", str(path))
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    with store.session() as s:
        assert s.query(store_attempts.Attempt).count() == 2  # the demo's two attempts, nothing more
        assert store_attempts.find_person_by_email(s, 1, "a@b") is None


def test_cli_missing_file_and_unknown_attempt(store_url):
    assert run(store_url, "demo", "load").exit_code == 0
    missing = run(store_url, "tests", "import", "/nonexistent/test.xml")
    assert missing.exit_code == 1 and "No such file" in missing.output
    nobody = run(store_url, "attempts", "show", "207", "nobody@example.com")
    assert nobody.exit_code == 1 and "has no attempt" in nobody.output
    unknown = run(store_url, "attempts", "show", "4242", "georgew@sz.webex.com")
    assert unknown.exit_code == 1 and "no test with testID 4242" in unknown.output
    no_account = run(store_url, "tests", "list", "--account", "ghost")
    assert no_account.exit_code == 1 and "no account 'ghost'" in no_account.output
