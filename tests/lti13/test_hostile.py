"""Hostile input on the LTI 1.3 endpoints: any body, header or path is an OAuth 2.0 / JSON error
(or a success), never a 500 or a traceback."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lti13.conftest import token

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=12,
)
SCORE_KEYS = ["userId", "scoreGiven", "scoreMaximum", "activityProgress", "gradingProgress", "timestamp", "comment"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def sane(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/json"
        assert set(response.json()) == {"error", "error_description"}
    assert b"Traceback" not in response.content


@pytest.fixture
def item(http, tool):
    auth = {"Authorization": f"Bearer {token(http, tool)}"}
    created = http.post(tool.lineitems_url(), json={"label": "Fuzz", "scoreMaximum": 10},
                        headers={**auth, "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"})
    return created.json()["id"], auth


@FUZZ
@given(doc=st.dictionaries(st.sampled_from(SCORE_KEYS), JSON_VALUES, max_size=7) | JSON_VALUES)
def test_any_score_document(http, item, doc):
    url, auth = item
    try:
        body = json.dumps(doc).encode()
    except ValueError:
        return
    sane(http.post(url + "/scores", data=body, headers={**auth, "Content-Type": "application/vnd.ims.lis.v1.score+json"}))


@FUZZ
@given(body=st.binary(max_size=300))
def test_any_bytes_as_a_line_item(http, item, body):
    url, auth = item
    sane(http.put(url, data=body, headers={**auth, "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}))


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["grant_type", "client_assertion_type", "client_assertion", "scope", "x"]),
                            st.text(max_size=60), max_size=5),
       assertion=st.sampled_from(["", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", "e30.e30.e30", "...."]))
def test_any_token_request(http, tool, form, assertion):
    form = {**form, "client_assertion": form.get("client_assertion", assertion)}
    sane(http.post(tool.token_url, data=form))


@FUZZ
@given(segment=st.text(max_size=30), query=st.text(max_size=40), header=st.text(max_size=60))
def test_any_path_query_and_authorization(http, tool, segment, query, header):
    from urllib.parse import quote

    url = f"{tool.lineitems_url()}/{quote(segment, safe='')}/results?{quote(query, safe='=&')}"
    try:
        response = http.get(url, headers={"Authorization": header.encode("latin-1", "ignore").decode("latin-1")})
    except ValueError:  # requests refuses some header values itself
        return
    sane(response)


@pytest.mark.parametrize("field", ["scoreGiven", "scoreMaximum"])
def test_an_integer_too_large_for_a_float_is_a_400(http, item, field):
    url, auth = item
    doc = {"userId": "u", "scoreGiven": 1, "scoreMaximum": 10, "activityProgress": "Completed",
           "gradingProgress": "FullyGraded", "timestamp": "2026-11-30T10:00:00Z"}
    body = json.dumps(doc).replace(f'"{field}": {doc[field]}', f'"{field}": 1{"0" * 400}').encode()
    response = http.post(url + "/scores", data=body, headers={**auth, "Content-Type": "application/vnd.ims.lis.v1.score+json"})
    assert response.status_code == 400 and field in response.json()["error_description"]
    sane(response)


def test_the_longest_user_id_gets_a_result(http, item, store):
    url, auth = item
    user = "u" * 255  # as long as a LIS person's sourcedId may be
    doc = {"userId": user, "scoreGiven": 1, "scoreMaximum": 10, "activityProgress": "Completed",
           "gradingProgress": "FullyGraded", "timestamp": "2026-11-30T10:00:00Z"}
    response = http.post(url + "/scores", json=doc, headers={**auth, "Content-Type": "application/vnd.ims.lis.v1.score+json"})
    assert response.status_code == 204, response.text
    [result] = http.get(url + "/results", headers=auth).json()
    assert result["userId"] == user and result["resultScore"] == 1.0
    too_long = http.post(url + "/scores", json={**doc, "userId": user + "u"},
                         headers={**auth, "Content-Type": "application/vnd.ims.lis.v1.score+json"})
    assert too_long.status_code == 400 and "userId" in too_long.json()["error_description"]


def test_a_context_id_longer_than_the_store_keeps_is_a_400(http, tool):
    auth = {"Authorization": f"Bearer {token(http, tool)}"}
    response = http.post(tool.lineitems_url("c" * 256), json={"label": "x", "scoreMaximum": 1},
                         headers={**auth, "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"})
    assert response.status_code == 400 and "context id" in response.json()["error_description"]
    longest = http.post(tool.lineitems_url("c" * 255), json={"label": "x", "scoreMaximum": 1},
                        headers={**auth, "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"})
    assert longest.status_code == 201
