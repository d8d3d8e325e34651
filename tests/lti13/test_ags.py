"""AGS 2.0 endpoints: media types, scopes, isolation, validation, paging, 409 for stale scores."""
from __future__ import annotations

import pytest

from adapters.store import lti13 as store_lti13
from tests.lti13.conftest import new_key, register, token

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
RESULTS = "application/vnd.ims.lis.v2.resultcontainer+json"


@pytest.fixture
def auth(http, tool) -> dict:
    return {"Authorization": f"Bearer {token(http, tool)}"}


def create(http, tool, auth, context="course-1", **fields) -> dict:
    body = {"label": "Quiz", "scoreMaximum": 10, **fields}
    response = http.post(tool.lineitems_url(context), json=body, headers={**auth, "Content-Type": LINEITEM, "Accept": LINEITEM})
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == LINEITEM and response.headers["Location"] == response.json()["id"]
    return response.json()


def score(user="u1", given=7, maximum=10, timestamp="2026-11-30T10:00:00Z", **extra) -> dict:
    doc = {"userId": user, "scoreGiven": given, "scoreMaximum": maximum, "activityProgress": "Completed",
           "gradingProgress": "FullyGraded", "timestamp": timestamp, **extra}
    return {k: v for k, v in doc.items() if v is not None}


def post_score(http, item, auth, doc, content_type=SCORE):
    import json

    return http.post(item["id"] + "/scores", data=json.dumps(doc), headers={**auth, "Content-Type": content_type})


def error_of(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response.json()["error"]


def test_line_item_lifecycle(http, tool, auth):
    item = create(http, tool, auth, resourceId="r1", resourceLinkId="rl1", tag="t1",
                  startDateTime="2026-11-30T10:00:00Z", endDateTime="2026-12-01T10:00:00.5+01:00")
    got = http.get(item["id"], headers={**auth, "Accept": LINEITEM})
    assert got.status_code == 200 and got.json() == item
    assert item["endDateTime"] == "2026-12-01T09:00:00.500000Z"
    changed = http.put(item["id"], json={"label": "Quiz 2", "scoreMaximum": 20}, headers={**auth, "Content-Type": LINEITEM})
    assert changed.status_code == 200 and changed.json()["label"] == "Quiz 2" and "tag" not in changed.json()
    assert http.delete(item["id"], headers=auth).status_code == 204
    assert error_of(http.get(item["id"], headers=auth), 404) == "not_found"


def test_container_filters_and_paging(http, tool, auth):
    made = [create(http, tool, auth, label=f"Q{i}", tag="a" if i % 2 else "b", resourceLinkId=f"rl{i % 3}") for i in range(5)]
    listing = http.get(tool.lineitems_url(), headers={**auth, "Accept": CONTAINER})
    assert listing.headers["Content-Type"] == CONTAINER and [i["id"] for i in listing.json()] == [m["id"] for m in made]
    assert [i["label"] for i in http.get(tool.lineitems_url() + "?tag=a", headers=auth).json()] == ["Q1", "Q3"]
    assert [i["label"] for i in http.get(tool.lineitems_url() + "?resource_link_id=rl0", headers=auth).json()] == ["Q0", "Q3"]
    seen, url = [], tool.lineitems_url() + "?limit=2"
    while url:
        page = http.get(url, headers=auth)
        seen += [i["label"] for i in page.json()]
        url = page.links.get("next", {}).get("url")
    assert seen == ["Q0", "Q1", "Q2", "Q3", "Q4"]
    assert error_of(http.get(tool.lineitems_url() + "?limit=0", headers=auth), 400) == "invalid_request"


def test_accept_is_honoured(http, tool, auth):
    assert error_of(http.get(tool.lineitems_url(), headers={**auth, "Accept": "text/html"}), 406) == "not_acceptable"
    plain = http.get(tool.lineitems_url(), headers={**auth, "Accept": "application/json"})
    assert plain.status_code == 200 and plain.headers["Content-Type"] == "application/json"
    any_ = http.get(tool.lineitems_url(), headers={**auth, "Accept": "text/html, */*;q=0.1"})
    assert any_.headers["Content-Type"] == CONTAINER
    refused = http.get(tool.lineitems_url(), headers={**auth, "Accept": f"{CONTAINER};q=0"})
    assert refused.status_code == 406


def test_content_type_is_exact(http, tool, auth):
    wrong = http.post(tool.lineitems_url(), json={"label": "x", "scoreMaximum": 1}, headers={**auth, "Content-Type": "application/json"})
    assert error_of(wrong, 415) == "unsupported_media_type"
    item = create(http, tool, auth)
    assert error_of(post_score(http, item, auth, score(), content_type=LINEITEM), 415) == "unsupported_media_type"


@pytest.mark.parametrize(
    "body",
    [{"scoreMaximum": 10}, {"label": "", "scoreMaximum": 10}, {"label": "x"}, {"label": "x", "scoreMaximum": 0},
     {"label": "x", "scoreMaximum": "10"}, {"label": "x", "scoreMaximum": 1, "startDateTime": "yesterday"}],
)
def test_bad_line_items(http, tool, auth, body):
    response = http.post(tool.lineitems_url(), json=body, headers={**auth, "Content-Type": LINEITEM})
    assert error_of(response, 400) == "invalid_request"


def test_bad_json(http, tool, auth):
    response = http.post(tool.lineitems_url(), data=b"{nope", headers={**auth, "Content-Type": LINEITEM})
    assert error_of(response, 400) == "invalid_request"


@pytest.mark.parametrize(
    "doc, word",
    [
        (score(timestamp=None), "timestamp"),
        (score(timestamp="2026-11-30 10:00:00"), "RFC 3339"),
        (score(timestamp="2026-11-30T10:00:00"), "RFC 3339"),
        (score(maximum=None), "scoreMaximum"),
        (score(maximum=0), "scoreMaximum"),
        (score(given=-1), "scoreGiven"),
        (score(user=None), "userId"),
        (score(activityProgress="Done"), "activityProgress"),
        (score(gradingProgress=None), "gradingProgress"),
    ],
)
def test_bad_scores(http, tool, auth, doc, word):
    item = create(http, tool, auth)
    response = post_score(http, item, auth, doc)
    assert error_of(response, 400) == "invalid_request" and word in response.json()["error_description"]


def test_scores_and_results(http, tool, auth):
    item = create(http, tool, auth)
    assert post_score(http, item, auth, score("u1", 7, timestamp="2026-11-30T10:00:00Z", comment="good")).status_code == 204
    assert post_score(http, item, auth, score("u2", 30, 40, timestamp="2026-11-30T10:00:00Z")).status_code == 204
    results = http.get(item["id"] + "/results", headers={**auth, "Accept": RESULTS})
    assert results.headers["Content-Type"] == RESULTS
    by_user = {r["userId"]: r for r in results.json()}
    assert by_user["u1"] == {"id": item["id"] + "/results?user_id=u1", "scoreOf": item["id"], "userId": "u1",
                             "resultScore": 7.0, "resultMaximum": 10.0, "comment": "good"}
    assert (by_user["u2"]["resultScore"], by_user["u2"]["resultMaximum"]) == (30.0, 40.0)
    one = http.get(item["id"] + "/results?user_id=u2", headers=auth).json()
    assert [r["userId"] for r in one] == ["u2"]
    page = http.get(item["id"] + "/results?limit=1", headers=auth)
    assert len(page.json()) == 1 and "next" in page.links


def test_an_older_score_is_refused_with_409(http, tool, auth):
    item = create(http, tool, auth)
    assert post_score(http, item, auth, score(given=5, timestamp="2026-11-30T10:00:00Z")).status_code == 204
    assert error_of(post_score(http, item, auth, score(given=9, timestamp="2026-11-30T09:59:59Z")), 409) == "conflict"
    assert post_score(http, item, auth, score(given=6, timestamp="2026-11-30T10:00:01+00:00")).status_code == 204
    assert http.get(item["id"] + "/results", headers=auth).json()[0]["resultScore"] == 6.0


def test_a_score_without_score_given_clears_the_score(http, tool, auth):
    item = create(http, tool, auth)
    post_score(http, item, auth, score(timestamp="2026-11-30T10:00:00Z"))
    cleared = score(given=None, maximum=None, timestamp="2026-11-30T11:00:00Z", activityProgress="Initialized",
                    gradingProgress="NotReady")
    assert post_score(http, item, auth, cleared).status_code == 204
    assert "resultScore" not in http.get(item["id"] + "/results", headers=auth).json()[0]


def test_no_token_is_401_with_www_authenticate(http, tool):
    response = http.get(tool.lineitems_url())
    assert error_of(response, 401) == "invalid_token" and response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert error_of(http.get(tool.lineitems_url(), headers={"Authorization": "Bearer junk"}), 401) == "invalid_token"


def test_missing_scope_is_403(http, tool):
    readonly = {"Authorization": f"Bearer {token(http, tool, scope=store_lti13.SCOPE_LINEITEM_READONLY)}"}
    assert http.get(tool.lineitems_url(), headers=readonly).status_code == 200
    response = http.post(tool.lineitems_url(), json={"label": "x", "scoreMaximum": 1}, headers={**readonly, "Content-Type": LINEITEM})
    assert error_of(response, 403) == "insufficient_scope"


def test_score_scope_cannot_read_results(http, tool, auth):
    item = create(http, tool, auth)
    score_only = {"Authorization": f"Bearer {token(http, tool, scope=store_lti13.SCOPE_SCORE)}"}
    assert post_score(http, item, score_only, score()).status_code == 204
    assert error_of(http.get(item["id"] + "/results", headers=score_only), 403) == "insufficient_scope"


def test_a_token_of_another_account(http, store, tool, auth):
    item = create(http, tool, auth)
    other = register(store, "other", "tool-other", new_key())
    foreign = {"Authorization": f"Bearer {token(http, other)}"}
    assert http.get(other.lineitems_url(), headers=foreign).status_code == 200
    response = http.get(item["id"], headers=foreign)
    assert error_of(response, 401) == "invalid_token"
    assert error_of(post_score(http, item, foreign, score()), 401) == "invalid_token"


def test_a_score_for_a_line_item_of_another_context(http, tool, auth):
    item = create(http, tool, auth, context="course-1")
    elsewhere = item["id"].replace("/contexts/course-1/", "/contexts/course-2/")
    response = http.post(elsewhere + "/scores", json=score(), headers={**auth, "Content-Type": SCORE})
    assert error_of(response, 404) == "not_found"
    assert http.get(tool.lineitems_url("course-2"), headers=auth).json() == []


def test_unknown_account_and_paths(http, tool, auth):
    assert error_of(http.get("http://gateway.test/lti13/nobody/jwks"), 404) == "not_found"
    assert error_of(http.get(tool.issuer + "/contexts/c/elsewhere", headers=auth), 404) == "not_found"
    assert error_of(http.get(tool.issuer + "/token"), 405) == "invalid_request"
    assert error_of(http.patch(tool.lineitems_url(), headers=auth), 405) == "invalid_request"


def test_a_lis_result_holding_the_pairs_sourced_id_is_left_alone(http, store, tool, auth):
    from adapters.store import accounts, results
    from adapters.store.ags import result_sourced_id

    item = create(http, tool, auth)
    taken = result_sourced_id(item["id"].rsplit("/", 1)[1], "u1")
    with store.session() as session:
        account_id = accounts.get_or_create_account(session, tool.account).id
        results.create_result(session, account_id, results.ResultData(taken, line_item_sourced_id="other", person_sourced_id="p",
                                                                      score_text="42"))
    assert post_score(http, item, auth, score("u1", 5)).status_code == 204
    with store.session() as session:
        assert results.find_result(session, account_id, taken).score_text == "42"
        ids = results.result_ids_for_person(session, account_id, "u1")
    assert len(ids) == 1 and ids[0].startswith(taken + ":")
    assert http.get(item["id"] + "/results", headers=auth).json()[0]["resultScore"] == 5.0


def test_first_scores_arriving_together_make_one_result(store, tool):
    """Two first scores for a known user: B reads "no result" before A commits the one it
    inserted, then B's insert of the same sourcedId waits for A. B must update A's row, not add
    a second result for the pair."""
    import threading
    from datetime import datetime, timezone

    from adapters.store import accounts, ags, results

    with store.session() as s:
        account_id = accounts.get_or_create_account(s, tool.account).id
        item_id = ags.create_line_item(s, account_id, "course-1", ags.LineItemFields("Quiz", 10)).sourced_id
        results.person(s, account_id, "racer")

    def scored(given: float, second: int) -> ags.Score:
        return ags.Score("racer", datetime(2026, 11, 30, 10, 0, second, tzinfo=timezone.utc), "Completed", "FullyGraded",
                         given, 10)

    outcome = {}

    def second_writer():
        with store.session() as s:
            item = ags.find_line_item(s, account_id, "course-1", item_id, lock="share")
            outcome["b"] = ags.post_score(s, item, scored(9, 2))

    with store.session() as s:
        item = ags.find_line_item(s, account_id, "course-1", item_id, lock="share")
        assert ags.post_score(s, item, scored(4, 1))
        b = threading.Thread(target=second_writer)
        b.start()
        b.join(1.0)  # B is now waiting for A's uncommitted row
    b.join(30)
    assert outcome == {"b": True}
    with store.session() as s:
        ids = results.result_ids_for_person(s, account_id, "racer")
        assert len(ids) == 1
        assert results.find_result(s, account_id, ids[0]).score_text == "9"
