"""Mixed-protocol load with a ledger of every write, for the reliability suite and bench/reliability.py.

Each client (a thread with its own keep-alive connection) cycles through::

    LIS SOAP replaceResult   a NEW sourcedId ``<run>-c<client>-<n>`` (score 0.25)   -- a write
    LIS SOAP readResult      a demo result (49313814)
    WebEx GetIMStestResult   demo test 207 for georgew@sz.webex.com
    LIS SOAP readResults     the two demo results and up to three of this client's own
    LTI POX replaceResult    one of this client's acknowledged ids, score 0.75      -- a write
    WebEx GetIMStestResult   again
    LIS SOAP readResult      this client's newest acknowledged id

LIS and POX requests are signed by requests-oauthlib (``force_include_body=True`` adds the body
hash), each with a fresh nonce, so no request is ever refused for authentication (LIS auth faults
are HTTP 500 by design; a 5xx here is always a gateway fault).

Every answer is classified by its protocol's own shape:

- ``ok``: LIS/POX ``imsx_codeMajor`` success (HTTP 200); WebEx ``SUCCESS``;
- ``busy``: the store-unavailable answer: LIS failure/``targetisbusy`` (HTTP 200), POX failure/
  ``targetisbusy`` with HTTP 503, WebEx FAILURE ``000000`` naming the busy store;
- ``error``: anything else (a 5xx, a traceback, an HTML page, an unexpected status);
- ``noanswer``: the connection failed or timed out.

A write counts as *acknowledged* only when its answer is ``ok``. :func:`verify` then compares the
store with the ledger: every acknowledged write must be there (else it is *lost*), and a row no
acknowledged write explains must come from a write whose answer was not ``ok`` (*in doubt*: a
commit that reached the database just as the connection to it died); anything else is a *phantom*.
"""
from __future__ import annotations

import itertools
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from lxml import etree
from requests_oauthlib import OAuth1
from sqlalchemy import select

from adapters import ns
from adapters.store import Store
from adapters.store.accounts import find_consumer
from adapters.store.models import Result
from gateway import xmlsafe

LIS_PATH = "/api/soap/1p0/lis-result"
POX_PATH = "/lti/outcomes"
WEBEX_PATH = "/WBXService/XMLService"
CONSUMER_KEY, SECRET = "49201", "secret"  # the demo data (DESIGN.md §11)
DEMO_IDS = ("49313814", "49313826")
SOAP_SCORE, POX_SCORE = "0.25", "0.75"
LINE_ITEM = "reliability-line-item"
SOAP_ACTION = "http://www.imsglobal.org/soap/lis/oms1p0/"

_LIS = f"{{{ns.LIS_OMS}}}"
_POX = f"{{{ns.LTI_POX}}}"
_SERV = f"{{{ns.WEBEX_SERVICE}}}"

WEBEX_REQUEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<serv:message xmlns:serv="{ns.WEBEX_SERVICE}" xmlns:xsi="{ns.XSI}">
<header><securityContext><webExID>hostid</webExID><password>hostpassword</password><siteID>0000</siteID>
<partnerID>9999</partnerID><email>johnsmith@xyz.com</email></securityContext></header>
<body><bodyContent xsi:type="java:com.webex.service.binding.training.GetIMStestResult">
<testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail></bodyContent></body>
</serv:message>""".encode()


def lis_envelope(body: str) -> bytes:
    """A LIS OMS SOAP 1.1 request as Turnitin's client sends it (qualified elements, ``ns1`` prefix)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{ns.SOAP_ENV}" xmlns:ns1="{ns.LIS_OMS}">'
        "<SOAP-ENV:Header><ns1:imsx_syncRequestHeaderInfo><ns1:imsx_version>V1.0</ns1:imsx_version>"
        f"<ns1:imsx_messageIdentifier>{uuid.uuid4()}</ns1:imsx_messageIdentifier></ns1:imsx_syncRequestHeaderInfo>"
        f"</SOAP-ENV:Header><SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def lis_read_result(sourced_id: str) -> bytes:
    return lis_envelope(f"<ns1:readResultRequest><ns1:sourcedId>{sourced_id}</ns1:sourcedId></ns1:readResultRequest>")


def lis_read_results(ids: list[str]) -> bytes:
    inner = "".join(f"<ns1:sourcedId>{i}</ns1:sourcedId>" for i in ids)
    return lis_envelope(f"<ns1:readResultsRequest><ns1:sourcedIdSet>{inner}</ns1:sourcedIdSet></ns1:readResultsRequest>")


def lis_replace_result(sourced_id: str, score: str, line_item: str = LINE_ITEM) -> bytes:
    return lis_envelope(
        f"<ns1:replaceResultRequest><ns1:sourcedId>{sourced_id}</ns1:sourcedId><ns1:resultRecord>"
        f"<ns1:sourcedGUID><ns1:sourcedId>{sourced_id}</ns1:sourcedId></ns1:sourcedGUID><ns1:result>"
        f"<ns1:lineItemSourcedId>{line_item}</ns1:lineItemSourcedId><ns1:resultScore><ns1:language>en</ns1:language>"
        f"<ns1:textString>{score}</ns1:textString></ns1:resultScore></ns1:result></ns1:resultRecord>"
        "</ns1:replaceResultRequest>"
    )


def pox_replace_result(sourced_id: str, score: str) -> bytes:
    """LTI 1.1 replaceResult as the ``lti`` package's OutcomeRequest writes it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<imsx_POXEnvelopeRequest xmlns="{ns.LTI_POX}"><imsx_POXHeader><imsx_POXRequestHeaderInfo>'
        f"<imsx_version>V1.0</imsx_version><imsx_messageIdentifier>{uuid.uuid4().hex}</imsx_messageIdentifier>"
        "</imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><replaceResultRequest><resultRecord>"
        f"<sourcedGUID><sourcedId>{sourced_id}</sourcedId></sourcedGUID><result><resultScore><language>en</language>"
        f"<textString>{score}</textString></resultScore></result></resultRecord></replaceResultRequest>"
        "</imsx_POXBody></imsx_POXEnvelopeRequest>"
    ).encode()


# --- classifying answers ------------------------------------------------------------------


def _parse(content: bytes) -> etree._Element | None:
    try:
        return xmlsafe.parse(content)
    except xmlsafe.XMLInputError:
        return None


def classify_lis(status: int, content: bytes) -> tuple[str, str]:
    root = _parse(content)
    if root is None:
        return "error", f"HTTP {status}, not XML: {content[:120]!r}"
    major = root.findtext(f".//{_LIS}imsx_codeMajor")
    minor = root.findtext(f".//{_LIS}imsx_codeMinorFieldValue")
    if status == 200 and major == "success":
        return "ok", minor or ""
    if status == 200 and major == "failure" and minor == "targetisbusy":
        return "busy", minor
    fault = root.findtext(".//faultstring")
    return "error", f"HTTP {status} {major}/{minor} {fault or ''}".strip()


def classify_pox(status: int, content: bytes) -> tuple[str, str]:
    root = _parse(content)
    if root is None or root.tag != f"{_POX}imsx_POXEnvelopeResponse":
        return "error", f"HTTP {status}, not a POX envelope: {content[:120]!r}"
    major = root.findtext(f".//{_POX}imsx_codeMajor")
    description = root.findtext(f".//{_POX}imsx_description") or ""
    if status == 200 and major == "success":
        return "ok", ""
    if status == 503 and major == "failure":
        return "busy", description
    return "error", f"HTTP {status} {major}: {description}"


def classify_webex(status: int, content: bytes) -> tuple[str, str]:
    root = _parse(content)
    if root is None or root.tag != f"{_SERV}message":
        return "error", f"HTTP {status}, not a serv:message: {content[:120]!r}"
    result = root.findtext(f"{_SERV}header/{_SERV}response/{_SERV}result")
    reason = root.findtext(f"{_SERV}header/{_SERV}response/{_SERV}reason") or ""
    exception_id = root.findtext(f"{_SERV}header/{_SERV}response/{_SERV}exceptionID")
    if status != 200:
        return "error", f"HTTP {status} from WebEx (always 200)"
    if result == "SUCCESS":
        return "ok", ""
    if result == "FAILURE" and exception_id == "000000" and "busy" in reason:
        return "busy", reason
    return "error", f"FAILURE {exception_id}: {reason}"


# --- the ledger --------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    started: float  # time.monotonic()
    elapsed: float
    status: int  # HTTP status; 0 when there was no answer
    verdict: str  # ok | busy | error | noanswer
    detail: str = ""
    #: (sourcedId, score) for writes
    write: tuple[str, str] | None = None


@dataclass
class Ledger:
    run: str
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, items: list[Outcome]) -> None:
        with self.lock:
            self.outcomes.extend(items)

    def verdicts(self, since: float = float("-inf"), until: float = float("inf")) -> Counter:
        return Counter(o.verdict for o in self.outcomes if since <= o.started < until)

    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict in ("error", "noanswer")]

    def server_errors(self) -> int:
        return sum(1 for o in self.outcomes if o.status >= 500 and o.verdict != "busy")

    def acknowledged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.write and o.verdict == "ok"]

    def percentiles(self, verdict: str = "ok") -> tuple[float, float]:
        times = sorted(o.elapsed for o in self.outcomes if o.verdict == verdict)
        if not times:
            return 0.0, 0.0
        return statistics.median(times) * 1000, times[min(len(times) - 1, int(len(times) * 0.99))] * 1000


# --- the clients ------------------------------------------------------------------------


class _SignPosts(OAuth1):
    def __call__(self, r):
        return super().__call__(r) if r.method == "POST" else r


class Client:
    """One simulated integration: a keep-alive session, its own sourcedIds, its own ledger slice."""

    def __init__(self, base: str, run: str, number: int, timeout: float = 30):
        self.base, self.run, self.number, self.timeout = base, run, number, timeout
        self.plain = requests.Session()
        self.signed = requests.Session()
        self.signed.auth = _SignPosts(CONSUMER_KEY, SECRET, force_include_body=True)
        self.created: list[str] = []  # acknowledged SOAP creations, oldest first
        self.pox_pending: list[str] = []  # acknowledged ids not yet given a POX score
        self.serial = itertools.count(1)
        self.outcomes: list[Outcome] = []

    def _post(self, kind: str, session: requests.Session, path: str, body: bytes, headers: dict[str, str],
              classify: Callable[[int, bytes], tuple[str, str]], write: tuple[str, str] | None = None) -> Outcome:
        started = time.monotonic()
        try:
            response = session.post(self.base + path, data=body, headers=headers, timeout=self.timeout)
            status, (verdict, detail) = response.status_code, classify(response.status_code, response.content)
        except requests.RequestException as exc:
            status, verdict, detail = 0, "noanswer", f"{type(exc).__name__}: {exc}"
        outcome = Outcome(kind, started, time.monotonic() - started, status, verdict, detail, write)
        self.outcomes.append(outcome)
        return outcome

    def lis(self, kind: str, body: bytes, write: tuple[str, str] | None = None) -> Outcome:
        action = kind.split(".", 1)[1]
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}{action}"'}
        return self._post(kind, self.signed, LIS_PATH, body, headers, classify_lis, write)

    def step(self, op: int) -> None:
        if op == 0:
            sourced_id = f"{self.run}-c{self.number}-{next(self.serial)}"
            if self.lis("lis.replaceResult", lis_replace_result(sourced_id, SOAP_SCORE), (sourced_id, SOAP_SCORE)).verdict == "ok":
                self.created.append(sourced_id)
                self.pox_pending.append(sourced_id)
        elif op == 1:
            self.lis("lis.readResult", lis_read_result(DEMO_IDS[0]))
        elif op in (2, 6):
            self._post("webex.GetIMStestResult", self.plain, WEBEX_PATH, WEBEX_REQUEST,
                       {"Content-Type": "text/xml; charset=utf-8"}, classify_webex)
        elif op == 3:
            self.lis("lis.readResults", lis_read_results([*DEMO_IDS, *self.created[-3:]]))
        elif op == 4 and self.created:
            # the oldest id not yet scored through POX, else the newest again (same score: idempotent)
            sourced_id = self.pox_pending.pop(0) if self.pox_pending else self.created[-1]
            self._post("pox.replaceResult", self.signed, POX_PATH, pox_replace_result(sourced_id, POX_SCORE),
                       {"Content-Type": "application/xml"}, classify_pox, (sourced_id, POX_SCORE))
        elif op == 5 and self.created:
            self.lis("lis.readResult", lis_read_result(self.created[-1]))

    def run_until(self, deadline: float, max_requests: int) -> None:
        ops = itertools.cycle(range(7))
        while time.monotonic() < deadline and len(self.outcomes) < max_requests:
            self.step(next(ops))
        self.plain.close()
        self.signed.close()


def drive(base: str, seconds: float, clients: int = 8, max_requests_per_client: int = 10**9,
          run: str | None = None, during: Callable[[], None] | None = None) -> Ledger:
    """``clients`` concurrent clients for ``seconds`` (or until each sent ``max_requests_per_client``).

    ``during``, if given, runs in the calling thread while the clients work (the fault injector).
    """
    ledger = Ledger(run or f"rel-{uuid.uuid4().hex[:8]}")
    deadline = time.monotonic() + seconds
    workers = [Client(base, ledger.run, i) for i in range(clients)]
    threads = [threading.Thread(target=w.run_until, args=(deadline, max_requests_per_client), daemon=True) for w in workers]
    for t in threads:
        t.start()
    try:
        if during is not None:
            during()
    finally:
        for t in threads:
            t.join()
    for w in workers:
        ledger.add(w.outcomes)
    return ledger


# --- checking the store against the ledger ----------------------------------------------


@dataclass
class Verification:
    acknowledged: int
    rows: int
    lost: list[str]
    in_doubt: list[str]
    phantoms: list[str]

    @property
    def ok(self) -> bool:
        return not self.lost and not self.phantoms


def verify(database_url: str, ledger: Ledger) -> Verification:
    """Compare the run's rows with its acknowledged writes (see the module docstring)."""
    expected: dict[str, str] = {}
    for o in sorted(ledger.acknowledged(), key=lambda o: o.started):
        sourced_id, score = o.write
        expected[sourced_id] = score
    unacknowledged = {o.write[0]: o.write[1] for o in ledger.outcomes if o.write and o.verdict != "ok"}
    store = Store(database_url)
    try:
        with store.session() as session:
            account_id = find_consumer(session, CONSUMER_KEY).account_id
            rows = dict(session.execute(
                select(Result.sourced_id, Result.score_text).where(
                    Result.account_id == account_id, Result.sourced_id.like(f"{ledger.run}-%")
                )
            ).all())
    finally:
        store.dispose()
    lost, in_doubt, phantoms = [], [], []
    for sourced_id, score in expected.items():
        if sourced_id not in rows:
            lost.append(sourced_id)
        elif rows[sourced_id] != score:
            # an acknowledged score was overwritten by a later write that was not acknowledged
            (in_doubt if unacknowledged.get(sourced_id) == rows[sourced_id] else lost).append(sourced_id)
    for sourced_id, score in rows.items():
        if sourced_id not in expected:
            (in_doubt if unacknowledged.get(sourced_id) == score else phantoms).append(sourced_id)
    return Verification(len(ledger.acknowledged()), len(rows), lost, in_doubt, phantoms)


def wait_healthy(base: str, timeout: float = 30) -> float:
    """Seconds until /healthz answers 200 (raises after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base} not healthy after {timeout} s")
