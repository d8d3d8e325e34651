"""Failed-login limits per credential and address, shared through the store (issue 12 item 4)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
import zeep.exceptions
from sqlalchemy import func, select, update
from wsgiadapter import WSGIAdapter

from adapters.store import Store
from gateway.app import create_app
from gateway.itslearning.services import DATA_PATH
from gateway.security import passwords
from tests.conftest import BASE_URL
from tests.itslearning.conftest import client as its_client
from tests.webex.conftest import URL, message, result_of, training

LIST = training("LstScheduledTests")
RIGHT = "<webExID>hostid</webExID><password>hostpassword</password><siteID>0000</siteID>"
WRONG = "<webExID>hostid</webExID><password>guess{}</password><siteID>0000</siteID>"


@pytest.fixture(autouse=True)
def fresh_memory():
    passwords.forget_all()


def from_address(app, address: str) -> requests.Session:
    """A client of the in-process app whose requests come from ``address``."""
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(lambda environ, start: app({**environ, "REMOTE_ADDR": address}, start)))
    return session


def webex(session: requests.Session, security: str) -> tuple[str, str | None, str | None]:
    from lxml import etree

    response = session.post(URL, data=message(LIST, "", security).encode(), headers={"Content-Type": "text/xml"})
    assert response.status_code == 200
    return result_of(etree.fromstring(response.content))


def test_webex_wrong_passwords_then_the_right_one_is_refused_from_that_address_only(app, demo_store, settings):
    attacker, user = from_address(app, "203.0.113.7"), from_address(app, "198.51.100.2")
    answers = [webex(attacker, WRONG.format(i)) for i in range(60)]
    assert [a[1] for a in answers[: settings.login_max_failures]] == ["030002"] * settings.login_max_failures
    assert {a[1] for a in answers[settings.login_max_failures:]} == {"000045"}
    refused = webex(attacker, RIGHT)
    assert refused[:2] == ("FAILURE", "000045") and "too many failed logins" in refused[2]
    assert webex(user, RIGHT)[0] == "SUCCESS"


def test_refused_guesses_are_not_verified_nor_counted(app, demo_store, settings, store):
    from adapters.store.models import LoginFailure

    attacker = from_address(app, "203.0.113.7")
    for i in range(30):
        webex(attacker, WRONG.format(i))
    with store.session() as s:
        assert s.scalar(select(func.max(LoginFailure.failures))) == settings.login_max_failures


def test_the_limit_is_shared_by_every_process(app, demo_store, settings):
    other_process = create_app(settings, Store(settings.database_url))
    for i in range(settings.login_max_failures):
        assert webex(from_address(app, "203.0.113.7"), WRONG.format(i))[1] == "030002"
    assert webex(from_address(other_process, "203.0.113.7"), RIGHT)[1] == "000045"
    other_process.store.dispose()


def test_unknown_users_count_against_the_address(app, demo_store, settings):
    sprayer = from_address(app, "203.0.113.9")
    limit = settings.login_max_failures_per_address
    for i in range(limit):
        assert webex(sprayer, f"<webExID>user{i}</webExID><password>x</password><siteID>0000</siteID>")[1] == "030001"
    assert webex(sprayer, RIGHT)[1] == "000045"
    assert webex(from_address(app, "203.0.113.10"), RIGHT)[0] == "SUCCESS"


def test_the_refusal_expires_and_backs_off_exponentially(app, demo_store, settings, store):
    from adapters.store.models import LoginFailure

    attacker = from_address(app, "203.0.113.7")
    for i in range(settings.login_max_failures):
        webex(attacker, WRONG.format(i))
    # let the first refusal run out (as time would)
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    with store.session() as s:
        s.execute(update(LoginFailure).where(LoginFailure.blocked_until.is_not(None)).values(blocked_until=past))
    assert webex(attacker, WRONG.format("again"))[1] == "030002"  # checked again, wrong again
    with store.session() as s:
        until = max(d.replace(tzinfo=timezone.utc) for d in s.scalars(select(LoginFailure.blocked_until)) if d)
    remaining = until - datetime.now(timezone.utc)
    assert remaining > timedelta(seconds=1.5 * settings.login_backoff_seconds)  # doubled
    with store.session() as s:
        s.execute(update(LoginFailure).values(blocked_until=past))
    assert webex(attacker, RIGHT)[0] == "SUCCESS"


def test_a_good_login_clears_its_counter(app, demo_store, settings, store):
    user = from_address(app, "198.51.100.2")
    for i in range(settings.login_max_failures - 1):
        webex(user, WRONG.format(i))
    assert webex(user, RIGHT)[0] == "SUCCESS"
    for i in range(settings.login_max_failures - 1):
        assert webex(user, WRONG.format(i))[1] == "030002"
    assert webex(user, RIGHT)[0] == "SUCCESS"


def test_itslearning_wrong_passwords_then_the_right_one(app, demo_store, settings):
    attacker, user = from_address(app, "203.0.113.7"), from_address(app, "198.51.100.2")
    for _ in range(settings.login_max_failures + 3):
        with pytest.raises(zeep.exceptions.Fault):
            its_client(attacker, DATA_PATH, password="wrong").service.GetMessageTypes()
    with pytest.raises(zeep.exceptions.Fault) as fault:
        its_client(attacker, DATA_PATH).service.GetMessageTypes()
    assert "FailedAuthentication" in fault.value.code and "Too many failed logins" in fault.value.message
    assert its_client(user, DATA_PATH).service.GetMessageTypes()
