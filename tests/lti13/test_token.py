"""The token endpoint: a good assertion gets a token; each bad one its own OAuth 2.0 refusal."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from joserfc.jwk import RSAKey

from adapters.store import lti13 as store_lti13
from tests.lti13.conftest import new_key, register, token

SCORE = store_lti13.SCOPE_SCORE


def refused(http, tool, form, status=401, error="invalid_client") -> str:
    response = http.post(tool.token_url, data=form)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    doc = response.json()
    assert doc["error"] == error, doc
    return doc["error_description"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_good_assertion_gets_a_signed_bearer_token_with_the_scopes_asked(http, tool):
    response = http.post(tool.token_url, data=tool.token_form(scope=SCORE))
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["token_type"] == "Bearer" and doc["expires_in"] > 0 and doc["scope"] == SCORE
    assert response.headers["Cache-Control"] == "no-store"
    # the token verifies with the platform's published JWKS
    from joserfc import jwt
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(http.get(tool.issuer + "/jwks").json())
    claims = jwt.decode(doc["access_token"], keys, algorithms=["RS256"]).claims
    assert claims["sub"] == tool.client_id and claims["scope"] == SCORE


def test_wrong_key(http, tool):
    other = new_key(kid=tool.key.kid)  # the registered kid, another key
    assert "signature" in refused(http, tool, tool.token_form(tool.assertion(key=other)))


def test_unknown_kid(http, tool):
    assert "kid" in refused(http, tool, tool.token_form(tool.assertion(header={"kid": "nobody"})))


def test_expired_assertion(http, tool):
    now = int(time.time())
    assert "expired" in refused(http, tool, tool.token_form(tool.assertion(iat=now - 600, exp=now - 300)))


def test_future_iat(http, tool):
    now = int(time.time())
    assert "future" in refused(http, tool, tool.token_form(tool.assertion(iat=now + 600, exp=now + 900)))


def test_wrong_aud(http, tool):
    form = tool.token_form(tool.assertion(aud="http://gateway.test/lti13/other/token"))
    assert "aud" in refused(http, tool, form)


def test_replayed_jti(http, tool):
    assertion = tool.assertion()
    assert http.post(tool.token_url, data=tool.token_form(assertion)).status_code == 200
    assert "jti" in refused(http, tool, tool.token_form(assertion))


def test_alg_none(http, tool):
    claims = json.loads(base64.urlsafe_b64decode(tool.assertion().split(".")[1] + "=="))
    unsigned = f"{b64(json.dumps({'alg': 'none', 'kid': tool.key.kid}).encode())}.{b64(json.dumps(claims).encode())}."
    assert "RS256" in refused(http, tool, tool.token_form(unsigned))


def test_hs256_signed_with_the_public_key_as_the_secret(http, tool):
    claims = json.loads(base64.urlsafe_b64decode(tool.assertion().split(".")[1] + "=="))
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': tool.key.kid}).encode())}.{b64(json.dumps(claims).encode())}"
    secret = tool.key.as_pem(private=False)
    forged = f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"
    assert "RS256" in refused(http, tool, tool.token_form(forged))


def test_sub_must_be_the_client_id(http, tool):
    assert "sub" in refused(http, tool, tool.token_form(tool.assertion(sub="someone-else")))


def test_missing_jti(http, tool):
    assert "jti" in refused(http, tool, tool.token_form(tool.assertion(jti=None)))


def test_unknown_client(http, tool):
    form = tool.token_form(tool.assertion(iss="stranger", sub="stranger"))
    assert "stranger" in refused(http, tool, form)


def test_a_tool_of_another_account_is_unknown_here(http, store, tool):
    other = register(store, "other", "tool-other", new_key())
    form = other.token_form()
    form["client_assertion"] = other.assertion(aud=tool.token_url)
    response = http.post(tool.token_url, data=form)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_unregistered_scope_is_not_granted(http, store, tool_key):
    limited = register(store, "limited", "tool-limited", tool_key, scopes=[SCORE])
    form = limited.token_form(scope=f"{SCORE} {store_lti13.SCOPE_LINEITEM}")
    response = http.post(limited.token_url, data=form)
    assert response.status_code == 200 and response.json()["scope"] == SCORE
    refused(http, limited, limited.token_form(scope=store_lti13.SCOPE_LINEITEM), 400, "invalid_scope")
    refused(http, limited, limited.token_form(scope=""), 400, "invalid_scope")


@pytest.mark.parametrize(
    "change, error",
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_assertion_type": "urn:other"}, "invalid_request"),
        ({"client_assertion": ""}, "invalid_request"),
    ],
)
def test_malformed_requests(http, tool, change, error):
    refused(http, tool, {**tool.token_form(), **change}, 400, error)


def test_token_request_must_be_a_form(http, tool):
    response = http.post(tool.token_url, json=tool.token_form())
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_garbage_assertion(http, tool):
    assert refused(http, tool, tool.token_form("not.a.jwt"))


def test_rotation_keeps_old_tokens_valid_and_publishes_both_keys(http, store, tool):
    old = token(http, tool)
    with store.session() as session:
        account_id = store_lti13.find_tool(session, _account(session, tool.account), tool.client_id).account_id
        store_lti13.rotate_key(session, account_id)
    assert len(http.get(tool.issuer + "/jwks").json()["keys"]) == 2
    new = token(http, tool)
    for access in (old, new):
        assert http.get(tool.lineitems_url(), headers={"Authorization": f"Bearer {access}"}).status_code == 200


def _account(session, name: str) -> int:
    from adapters.store import accounts

    return accounts.get_or_create_account(session, name).id


def test_jwks_publishes_public_keys_only(http, tool):
    doc = http.get(tool.issuer + "/jwks").json()
    assert doc["keys"] and all("d" not in k and k["kty"] == "RSA" and k["kid"] for k in doc["keys"])
    assert RSAKey.import_key(doc["keys"][0]).is_private is False
