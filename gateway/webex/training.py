"""WebEx Training Center test operations: GetIMStestResult, GetIMStestDetails,
GetTestInformation, LstScheduledTests.

GetIMStestResult answers the participant's latest attempt as WebEx's QTI 1.2 results report,
built by the QTI 1.2 engine from the stored test and responses (never a stored document)::

    <serv:bodyContent xsi:type="train:getIMStestResultResponse" xmlns:xsi="...">
      <train:qti_result_report>
        <qti:result><qti:context>...</qti:context><qti:assessment_result ...>...</qti:assessment_result></qti:result>
      </train:qti_result_report>
    </serv:bodyContent>
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from lxml import etree

from adapters import ns, qti12, scores
from adapters.integers import INT64, IntegerError, parse_int
from adapters.store import attempts as store_attempts
from adapters.store import tests as store_tests
from adapters.store import webex as queries
from adapters.store.models import Test
from adapters.qti12.webex_asi import to_webex_asi
from gateway import assessments
from gateway.webex import envelope, errors
from gateway.webex.envelope import WebexRequest, child_text
from gateway.webex.errors import WebexFailure
from gateway.webex.protocol import Reply

if TYPE_CHECKING:
    from gateway.webex.service import Call

WEBEX_DATE = "%m/%d/%Y %H:%M:%S"
TEST_STATUSES = ("NOT_STARTED", "STARTED", "ENDED")


def T(tag: str) -> str:
    return f"{{{ns.WEBEX_TRAINING}}}{tag}"


def get_ims_test_result(call: "Call", request: WebexRequest) -> Reply:
    test_id = _test_id(request)
    email = _required(request, "participantEmail")
    found = queries.test_with_latest_attempt(call.session, call.host.account_id, test_id, email)
    if found is None:
        raise WebexFailure(errors.NO_RECORD)
    _check_host(call, found)
    if found.attempt_id is None:
        raise WebexFailure(errors.NO_RECORD)
    # An attempt never changes once stored; its report does only if the test or the person does.
    # The test's document is keyed by digest: a key holding the text would keep a copy per entry.
    key = (found.id, found.webex_test_id, _DIGESTS.of(found.id, found.qti_xml), assessments.switches(found),
           found.attempt_id, found.person_name, found.person_email)
    return Reply.rendered(_REPORTS.get(key) or _REPORTS.put(key, _report(found, email)))


def _report(found, email: str) -> bytes:
    """The report of a :func:`adapters.store.webex.test_with_latest_attempt` row."""
    assessment = assessments.assessment_of(found)
    score = qti12.score_attempt(assessment, found.responses)
    result = qti12.build_result(
        assessment,
        score,
        found.responses,
        participant_name=found.person_name or "",
        participant_email=found.person_email or email,
        started=found.started_at,
        duration=found.duration,
        test_id=found.webex_test_id,
    )
    report = etree.Element(T("qti_result_report"))
    report.append(result)
    return envelope.success("train:getIMStestResultResponse", [report])


def get_ims_test_details(call: "Call", request: WebexRequest) -> Reply:
    """The stored test projected onto WebEx's restricted QTI 1.2 ASI.

    trainingsession.xsd declares the wrapper in its own namespace with the qtiasi type, so the
    answer is ``<train:questestinterop><qtiasi:assessment ...>...</train:questestinterop>``.
    """
    test = _host_test(call, request)
    source = assessments.parse_qti12(test.qti_xml.encode("utf-8"))
    description = assessments.assessment_of(test).description
    document = to_webex_asi(source, test_id=test.webex_test_id, wrapper=T("questestinterop"), description=description)
    return Reply("train:getIMStestDetailsResponse", [document])


def get_test_information(call: "Call", request: WebexRequest) -> Reply:
    test = _host_test(call, request)
    submissions = store_attempts.attempts_of_test(call.session, test.id)
    assessment = assessments.assessment_of(test)
    meta = test.meta or {}
    content = _scheduled_test_fields(test, submitted=bool(submissions))
    _add(content, "description", test.description)
    _add(content, "startDate", meta.get("startDate") or _webex_date(test.created_at))
    _add(content, "timeLimit", meta.get("timeLimit"))
    _add(content, "author", test.host_webex_id or call.host.webex_id)
    _add(content, "numQuestions", len(assessment.items))
    _add(content, "numSubmitted", len(submissions))
    _add(content, "numStarted", len(submissions))
    unscored = sum(1 for attempt, _ in submissions if attempt.score is None)
    _add(content, "numSubmittedUnscroed", unscored)  # sic: WebEx's XSD spells it so, and requires it
    _add(content, "numSubmittedUnscored", unscored)
    for attempt, person in submissions:
        row = etree.Element(T("submittedTest"))
        _add(row, "name", person.name or "")
        _add(row, "email", person.email or "")
        _add(row, "submitDate", _webex_date(attempt.created_at))
        _add(row, "score", scores.webex_points(attempt.score, attempt.score_min, attempt.score_max))
        _add(row, "grade", "")
        _add(row, "registerID", attempt.id)
        content.append(row)
    # the test's maximum, whether or not anyone has submitted (an unanswered attempt scores it)
    _add(content, "maxScore", scores.webex_points(qti12.score_attempt(assessment, {}).max))
    return Reply("train:getTestInformationResponse", list(content))


def lst_scheduled_tests(call: "Call", request: WebexRequest) -> Reply:
    status = child_text(request.content, "status")
    if status and status not in TEST_STATUSES:
        raise WebexFailure(errors.INVALID_REQUEST, f"Invalid request: status must be one of {', '.join(TEST_STATUSES)}")
    author = child_text(request.content, "author") or call.host.webex_id
    if author != call.host.webex_id:
        # another host's list is theirs alone, as GetTestInformation on one of their tests is
        raise WebexFailure(errors.ACCESS_DENIED)
    session_key = child_text(request.content, "sessionKey")
    rows = []
    for test, submitted in queries.tests_of_host(call.session, call.host.account_id, author):
        fields = _scheduled_test_fields(test, submitted)
        if status and fields.findtext(T("status")) != status:
            continue
        if session_key and fields.findtext(T("sessionKey")) != session_key:
            continue
        test_el = etree.Element(T("test"))
        test_el.extend(list(fields))
        rows.append(test_el)
    if not rows:
        raise WebexFailure(errors.NO_RECORD)  # WebEx answers an empty list with this FAILURE
    return Reply("train:lstScheduledTestsResponse", rows)


def _scheduled_test_fields(test: Test, submitted: bool) -> etree._Element:
    """testID, title, delivery, status, dueDate?, sessionKey (train:scheduledTestInstanceType)."""
    meta = test.meta or {}
    holder = etree.Element("fields")
    _add(holder, "testID", test.webex_test_id)
    _add(holder, "title", test.title)
    _add(holder, "delivery", meta.get("delivery", "IN_SESSION"))
    _add(holder, "status", meta.get("status") or ("STARTED" if submitted else "NOT_STARTED"))
    _add(holder, "dueDate", meta.get("dueDate"))
    _add(holder, "sessionKey", meta.get("sessionKey", 0))
    return holder


def _host_test(call: "Call", request: WebexRequest) -> Test:
    test = store_tests.find_test(call.session, call.host.account_id, _test_id(request))
    if test is None:
        raise WebexFailure(errors.NO_RECORD)
    _check_host(call, test)
    return test


def _test_id(request: WebexRequest) -> int:
    raw = _required(request, "testID")
    try:
        return parse_int(raw, "testID", INT64)  # tests.webex_test_id is a BigInteger
    except IntegerError as exc:
        raise WebexFailure(errors.INVALID_REQUEST, f"Invalid request: {exc}") from None


def _check_host(call: "Call", test) -> None:
    """The one host rule, for every operation: a host sees its own tests and those of no host
    (WebEx answers another host's test with Access denied)."""
    if not queries.visible_to(test, call.host.webex_id):
        raise WebexFailure(errors.ACCESS_DENIED)


def _required(request: WebexRequest, name: str) -> str:
    value = child_text(request.content, name)
    if not value:
        raise WebexFailure(errors.INVALID_REQUEST, f"Invalid request: {request.operation} needs {name}")
    return value


class _ReportCache:
    """Rendered GetIMStestResult answers, least recently used out first (bounded memory)."""

    def __init__(self, size: int = 1024):
        self._size = size
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: bytes) -> bytes:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class _DigestCache:
    """Each test's document digest, remembered with the text it was taken of: a test read again
    costs a comparison of the text (equal, or a new digest), not a hash of it on every call.
    Bounded by tests and by the characters kept (the texts are what takes the room)."""

    def __init__(self, size: int = 256, chars: int = 16 * 1024 * 1024):
        self._size, self._chars, self._kept = size, chars, 0
        self._items: OrderedDict[int, tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, test_id: int, text: str) -> bytes:
        with self._lock:
            kept = self._items.get(test_id)
            if kept is not None and kept[0] == text:
                self._items.move_to_end(test_id)
                return kept[1]
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
        with self._lock:
            old = self._items.pop(test_id, None)
            self._kept -= len(old[0]) if old else 0
            self._items[test_id] = (text, digest)
            self._kept += len(text)
            while len(self._items) > self._size or (self._kept > self._chars and len(self._items) > 1):
                _, (dropped, _) = self._items.popitem(last=False)
                self._kept -= len(dropped)
        return digest

    def __len__(self) -> int:
        return len(self._items)


_REPORTS = _ReportCache()
_DIGESTS = _DigestCache()


def _add(parent: etree._Element, tag: str, value) -> None:
    if value is None:
        return
    etree.SubElement(parent, T(tag)).text = str(value)


def _webex_date(moment: datetime | None) -> str:
    moment = moment or datetime.now(timezone.utc)
    return moment.strftime(WEBEX_DATE)
