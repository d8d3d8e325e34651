"""``lms-gateway bridge``: the legacy outcome endpoints, carried to an upstream LMS's AGS.

A legacy tool keeps calling ``POST /lti/outcomes`` (LTI 1.1 POX: replaceResult, readResult,
deleteResult) and ``POST /api/soap/1p0/lis-result`` (LIS SOAP: replaceResult, readResult,
readResults, deleteResult), signed with its OAuth 1.0 key as today; the bridge checks the signature
against the store, finds the upstream (line item URL, user id) its sourcedId is linked to, and
carries the call there (``gateway.lti13.bridge``). Answers are the legacy protocol's own:

- a sourcedId without a link: failure/unknownobject, as for an unknown result;
- a score that is not an LTI 1.1 fraction: failure/invaliddata, nothing sent upstream;
- the upstream timing out: LIS failure/targetisbusy (HTTP 200), POX failure HTTP 504;
- the upstream unreachable, answering 5xx or something that is not AGS JSON: LIS failure/linkfailure
  (HTTP 200), POX failure HTTP 502 (``gateway.proxy.failures``, the proxy's shapes);
- the upstream refusing (4xx): an imsx failure, HTTP 200, quoting its error (unknownobject for 404,
  unauthorizedrequest for 401/403, invaliddata otherwise).

``/lti13/...`` is served too: the upstream fetches the gateway's public keys from
``/lti13/{account}/jwks``.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path

from lxml import etree

from adapters import lis_records, scores
from adapters.ns import LTI_POX, SOAP_ENV
from adapters.store import Store
from adapters.store.results import ResultData
from adapters.upstream.ags import REFUSED, AgsError
from gateway import xmlsafe
from gateway.config import Settings
from gateway.dispatch import Gateway
from gateway.lis import envelope as lis_envelope
from gateway.lis import pox, soap
from gateway.lis.status import Status, failure, success, unsupported, warning
from gateway.lti13 import app as lti13_app
from gateway.lti13.bridge import Bridge, NotLinked
from gateway.lti13.bridge_record import ExchangeRecorder
from gateway.proxy import failures
from gateway.proxy.failures import find_named, first_element, local_name
from gateway.proxy.record import Recorder
from gateway.routing import ACCOUNT, OPERATION, RAW_BODY, Answer, Route, StartResponse
from gateway.security.oauth import OAUTH_CALLER, OAuthMiddleware, OAuthVerifier, normalise_environ

log = logging.getLogger(__name__)

MAX_READ_RESULTS = 500
_POX = f"{{{LTI_POX}}}"


def _refused(exc: AgsError) -> Status:
    minor = {404: "unknownobject", 401: "unauthorizedrequest", 403: "unauthorizedrequest"}.get(exc.status or 0, "invaliddata")
    return failure(f"The upstream refused: {exc.detail}", minor)


def _unknown(sourced_id: str) -> Status:
    return failure(f"sourcedId {sourced_id} is not a known result.", "unknownobject")


def _not_a_score(text: str, scale: float) -> Status:
    return failure(f"Score {text!r} is not a decimal between 0 and {scale:g}; nothing was sent upstream.", "invaliddata")


def _answer(start_response: StartResponse, answer: Answer) -> list[bytes]:
    start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", [("Content-Type", answer.content_type)])
    return [answer.body]


class _Legacy:
    """What the POX and SOAP apps share: content type, OAuth 1.0, XML, recording."""

    protocol = ""
    error = staticmethod(pox.pox_error)

    def __init__(self, settings: Settings, store: Store, bridge: Bridge, recorder: Recorder | None):
        self.bridge, self.recorder = bridge, recorder
        self.protected = OAuthMiddleware(self._verified, OAuthVerifier(settings, store), self._auth_failure)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        normalise_environ(environ)
        media = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if media not in pox.XML_MEDIA_TYPES:
            found = environ.get("CONTENT_TYPE") or "none"
            return _answer(start_response, self.error(415, f"Unsupported Content-Type {found!r}: send text/xml or application/xml"))
        return self.protected(environ, start_response)

    def _verified(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        raw = environ[RAW_BODY]
        caller = environ[OAUTH_CALLER]
        environ[ACCOUNT] = caller.consumer_key
        try:
            root = xmlsafe.parse(raw)
        except xmlsafe.XMLInputError as exc:
            answer = self.error(400, f"Malformed XML: {exc}")
        else:
            try:
                answer = self.handle(environ, caller.account_id, root)
            except AgsError as exc:
                log.warning("bridge: upstream %s: %s", exc.kind, exc.detail)
                answer = self.upstream_failure(raw, exc)
        if self.recorder is not None:
            headers = {k: v for k, v in (("Content-Type", environ.get("CONTENT_TYPE", "")),
                                         ("Authorization", environ.get("HTTP_AUTHORIZATION", "")),
                                         ("SOAPAction", environ.get("HTTP_SOAPACTION", ""))) if v}
            self.recorder.record(self.protocol, environ.get(OPERATION, ""), "POST", environ.get("PATH_INFO", ""), headers,
                                 raw, answer.status, {"Content-Type": answer.content_type}, answer.body)
        return _answer(start_response, answer)

    def handle(self, environ: dict, account_id: int, root: etree._Element) -> Answer:
        raise NotImplementedError

    def upstream_failure(self, raw: bytes, exc: AgsError) -> Answer:
        raise NotImplementedError

    def _auth_failure(self, failure_) -> Answer:
        raise NotImplementedError

    #: The scale this protocol's scores are written on (adapters/scores.py rule 5).
    scale = scores.LTI_MAXIMUM

    def _replace(self, account_id: int, sourced_id: str, text: str) -> Status:
        mapped = scores.legacy_to_ags(text, self.scale)
        if mapped is None:
            return _not_a_score(text, self.scale)
        try:
            self.bridge.replace(account_id, sourced_id, *mapped)
        except NotLinked:
            return _unknown(sourced_id)
        return success(f"Score for {sourced_id} is now {text}")

    def _delete(self, account_id: int, sourced_id: str) -> Status:
        try:
            self.bridge.delete(account_id, sourced_id)
        except NotLinked:
            return _unknown(sourced_id)
        return success(f"Score for {sourced_id} deleted")


class PoxBridge(_Legacy):
    """LTI 1.1 POX (``gateway.lis.pox``'s envelopes), carried upstream."""

    protocol = "lti-pox"
    error = staticmethod(pox.pox_error)

    def _auth_failure(self, failure_) -> Answer:
        return pox.pox_error(401, failure_.message)

    def upstream_failure(self, raw: bytes, exc: AgsError) -> Answer:
        if exc.kind == REFUSED:
            operation, message_ref = failures.pox_operation(xmlsafe.parse(raw))
            return Answer(200, pox.CONTENT_TYPE, pox.envelope(_refused(exc), message_ref, operation))
        return failures.pox_failure(raw, exc.kind, exc.detail)

    def handle(self, environ: dict, account_id: int, root: etree._Element) -> Answer:
        if local_name(root) != "imsx_POXEnvelopeRequest":
            return pox.pox_error(400, f"Expected imsx_POXEnvelopeRequest, got {local_name(root) or 'nothing'}")
        operation, message_ref = failures.pox_operation(root)
        environ[OPERATION] = operation
        request = first_element(find_named(root, "imsx_POXBody"))
        if request is None:
            return Answer(400, pox.CONTENT_TYPE, pox.envelope(failure("imsx_POXBody holds no request.", "invaliddata"), message_ref))
        if operation not in ("replaceResult", "readResult", "deleteResult"):
            return Answer(200, pox.CONTENT_TYPE, pox.envelope(unsupported(operation), message_ref, operation))
        sourced_id = _text(find_named(request, "sourcedId"))
        body = None
        if not sourced_id:
            status = failure("resultRecord/sourcedGUID/sourcedId is required.", "incompletedata")
        elif operation == "replaceResult":
            status = self._replace(account_id, sourced_id, _text(find_named(request, "textString")))
        elif operation == "deleteResult":
            status = self._delete(account_id, sourced_id)
        else:
            status, body = self._read(account_id, sourced_id)
        return Answer(200, pox.CONTENT_TYPE, pox.envelope(status, message_ref, operation, body))

    def _read(self, account_id: int, sourced_id: str) -> tuple[Status, etree._Element | None]:
        link = self.bridge.links(account_id, [sourced_id]).get(sourced_id)
        if link is None:
            return _unknown(sourced_id), None
        read = self.bridge.read(account_id, link)
        answer = etree.Element(_POX + "readResultResponse")
        score = etree.SubElement(etree.SubElement(answer, _POX + "result"), _POX + "resultScore")
        etree.SubElement(score, _POX + "language").text = pox.DEFAULT_LANGUAGE
        etree.SubElement(score, _POX + "textString").text = read.lti_text
        return success(f"Result read for {sourced_id}"), answer


class SoapBridge(_Legacy):
    """LIS OMS SOAP (``gateway.lis.envelope``'s envelopes), carried upstream."""

    protocol = "lis-oms-soap"
    error = staticmethod(soap.soap_error)
    scale = scores.LIS_MAXIMUM

    def _auth_failure(self, failure_) -> Answer:
        return soap.authentication_fault(failure_)

    def upstream_failure(self, raw: bytes, exc: AgsError) -> Answer:
        if exc.kind == REFUSED:
            operation, message_ref = failures.lis_operation(xmlsafe.parse(raw))
            return _lis(operation, _refused(exc), message_ref)
        return failures.lis_failure(raw, exc.kind, exc.detail)

    def handle(self, environ: dict, account_id: int, root: etree._Element) -> Answer:
        body = root.find(f"{{{SOAP_ENV}}}Body") if local_name(root) == "Envelope" else None
        request = first_element(body)
        if request is None:
            return soap.soap_error(400, "Expected a SOAP 1.1 Envelope with a Body")
        operation, message_ref = failures.lis_operation(root)
        environ[OPERATION] = operation
        if operation == "readResults":
            return self._read_results(account_id, request, message_ref)
        if operation not in ("replaceResult", "readResult", "deleteResult"):
            return _lis(operation, unsupported(operation), message_ref)
        # the request's own sourcedId (replaceResult also has one inside resultRecord/sourcedGUID)
        own = next((c for c in request if local_name(c) == "sourcedId"), None)
        sourced_id = _text(own if own is not None else find_named(request, "sourcedId"))
        if not sourced_id:
            return _lis(operation, failure("sourcedId is required.", "incompletedata"), message_ref)
        if operation == "replaceResult":
            return _lis(operation, self._replace(account_id, sourced_id, _text(find_named(request, "textString"))), message_ref)
        if operation == "deleteResult":
            return _lis(operation, self._delete(account_id, sourced_id), message_ref)
        link = self.bridge.links(account_id, [sourced_id]).get(sourced_id)
        if link is None:
            return _lis(operation, failure("Object Result not found.", "unknownobject"), message_ref)
        record = _record(self.bridge.read(account_id, link))
        return _lis(operation, success("Object Result found."), message_ref, "\n" + record + "\n")

    def _read_results(self, account_id: int, request: etree._Element, message_ref: str) -> Answer:
        ids = list(dict.fromkeys(
            (el.text or "").strip() for el in request.iter()
            if isinstance(el.tag, str) and local_name(el) == "sourcedId" and (el.text or "").strip()
        ))
        if not ids:
            return _lis("readResults", warning("No sourcedIds were supplied.", "nosourcedids"), message_ref)
        if len(ids) > MAX_READ_RESULTS:
            return _lis("readResults", failure(f"readResults takes at most {MAX_READ_RESULTS} sourcedIds; {len(ids)} were sent.",
                                               "invaliddata"), message_ref)
        links = self.bridge.links(account_id, ids)
        records = [_record(self.bridge.read(account_id, links[i])) for i in ids if i in links]
        summary = f"{len(records)}/{len(ids)} Object Results found."
        if not records:
            return _lis("readResults", failure(summary, "unknownobject"), message_ref)
        raw = "\n<tns:resultRecordSet>\n" + "".join(r + "\n" for r in records) + "</tns:resultRecordSet>\n"
        status = warning(summary, "partialdatastorage") if len(records) < len(ids) else success(summary)
        return _lis("readResults", status, message_ref, raw)


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _record(read) -> str:
    """A LIS resultRecord of an upstream result: its line item is the upstream line item URL, its
    person the upstream user id."""
    data = ResultData(read.sourced_id, line_item_sourced_id=read.link.line_item_url, person_sourced_id=read.link.user_id,
                      score_language="en", score_text=read.lis_text, score_maximum=scores.LIS_MAXIMUM)
    return lis_records.result_record_xml(data)


def _lis(operation: str, status: Status, message_ref: str, raw: str | None = None) -> Answer:
    return Answer(200, lis_envelope.CONTENT_TYPE, lis_envelope.response_bytes(f"{operation}Response", status, message_ref, raw=raw))


def create_bridge_app(settings: Settings, store: Store, *, timeout: float = 10.0, record_dir: Path | None = None,
                      session=None) -> Gateway:
    recorder = Recorder(record_dir) if record_dir else None
    exchanges = ExchangeRecorder(record_dir) if record_dir else None
    bridge = Bridge(store, timeout=timeout, session=session, on_exchange=exchanges.record if exchanges else None)
    routes = {
        pox.PATH: Route("bridge-pox", PoxBridge(settings, store, bridge, recorder), error=pox.pox_error,
                        methods=frozenset({"POST"}), busy=pox.store_busy),
        soap.PATH: Route("bridge-lis-soap", SoapBridge(settings, store, bridge, recorder), error=soap.soap_error,
                         methods=frozenset({"POST"}), busy=soap.store_busy),
        lti13_app.PATH: lti13_app.route(settings, store),
    }
    return Gateway(settings, store, routes)
