"""A user's mistake on the command line ends in one clear error line and an exit status, never a
traceback; where the next step is obvious, the message says it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from gateway.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
VENDOR = "https://vendor.test"
LIS = ["call", "lis", "readResult", "1", "--key", "k", "--secret", "s"]


def files(tmp: Path) -> None:
    (tmp / "bad.json").write_text("{bad")
    (tmp / "latin1.csv").write_bytes("sourcedId,lineItemSourcedId,label\nA,L,caf\xe9\n".encode("latin-1"))
    (tmp / "noheader.csv").write_text("a,b\n1,2\n")
    (tmp / "x.xml").write_text("<x/>")
    (tmp / "results.json").write_text('[{"sourcedId": "A", "lineItemSourcedId": "L"}]')
    (tmp / "rows.json").write_text('[{"lineItemSourcedId": "L"}, {"sourcedId": "B"}]')
    (tmp / "attempt.json").write_text('{"test": 1, "participant": {"email": "a@b"}, "responses": {}}')


#: (id, arguments ({tmp} is a scratch folder), exit status, what the one error line says)
MISTAKES = [
    ("lis-wrong-path", LIS + ["--upstream", f"{VENDOR}/nope"], 1,
     f"Error: readResult: {VENDOR}/nope answered HTTP 404 (text/plain), not a SOAP message: is it the LIS endpoint"),
    ("lis-html-answer", LIS + ["--upstream", f"{VENDOR}/html"], 1,
     f"Error: readResult: {VENDOR}/html answered HTTP 200 (text/html), not a SOAP message"),
    ("lis-wsdl-not-xml", LIS + ["--upstream", f"{VENDOR}/nope", "--wsdl", "{tmp}/bad.json"], 1,
     "Error: {tmp}/bad.json is not a usable WSDL: not an XML document"),
    ("lis-no-scheme", LIS + ["--upstream", "127.0.0.1:8080/api/soap/1p0/lis-result"], 2,
     "is not an http:// or https:// URL (did you mean http://127.0.0.1:8080/api/soap/1p0/lis-result?)"),
    ("replay-no-scheme", ["replay", str(SAMPLES), "--target", "127.0.0.1:8080"], 2,
     "Error: Invalid value for '--target': '127.0.0.1:8080' is not an http:// or https:// URL (did you mean http://127.0.0.1:8080?)"),
    ("webex-no-scheme", ["call", "webex", "GetIMStestResult", "--upstream", "vendor.test"], 2, "did you mean http://vendor.test?"),
    ("sync-no-scheme", ["sync", "lis", "--upstream", "vendor", "--line-item", "1", "--key", "k", "--secret", "s"], 2,
     "'vendor' is not an http:// or https:// URL"),
    ("proxy-no-scheme", ["proxy", "--upstream", "vendor.test:443"], 2, "did you mean http://vendor.test:443?"),
    ("sign-no-scheme", ["sign", "{tmp}/x.xml", "--key", "k", "--secret", "s", "--url", "gateway/lis"], 2,
     "'gateway/lis' is not an http:// or https:// URL"),
    ("timeout-zero", ["call", "webex", "X", "--upstream", VENDOR, "--timeout", "0"], 2, "0.0 is not in the range x>0"),
    ("webex-field-name", ["call", "webex", "X", "--upstream", VENDOR, "--field", "<x>=1"], 2,
     "--field takes NAME=VALUE with NAME an XML element name, not '<x>=1'"),
    ("port-out-of-range", ["serve", "--port", "65536"], 2, "65536 is not in the range 1<=x<=65535"),
    ("results-missing-file", ["results", "import", "{tmp}/none.csv", "--account", "a"], 2, "File '{tmp}/none.csv' does not exist"),
    ("results-bad-json", ["results", "import", "{tmp}/bad.json", "--account", "a"], 1, "Error: {tmp}/bad.json: not valid JSON"),
    ("results-not-utf8", ["results", "import", "{tmp}/latin1.csv", "--account", "a"], 1,
     "Error: {tmp}/latin1.csv: not UTF-8 text (byte 41): save the CSV as UTF-8"),
    ("results-no-header", ["results", "import", "{tmp}/noheader.csv", "--account", "a"], 1,
     "Error: {tmp}/noheader.csv: the CSV header has no sourcedId or lineItemSourcedId column (it has: a, b)"),
    ("results-unknown-account", ["results", "import", "{tmp}/results.json", "--account", "nobody"], 1,
     "Error: no account 'nobody' (create it with `lms-gateway accounts add nobody`)"),
    ("results-unknown-key", ["results", "import", "{tmp}/results.json", "--consumer-key", "k"], 1,
     "Error: no account has consumer key 'k' (see `lms-gateway accounts list`)"),
    ("results-bad-rows", ["results", "import", "{tmp}/rows.json", "--account", "a"], 1,
     "Error: {tmp}/rows.json, entry 2: lineItemSourcedId is required; 2 bad row(s), nothing was imported"),
    ("tests-missing-file", ["tests", "import", "{tmp}/none.xml"], 1, "Error: {tmp}/none.xml: No such file or directory"),
    ("tests-not-qti", ["tests", "import", "{tmp}/x.xml", "--account", "a"], 1,
     "Error: {tmp}/x.xml: the root element is <x>, expected <questestinterop>"),
    ("tests-unknown-account", ["tests", "list", "--account", "nobody"], 1,
     "Error: no account 'nobody' (create it with `lms-gateway accounts add nobody`)"),
    ("attempts-bad-json", ["attempts", "submit", "{tmp}/bad.json"], 1, "Error: {tmp}/bad.json: not JSON"),
    ("attempts-unknown-account", ["attempts", "submit", "{tmp}/attempt.json", "--account", "nobody"], 1,
     "Error: no account 'nobody' (create it with `lms-gateway accounts add nobody`)"),
    ("attempts-list-unknown-account", ["attempts", "list", "--account", "nobody"], 1, "Error: no account 'nobody'"),
    ("results-list-unknown-account", ["results", "list", "--account", "nobody"], 1, "Error: no account 'nobody'"),
    ("sync-unknown-account", ["sync", "lis", "--upstream", VENDOR, "--line-item", "1", "--key", "k", "--secret", "s",
                              "--account", "nobody"], 1, "Error: no account 'nobody'"),
    ("sync-unknown-key", ["sync", "lis", "--upstream", VENDOR, "--line-item", "1", "--key", "k", "--secret", "s"], 2,
     "no account has consumer key 'k' here: name one with --account"),
    ("its-unknown-credential", ["itslearning", "import", "{tmp}/x.xml", "--course", "1", "--user", "2", "--username", "u"], 1,
     "Error: no itslearning credential 'u'"),
    ("its-courses-unknown-account", ["itslearning", "courses", "list", "--account", "nobody"], 1, "Error: no account 'nobody'"),
    ("accounts-empty-name", ["accounts", "add", " "], 2, "Error: an account needs a name"),
    ("accounts-remove-unknown", ["accounts", "remove", "nobody", "--yes"], 1, "Error: no account 'nobody'"),
    ("accounts-half-credential", ["accounts", "add", "a", "--webex-id", "h"], 2, "--webex-id/--webex-password go together"),
    ("db-folder-missing", ["--database-url", "sqlite:///{tmp}/no/such/dir/s.db", "db", "upgrade"], 2,
     "Error: --database-url='sqlite:///{tmp}/no/such/dir/s.db': the store does not answer (unable to open database file)"),
    ("test-id-beyond-64-bits", ["attempts", "show", "99999999999999999999", "a@b"], 2,
     "99999999999999999999 is not in the range 1<=x<=9223372036854775807"),
    ("test-id-import-beyond-64-bits", ["tests", "import", "{tmp}/x.xml", "--test-id", str(2**63)], 2,
     "is not in the range 1<=x<=9223372036854775807"),
    ("course-id-beyond-32-bits", ["itslearning", "courses", "add", "X", "--account", "a", "--id", str(2**31)], 2,
     "2147483648 is not in the range 1<=x<=2147483647"),
    ("replay-not-a-sample", ["replay", "{tmp}/x.xml"], 1, "Error: {tmp}/x.xml: not a sample folder nor a folder of samples"),
    ("replay-demo-with-target", ["replay", str(SAMPLES), "--demo", "--target", "http://127.0.0.1:1"], 2,
     "--demo loads the configured store; a --target gateway has its own"),
]


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("POST", f"{VENDOR}/nope", body="No endpoint", status=404, content_type="text/plain")
        mock.add("POST", f"{VENDOR}/html", body="<html><body>Welcome</body></html>", content_type="text/html")
        yield mock


@pytest.mark.parametrize(("args", "status", "says"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_mistake_is_one_line_without_traceback(tmp_path, vendor, args, status, says):
    files(tmp_path)
    env = {k: None for k in os.environ if k.startswith("LMS_GATEWAY_")}
    env["LMS_GATEWAY_DATABASE_URL"] = f"sqlite:///{tmp_path}/store.db"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert CliRunner().invoke(main, ["accounts", "add", "a"], env=env).exit_code == 0
    result = CliRunner().invoke(main, args, env=env)
    assert isinstance(result.exception, SystemExit), result.exception  # not an uncaught exception
    assert "Traceback" not in result.output
    assert result.exit_code == status, result.output
    assert says.replace("{tmp}", str(tmp_path)) in result.output.splitlines()[-1], result.output


def test_replay_on_a_store_without_accounts_suggests_demo(tmp_path):
    result = CliRunner().invoke(main, ["--database-url", f"sqlite:///{tmp_path}/s.db", "replay", str(SAMPLES)])
    assert result.exit_code == 1
    assert (f"Hint: the store at sqlite:///{tmp_path}/s.db has no accounts: samples recorded against the demo data "
            "replay with --demo") in result.output


def test_replay_of_a_redacted_password_names_webex_password(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    assert CliRunner().invoke(main, ["--database-url", url, "demo", "load"]).exit_code == 0
    sample = SAMPLES / "webex-getimstestresult-unknown-test"
    assert b"REDACTED" in (sample / "request.xml").read_bytes()
    result = CliRunner().invoke(main, ["--database-url", url, "replay", str(sample)])
    assert result.exit_code == 1
    assert ("Hint: the recorded <password> was redacted in webex-getimstestresult-unknown-test: give the real one "
            "with --webex-password") in result.output
    assert "has no accounts" not in result.output
    given = CliRunner().invoke(main, ["--database-url", url, "replay", str(sample), "--webex-password", "hostpassword"])
    assert given.exit_code == 0, given.output
