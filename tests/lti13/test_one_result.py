"""One result, every protocol: a pylti1p3 score is what LIS readResult (zeep) and LTI 1.1
readResult (the `lti` package) read, and their replaceResult is what AGS /results shows."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
from lti import OutcomeRequest
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from adapters.store.ags import result_sourced_id
from gateway.demo.accounts import DEMO_ACCOUNT, LIS_CONSUMER_KEY
from tests.lis.conftest import POX_URL, demo_data, gateway_client, header, signed  # noqa: F401 (fixtures)
from tests.lti13.conftest import CLIENT_ID, register
from tests.lti13.test_pylti1p3 import ags_service


@pytest.fixture
def demo_tool(store, demo_data, tool_key):  # noqa: F811
    return register(store, DEMO_ACCOUNT, CLIENT_ID, tool_key)


@pytest.fixture
def outcome(signed, monkeypatch):  # noqa: F811
    """The `lti` package's OutcomeRequest; it posts with requests.post, routed to the in-process app."""
    import lti.outcome_request

    monkeypatch.setattr(lti.outcome_request.requests, "post", lambda url, **kw: requests.Session.post(signed, url, **kw))

    def make(sourced_id: str) -> OutcomeRequest:
        return OutcomeRequest({"consumer_key": LIS_CONSUMER_KEY, "consumer_secret": "secret",
                               "lis_outcome_service_url": POX_URL, "lis_result_sourcedid": sourced_id})

    return make


def lis_read(client, sourced_id: str) -> str | None:
    answer = client.service.readResult(sourcedId=sourced_id, _soapheaders=[header(client)])
    info = answer.header[next(iter(answer.header))].imsx_statusInfo
    assert info.imsx_codeMajor == "success", info
    return answer.body.resultRecord.result.resultScore.textString


def test_ags_and_legacy_protocols_share_one_result(http, demo_tool, gateway_client, outcome):  # noqa: F811
    ags = ags_service(http, demo_tool)
    item = ags.find_or_create_lineitem(LineItem().set_label("Essay").set_score_maximum(20).set_resource_id("essay").set_tag("essay"))
    grade = (
        Grade().set_score_given(15).set_score_maximum(20).set_user_id("student-7")
        .set_timestamp(datetime.now(timezone.utc).isoformat()).set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
    )
    ags.put_grade(grade, item)

    sourced_id = result_sourced_id(item.get_id().rsplit("/", 1)[1], "student-7")
    assert lis_read(gateway_client, sourced_id) == "15"  # LIS: the score as written (adapters/scores.py)
    read = outcome(sourced_id)
    read.post_read_result()
    assert read.outcome_response.is_success() and read.outcome_response.score == "0.75"

    replace = outcome(sourced_id)
    replace.post_replace_result(0.4)
    assert replace.outcome_response.is_success()
    results = ags.get_grades(item)
    assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in results] == [("student-7", 0.4, 1.0)]
    assert lis_read(gateway_client, sourced_id) == "0.4"
