"""``POST /lti/outcomes``: LTI 1.1 Basic Outcomes (POX) on the LIS result store (DESIGN.md §6, §7).

A request (what the ``lti`` package and LTI tools send)::

    <imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
      <imsx_POXHeader><imsx_POXRequestHeaderInfo>
        <imsx_version>V1.0</imsx_version><imsx_messageIdentifier>999999123</imsx_messageIdentifier>
      </imsx_POXRequestHeaderInfo></imsx_POXHeader>
      <imsx_POXBody><replaceResultRequest><resultRecord>
        <sourcedGUID><sourcedId>3124567</sourcedId></sourcedGUID>
        <result><resultScore><language>en</language><textString>0.92</textString></resultScore></result>
      </resultRecord></replaceResultRequest></imsx_POXBody>
    </imsx_POXEnvelopeRequest>

and its answer (default namespace, no prefixes: clients test for ``<imsx_codeMajor>success</imsx_codeMajor>``)::

    <?xml version="1.0" encoding="UTF-8"?>
    <imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
      <imsx_POXHeader>
        <imsx_POXResponseHeaderInfo>
          <imsx_version>V1.0</imsx_version>
          <imsx_messageIdentifier>4F1B...</imsx_messageIdentifier>
          <imsx_statusInfo>
            <imsx_codeMajor>success</imsx_codeMajor>
            <imsx_severity>status</imsx_severity>
            <imsx_description>Score for 3124567 is now 0.92</imsx_description>
            <imsx_messageRefIdentifier>999999123</imsx_messageRefIdentifier>
            <imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier>
          </imsx_statusInfo>
        </imsx_POXResponseHeaderInfo>
      </imsx_POXHeader>
      <imsx_POXBody>
        <replaceResultResponse/>
      </imsx_POXBody>
    </imsx_POXEnvelopeResponse>

imsx failures (unknown sourcedId, bad score, unsupported operation) are HTTP 200; a body that is not
a POX envelope is 400, a wrong content type 415, an authentication failure 401 and an unavailable
store 503, each with a failure envelope. When the request was never read (415, 401, 413) the answer
cannot name an operation and its ``<imsx_POXBody/>`` stays empty, the one deviation from the XSD
(which wants a request or response element there).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from http import HTTPStatus

from lxml import etree

from adapters.media_types import media_type
from adapters import scores
from adapters.ns import LTI_POX
from adapters.store import Store, StoreUnavailable
from adapters.store import results as store_results
from gateway import xmlsafe
from gateway.routing import RAW_BODY, Answer, Route, StartResponse, parsed_body
from gateway.config import Settings
from gateway.lis.envelope import message_identifier
from gateway.lis.status import Status, failure, success, unsupported
from gateway.security.oauth import OAUTH_CALLER, OAuthFailure, OAuthMiddleware, OAuthVerifier, normalise_environ

log = logging.getLogger(__name__)

PATH = "/lti/outcomes"
CONTENT_TYPE = "application/xml; charset=utf-8"
XML_MEDIA_TYPES = frozenset({"text/xml", "application/xml"})
DEFAULT_LANGUAGE = "en"
_N = f"{{{LTI_POX}}}"


def envelope(status: Status, message_ref: str = "", operation: str = "", body: etree._Element | None = None) -> bytes:
    root = etree.Element(_N + "imsx_POXEnvelopeResponse", nsmap={None: LTI_POX})
    info = etree.SubElement(etree.SubElement(root, _N + "imsx_POXHeader"), _N + "imsx_POXResponseHeaderInfo")
    etree.SubElement(info, _N + "imsx_version").text = "V1.0"
    etree.SubElement(info, _N + "imsx_messageIdentifier").text = message_identifier()
    st = etree.SubElement(info, _N + "imsx_statusInfo")
    # LTI 1.1's order differs from the SOAP binding's: description before the message reference.
    etree.SubElement(st, _N + "imsx_codeMajor").text = status.code_major
    etree.SubElement(st, _N + "imsx_severity").text = status.severity
    etree.SubElement(st, _N + "imsx_description").text = status.description
    etree.SubElement(st, _N + "imsx_messageRefIdentifier").text = message_ref or None
    etree.SubElement(st, _N + "imsx_operationRefIdentifier").text = operation or None
    pox_body = etree.SubElement(root, _N + "imsx_POXBody")
    if body is not None:
        pox_body.append(body)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def pox_error(status: int, message: str) -> Answer:
    """The Route's error shape (and the 401/415/503 answers): a failure envelope."""
    return Answer(status, CONTENT_TYPE, envelope(failure(message, "invaliddata")))


def store_busy(environ: dict) -> Answer:
    """The Route's busy shape (the store went away during the OAuth checks): HTTP 503 with a
    failure/targetisbusy envelope naming the request's operation when the body names one."""
    message_ref = operation = ""
    try:
        root = xmlsafe.parse(environ.get(RAW_BODY, b""))
    except xmlsafe.XMLInputError:
        root = None
    if root is not None:
        message_ref = _text(root, "imsx_POXHeader", "imsx_POXRequestHeaderInfo", "imsx_messageIdentifier")
        body = _find(root, "imsx_POXBody")
        request = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
        operation = _local(request).removesuffix("Request") if request is not None else ""
    return Answer(503, CONTENT_TYPE, envelope(_BUSY, message_ref, operation))


def _auth_failure(failure_: OAuthFailure) -> Answer:
    return pox_error(401, failure_.message)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _find(parent: etree._Element | None, *path: str) -> etree._Element | None:
    """Child by local names: some tools send the POX elements without the namespace."""
    for name in path:
        if parent is None:
            return None
        parent = next((c for c in parent if _local(c) == name), None)
    return parent


def _text(parent: etree._Element | None, *path: str) -> str:
    el = _find(parent, *path)
    return (el.text or "").strip() if el is not None else ""


def parse_score(text: str) -> Decimal | None:
    """A decimal in [0.0, 1.0] in plain notation (LTI 1.1), or None: :func:`adapters.scores.parse_lti_score`."""
    return scores.parse_lti_score(text)


def handle(store: Store, account_id: int, root: etree._Element) -> tuple[int, bytes]:
    message_ref = _text(root, "imsx_POXHeader", "imsx_POXRequestHeaderInfo", "imsx_messageIdentifier")
    body = _find(root, "imsx_POXBody")
    request = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    if request is None:
        return 400, envelope(failure("imsx_POXBody holds no request.", "invaliddata"), message_ref)
    name = _local(request)
    operation = name.removesuffix("Request")
    handler = _HANDLERS.get(name)
    if handler is None:
        return 200, envelope(unsupported(operation), message_ref, operation)
    record = _find(request, "resultRecord")
    sourced_id = _text(record, "sourcedGUID", "sourcedId")
    if not sourced_id:
        return 200, envelope(failure("resultRecord/sourcedGUID/sourcedId is required.", "incompletedata"), message_ref, operation)
    try:
        # a read runs one prepared statement: the light unit of work (adapters/store/hot.py)
        with store.hot() if handler is _read else store.session() as session:
            status, answer = handler(session, account_id, sourced_id, record)
    except StoreUnavailable as exc:
        log.warning("LTI outcomes: store unavailable: %s", exc)
        return 503, envelope(_BUSY, message_ref, operation)
    answer_el = etree.Element(_N + f"{operation}Response") if answer is None else answer
    return 200, envelope(status, message_ref, operation, answer_el)


def _replace(session, account_id: int, sourced_id: str, record) -> tuple[Status, etree._Element | None]:
    score_text = _text(record, "result", "resultScore", "textString")
    score = parse_score(score_text)
    if score is None:
        return failure(
            f"Score {_shown(score_text)} is not a decimal between 0.0 and 1.0 in plain notation (such as 0.92); "
            "the result was not changed.", "invaliddata"
        ), None
    language = _text(record, "result", "resultScore", "language") or DEFAULT_LANGUAGE
    if not store_results.set_score(session, account_id, sourced_id, score_text, language, scores.LTI_MAXIMUM):
        return _not_found(sourced_id), None
    return success(f"Score for {sourced_id} is now {score_text}"), None


def _read(session, account_id: int, sourced_id: str, record) -> tuple[Status, etree._Element | None]:
    found = store_results.find_result(session, account_id, sourced_id)
    if found is None:
        return _not_found(sourced_id), None
    answer = etree.Element(_N + "readResultResponse")
    score = etree.SubElement(etree.SubElement(answer, _N + "result"), _N + "resultScore")
    etree.SubElement(score, _N + "language").text = found.score_language or DEFAULT_LANGUAGE
    # LTI 1.1 promises 0.0-1.0 whatever scale the score was written on (adapters/scores.py)
    etree.SubElement(score, _N + "textString").text = scores.lti_fraction(found.score_text, found.score_maximum)  # none: <textString/>
    return success(f"Result read for {sourced_id}"), answer


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _delete(session, account_id: int, sourced_id: str, record) -> tuple[Status, etree._Element | None]:
    if not store_results.set_score(session, account_id, sourced_id, None, None):
        return _not_found(sourced_id), None
    return success(f"Score for {sourced_id} deleted"), None


_BUSY = failure("The result store is unavailable; try again later.", "targetisbusy")


def _not_found(sourced_id: str) -> Status:
    # The same for an id that does not exist and one of another account.
    return failure(f"sourcedId {sourced_id} is not a known result.", "unknownobject")


_HANDLERS = {"replaceResultRequest": _replace, "readResultRequest": _read, "deleteResultRequest": _delete}


class PoxApp:
    def __init__(self, settings: Settings, store: Store):
        self.store = store
        self.protected = OAuthMiddleware(
            self._outcomes, OAuthVerifier(settings, store), _auth_failure, busy=store_busy
        )

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        normalise_environ(environ)
        media = media_type(environ.get("CONTENT_TYPE"))
        if media not in XML_MEDIA_TYPES:
            found = environ.get("CONTENT_TYPE") or "none"
            return _answer(start_response, pox_error(415, f"Unsupported Content-Type {found!r}: send application/xml"))
        return self.protected(environ, start_response)

    def _outcomes(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            root = parsed_body(environ)
        except xmlsafe.XMLInputError as exc:
            return _answer(start_response, pox_error(400, f"Malformed XML: {exc}"))
        if _local(root) != "imsx_POXEnvelopeRequest":
            return _answer(start_response, pox_error(400, f"Expected imsx_POXEnvelopeRequest, got {_local(root) or 'nothing'}"))
        status, body = handle(self.store, environ[OAUTH_CALLER].account_id, root)
        return _answer(start_response, Answer(status, CONTENT_TYPE, body))


def _answer(start_response: StartResponse, answer: Answer) -> list[bytes]:
    start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", [("Content-Type", answer.content_type)])
    return [answer.body]


def route(settings: Settings, store: Store) -> Route:
    return Route("lti-outcomes", PoxApp(settings, store), error=pox_error, methods=frozenset({"POST"}), busy=store_busy,
                 on_loop=True)
