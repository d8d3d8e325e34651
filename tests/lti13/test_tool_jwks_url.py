"""A tool registered by JWKS URL: fetched with requests (mocked with `responses`, a third-party
upstream), cached by kid, fetched again for a new kid, and a fetch failure is invalid_client."""
from __future__ import annotations

import pytest
import responses

from adapters.store import accounts as store_accounts
from adapters.store import lti13 as store_lti13
from tests.lti13.conftest import ACCOUNT, RegisteredTool, new_key

JWKS_URL = "https://tool.example/.well-known/jwks.json"


@pytest.fixture
def url_tool(store, tool_key) -> RegisteredTool:
    with store.session() as session:
        account = store_accounts.get_or_create_account(session, ACCOUNT)
        store_lti13.register_tool(session, account.id, "url-tool", deployment_ids=["d"], jwks_url=JWKS_URL)
    return RegisteredTool(ACCOUNT, "url-tool", tool_key)


@pytest.fixture
def tool_site():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def serve_keys(tool_site, *keys, status=200):
    tool_site.upsert(responses.GET, JWKS_URL, json={"keys": [k.as_dict(private=False) for k in keys]}, status=status)


def fetches(tool_site) -> int:
    return sum(1 for c in tool_site.calls if c.request.url == JWKS_URL)


def test_keys_are_fetched_once_and_cached_by_kid(http, url_tool, tool_site):
    serve_keys(tool_site, url_tool.key)
    for _ in range(3):
        assert http.post(url_tool.token_url, data=url_tool.token_form()).status_code == 200
    assert fetches(tool_site) == 1


def test_a_new_kid_fetches_again_once(http, url_tool, tool_site):
    serve_keys(tool_site, url_tool.key)
    assert http.post(url_tool.token_url, data=url_tool.token_form()).status_code == 200
    rotated = RegisteredTool(url_tool.account, url_tool.client_id, new_key())
    serve_keys(tool_site, url_tool.key, rotated.key)
    # the cached set was fetched just now: a kid it lacks is refused without hammering the tool...
    assert http.post(url_tool.token_url, data=rotated.token_form()).status_code == 401
    assert fetches(tool_site) == 1


def test_an_unknown_kid_after_the_refetch_interval_fetches_again(http, url_tool, tool_site, monkeypatch):
    from gateway.lti13 import tool_keys

    serve_keys(tool_site, url_tool.key)
    assert http.post(url_tool.token_url, data=url_tool.token_form()).status_code == 200
    rotated = RegisteredTool(url_tool.account, url_tool.client_id, new_key())
    serve_keys(tool_site, url_tool.key, rotated.key)
    monkeypatch.setattr(tool_keys, "REFETCH_SECONDS", 0)
    assert http.post(url_tool.token_url, data=rotated.token_form()).status_code == 200
    assert fetches(tool_site) == 2


@pytest.mark.parametrize("status", [404, 500])
def test_a_failed_fetch_is_invalid_client(http, url_tool, tool_site, status):
    serve_keys(tool_site, url_tool.key, status=status)
    response = http.post(url_tool.token_url, data=url_tool.token_form())
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert "could not be fetched" in response.json()["error_description"]


def test_a_non_jwks_document_is_invalid_client(http, url_tool, tool_site):
    tool_site.add(responses.GET, JWKS_URL, body="<html>", status=200)
    response = http.post(url_tool.token_url, data=url_tool.token_form())
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
