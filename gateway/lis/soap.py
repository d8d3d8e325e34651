"""``POST /api/soap/1p0/lis-result``: LIS OMS v1.0 over SOAP 1.1 with OAuth 1.0 (DESIGN.md §5, §7).

Request path: content type check -> OAuth middleware (``Authentication Fault`` on failure) ->
the request read (parsed once by :mod:`gateway.xmlsafe`, see :func:`gateway.routing.parsed_body`)
and dispatched on the body element -> the operation in :mod:`gateway.lis.service` -> the answer
written by :mod:`gateway.lis.envelope`. The reading and dispatching is spyne's, but for requests
that hold nothing but texts (readResult and its like, the bulk of the traffic), which
:func:`direct_call` reads to the values spyne reads and hands straight to the operation: spyne's
context, events and generic reader were a third of a readResult's time.
``GET ...?wsdl`` serves ``gateway/schemas/lis-result.wsdl`` with its address set to where it was fetched.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from types import SimpleNamespace

from lxml import etree
from spyne import Fault, Unicode
from spyne.model.complex import ComplexModelBase
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from gateway import xmlsafe
from gateway.routing import RAW_BODY, Answer, Route, StartResponse, parsed_body
from gateway.config import Settings
from adapters import media_types
from adapters.ns import LIS_OMS, SOAP_ENV
from gateway.lis import envelope, models, wsdl
from gateway.lis import service
from gateway.lis.service import HANDLERS, OPERATIONS, STORE, Reply
from gateway.lis.status import BUSY
from gateway.security.oauth import OAuthFailure, OAuthMiddleware, OAuthVerifier, external_uri, normalise_environ
from adapters.store import Store

log = logging.getLogger(__name__)

PATH = "/api/soap/1p0/lis-result"
_READ_RESULTS = f"{{{LIS_OMS}}}readResultsRequest"
_ID_SET = f"{{{LIS_OMS}}}sourcedIdSet"
_ID = f"{{{LIS_OMS}}}sourcedId"
_ENVELOPE, _HEADER, _BODY = (f"{{{SOAP_ENV}}}{name}" for name in ("Envelope", "Header", "Body"))
_HEADER_INFO = f"{{{LIS_OMS}}}imsx_syncRequestHeaderInfo"
#: DESIGN.md §7: text/xml (any charset spelling, quoted or not) and application/xml.
XML_MEDIA_TYPES = frozenset({"text/xml", "application/xml"})


class LisSoap11(Soap11):
    """spyne's SOAP 1.1 with our parser in and our serialiser out (see gateway/lis/envelope.py)."""

    def create_in_document(self, ctx, charset=None):
        try:
            root = parsed_body(ctx.transport.req_env)  # the dispatcher's RAW_BODY is what spyne reads
        except xmlsafe.XMLInputError as exc:
            raise Fault("Client", f"Malformed SOAP envelope: {exc}") from None
        # spyne's readers take every child for an element: a comment or PI inside a request crashed them
        etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
        body = root.find(f"{{{SOAP_ENV}}}Body")
        if root.tag == f"{{{SOAP_ENV}}}Envelope" and (body is None or not len(body)):
            # spyne's own check of this fails with an AttributeError (a 500 with a traceback)
            raise Fault("Client", "Expected a SOAP 1.1 Envelope whose Body holds the operation")
        ctx.in_document = (root, None)

    def fault_to_http_response_code(self, fault) -> str:
        return "500 Internal Server Error"  # SOAP 1.1 over HTTP: every Fault is a 500

    def serialize(self, ctx, message):
        if ctx.out_error is not None:
            error = ctx.out_error
            code = str(getattr(error, "faultcode", "Server") or "Server")
            prefix = "Client" if code.startswith("Client") else "Server"
            text = getattr(error, "faultstring", None) or "Internal error"
            if prefix == "Server":
                log.error("LIS SOAP server fault: %s", text)
                text = "Internal error"
            ctx.out_document = envelope.fault(f"SOAP-ENV:{prefix}", _client_text(str(text)))
            return
        reply: Reply = ctx.out_object[0]
        # Serialised here already (the raw records cannot live in a tree); create_out_string passes it on.
        ctx.out_document = envelope.response_bytes(reply.element, reply.status, reply.message_ref, reply.children, reply.raw)

    def create_out_string(self, ctx, charset=None):
        document = ctx.out_document
        ctx.out_string = [document if isinstance(document, bytes) else envelope.to_bytes(document)]

    def from_element(self, ctx, cls, element):
        # readResults carries up to 500 ids; spyne's generic reader spends ~12 ms on them, lxml ~0.1 ms.
        if element.tag == _READ_RESULTS and cls.get_type_name() == "readResultsRequest":
            id_set = element.find(_ID_SET)
            ids = [el.text or "" for el in id_set.iterfind(_ID)] if id_set is not None else None
            # the declared class, not spyne's per-method customisation of it (which warns when built)
            request = models.REQUESTS["readResults"]
            return request(sourcedIdSet=models.GUIDSet(sourcedId=ids) if id_set is not None else None)
        fields = _plain_fields(cls)
        if fields is not None and _plain(element):
            # the request header and one-id requests (readResult, deleteResult): spyne's generic reader
            # costs a tenth of the request; for plain text children this is what it computes
            instance = cls.get_deserialization_instance(ctx)  # as spyne does: no warning for customised classes
            for name, text in _texts(element, fields).items():
                setattr(instance, name, text)
            return instance
        return super().from_element(ctx, cls, element)


_PLAIN_FIELDS: dict[type, frozenset[str] | None] = {}


def _plain_fields(cls) -> frozenset[str] | None:
    """The field names of a model whose fields are all single texts (spyne's Unicode, max_occurs 1);
    None for any other type. Worked out once per class."""
    try:
        return _PLAIN_FIELDS[cls]
    except KeyError:
        pass
    fields = None
    if isinstance(cls, type) and issubclass(cls, ComplexModelBase) and not cls._type_info_alt:
        info = cls.get_flat_type_info(cls)
        if info and all(isinstance(t, type) and issubclass(t, Unicode) and t.Attributes.max_occurs == 1 for t in info.values()):
            fields = frozenset(info)
    _PLAIN_FIELDS[cls] = fields
    return fields


def _plain(element) -> bool:
    """No attributes (xsi:nil, xsi:type...) and no grandchildren: spyne's reader takes nothing else into account."""
    return not element.attrib and all(not isinstance(c.tag, str) or (not c.attrib and not len(c)) for c in element)


def _texts(element, fields: frozenset[str]) -> dict[str, str]:
    """The texts of a plain element's children named in ``fields`` (a repeated one: the last)."""
    texts = {}
    for child in element:
        name = child.tag.rpartition("}")[2] if isinstance(child.tag, str) else None
        if name in fields:
            texts[name] = child.text or ""
    return texts


def direct_call(root) -> tuple[str, object, str] | None:
    """``(operation, request, imsx_messageIdentifier)`` of an envelope that spyne would read with
    nothing but the plain-text reader of :meth:`LisSoap11.from_element`: a Header that is absent,
    empty or holds only a plain ``imsx_syncRequestHeaderInfo``, and a Body that holds one request of
    an operation of :data:`~gateway.lis.service.HANDLERS` with texts only. None sends the request
    through spyne (anything else, including every request spyne would refuse).
    ``tests/lis/test_lis_direct.py`` holds the two ways to the same answers."""
    if root.tag != _ENVELOPE or root.attrib:
        return None
    parts = [c for c in root if isinstance(c.tag, str)]
    header, body = parts if len(parts) == 2 and parts[0].tag == _HEADER else (None, parts[0] if len(parts) == 1 else None)
    if body is None or body.tag != _BODY:
        return None
    entries = [c for c in body if isinstance(c.tag, str)]
    if len(entries) != 1 or not entries[0].tag.startswith(f"{{{LIS_OMS}}}"):
        return None
    entry = entries[0]
    operation = entry.tag.rpartition("}")[2].removesuffix("Request")
    if operation not in HANDLERS or not entry.tag.endswith("Request"):
        return None
    message_ref = ""
    infos = [c for c in header if isinstance(c.tag, str)] if header is not None else []
    if infos:
        info = infos[0]
        fields = _plain_fields(models.ImsxRequestHeaderInfo)
        if len(infos) != 1 or info.tag != _HEADER_INFO or fields is None or not _plain(info):
            return None
        message_ref = _texts(info, fields).get("imsx_messageIdentifier", "").strip()
    request_type = models.REQUESTS.get(operation)
    if request_type is None:
        return operation, None, message_ref  # spyne reads no content for these either
    fields = _plain_fields(request_type)
    if fields is None or not _plain(entry):
        return None
    return operation, SimpleNamespace(**{**dict.fromkeys(fields), **_texts(entry, fields)}), message_ref


class _Operations:
    """What runs once OAuth has passed: :func:`direct_call`'s requests straight to the operation,
    everything else through spyne."""

    def __init__(self, spyne: WsgiApplication):
        self.spyne = spyne

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            call = direct_call(parsed_body(environ))
        except xmlsafe.XMLInputError:
            call = None  # spyne answers it with its Client fault
        if call is None:
            return self.spyne(environ, start_response)
        try:
            reply = service.run(environ, *call)
            body = envelope.response_bytes(reply.element, reply.status, reply.message_ref, reply.children, reply.raw)
        except Exception:
            log.exception("LIS %s failed", call[0])
            return _answer(start_response, soap_error(500, "Internal error"))  # what spyne answers
        return _answer(start_response, Answer(200, envelope.CONTENT_TYPE, body))


def _client_text(text: str) -> str:
    # spyne words a body element it has no operation for as "Requested resource '{ns}x' not found"
    if text.startswith("Requested resource"):
        return f"Unknown operation: {text.removeprefix('Requested resource ').removesuffix(' not found')}"
    return text


def soap_error(status: int, message: str) -> Answer:
    """The Route's error shape: a SOAP Fault (Client for 4xx, Server otherwise) with the gateway's status."""
    code = envelope.CLIENT if 400 <= status < 500 else envelope.SERVER
    return Answer(status, envelope.CONTENT_TYPE, envelope.fault_bytes(code, message))


def store_busy(environ: dict) -> Answer:
    """The Route's busy shape: the store went away before the operation could answer for itself
    (the OAuth consumer and nonce checks need it). LIS's own answer, HTTP 200, for the operation the
    body names::

        <tns:imsx_codeMajor>failure</tns:imsx_codeMajor> <tns:imsx_severity>error</tns:imsx_severity>
        ... <tns:imsx_codeMinorFieldValue>targetisbusy</tns:imsx_codeMinorFieldValue> ...
        <SOAP-ENV:Body><tns:readResultResponse .../></SOAP-ENV:Body>

    A body that names no known operation gets a Server Fault with HTTP 503 instead.
    """
    operation, message_ref = _operation_of(environ.get(RAW_BODY, b""))
    if operation is None:
        return soap_error(503, BUSY.description)
    return Answer(200, envelope.CONTENT_TYPE, envelope.response_bytes(f"{operation}Response", BUSY, message_ref))


def _operation_of(raw: bytes) -> tuple[str | None, str]:
    """(operation, imsx_messageIdentifier) of a request envelope; (None, "") when there is none."""
    try:
        root = xmlsafe.parse(raw)
    except xmlsafe.XMLInputError:
        return None, ""
    body = root.find(f"{{{SOAP_ENV}}}Body")
    entry = next((el for el in body if isinstance(el.tag, str)), None) if body is not None else None
    if entry is None or not entry.tag.startswith(f"{{{LIS_OMS}}}") or not entry.tag.endswith("Request"):
        return None, ""
    operation = entry.tag.rpartition("}")[2].removesuffix("Request")
    message_ref = root.findtext(f"{{{SOAP_ENV}}}Header/{{{LIS_OMS}}}imsx_syncRequestHeaderInfo/{{{LIS_OMS}}}imsx_messageIdentifier")
    return (operation if operation in OPERATIONS else None), (message_ref or "").strip()


def authentication_fault(failure: OAuthFailure) -> Answer:
    return Answer(500, envelope.CONTENT_TYPE, envelope.fault_bytes(envelope.AUTHENTICATION_FAULT, failure.message))


def media_type(environ: dict) -> str:
    return media_types.media_type(environ.get("CONTENT_TYPE"))


class LisSoapApp:
    def __init__(self, settings: Settings, store: Store):
        self.store = store
        # spyne's own 2 MB default would refuse bodies the route's cap (gateway.dispatch) lets through
        self.spyne = WsgiApplication(_application(), max_content_length=settings.max_body_bytes)
        self.protected = OAuthMiddleware(
            _Operations(self.spyne), OAuthVerifier(settings, store), authentication_fault, busy=store_busy
        )
        self.proxies = self.protected.verifier._proxies

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        normalise_environ(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD"):
            if "wsdl" in environ.get("QUERY_STRING", "").lower():
                address = external_uri({**environ, "QUERY_STRING": ""}, self.proxies)
                return _answer(start_response, Answer(200, "text/xml; charset=utf-8", wsdl.served(address)))
            return _answer(start_response, soap_error(405, f"Send SOAP requests with POST; the WSDL is at {PATH}?wsdl"))
        if media_type(environ) not in XML_MEDIA_TYPES:
            found = environ.get("CONTENT_TYPE") or "none"
            return _answer(start_response, soap_error(415, f"Unsupported Content-Type {found!r}: send text/xml"))
        environ[STORE] = self.store
        return self.protected(environ, start_response)


def _answer(start_response: StartResponse, answer: Answer) -> list[bytes]:
    start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}",
                   [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))])
    return [answer.body]


_APPLICATION = None


def _application():
    """spyne's Application, built once per process (48 operations take a moment to describe)."""
    global _APPLICATION
    if _APPLICATION is None:
        from gateway.lis.service import build_application

        _APPLICATION = build_application()
    return _APPLICATION


def route(settings: Settings, store: Store) -> Route:
    return Route("lis-soap", LisSoapApp(settings, store), error=soap_error, methods=frozenset({"GET", "HEAD", "POST"}),
                 busy=store_busy, on_loop=True)
