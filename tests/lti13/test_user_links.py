"""An LTI 1.3 user linked to its LTI 1.1 user_id (the lti1p1 claim's): pylti1p3's scores for the
LTI 1.3 userId land on the result legacy callers read under the LTI 1.1 user's person, and AGS
/results names that user by its LTI 1.3 userId."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from adapters.store.ags import result_sourced_id
from gateway.cli import main
from gateway.demo.accounts import DEMO_ACCOUNT
from tests.lis.conftest import demo_data, gateway_client, signed  # noqa: F401 (fixtures)
from tests.lti13.conftest import CLIENT_ID, register, token
from tests.lti13.test_one_result import lis_read, outcome  # noqa: F401 (fixture)
from tests.lti13.test_pylti1p3 import ags_service

U13 = "0ae836b9-7fc9-4060-006f-27b2066ac545"
U11 = "292832126"


def cli(store_url: str, *args: str):
    result = CliRunner().invoke(main, ["--database-url", store_url, *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def demo_tool(store, demo_data, tool_key):  # noqa: F811
    return register(store, DEMO_ACCOUNT, CLIENT_ID, tool_key)


def grade(user_id: str, given: float, maximum: float, at: datetime) -> Grade:
    return (Grade().set_score_given(given).set_score_maximum(maximum).set_user_id(user_id)
            .set_timestamp(at.isoformat()).set_activity_progress("Completed").set_grading_progress("FullyGraded"))


def new_item(ags, label: str = "Essay"):
    item = ags.find_or_create_lineitem(LineItem().set_label(label).set_score_maximum(20).set_resource_id(label).set_tag(label))
    return item, item.get_id().rsplit("/", 1)[1]


def test_a_score_for_the_lti13_user_lands_on_the_lti11_users_legacy_result(
        http, store_url, tmp_path, demo_tool, gateway_client, outcome):  # noqa: F811
    ags = ags_service(http, demo_tool)
    item, line_item = new_item(ags)
    # The legacy tool's result for the LTI 1.1 user on that line item, with a sourcedId of its own.
    rows = tmp_path / "legacy.json"
    rows.write_text(json.dumps([{"sourcedId": "legacy-77", "lineItemSourcedId": line_item, "personSourcedId": U11,
                                 "score": "3"}]))
    cli(store_url, "results", "import", str(rows), "--account", DEMO_ACCOUNT)
    cli(store_url, "lti13", "users", "link", "--account", DEMO_ACCOUNT, "--user-id", U13, "--lti11-user-id", U11)

    ags.put_grade(grade(U13, 15, 20, datetime.now(timezone.utc)), item)

    assert lis_read(gateway_client, "legacy-77") == "15"
    read = outcome("legacy-77")
    read.post_read_result()
    assert read.outcome_response.is_success() and read.outcome_response.score == "0.75"
    results = ags.get_grades(item)
    assert [(r["userId"], r["resultScore"]) for r in results] == [(U13, 15)]
    listed = json.loads(cli(store_url, "results", "list", "--account", DEMO_ACCOUNT, "--line-item", line_item, "--json").output)
    assert [(r["sourcedId"], r["personSourcedId"]) for r in listed] == [("legacy-77", U11)]


def test_a_first_score_creates_the_result_under_the_lti11_user_id(http, store_url, demo_tool, gateway_client, outcome):  # noqa: F811
    ags = ags_service(http, demo_tool)
    item, line_item = new_item(ags)
    cli(store_url, "lti13", "users", "link", "--account", DEMO_ACCOUNT, "--user-id", U13, "--lti11-user-id", U11)

    ags.put_grade(grade(U13, 12, 20, datetime.now(timezone.utc)), item)

    sourced_id = result_sourced_id(line_item, U11)  # the lis_result_sourcedid the LTI 1.1 tool holds
    assert lis_read(gateway_client, sourced_id) == "12"
    replace = outcome(sourced_id)
    replace.post_replace_result(0.5)
    assert replace.outcome_response.is_success()
    auth = {"Authorization": f"Bearer {token(http, demo_tool)}"}
    for user_id, expected in ((U13, [(U13, 0.5, 1.0)]), (U11, [])):
        filtered = http.get(item.get_id() + "/results", params={"user_id": user_id}, headers=auth)
        assert filtered.status_code == 200, filtered.text
        assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in filtered.json()] == expected


def test_links_are_one_to_one_and_unlinking_stops_the_mapping(http, store_url, demo_tool, gateway_client):  # noqa: F811
    ags = ags_service(http, demo_tool)
    item, line_item = new_item(ags)
    cli(store_url, "lti13", "users", "link", "--account", DEMO_ACCOUNT, "--user-id", U13, "--lti11-user-id", U11)
    taken = CliRunner().invoke(main, ["--database-url", store_url, "lti13", "users", "link", "--account", DEMO_ACCOUNT,
                                      "--user-id", "someone-else", "--lti11-user-id", U11])
    assert taken.exit_code == 1 and f"LTI 1.1 user '{U11}' is linked to user '{U13}'" in taken.output
    listed = json.loads(cli(store_url, "lti13", "users", "list", "--account", DEMO_ACCOUNT, "--json").output)
    assert listed == [{"userId": U13, "lti11UserId": U11}]

    cli(store_url, "lti13", "users", "unlink", "--account", DEMO_ACCOUNT, "--user-id", U13)
    again = CliRunner().invoke(main, ["--database-url", store_url, "lti13", "users", "unlink", "--account", DEMO_ACCOUNT,
                                      "--user-id", U13])
    assert again.exit_code == 1 and "has no link" in again.output
    ags.put_grade(grade(U13, 9, 20, datetime.now(timezone.utc) - timedelta(seconds=1)), item)
    assert lis_read(gateway_client, result_sourced_id(line_item, U13)) == "9"


def test_a_link_is_per_account(http, store, store_url, demo_tool, tool_key):
    other = register(store, "other-school", "tool-2", tool_key)
    cli(store_url, "lti13", "users", "link", "--account", DEMO_ACCOUNT, "--user-id", U13, "--lti11-user-id", U11)
    ags = ags_service(http, other)
    item, line_item = new_item(ags)
    ags.put_grade(grade(U13, 4, 20, datetime.now(timezone.utc)), item)
    assert [r["userId"] for r in ags.get_grades(item)] == [U13]
    lines = json.loads(cli(store_url, "lti13", "line-items", "--account", "other-school", "--context", "course-1",
                           "--json").output)
    assert lines[0]["results"][0]["sourcedId"] == result_sourced_id(line_item, U13)
