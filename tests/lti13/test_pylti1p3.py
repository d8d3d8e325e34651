"""pylti1p3, the tool-side LTI 1.3 library, unmodified against the gateway's AGS platform."""
from __future__ import annotations

from datetime import datetime, timezone

from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from adapters.store import lti13 as store_lti13
from tests.lti13.conftest import CONTEXT


def ags_service(http, tool) -> AssignmentsGradesService:
    registration = (
        Registration()
        .set_issuer(tool.issuer)
        .set_client_id(tool.client_id)
        .set_auth_token_url(tool.token_url)
        .set_tool_private_key(tool.key.as_pem(private=True).decode())
        .set_tool_public_key(tool.key.as_pem(private=False).decode())
    )
    connector = ServiceConnector(registration, requests_session=http)
    return AssignmentsGradesService(connector, {"scope": list(store_lti13.AGS_SCOPES), "lineitems": tool.lineitems_url()})


def now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def test_pylti1p3_creates_a_line_item_posts_scores_and_reads_results(http, tool):
    ags = ags_service(http, tool)
    item = ags.find_or_create_lineitem(
        LineItem().set_label("Quiz 1").set_score_maximum(10).set_resource_id("quiz-1").set_tag("grade")
    )
    assert item.get_id().startswith(tool.lineitems_url())
    assert ags.find_lineitem_by_resource_id("quiz-1").get_id() == item.get_id()

    for user, given in (("u1", 7), ("u2", 10)):
        grade = (
            Grade().set_score_given(given).set_score_maximum(10).set_timestamp(now())
            .set_activity_progress("Completed").set_grading_progress("FullyGraded").set_user_id(user)
        )
        ags.put_grade(grade, item)

    results = {r["userId"]: r for r in ags.get_grades(item)}
    assert results["u1"]["resultScore"] == 7 and results["u1"]["resultMaximum"] == 10
    assert results["u2"]["resultScore"] == 10
    assert results["u1"]["scoreOf"] == item.get_id()
    assert {li["id"] for li in ags.get_lineitems()} == {item.get_id()}
    assert CONTEXT in item.get_id()
