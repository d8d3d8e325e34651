"""Tests and attempts, gateway side: hardened parsing, the QTI 1.2 engine, and the store, together.

Used by ``lms-gateway tests|attempts``, the demo loader and the protocol layers, so that a test is
read, and an attempt scored, the same way everywhere. Attempts come in DESIGN.md §11's shape::

    {"test": 207, "participant": {"email": "georgew@sz.webex.com", "name": "java java"},
     "started": "2003-12-12T16:17:11", "duration": "P0Y0M0DT0H30M",
     "responses": {"236": {"237": ["357"]}}}
"""
from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from adapters import qti12, scores
from adapters.integers import INT64, IntegerError, parse_int
from adapters.store import attempts as store_attempts
from adapters.store import results as store_results
from adapters.store import tests as store_tests
from adapters.store.models import Account, Attempt, Test
from gateway import xmlsafe

#: Test.meta key of the per-test switch for exports that assume continue="Yes"
CONTINUE_YES = "continue_yes"
#: Test.meta key: typed text is compared exactly as given (QTI 2.1's string semantics). Tests
#: imported from QTI 2.1 packages get it; importing with the trimming compatibility switch
#: (``lms-gateway itslearning import --trim-strings``) leaves it out, and QTI 1.2 tests never have it.
EXACT_STRINGS = "exact_strings"
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def parse_qti12(data: bytes) -> etree._Element:
    """A QTI 1.2 document through the hardened parser; element declarations (inert) are tolerated."""
    try:
        return xmlsafe.parse(data, allow_element_declarations=True)
    except xmlsafe.XMLInputError as exc:
        raise qti12.Qti12Error(f"the document is not acceptable XML: {exc}") from None


def load_qti12(data: bytes, *, continue_yes: bool = False) -> qti12.Assessment:
    return qti12.load_assessment(parse_qti12(data), continue_yes=continue_yes)


@functools.lru_cache(maxsize=256)
def _assessment(qti_xml: str, continue_yes: bool, exact_strings: bool = False) -> qti12.Assessment:
    # Parsing and compiling is the dear part; a stored test's text is its cache key.
    return qti12.load_assessment(parse_qti12(qti_xml.encode("utf-8")), continue_yes=continue_yes,
                                 exact_strings=exact_strings)


def switches(test: Test) -> tuple[bool, bool]:
    """The test's per-test scoring switches: (continue_yes, exact_strings)."""
    meta = test.meta or {}
    return bool(meta.get(CONTINUE_YES)), bool(meta.get(EXACT_STRINGS))


def set_trim_strings(test: Test, trim: bool) -> None:
    """The compatibility switch for QTI 2.1 content written for engines that strip typed text:
    ``trim=True`` compares ``" York"`` as ``"York"`` (QTI 1.2's rule), ``False`` as QTI 2.1 says."""
    meta = dict(test.meta or {})
    meta[EXACT_STRINGS] = not trim
    test.meta = meta


def assessment_of(test: Test) -> qti12.Assessment:
    """The stored test, parsed and compiled (cached by its text and its switches)."""
    return _assessment(test.qti_xml, *switches(test))


def import_test(
    session: Session,
    account: Account,
    data: bytes,
    *,
    webex_test_id: int | None = None,
    host_webex_id: str | None = None,
    continue_yes: bool = False,
) -> tuple[Test, qti12.Assessment]:
    """Store a QTI 1.2 document as a test (next free testID unless given); ValueError on bad input."""
    root = parse_qti12(data)
    assessment = qti12.load_assessment(root, continue_yes=continue_yes)
    test = store_tests.add_test(
        session,
        account,
        qti_xml=document_text(root),
        ident=assessment.ident,
        title=assessment.title,
        description=assessment.description or None,
        host_webex_id=host_webex_id,
        webex_test_id=webex_test_id,
        meta={CONTINUE_YES: True} if continue_yes else {},
    )
    return test, assessment


def document_text(root: etree._Element) -> str:
    """The document as stored in Test.qti_xml: text without the XML declaration (it reads back from UTF-8)."""
    return etree.tostring(root.getroottree(), encoding="unicode")


def replace_test_document(test: Test, data: bytes, *, continue_yes: bool = False) -> qti12.Assessment:
    """Give an existing test a new QTI 1.2 document (its testID, owner and attempts stay)."""
    root = parse_qti12(data)
    assessment = qti12.load_assessment(root, continue_yes=continue_yes)
    test.qti_xml = document_text(root)
    test.ident, test.title, test.description = assessment.ident, assessment.title, assessment.description or None
    test.meta = {**(test.meta or {}), CONTINUE_YES: continue_yes}
    return assessment


def rescore(test: Test, attempt: Attempt) -> qti12.AttemptScore:
    """Score the attempt's stored responses again with the current engine and store the outcome."""
    scored = qti12.score_attempt(assessment_of(test), attempt.responses or {})
    summary = scored.to_json()
    attempt.score, attempt.score_min, attempt.score_max = summary["score"], summary["min"], summary["max"]
    attempt.outcomes = summary["items"]
    return scored


@dataclass
class AttemptInput:
    test: int
    email: str
    name: str | None
    started: datetime | None
    duration: str | None
    responses: dict[str, dict[str, list[str]]]
    #: Where the score is published as a LIS result: {"sourcedId": .., "lineItem": ..}, both optional.
    result: dict[str, str]


def read_attempt(payload: Any) -> AttemptInput:
    """Check an attempt document's shape (DESIGN.md §11); ValueError says what is wrong."""
    if not isinstance(payload, Mapping):
        raise ValueError("an attempt is a JSON object with test, participant and responses")
    test = payload.get("test")
    if isinstance(test, str):
        with contextlib.suppress(IntegerError):  # ASCII digits only: "２０７" is not 207
            test = parse_int(test, "test")
    if not isinstance(test, int) or isinstance(test, bool) or not 1 <= test <= INT64[1]:
        raise ValueError(f'"test" must be a WebEx testID (a positive integer), got {test!r}')
    participant = payload.get("participant")
    if not isinstance(participant, Mapping) or not isinstance(participant.get("email"), str) or not participant["email"].strip():
        raise ValueError('"participant" must be an object with an "email"')
    name = participant.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError('"participant.name" must be a string')
    if qti12.outcomes.NOT_XML.search(participant["email"] + (name or "")):
        raise ValueError('"participant" holds a character XML cannot carry')
    started = payload.get("started")
    if started is not None:
        if not isinstance(started, str):
            raise ValueError('"started" must be an ISO 8601 date and time such as "2003-12-12T16:17:11"')
        try:
            started = datetime.fromisoformat(started)
        except ValueError:
            raise ValueError(f'"started" {payload["started"]!r} is not an ISO 8601 date and time') from None
    duration = payload.get("duration")
    if duration is not None and (not isinstance(duration, str) or not _DURATION.match(duration)):
        raise ValueError(f'"duration" {duration!r} is not an ISO 8601 duration such as "P0Y0M0DT0H30M"')
    responses = payload.get("responses", {})
    if not isinstance(responses, Mapping):
        raise ValueError('"responses" must be an object {item ident: {response ident: [values]}}')
    result = payload.get("result", {})
    if not isinstance(result, Mapping) or not all(
        isinstance(result.get(k), str) and result[k].strip() for k in result if k in ("sourcedId", "lineItem")
    ) or set(result) - {"sourcedId", "lineItem"}:
        raise ValueError('"result" must be an object with optional "sourcedId" and "lineItem" strings')
    return AttemptInput(test, participant["email"].strip(), name, started, duration, dict(responses), dict(result))


def submit_attempt(session: Session, account: Account, payload: Any) -> tuple[Test, Attempt, qti12.AttemptScore]:
    """Score an attempt document and store it with its per-item outcomes; ValueError on bad input."""
    data = read_attempt(payload)
    test = store_tests.find_test(session, account.id, data.test)
    if test is None:
        raise ValueError(f"no test with testID {data.test} in account {account.name!r}")
    assessment = assessment_of(test)
    scored = qti12.score_attempt(assessment, data.responses)
    person = store_attempts.person_by_email(session, account.id, data.email, data.name)
    summary = scored.to_json()
    attempt = store_attempts.record_attempt(
        session, test, person,
        responses=data.responses, started=data.started, duration=data.duration,
        score=summary["score"], score_min=summary["min"], score_max=summary["max"], outcomes=summary["items"],
    )
    publish_result(session, account, test, attempt, person, data.result)
    return test, attempt, scored


def publish_result(session: Session, account: Account, test: Test, attempt: Attempt, person, where: Mapping[str, str]) -> str:
    """The attempt's score as a LIS result, so LIS OMS and LTI clients read what WebEx reports.

    By default the line item is ``test-<testID>`` (linked to the test) and the result
    ``test-<testID>-<person sourcedId>``; the attempt's ``result`` object may name both. The score
    is the fraction of the maximum, 0.0–1.0, the range LTI 1.1 requires of every result it reads.
    """
    line_item_id = where.get("lineItem") or f"test-{test.webex_test_id}"
    sourced_id = where.get("sourcedId") or f"test-{test.webex_test_id}-{person.sourced_id}"
    store_results.line_item(session, account.id, line_item_id, label=test.title).test_id = test.id
    fraction = 0.0 if not attempt.score_max else min(max((attempt.score or 0) / attempt.score_max, 0.0), 1.0)
    store_results.upsert_result(session, account.id, store_results.ResultData(
        sourced_id=sourced_id,
        line_item_sourced_id=line_item_id,
        person_sourced_id=person.sourced_id,
        date=attempt.created_at,
        value_label=test.title,
        score_language="en-US",
        score_text=format(round(fraction, 4), "g"),
        score_maximum=scores.LTI_MAXIMUM,
    ))
    store_results.link_attempt(session, account.id, sourced_id, attempt.id)
    return sourced_id


def stored_score(attempt: Attempt) -> qti12.AttemptScore:
    """The scored attempt as stored (the shape :meth:`AttemptScore.to_json` gives)."""
    return qti12.AttemptScore.from_json(
        {"score": attempt.score, "min": attempt.score_min, "max": attempt.score_max, "items": attempt.outcomes or {}}
    )
