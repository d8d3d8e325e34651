"""LTI 1.3 fixtures: an account with a registered tool whose keys the test holds."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from adapters.store import accounts as store_accounts
from adapters.store import lti13 as store_lti13
from tests.conftest import BASE_URL

ACCOUNT = "school"
CLIENT_ID = "tool-1"
DEPLOYMENT_ID = "dep-1"
CONTEXT = "course-1"


@dataclass
class RegisteredTool:
    account: str
    client_id: str
    key: RSAKey
    base: str = BASE_URL

    @property
    def issuer(self) -> str:
        return f"{self.base}/lti13/{self.account}"

    @property
    def token_url(self) -> str:
        return self.issuer + "/token"

    def lineitems_url(self, context: str = CONTEXT) -> str:
        return f"{self.issuer}/contexts/{context}/lineitems"

    def assertion(self, **changes) -> str:
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": self.token_url, "iat": now - 5,
                  "exp": now + 60, "jti": uuid.uuid4().hex}
        header = {"alg": "RS256", "kid": self.key.kid}
        header.update(changes.pop("header", {}))
        key = changes.pop("key", self.key)
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(header, claims, key)

    def token_form(self, assertion: str | None = None, scope: str = " ".join(store_lti13.AGS_SCOPES)) -> dict:
        return {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion or self.assertion(),
            "scope": scope,
        }


def new_key(kid: str | None = None) -> RSAKey:
    """An RSA key whose kid is, unless given, its RFC 7638 thumbprint (what pylti1p3 sends)."""
    key = RSAKey.generate_key(2048, private=True)
    return RSAKey.import_key(key.as_dict(private=True), parameters={"kid": kid or key.thumbprint(), "alg": "RS256", "use": "sig"})


def register(store, account: str, client_id: str, key: RSAKey, scopes=None) -> RegisteredTool:
    with store.session() as session:
        acc = store_accounts.get_or_create_account(session, account)
        store_lti13.register_tool(
            session, acc.id, client_id, deployment_ids=[DEPLOYMENT_ID],
            jwks={"keys": [key.as_dict(private=False)]}, scopes=scopes,
        )
    return RegisteredTool(account, client_id, key)


@pytest.fixture(scope="session")
def tool_key() -> RSAKey:
    return new_key()


@pytest.fixture
def tool(store, tool_key) -> RegisteredTool:
    return register(store, ACCOUNT, CLIENT_ID, tool_key)


def token(http, tool: RegisteredTool, scope: str = " ".join(store_lti13.AGS_SCOPES)) -> str:
    response = http.post(tool.token_url, data=tool.token_form(scope=scope))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
