"""A large DataService request is authenticated from its header before anything parses the whole
body (gateway.itslearning.services.PREAUTHENTICATE_BYTES): a wrong password costs no parsed tree."""
from __future__ import annotations

import pytest
import zeep.exceptions

from gateway import xmlsafe
from gateway.itslearning import services
from gateway.itslearning.services import DATA_PATH
from tests.conftest import BASE_URL
from tests.itslearning.conftest import client

LARGE = "<Message/>" + " " * 2_000_000  # past the journal's own parsing limit too (1 MB)


@pytest.fixture
def large_parses(monkeypatch) -> list[int]:
    """The sizes of the bodies larger than the pre-authentication threshold that got parsed whole."""
    sizes: list[int] = []
    real = xmlsafe.parse

    def parse(data, *args, **kwargs):
        if len(data) > services.PREAUTHENTICATE_BYTES:
            sizes.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(xmlsafe, "parse", parse)
    return sizes


def test_a_wrong_password_is_refused_before_the_body_is_parsed(http, demo_store, large_parses):
    with pytest.raises(zeep.exceptions.Fault) as fault:
        client(http, DATA_PATH, password="wrong").service.AddMessage(dataMessage={"Data": LARGE, "Type": 1})
    assert "FailedAuthentication" in fault.value.code
    assert large_parses == []


def test_the_right_password_goes_on_to_the_operation(http, demo_store, large_parses):
    added = client(http, DATA_PATH).service.AddMessage(dataMessage={"Data": LARGE, "Type": 1})
    assert added.MessageId and added.Status == "InQueue"
    assert len(large_parses) == 1  # the operation's own reading, once authenticated


PAD = b" " * 1_100_000  # the journal's parsing limit (1 MB) passed as well
ENVELOPE = b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'>"


@pytest.mark.parametrize("body, message", [
    (b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>" + PAD, "must not contain a DOCTYPE"),
    (ENVELOPE + b"<s:Header>" + b"<x/>" * 80_000 + PAD, "Body does not start within the first 262144 bytes"),
    (ENVELOPE + b"<s:Header/>" + PAD, "Body does not start within the first 262144 bytes"),
    (ENVELOPE + b"<s:Header><a></b>" + PAD, "Malformed SOAP envelope"),
])
def test_a_large_body_that_cannot_be_read_to_its_body_is_a_client_fault(http, demo_store, large_parses, body, message):
    answer = http.post(BASE_URL + DATA_PATH, data=body, headers={"Content-Type": "text/xml; charset=utf-8"})
    assert answer.status_code == 500 and b"SOAP-ENV:Client" in answer.content and message.encode() in answer.content
    assert large_parses == []
