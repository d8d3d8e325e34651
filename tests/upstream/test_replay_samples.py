"""CI replays all of samples/ against the in-process gateway (DESIGN.md purpose 2), through the
library and through `lms-gateway replay`; a deliberately altered answer fails with a readable diff."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from adapters.upstream import replay, samples
from gateway import xmlsafe
from gateway.cli import main
from gateway.demo.accounts import WEBEX as DEMO_WEBEX
from tests.conftest import BASE_URL
from tests.upstream.conftest import CALLER_SECRET, SAMPLES

ALL = samples.discover([SAMPLES])


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_every_sample_replays_cleanly(folder, http, demo_loaded):
    sample = samples.load(folder)
    # recorded WebEx passwords are REDACTED; a replay fills in the demo host's, as `replay --demo` does
    outcome = replay.replay(sample, http, BASE_URL, xmlsafe.parse, secret_for=lambda key: CALLER_SECRET,
                            fill={"password": DEMO_WEBEX["password"]})
    assert outcome.passed, "\n".join(map(str, outcome.differences)) or outcome.error


def run(store_url, *args):
    return CliRunner().invoke(main, ["--database-url", store_url, "replay", *args], catch_exceptions=False)


def test_cli_replays_the_whole_folder(store_url):
    result = run(store_url, "--demo", str(SAMPLES))
    assert result.exit_code == 0, result.output
    assert f"{len(ALL)}/{len(ALL)} samples replayed cleanly" in result.output


def test_an_altered_answer_is_a_readable_diff_and_a_failure(store_url, tmp_path):
    copy = tmp_path / "lis-readresult-49313814"
    shutil.copytree(SAMPLES / "lis-readresult-49313814", copy)
    response = copy / "response.xml"
    response.write_bytes(response.read_bytes().replace(b"<tns:textString>100<", b"<tns:textString>90<"))
    result = run(store_url, "--demo", str(copy))
    assert result.exit_code == 1
    assert ("/SOAP-ENV:Envelope/SOAP-ENV:Body/tns:readResultResponse/tns:resultRecord/tns:result/tns:resultScore/"
            "tns:textString: text expected '90', got '100'") in result.output
    assert "0/1 samples replayed cleanly" in result.output


def test_a_redacted_password_left_unfilled_is_refused_by_the_gateway(store_url):
    # without --demo nothing fills the REDACTED password; the demo data is loaded another way
    assert run(store_url, "--demo", str(SAMPLES / "webex-getimstestresult-207")).exit_code == 0
    result = run(store_url, str(SAMPLES / "webex-getimstestresult-unknown-test"))
    assert result.exit_code == 1 and "text expected 'Sorry, no record found', got 'Incorrect user or password'" in result.output
    result = run(store_url, "--webex-password", DEMO_WEBEX["password"], str(SAMPLES / "webex-getimstestresult-unknown-test"))
    assert result.exit_code == 0, result.output


def test_wrong_secret_is_a_mismatch_not_a_crash(store_url):
    result = run(store_url, "--demo", "--secret", "not-the-secret", str(SAMPLES / "lis-readresult-49313814"))
    assert result.exit_code == 1
    assert "status expected '200', got '500'" in result.output
