"""Demo tests and attempts (DESIGN.md §11, seed 000).

WebEx test 207 "Test1 (3)" is the QTI 1.2 document ``data/test207.xml``, owned by the demo host
``hostid``; georgew@sz.webex.com's stored responses are scored by the engine into the seed's
report (items 15, 15, 0, 0, 0, 15: SCORE 45 of 100). Test 102, the one the seed's request asks
for, holds the same items with an attempt by amyl@sz.webex.com. Nothing here stores a score that
the engine did not compute.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from adapters.store import attempts as store_attempts
from adapters.store import tests as store_tests
from adapters.store.models import Account
from gateway import assessments
from gateway.config import Settings
from gateway.demo.accounts import WEBEX
from gateway.resources import DEMO_DATA

TEST_207 = DEMO_DATA / "test207.xml"

#: (testID, QTI 1.2 document) of the demo tests
TESTS = ((207, TEST_207), (102, TEST_207))

#: the demo attempts, in DESIGN.md §11's shape
ATTEMPTS = (
    {
        "test": 207,
        "participant": {"email": "georgew@sz.webex.com", "name": "java java"},
        "started": "2003-12-12T16:17:11",
        "duration": "P0Y0M0DT0H30M",
        "responses": {
            "236": {"237": ["357"]},
            "241": {"242": ["372"]},
            "246": {"247": ["382"]},
            "251": {"252": ["392"]},
            "261": {"262_0": ["bnbvnvb"]},
            "266": {"267": ["fngnmhmjh,gj"]},
        },
    },
    {
        "test": 102,
        "participant": {"email": "amyl@sz.webex.com", "name": "Amy L"},
        "started": "2003-12-11T10:02:45",
        "duration": "P0Y0M0DT0H22M",
        "responses": {
            "236": {"237": ["357"]},
            "241": {"242": ["368"]},
            "246": {"247": ["377", "382"]},
            "251": {"252": ["402"]},
            "261": {"262_0": ["Hello"]},
        },
    },
)


def load(session: Session, account: Account, settings: Settings) -> list[str]:
    replaced = []
    for webex_test_id, path in TESTS:
        data = path.read_bytes()
        test = store_tests.find_test(session, account.id, webex_test_id)
        if test is None:
            assessments.import_test(session, account, data, webex_test_id=webex_test_id, host_webex_id=WEBEX["webex_id"])
        else:  # refresh in place, so that loading twice changes nothing else
            replaced.append(f"test {webex_test_id} (its QTI document and host)")
            assessments.replace_test_document(test, data)
            test.host_webex_id = WEBEX["webex_id"]
    session.flush()
    for payload in ATTEMPTS:
        test = store_tests.find_test(session, account.id, payload["test"])
        found = store_attempts.latest_attempt(session, test.id, payload["participant"]["email"])
        if found is None:
            assessments.submit_attempt(session, account, payload)
            continue
        attempt, _person = found
        replaced.append(f"the latest attempt of {payload['participant']['email']} at test {payload['test']}")
        attempt.responses = payload["responses"]
        attempt.started_at = datetime.fromisoformat(payload["started"])
        attempt.duration = payload["duration"]
        assessments.rescore(test, attempt)
    return replaced
