"""Registering tools: JWKS or PEM given, one client id per account, AGS scopes only."""
from __future__ import annotations

import json

import pytest

from adapters.store import accounts as store_accounts
from adapters.store import lti13 as store_lti13
from tests.lti13.conftest import new_key


def test_a_pem_becomes_a_one_key_jwks_with_its_thumbprint_as_kid():
    key = new_key()
    doc = store_lti13.jwks_from_text(key.as_pem(private=False).decode())
    assert [k["kid"] for k in doc["keys"]] == [key.thumbprint()]


def test_a_private_jwks_is_refused():
    with pytest.raises(ValueError, match="private"):
        store_lti13.jwks_from_text(json.dumps({"keys": [new_key().as_dict(private=True)]}))


def test_a_client_id_belongs_to_one_account(store):
    jwks = store_lti13.jwks_from_text(new_key().as_pem(private=False).decode())
    with store.session() as session:
        a = store_accounts.get_or_create_account(session, "a")
        b = store_accounts.get_or_create_account(session, "b")
        store_lti13.register_tool(session, a.id, "c1", deployment_ids=["d"], jwks=jwks)
        with pytest.raises(ValueError, match="another account"):
            store_lti13.register_tool(session, b.id, "c1", deployment_ids=["d"], jwks=jwks)
        with pytest.raises(ValueError, match="not AGS scopes"):
            store_lti13.register_tool(session, a.id, "c2", deployment_ids=["d"], jwks=jwks, scopes=["openid"])
        with pytest.raises(ValueError, match="one of the two"):
            store_lti13.register_tool(session, a.id, "c3", deployment_ids=["d"])


def test_jtis_are_pruned_after_they_expire(store):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    with store.session() as session:
        assert store_lti13.remember_jti(session, "c", "old", now - timedelta(hours=1))
        assert store_lti13.remember_jti(session, "c", "new", now + timedelta(minutes=1))
        assert not store_lti13.remember_jti(session, "c", "new", now + timedelta(minutes=1))
        assert store_lti13.prune_jtis(session, now) == 1
        assert not store_lti13.remember_jti(session, "c", "new", now + timedelta(minutes=1))
        assert store_lti13.remember_jti(session, "c", "old", now)


@pytest.mark.parametrize(
    "text",
    ['{"keys": [{"kty": "RSA"}]}', "[1]", "{nope", "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----", "private-pem"],
)
def test_unusable_keys_are_a_value_error(text):
    if text == "private-pem":
        text = new_key().as_pem(private=True).decode()
    with pytest.raises(ValueError):
        store_lti13.jwks_from_text(text)
