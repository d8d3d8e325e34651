"""Issue 12 items 7 and 10 on the WebEx endpoint: one host rule for every operation, and testIDs
that are not plain ASCII integers within 64 bits get a FAILURE with a clear reason."""
from __future__ import annotations

import pytest

from adapters.store import accounts
from gateway import assessments
from gateway.security.passwords import hash_password
from tests.conftest import REFERENCE
from tests.webex.conftest import NS, message, result_of, training

HOST_A = "<webExID>hostid</webExID><password>hostpassword</password><siteID>0000</siteID>"
HOST_B = "<webExID>otherhost</webExID><password>pw-b</password><siteID>0000</siteID>"
B_TITLE = "Host B's private test"


@pytest.fixture
def b_test(demo_store) -> int:
    """A second host in the demo account, owning one test with a title of its own."""
    with demo_store.session() as s:
        account = accounts.get_or_create_account(s, "demo")
        accounts.set_webex_credential(s, account, webex_id="otherhost", password_hash=hash_password("pw-b"), site_id="0000")
        data = (REFERENCE / "qti" / "items-v1p2" / "mchc_ir_01.xml").read_bytes()
        test, _ = assessments.import_test(s, account, data, host_webex_id="otherhost")
        test.title = B_TITLE
        return test.webex_test_id


def test_lst_scheduled_tests_with_another_hosts_author_lists_nothing_of_theirs(webex, b_test):
    root = webex(message(training("LstScheduledTests"), "<author>otherhost</author>", HOST_A))
    assert result_of(root) == ("FAILURE", "000001", "Access denied, additional privileges are required")
    assert B_TITLE.encode() not in webex.last_raw
    assert root.find(".//train:test", NS) is None


def test_each_host_lists_only_what_it_may_see(webex, b_test):
    own = webex(message(training("LstScheduledTests"), "", HOST_A))
    assert str(b_test) not in [t.findtext("train:testID", namespaces=NS) for t in own.iterfind(".//train:test", NS)]
    theirs = webex(message(training("LstScheduledTests"), "<author>otherhost</author>", HOST_B))
    ids = [t.findtext("train:testID", namespaces=NS) for t in theirs.iterfind(".//train:test", NS)]
    assert str(b_test) in ids and "207" not in ids  # 207 is host A's
    assert B_TITLE in [t.findtext("train:title", namespaces=NS) for t in theirs.iterfind(".//train:test", NS)]


@pytest.mark.parametrize("operation, extra", [
    ("GetIMStestResult", "<participantEmail>georgew@sz.webex.com</participantEmail>"),
    ("GetIMStestDetails", ""),
    ("GetTestInformation", ""),
])
def test_every_operation_denies_another_hosts_test(webex, b_test, operation, extra):
    root = webex(message(training(operation), f"<testID>{b_test}</testID>{extra}", HOST_A))
    assert result_of(root) == ("FAILURE", "000001", "Access denied, additional privileges are required")
    assert B_TITLE.encode() not in webex.last_raw
    # and its owner is answered
    assert result_of(webex(message(training(operation), f"<testID>{b_test}</testID>{extra}", HOST_B)))[:2] in (
        ("SUCCESS", None), ("FAILURE", "000015"))  # GetIMStestResult: nobody has taken it yet


@pytest.mark.parametrize("operation", ["GetIMStestResult", "GetIMStestDetails", "GetTestInformation"])
@pytest.mark.parametrize("test_id, why", [
    ("２０７", "is not an integer (ASCII digits only)"),
    ("2_07", "is not an integer (ASCII digits only)"),
    ("207\u00a0", "is not an integer (ASCII digits only)"),
    (str(2**63), "is out of range (-9223372036854775808 to 9223372036854775807)"),
    ("9" * 20, "is out of range (-9223372036854775808 to 9223372036854775807)"),
])
def test_test_ids_beyond_ascii_or_64_bits_are_refused_clearly(webex, operation, test_id, why):
    extra = "<participantEmail>georgew@sz.webex.com</participantEmail>" if operation == "GetIMStestResult" else ""
    root = webex(message(training(operation), f"<testID>{test_id}</testID>{extra}"))
    assert result_of(root) == ("FAILURE", "999999", f"Invalid request: testID {test_id!r} {why}")


@pytest.mark.parametrize("test_id", [str(2**63 - 1), str(-(2**63)), "0"])
def test_the_64_bit_bounds_are_simply_not_found(webex, test_id):
    root = webex(message(training("GetTestInformation"), f"<testID>{test_id}</testID>"))
    assert result_of(root) == ("FAILURE", "000015", "Sorry, no record found")


def test_xml_whitespace_around_a_test_id_is_fine(webex):
    root = webex(message(training("GetTestInformation"), "<testID>\n  207 </testID>"))
    assert result_of(root)[0] == "SUCCESS"
