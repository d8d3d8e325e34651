"""The LTI 1.3 platform's and the bridge's records over the admin API: tools, user links, upstreams
and bridge links, through the store code the `lms-gateway lti13` commands use; refusals in JSON."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from lxml import etree

from adapters.ns import LTI_POX
from adapters.store.ags import result_sourced_id
from gateway.cli import main
from tests.admin.conftest import ADMIN, POX_URL, pox
from tests.lti13.conftest import RegisteredTool, new_key, token

LONG = "x" * 256
SCORE = "application/vnd.ims.lis.v1.score+json"
LINE_ITEM = "application/vnd.ims.lis.v2.lineitem+json"


@pytest.fixture(scope="module")
def key():
    return new_key()


def add_tool(http, key, **changes):
    spec = {"account": "demo", "client_id": "admin-tool", "deployment_ids": ["dep-1"],
            "jwks": key.as_pem(private=False).decode(), **changes}
    return http.post(f"{ADMIN}/lti13/tools", json={k: v for k, v in spec.items() if v is not None})


def test_a_tool_registered_over_the_admin_api_gets_a_token(http, key):
    added = add_tool(http, key)
    assert added.status_code == 201, added.text
    assert added.json()["client_id"] == "admin-tool" and len(added.json()["scopes"]) == 4
    assert token(http, RegisteredTool("demo", "admin-tool", key))
    listed = http.get(f"{ADMIN}/lti13/tools", params={"account": "demo"}).json()["tools"]
    assert [(t["client_id"], t["deployment_ids"]) for t in listed] == [("admin-tool", ["dep-1"])]
    as_jwks = add_tool(http, key, client_id="admin-tool-2", jwks={"keys": [key.as_dict(private=False)]})
    assert as_jwks.status_code == 201, as_jwks.text


@pytest.mark.parametrize("changes, status, message", [
    ({"account": "nobody"}, 404, "No account 'nobody'; create it with POST /__admin/accounts"),
    ({"client_id": LONG}, 400, "the client id is 256 characters long; at most 255 fit"),
    ({"deployment_ids": ["d", LONG]}, 400, "a deployment id is 256 characters long; at most 255 fit"),
    ({"jwks": None, "jwks_url": "https://tool.example/" + "j" * 2000}, 400, "the JWKS URL is 2021 characters long"),
    ({"deployment_ids": "dep-1"}, 400, "deployment_ids is required (a list of strings)"),
    ({"deployment_ids": []}, 400, "give the tool at least one deployment id"),
    ({"client_id": 7}, 400, "client_id is required (a non-empty string)"),
    ({"jwks_url": "https://tool.example/jwks"}, 400, "one of the two"),
    ({"scopes": ["https://example.com/everything"]}, 400, "not AGS scopes"),
    ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, 400, "holds a private or secret key"),
    ({"jwks": {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
               "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}, 400, "must be RSA public keys"),
    ({"jwks": "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"}, 400, "not a usable key"),
    ({"jwks": {"kty": "RSA", "n": "!!", "e": "AQAB"}}, 400, "not a usable key: a key parameter is not base64url"),
    ({"jwks": "{not json"}, 400, "neither a PEM public key nor a JWKS/JWK"),
])
def test_tool_refusals(http, key, changes, status, message):
    refused = add_tool(http, key, **changes)
    assert refused.status_code == status, refused.text
    assert message in refused.json()["error"]
    assert http.get(f"{ADMIN}/lti13/tools", params={"account": "demo"}).json()["tools"] == []


def test_a_user_link_made_over_the_admin_api_maps_ags_scores(http, signed, key):
    assert add_tool(http, key).status_code == 201
    linked = http.post(f"{ADMIN}/lti13/users", json={"account": "demo", "user_id": "sub-13", "lti11_user_id": "uid-11"})
    assert linked.status_code == 201 and linked.json() == {"userId": "sub-13", "lti11UserId": "uid-11"}
    assert http.get(f"{ADMIN}/lti13/users", params={"account": "demo"}).json()["users"] == [linked.json()]

    tool = RegisteredTool("demo", "admin-tool", key)
    auth = {"Authorization": f"Bearer {token(http, tool)}"}
    item = http.post(tool.lineitems_url(), json={"label": "Lab", "scoreMaximum": 10},
                     headers={**auth, "Content-Type": LINE_ITEM}).json()
    posted = http.post(item["id"] + "/scores", headers={**auth, "Content-Type": SCORE}, json={
        "userId": "sub-13", "scoreGiven": 8, "scoreMaximum": 10, "activityProgress": "Completed",
        "gradingProgress": "FullyGraded", "timestamp": datetime.now(timezone.utc).isoformat()})
    assert posted.status_code in (200, 204), posted.text

    sourced_id = result_sourced_id(item["id"].rsplit("/", 1)[1], "uid-11")
    read = signed.post(POX_URL, data=pox("readResult", sourced_id), headers={"Content-Type": "application/xml"})
    doc = etree.fromstring(read.content)
    assert doc.findtext(f".//{{{LTI_POX}}}imsx_codeMajor") == "success"
    assert doc.findtext(f".//{{{LTI_POX}}}textString") == "0.8"

    taken = http.post(f"{ADMIN}/lti13/users", json={"account": "demo", "user_id": "sub-99", "lti11_user_id": "uid-11"})
    assert taken.status_code == 400 and "is linked to user 'sub-13'" in taken.json()["error"]
    long_id = http.post(f"{ADMIN}/lti13/users", json={"account": "demo", "user_id": LONG, "lti11_user_id": "u"})
    assert long_id.status_code == 400 and "the user id is 256 characters long" in long_id.json()["error"]
    assert http.delete(f"{ADMIN}/lti13/users/sub-13", params={"account": "demo"}).status_code == 200
    gone = http.delete(f"{ADMIN}/lti13/users/sub-13", params={"account": "demo"})
    assert gone.status_code == 404 and "sub-13" in gone.json()["error"]


def test_bridge_upstreams_and_links(http, store_url):
    upstream = {"account": "demo", "name": "canvas", "token_url": "https://lms.example/token", "client_id": "100"}
    added = http.post(f"{ADMIN}/lti13/upstreams", json=upstream)
    assert added.status_code == 201, added.text
    assert http.get(f"{ADMIN}/lti13/upstreams", params={"account": "demo"}).json()["upstreams"] == [
        {"name": "canvas", "token_url": "https://lms.example/token", "client_id": "100", "audience": None}]
    link = {"account": "demo", "sourced_id": "3124567/a b", "upstream": "canvas",
            "line_item_url": "https://lms.example/li/7", "user_id": "535fa085"}
    linked = http.post(f"{ADMIN}/lti13/links", json=link)
    assert linked.status_code == 201, linked.text
    expected = {"sourcedId": "3124567/a b", "upstream": "canvas", "lineItemUrl": "https://lms.example/li/7", "userId": "535fa085"}
    assert http.get(f"{ADMIN}/lti13/links", params={"account": "demo"}).json()["links"] == [expected]
    # the same records the command line manages
    listed = CliRunner().invoke(main, ["--database-url", store_url, "lti13", "links", "list", "--account", "demo", "--json"])
    assert json.loads(listed.output) == [expected]

    for changes, message in (({"upstream": "moodle"}, "no upstream named 'moodle'"),
                             ({"line_item_url": "ftp://lms.example/li/7"}, "the line item URL must be an http(s) URL"),
                             ({"line_item_url": "https://lms.example/" + "l" * 2000}, "the line item URL is 2020 characters long"),
                             ({"sourced_id": LONG}, "the sourcedId is 256 characters long"),
                             ({"user_id": None}, "user_id is required")):
        refused = http.post(f"{ADMIN}/lti13/links", json={**link, **changes})
        assert refused.status_code == 400 and message in refused.json()["error"], refused.text
    long_client = http.post(f"{ADMIN}/lti13/upstreams", json={**upstream, "client_id": LONG})
    assert long_client.status_code == 400 and "the client id is 256 characters long" in long_client.json()["error"]
    unknown = http.get(f"{ADMIN}/lti13/links", params={"account": "nobody"})
    assert unknown.status_code == 404 and "POST /__admin/accounts" in unknown.json()["error"]

    assert http.delete(f"{ADMIN}/lti13/links/3124567/a b", params={"account": "demo"}).json() == {"deleted": "3124567/a b"}
    assert http.get(f"{ADMIN}/lti13/links", params={"account": "demo"}).json()["links"] == []
    assert http.delete(f"{ADMIN}/lti13/links/3124567/a b", params={"account": "demo"}).status_code == 404


def test_openapi_lists_the_lti13_operations(http):
    paths = http.get(f"{ADMIN}/openapi.json").json()["paths"]
    assert set(paths["/__admin/lti13/links"]) == {"get", "post"}
    assert "delete" in paths["/__admin/lti13/links/{sourcedId}"]
    assert set(paths["/__admin/lti13/tools"]) == {"get", "post"}
    assert "delete" in paths["/__admin/lti13/users/{user_id}"]


def test_deleting_an_account_deletes_its_user_links_and_bridge_records(http, store):
    from sqlalchemy import func, select

    from adapters.store.models import Lti13BridgeLink, Lti13UserLink

    assert http.post(f"{ADMIN}/accounts", json={"name": "short-lived"}).status_code == 201
    assert http.post(f"{ADMIN}/lti13/users", json={"account": "short-lived", "user_id": "a", "lti11_user_id": "b"}).status_code == 201
    assert http.post(f"{ADMIN}/lti13/upstreams", json={"account": "short-lived", "name": "u", "token_url": "https://lms.example/t",
                                                       "client_id": "1"}).status_code == 201
    assert http.post(f"{ADMIN}/lti13/links", json={"account": "short-lived", "sourced_id": "s", "upstream": "u",
                                                   "line_item_url": "https://lms.example/li", "user_id": "a"}).status_code == 201
    assert http.delete(f"{ADMIN}/accounts/short-lived").status_code == 200
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Lti13UserLink)) == 0
        assert session.scalar(select(func.count()).select_from(Lti13BridgeLink)) == 0
