"""Who may use /__admin/: the Bearer token when configured, loopback callers when not."""
from __future__ import annotations

import pytest

from gateway.app import create_app
from tests.admin.conftest import ADMIN, session_on


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "127.0.0.2"])
def test_loopback_is_answered_without_a_token(app, address):
    assert session_on(app, address).get(f"{ADMIN}/requests").status_code == 200


@pytest.mark.parametrize("address", ["10.0.0.5", "192.168.1.20", "2001:db8::1", ""])
def test_remote_callers_are_refused_without_a_token(app, address):
    answer = session_on(app, address).get(f"{ADMIN}/requests")
    assert answer.status_code == 403
    assert "LMS_GATEWAY_ADMIN_TOKEN" in answer.json()["error"]
    # the console and the data API are behind the same door
    assert session_on(app, address).get(f"{ADMIN}/").status_code == 403
    assert session_on(app, address).post(f"{ADMIN}/faults", json={"protocol": "lis"}).status_code == 403


def test_token_when_configured(store, settings):
    app = create_app(settings.replace(admin_token="t0ken-for-tests"), store)
    remote = session_on(app, "10.0.0.5")
    assert remote.get(f"{ADMIN}/requests").status_code == 401
    assert remote.get(f"{ADMIN}/requests", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert remote.get(f"{ADMIN}/requests", headers={"Authorization": "Bearer t0ken-for-tests"}).status_code == 200
    # with a token, loopback alone is not enough
    assert session_on(app).get(f"{ADMIN}/requests").status_code == 401


def test_root_redirects_to_the_console(app):
    answer = session_on(app).get(ADMIN.replace("/__admin", "/"), allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"] == "/__admin/"


def test_openapi_describes_the_api(app):
    doc = session_on(app).get(f"{ADMIN}/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/__admin/requests", "/__admin/requests/count", "/__admin/faults"):
        assert path in doc["paths"]
