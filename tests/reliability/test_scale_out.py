"""Scale-out: two gateway processes (two ``serve`` commands, two ports) on one PostgreSQL share
everything that must be shared (DESIGN.md §2): an OAuth nonce used on one is a replay on the
other, and a WebEx session ticket issued by one is accepted by the other.

Both gateways are addressed under one external name (``Host: lms.example.edu``), as behind a load
balancer: the OAuth signature covers the URI, so only the nonce can make the second request fail.
"""
from __future__ import annotations

import pytest
import requests
from lxml import etree

from adapters import ns
from adapters.store import Store
from bench import load
from gateway.security.oauth import authorization_header
from tests.conftest import _truncate_all
from tests.reliability import procs
from tests.webex.conftest import message, result_of, training

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

HOST = "lms.example.edu"
AUTH = "java:com.webex.service.binding.user.AuthenticateUser"
REPORT = "<testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail>"


@pytest.fixture(scope="module")
def two_gateways(pg_database, tmp_path_factory):
    store = Store(pg_database)
    _truncate_all(store)
    store.dispose()
    logs = tmp_path_factory.mktemp("scale-out")
    with procs.gateway(pg_database, logs / "a.log", "--demo", workers=1) as a:
        with procs.gateway(pg_database, logs / "b.log", workers=1) as b:
            yield a, b


def post_signed(base: str, path: str, body: bytes, content_type: str, authorization: str) -> requests.Response:
    return requests.post(base + path, data=body, timeout=30,
                         headers={"Host": HOST, "Content-Type": content_type, "Authorization": authorization})


@pytest.mark.parametrize("path, content_type, body", [
    (load.LIS_PATH, "text/xml; charset=utf-8", load.lis_read_result("49313814")),
    (load.POX_PATH, "application/xml", load.pox_replace_result("49313826", "0.5")),
], ids=["lis-soap", "lti-pox"])
def test_a_nonce_used_on_one_gateway_is_refused_by_the_other(two_gateways, path, content_type, body):
    a, b = two_gateways
    for first, second in ((a, b), (b, a)):
        authorization = authorization_header(f"http://{HOST}{path}", body, load.CONSUMER_KEY, load.SECRET, content_type=content_type)
        accepted = post_signed(first.base, path, body, content_type, authorization)
        assert accepted.status_code == 200, accepted.text
        assert b"<imsx_codeMajor>success</imsx_codeMajor>" in accepted.content.replace(b"tns:", b"")
        replayed = post_signed(second.base, path, body, content_type, authorization)
        assert b"the nonce has already been used" in replayed.content, replayed.text
        if path == load.LIS_PATH:  # Turnitin's literal fault code, HTTP 500
            assert replayed.status_code == 500
            assert etree.fromstring(replayed.content).findtext(".//faultcode") == "Authentication Fault"
        else:
            assert replayed.status_code == 401


def test_a_session_ticket_issued_by_one_gateway_is_accepted_by_the_other(two_gateways):
    a, b = two_gateways
    issued = etree.fromstring(requests.post(a.base + load.WEBEX_PATH, data=message(AUTH, "").encode(), timeout=30).content)
    assert result_of(issued)[0] == "SUCCESS"
    ticket = issued.findtext(f".//{{{ns.WEBEX_USER}}}sessionTicket")
    assert ticket and len(ticket) >= 40

    security = f"<webExID>hostid</webExID><sessionTicket>{ticket}</sessionTicket><siteID>0000</siteID>"
    answer = etree.fromstring(requests.post(b.base + load.WEBEX_PATH, timeout=30,
                                            data=message(training("GetIMStestResult"), REPORT, security).encode()).content)
    assert result_of(answer)[0] == "SUCCESS"
    assert answer.find(f".//{{{ns.WEBEX_QTI}}}assessment_result") is not None

    forged = security.replace(ticket, ticket[::-1])
    refused = etree.fromstring(requests.post(b.base + load.WEBEX_PATH, timeout=30,
                                             data=message(training("GetIMStestResult"), REPORT, forged).encode()).content)
    assert result_of(refused)[:2] == ("FAILURE", "030047")
