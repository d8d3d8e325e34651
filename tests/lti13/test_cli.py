"""``lms-gateway lti13 ...``: a tool registered from the command line gets a token; config prints
what the tool needs; line items and the bridge's upstreams and links are managed there."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gateway.cli import main
from tests.lti13.conftest import RegisteredTool, new_key, token


def run(store_url: str, *args: str):
    result = CliRunner().invoke(main, ["--database-url", store_url, *args])
    return result


def test_tools_add_then_a_token_then_config(store_url, http, tmp_path):
    key = new_key()
    pem = tmp_path / "tool.pem"
    pem.write_bytes(key.as_pem(private=False))
    assert run(store_url, "accounts", "add", "acme").exit_code == 0
    added = run(store_url, "lti13", "tools", "add", "--account", "acme", "--client-id", "cli-tool",
                "--deployment-id", "dep-a", "--deployment-id", "dep-b", "--jwks-file", str(pem))
    assert added.exit_code == 0, added.output
    tool = RegisteredTool("acme", "cli-tool", key)
    assert token(http, tool)

    config = run(store_url, "lti13", "config", "--account", "acme", "--base-url", "https://gw.example", "--json")
    assert config.exit_code == 0, config.output
    doc = json.loads(config.output)
    assert doc["issuer"] == "https://gw.example/lti13/acme"
    assert doc["token_url"] == "https://gw.example/lti13/acme/token"
    assert doc["jwks_url"] == "https://gw.example/lti13/acme/jwks"
    assert doc["lineitems_url"] == "https://gw.example/lti13/acme/contexts/{context_id}/lineitems"
    assert doc["tools"] == [{"client_id": "cli-tool", "deployment_ids": ["dep-a", "dep-b"]}]
    listing = run(store_url, "lti13", "tools", "list", "--account", "acme", "--json")
    assert json.loads(listing.output)[0]["client_id"] == "cli-tool"


def test_tools_add_needs_exactly_one_key_source(store_url, tmp_path):
    result = run(store_url, "lti13", "tools", "add", "--account", "a", "--client-id", "c", "--deployment-id", "d")
    assert result.exit_code == 2 and "exactly one" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run(store_url, "lti13", "tools", "add", "--account", "a", "--client-id", "c", "--deployment-id", "d",
                 "--jwks-file", str(bad))
    assert result.exit_code == 1 and "Error" in result.output and "Traceback" not in result.output


def test_line_items_lists_scores(store_url, http, tool):
    auth = {"Authorization": f"Bearer {token(http, tool)}"}
    item = http.post(tool.lineitems_url(), json={"label": "Lab", "scoreMaximum": 4},
                     headers={**auth, "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}).json()
    http.post(item["id"] + "/scores", json={"userId": "u9", "scoreGiven": 3, "scoreMaximum": 4, "activityProgress": "Completed",
                                            "gradingProgress": "FullyGraded", "timestamp": "2026-11-30T10:00:00Z"},
              headers={**auth, "Content-Type": "application/vnd.ims.lis.v1.score+json"})
    listed = run(store_url, "lti13", "line-items", "--account", tool.account, "--context", "course-1", "--json")
    assert listed.exit_code == 0, listed.output
    [entry] = json.loads(listed.output)
    assert entry["label"] == "Lab" and entry["results"][0]["userId"] == "u9" and entry["results"][0]["resultScore"] == 3


def test_upstreams_links_keys(store_url):
    assert run(store_url, "accounts", "add", "legacy").exit_code == 0
    assert run(store_url, "lti13", "upstreams", "add", "--account", "legacy", "--name", "canvas",
               "--token-url", "https://lms.example/token", "--client-id", "100").exit_code == 0
    linked = run(store_url, "lti13", "links", "add", "--account", "legacy", "--sourced-id", "r1", "--upstream", "canvas",
                 "--line-item-url", "https://lms.example/li/1", "--user-id", "u1")
    assert linked.exit_code == 0, linked.output
    assert json.loads(run(store_url, "lti13", "links", "list", "--account", "legacy", "--json").output) == [
        {"sourcedId": "r1", "upstream": "canvas", "lineItemUrl": "https://lms.example/li/1", "userId": "u1"}]
    nowhere = run(store_url, "lti13", "links", "add", "--account", "legacy", "--sourced-id", "r2", "--upstream", "nope",
                  "--line-item-url", "https://lms.example/li/1", "--user-id", "u1")
    assert nowhere.exit_code == 1 and "no upstream named" in nowhere.output
    assert run(store_url, "lti13", "links", "remove", "--account", "legacy", "--sourced-id", "r1").exit_code == 0
    assert json.loads(run(store_url, "lti13", "links", "list", "--account", "legacy", "--json").output) == []
    gone = run(store_url, "lti13", "links", "remove", "--account", "legacy", "--sourced-id", "r1")
    assert gone.exit_code == 1 and "no link for sourcedId 'r1'" in gone.output
    first = json.loads(run(store_url, "lti13", "keys", "jwks", "--account", "legacy").output)["keys"]
    assert run(store_url, "lti13", "keys", "rotate", "--account", "legacy").exit_code == 0
    second = json.loads(run(store_url, "lti13", "keys", "jwks", "--account", "legacy").output)["keys"]
    assert len(first) == 1 and len(second) == 2 and all("d" not in k for k in second)
    assert run(store_url, "lti13", "keys", "rotate", "--account", "legacy", "--retire").exit_code == 0
    assert len(json.loads(run(store_url, "lti13", "keys", "jwks", "--account", "legacy").output)["keys"]) == 1


@pytest.mark.parametrize("command", [
    ("lti13", "tools", "add", "--client-id", "c", "--deployment-id", "d", "--jwks-url", "https://tool.example/jwks"),
    ("lti13", "upstreams", "add", "--name", "canvas", "--token-url", "https://lms.example/token", "--client-id", "1"),
    ("lti13", "keys", "jwks"),
    ("lti13", "users", "link", "--user-id", "u13", "--lti11-user-id", "u11"),
])
def test_writes_refuse_an_unknown_account_and_say_how_to_create_it(store_url, command):
    result = run(store_url, *command, "--account", "typo")
    assert result.exit_code == 1, result.output
    assert "no account 'typo' (create it with `lms-gateway accounts add typo`)" in result.output
    assert "Traceback" not in result.output
    accounts = run(store_url, "accounts", "list")
    assert "typo" not in accounts.output


LONG = "x" * 256


@pytest.mark.parametrize("options, message", [
    (("--client-id", LONG, "--deployment-id", "d", "--jwks-url", "https://tool.example/jwks"),
     "the client id is 256 characters long; at most 255 fit"),
    (("--client-id", "c", "--deployment-id", "d", "--deployment-id", LONG, "--jwks-url", "https://tool.example/jwks"),
     "a deployment id is 256 characters long; at most 255 fit"),
    (("--client-id", "c", "--deployment-id", "d", "--jwks-url", "https://tool.example/" + "j" * 2000),
     "the JWKS URL is 2021 characters long; at most 2000 fit"),
    (("--client-id", "c", "--deployment-id", "d", "--jwks-url", "file:///etc/passwd"), "the JWKS URL must be an http(s) URL"),
    (("--client-id", " ", "--deployment-id", "d", "--jwks-url", "https://tool.example/jwks"), "the client id is empty"),
])
def test_tools_add_refuses_what_the_store_cannot_hold(store_url, options, message):
    assert run(store_url, "accounts", "add", "acme").exit_code == 0
    result = run(store_url, "lti13", "tools", "add", "--account", "acme", *options)
    assert result.exit_code == 1, result.output
    assert f"Error: {message}" in result.output and "Traceback" not in result.output
    assert json.loads(run(store_url, "lti13", "tools", "list", "--account", "acme", "--json").output) == []


def test_bridge_records_refuse_what_the_store_cannot_hold(store_url):
    assert run(store_url, "accounts", "add", "legacy").exit_code == 0
    long_name = run(store_url, "lti13", "upstreams", "add", "--account", "legacy", "--name", "n" * 201,
                    "--token-url", "https://lms.example/token", "--client-id", "1")
    assert long_name.exit_code == 1 and "the upstream's name is 201 characters long; at most 200 fit" in long_name.output
    long_client = run(store_url, "lti13", "upstreams", "add", "--account", "legacy", "--name", "canvas",
                      "--token-url", "https://lms.example/token", "--client-id", LONG)
    assert long_client.exit_code == 1 and "the client id is 256 characters long" in long_client.output
    assert run(store_url, "lti13", "upstreams", "add", "--account", "legacy", "--name", "canvas",
               "--token-url", "https://lms.example/token", "--client-id", "1").exit_code == 0
    for option, value, message in (("--sourced-id", LONG, "the sourcedId is 256"), ("--user-id", LONG, "the user id is 256"),
                                   ("--line-item-url", "https://lms.example/" + "l" * 2000, "the line item URL is 2020")):
        options = {"--sourced-id": "r1", "--user-id": "u1", "--line-item-url": "https://lms.example/li/1", option: value}
        result = run(store_url, "lti13", "links", "add", "--account", "legacy", "--upstream", "canvas",
                     *[part for pair in options.items() for part in pair])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    long_user = run(store_url, "lti13", "users", "link", "--account", "legacy", "--user-id", LONG, "--lti11-user-id", "u11")
    assert long_user.exit_code == 1 and "the user id is 256 characters long" in long_user.output
    long_lti11 = run(store_url, "lti13", "users", "link", "--account", "legacy", "--user-id", "u13", "--lti11-user-id", LONG)
    assert long_lti11.exit_code == 1 and "the LTI 1.1 user id is 256 characters long" in long_lti11.output
    assert json.loads(run(store_url, "lti13", "links", "list", "--account", "legacy", "--json").output) == []
