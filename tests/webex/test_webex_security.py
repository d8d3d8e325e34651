"""WebEx securityContext: passwords, unknown users, session tickets, shared across processes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from adapters.store.models import WebexSessionTicket
from tests.webex.conftest import NS, assert_valid, message, result_of, training

LIST = training("LstScheduledTests")
AUTH = "java:com.webex.service.binding.user.AuthenticateUser"


def ticket_security(ticket: str) -> str:
    return f"<webExID>hostid</webExID><sessionTicket>{ticket}</sessionTicket><siteID>0000</siteID>"


def test_wrong_password(webex):
    root = webex(message(LIST, "", "<webExID>hostid</webExID><password>nope</password><siteID>0000</siteID>"))
    assert result_of(root) == ("FAILURE", "030002", "Incorrect user or password")
    assert_valid(root)


def test_missing_password(webex):
    root = webex(message(LIST, "", "<webExID>hostid</webExID><siteID>0000</siteID>"))
    assert result_of(root)[:2] == ("FAILURE", "030002")


def test_unknown_user_and_wrong_site(webex):
    for security in (
        "<webExID>nobody</webExID><password>hostpassword</password><siteID>0000</siteID>",
        "<webExID>hostid</webExID><password>hostpassword</password><siteID>1234</siteID>",
        "<email>nobody@example.com</email><password>hostpassword</password><siteID>0000</siteID>",
    ):
        root = webex(message(LIST, "", security))
        assert result_of(root) == ("FAILURE", "030001", "Corresponding User not found")
        assert_valid(root)


def test_email_identifies_the_host_when_no_webexid(webex):
    root = webex(message(LIST, "", "<email>johnsmith@xyz.com</email><password>hostpassword</password><siteID>0</siteID>"))
    assert result_of(root)[0] == "SUCCESS"


def test_wrong_partner_id(webex):
    root = webex(message(LIST, "", "<webExID>hostid</webExID><password>hostpassword</password><siteID>0000</siteID><partnerID>1</partnerID>"))
    assert result_of(root)[:2] == ("FAILURE", "030002")


def authenticate(webex) -> str:
    root = webex(message(AUTH, ""))
    assert result_of(root)[0] == "SUCCESS"
    body = root.find("serv:body/serv:bodyContent", NS)
    assert body.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "use:authenticateUserResponse"
    assert int(body.findtext("use:timeToLive", namespaces=NS)) == 7200
    assert int(body.findtext("use:createTime", namespaces=NS)) > 1_700_000_000_000
    return body.findtext("use:sessionTicket", namespaces=NS)


def test_authenticate_user_ticket_is_accepted(webex):
    ticket = authenticate(webex)
    assert len(ticket) >= 40
    root = webex(message(LIST, "", ticket_security(ticket)))
    assert result_of(root)[0] == "SUCCESS"


def test_authenticate_user_needs_the_password(webex):
    ticket = authenticate(webex)
    root = webex(message(AUTH, "", ticket_security(ticket)))
    assert result_of(root)[:2] == ("FAILURE", "030002")


def test_bad_ticket(webex):
    root = webex(message(LIST, "", ticket_security("not-a-ticket")))
    assert result_of(root) == ("FAILURE", "030047", "Not a valid session ticket")
    assert_valid(root)


def test_expired_ticket(webex, demo_store):
    ticket = authenticate(webex)
    with demo_store.session() as s:
        s.execute(update(WebexSessionTicket).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    root = webex(message(LIST, "", ticket_security(ticket)))
    assert result_of(root)[:2] == ("FAILURE", "030047")


def test_ticket_issued_by_one_app_is_accepted_by_another(webex, settings, demo_store):
    """Tickets live in the store: a second gateway instance on the same store accepts them."""
    import requests
    from wsgiadapter import WSGIAdapter

    from adapters.store import Store
    from gateway.app import create_app
    from tests.webex.conftest import URL

    ticket = authenticate(webex)
    other_store = Store(settings.database_url)
    other = requests.Session()
    other.mount(URL, WSGIAdapter(create_app(settings, other_store)))
    from lxml import etree

    root = etree.fromstring(other.post(URL, data=message(LIST, "", ticket_security(ticket)).encode()).content)
    other_store.dispose()
    assert result_of(root)[0] == "SUCCESS"
