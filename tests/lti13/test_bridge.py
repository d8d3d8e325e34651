"""The bridge: a legacy tool's LTI 1.1 POX (the `lti` package) and LIS SOAP (zeep, reference WSDL)
carried to a second gateway process acting as the upstream AGS platform (a real one, not mocked)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests
from lti import OutcomeRequest
from wsgiadapter import WSGIAdapter

from adapters.store import Store
from adapters.store import accounts as store_accounts
from adapters.store import ags as store_ags
from adapters.store import bridge as store_bridge
from adapters.store import lti13 as store_lti13
from adapters.store import results as store_results
from gateway.lti13.bridge_app import create_bridge_app
from tests.conftest import BASE_URL
from tests.lis.conftest import POX_URL, REFERENCE_WSDL, SignPosts, _zeep, header, reference_service
from tests.servers import running_gateway

pytestmark = pytest.mark.slow

KEY, SECRET = "legacy-key", "legacy-secret"
UPSTREAM_ACCOUNT, BRIDGE_CLIENT = "lms", "gateway-bridge"


@pytest.fixture(scope="module")
def upstream(sqlite_template, tmp_path_factory):
    """A second gateway process: the upstream LMS's AGS platform, on its own store."""
    path = tmp_path_factory.mktemp("upstream") / "upstream.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    with running_gateway(url, "--workers", "1") as (base, _proc):
        store = Store(url)
        yield base, store
        store.dispose()


@pytest.fixture
def bridged(store, settings, upstream, tmp_path):
    """The bridge (in process, on the test's store) linked to a fresh line item upstream."""
    base, up_store = upstream
    with store.session() as session:
        account = store_accounts.get_or_create_account(session, "legacy")
        store_accounts.set_consumer(session, account, KEY, SECRET)
        store_lti13.signing_key(session, account.id)
        gateway_jwks = store_lti13.public_keys(session, account.id)
    with up_store.session() as session:
        up_account = store_accounts.get_or_create_account(session, UPSTREAM_ACCOUNT)
        store_lti13.register_tool(session, up_account.id, BRIDGE_CLIENT, deployment_ids=["d1"], jwks=gateway_jwks)
        item = store_ags.create_line_item(session, up_account.id, "course-9", store_ags.LineItemFields("Essay", 10))
        item_id, up_account_id = item.sourced_id, up_account.id
    line_item_url = f"{base}/lti13/{UPSTREAM_ACCOUNT}/contexts/course-9/lineitems/{item_id}"
    with store.session() as session:
        account_id = store_accounts.get_or_create_account(session, "legacy").id
        store_bridge.set_upstream(session, account_id, store_bridge.Upstream("lms", f"{base}/lti13/{UPSTREAM_ACCOUNT}/token", BRIDGE_CLIENT))
        for sourced_id, user in (("res-1", "student-1"), ("res-2", "student-2")):
            store_bridge.set_link(session, account_id, sourced_id, "lms", line_item_url, user)
    record = tmp_path / "recorded"
    app = create_bridge_app(settings, store, timeout=10, record_dir=record)
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(app))
    session.auth = SignPosts(KEY, SECRET, force_include_body=True)

    def upstream_score(user: str) -> str | None:
        with up_store.session() as s:
            found = store_results.find_result(s, up_account_id, store_ags.result_sourced_id(item_id, user))
            return found.score_text if found else None

    return session, upstream_score, record


@pytest.fixture
def outcome(bridged, monkeypatch):
    import lti.outcome_request

    session = bridged[0]
    monkeypatch.setattr(lti.outcome_request.requests, "post", lambda url, **kw: requests.Session.post(session, url, **kw))

    def post(sourced_id: str, operation: str, *args, secret: str = SECRET) -> OutcomeRequest:
        request = OutcomeRequest({"consumer_key": KEY, "consumer_secret": secret, "lis_outcome_service_url": POX_URL,
                                  "lis_result_sourcedid": sourced_id})
        getattr(request, f"post_{operation}")(*args)
        return request

    return post


def test_a_pox_replace_result_lands_upstream_and_reads_back(bridged, outcome):
    _, upstream_score, record = bridged
    assert outcome("res-1", "replace_result", 0.8).outcome_response.is_success()
    assert upstream_score("student-1") == "0.8"
    read = outcome("res-1", "read_result")
    assert read.outcome_response.is_success() and read.outcome_response.score == "0.8"
    assert outcome("res-1", "replace_result", 0.85).outcome_response.is_success()
    assert upstream_score("student-1") == "0.85"

    assert outcome("res-1", "delete_result").outcome_response.is_success()
    assert upstream_score("student-1") is None
    assert outcome("res-1", "read_result").outcome_response.score in (None, "")

    samples = sorted(p for p in record.iterdir())
    metas = [json.loads((p / "meta.json").read_text()) for p in samples]
    ags = [m for m in metas if m["protocol"] == "lti13-ags"]
    assert [m["operation"] for m in ags].count("token") == 1, "the access token is reused"
    assert {m["operation"] for m in metas if m["protocol"] == "lti-pox"} == {"replaceResult", "readResult", "deleteResult"}
    token_sample = next(p for p, m in zip(samples, metas) if m["operation"] == "token")
    assert "client_assertion=REDACTED" in (token_sample / "request.xml").read_text()
    assert json.loads((token_sample / "response.xml").read_text())["access_token"] == "REDACTED"
    every_byte = b"".join(f.read_bytes() for p in samples for f in p.iterdir())
    assert b"Bearer ey" not in every_byte and b"oauth_signature=\"" not in every_byte


def test_pox_refusals_stay_local(bridged, outcome):
    unknown = outcome("res-404", "read_result").outcome_response
    assert unknown.is_failure() and unknown.code_major == "failure"
    bad = outcome("res-2", "replace_result", 1.5)
    assert bad.outcome_response.is_failure()
    assert bridged[1]("student-2") is None


def test_lis_soap_is_carried_too(bridged):
    session = bridged[0]
    client = _zeep(str(REFERENCE_WSDL), session)
    service = reference_service(client)

    def status(answer):
        info = answer.header[next(iter(answer.header))].imsx_statusInfo
        minor = info.imsx_codeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue if info.imsx_codeMinor else None
        return info.imsx_codeMajor, minor

    record = {"sourcedGUID": {"sourcedId": "res-2"},
              "result": {"lineItemSourcedId": "ignored", "resultScore": {"language": "en", "textString": "0.25"}}}
    answer = service.replaceResult(sourcedId="res-2", resultRecord=record, _soapheaders=[header(client)])
    assert status(answer) == ("success", "fullsuccess")
    assert bridged[1]("student-2") == "0.25"
    answer = service.readResult(sourcedId="res-2", _soapheaders=[header(client)])
    assert status(answer) == ("success", "fullsuccess")
    assert answer.body.resultRecord.result.resultScore.textString == "0.25"
    assert answer.body.resultRecord.result.personSourcedId == "student-2"
    many = service.readResults(sourcedIdSet={"sourcedId": ["res-2", "res-1", "nope"]}, _soapheaders=[header(client)])
    assert status(many) == ("success", "partialdatastorage")
    assert [r.sourcedGUID.sourcedId for r in many.body.resultRecordSet.resultRecord] == ["res-2", "res-1"]
    on_lis_scale = {"sourcedGUID": {"sourcedId": "res-2"},
                    "result": {"lineItemSourcedId": "ignored", "resultScore": {"language": "en", "textString": "85"}}}
    assert status(service.replaceResult(sourcedId="res-2", resultRecord=on_lis_scale, _soapheaders=[header(client)]))[0] == "success"
    assert bridged[1]("student-2") == "85"  # 85 of 100 upstream
    answer = service.readResult(sourcedId="res-2", _soapheaders=[header(client)])
    assert answer.body.resultRecord.result.resultScore.textString == "85"
    bad = {"sourcedGUID": {"sourcedId": "res-2"}, "result": {"lineItemSourcedId": "ignored", "resultScore": {"language": "en", "textString": "Pass"}}}
    assert status(service.replaceResult(sourcedId="res-2", resultRecord=bad, _soapheaders=[header(client)])) == ("failure", "invaliddata")
    assert status(service.readResult(sourcedId="nope", _soapheaders=[header(client)])) == ("failure", "unknownobject")


def test_a_wrong_oauth_secret_is_refused_before_anything_goes_upstream(bridged, outcome):
    refused = outcome("res-1", "replace_result", 0.5, secret="wrong-secret")
    assert refused.outcome_response.is_failure() and refused.outcome_response.code_major == "failure"
    assert bridged[1]("student-1") is None
    assert not list(Path(bridged[2]).glob("*lti13-ags*"))


def test_the_bridge_command_serves_the_legacy_paths_and_the_jwks(store, store_url):
    import sys

    from bench import harness

    with store.session() as session:
        account = store_accounts.get_or_create_account(session, "legacy")
        store_accounts.set_consumer(session, account, KEY, SECRET)
        kid = store_lti13.signing_key(session, account.id).kid
    port = harness.free_port()
    cmd = [sys.executable, "-m", "gateway", "bridge", "--port", str(port), "--workers", "1"]
    with harness.started(cmd, port, {"LMS_GATEWAY_DATABASE_URL": store_url}) as (base, _proc):
        assert [k["kid"] for k in requests.get(f"{base}/lti13/legacy/jwks", timeout=10).json()["keys"]] == [kid]
        request = OutcomeRequest({"consumer_key": KEY, "consumer_secret": SECRET, "lis_result_sourcedid": "unlinked",
                                  "lis_outcome_service_url": f"{base}/lti/outcomes"})
        request.post_read_result()
        assert request.outcome_response.is_failure() and "not a known result" in str(request.outcome_response.description)
