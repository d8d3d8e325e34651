"""itslearning's Migration API as WCF serves it: FileService.svc and DataService.svc (SOAP 1.1).

Operations live in ``http://tempuri.org/``, their data members in the WCF data-contract namespace,
members in alphabetical order as WCF writes them::

    <s:Body><AddMessageResponse xmlns="http://tempuri.org/">
      <AddMessageResult xmlns:a="http://schemas.datacontract.org/2004/07/Itslearning.Integration.ContentImport.Services.Entities">
        <a:MessageId>5</a:MessageId><a:Status>InQueue</a:Status>
      </AddMessageResult>
    </AddMessageResponse></s:Body>

Every call carries a WS-Security UsernameToken (:mod:`gateway.security.wsse`). Failures before a
message is queued are SOAP Faults; failures of the message itself are details of GetMessageResult.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from lxml import etree
from spyne import Application, ServiceBase, rpc
from spyne.const.http import HTTP_405
from spyne.error import RequestNotAllowed
from spyne.model.binary import ByteArray
from spyne.model.complex import Array, ComplexModel
from spyne.model.primitive import Integer, Unicode
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication
from sqlalchemy.orm import Session

from adapters import ns
from adapters.integers import IntegerError, parse_int
from adapters.store import Store, StoreUnavailable
from adapters.store import itslearning as store_its
from adapters.store.hot import HotUnit
from gateway import xmlsafe
from gateway.routing import RAW_BODY, Answer, Route, parsed_body
from gateway.config import Settings
from gateway.itslearning import message_types, upload_reader
from gateway.itslearning.access import ServiceError, authenticate, busy, fault_bytes
from gateway.itslearning.upload import UploadFileApp
from gateway import soap
from gateway.itslearning import wsdl as itslearning_wsdl
from gateway.security import wsse
from gateway.security.logins import LoginGuard
from gateway.security.oauth import external_uri, parse_networks

log = logging.getLogger("lms_gateway.itslearning")
# spyne logs every Server fault it is handed with a traceback; ours are answers (the store is busy),
# not incidents. Unexpected exceptions still reach the log with theirs (spyne logs those CRITICAL).
logging.getLogger("spyne.application").setLevel(logging.CRITICAL)
# ... and every Fault met while reading a request (a client's mistake) with a traceback too.
logging.getLogger("spyne.server._base").setLevel(logging.CRITICAL)

FILE_PATH = "/ContentImport/FileService.svc"
DATA_PATH = "/ContentImport/DataService.svc"
#: DataService bodies larger than this are authenticated from their header before anything parses
#: them whole (a parsed tree takes several times the body's size); smaller ones are parsed once.
PREAUTHENTICATE_BYTES = 64 * 1024
ENTITIES = ns.ITSLEARNING_ENTITIES


class FileMessage(ComplexModel):
    __namespace__ = ENTITIES
    _type_info = [("Content", ByteArray), ("Name", Unicode), ("SiteId", Integer)]


class DataMessage(ComplexModel):
    __namespace__ = ENTITIES
    _type_info = [("Data", Unicode), ("Type", Integer)]


class DataMessageStatusDetail(ComplexModel):
    __namespace__ = ENTITIES
    _type_info = [("Entity", Unicode), ("Message", Unicode), ("SyncKey", Unicode), ("Type", Unicode)]


class DataMessageResult(ComplexModel):
    __namespace__ = ENTITIES
    _type_info = [("MessageId", Integer), ("Status", Unicode), ("StatusDetails", Array(DataMessageStatusDetail))]


class MessageType(ComplexModel):
    __namespace__ = ENTITIES
    _type_info = [("Id", Integer), ("Name", Unicode)]


@contextlib.contextmanager
def _authenticated(ctx, hot: bool = False) -> Iterator[tuple[Session | HotUnit, wsse.User]]:
    """The store's unit of work (a hot unit of prepared statements for the reads that poll) and the
    caller's credential."""
    store: Store = ctx.app.store
    try:
        with store.hot() if hot else store.session() as session:
            credential = authenticate(ctx.app.guard, session, ctx.in_header_doc, ctx.transport.req_env)
            yield session, credential
    except StoreUnavailable as exc:
        log.warning("itslearning: store unavailable: %s", exc)
        raise busy() from exc


class FileService(ServiceBase):
    """Declares UploadFile for the WSDL; requests are served from the stream by
    :class:`gateway.itslearning.upload.UploadFileApp`, which authenticates before reading the file."""

    @rpc(FileMessage, _returns=Unicode, _out_variable_name="UploadFileResult")
    def UploadFile(ctx, fileMessage) -> str:
        raise ServiceError("UploadFile is served by the streaming reader.", "Server")


class DataService(ServiceBase):
    @rpc(DataMessage, _returns=DataMessageResult, _out_variable_name="AddMessageResult")
    def AddMessage(ctx, dataMessage) -> DataMessageResult:
        if dataMessage is None or dataMessage.Type is None or dataMessage.Data is None:
            raise ServiceError("AddMessage needs dataMessage with Data and Type.")
        if message_types.handler(dataMessage.Type) is None:
            raise ServiceError(f"Message type {dataMessage.Type} is not supported; GetMessageTypes lists the supported types.")
        with _authenticated(ctx) as (session, credential):
            message = store_its.enqueue(session, credential.account_id, credential.site_id, dataMessage.Type, dataMessage.Data)
            return DataMessageResult(MessageId=message.id, Status=message.status)

    @rpc(Integer, _returns=DataMessageResult, _out_variable_name="GetMessageResultResult")
    def GetMessageResult(ctx, messageId) -> DataMessageResult:
        if messageId is None:
            raise ServiceError("GetMessageResult needs messageId.")
        with _authenticated(ctx, hot=True) as (session, credential):
            message = store_its.site_message(session, credential.account_id, credential.site_id, messageId)
            if message is None:
                raise ServiceError(f"Message {messageId} does not exist.")
            found_id, status, details = message
            # WCF clients know InQueue and Finished; a message being processed is still in the queue.
            status = store_its.INQUEUE if status == store_its.PROCESSING else status
            return DataMessageResult(MessageId=found_id, Status=status,
                                     StatusDetails=[DataMessageStatusDetail(**d) for d in details or []])

    @rpc(_returns=Array(MessageType), _out_variable_name="GetMessageTypesResult")
    def GetMessageTypes(ctx):
        with _authenticated(ctx, hot=True):
            return [MessageType(Id=i, Name=name) for i, name in sorted(message_types.MESSAGE_TYPES.items())]


def envelope_of(environ: dict, raw: bytes, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> etree._Element:
    """The SOAP envelope ``raw``, read once per request: when ``raw`` is the request's own body, the
    tree :func:`gateway.routing.parsed_body` keeps for every reader (the journal, the protocol)."""
    body = environ.get(RAW_BODY)
    # the dispatcher already held the body to the route's cap; above xmlsafe's own, only this reader
    # may parse it (an upload's base64 content is one text node, larger than libxml2's default limit)
    if max_bytes <= xmlsafe.DEFAULT_MAX_BYTES and body is not None and (body is raw or body == raw):
        return parsed_body(environ)
    return xmlsafe.parse(raw, max_bytes=max_bytes, large_text=max_bytes > xmlsafe.DEFAULT_MAX_BYTES)


class ItslearningSoap11(Soap11):
    """spyne's SOAP 1.1, reading requests with :mod:`gateway.xmlsafe` like every other endpoint
    (DESIGN.md §10): spyne's own reader let entity declarations through unexpanded, and crashed
    (a 500 with a traceback) on bytes that are not UTF-8, an empty body or an Envelope without a Body."""

    def __init__(self, max_bytes: int):
        super().__init__()
        self.max_bytes = max_bytes

    def create_in_document(self, ctx, charset=None):
        if ctx.transport.get_request_method() != "POST":
            ctx.transport.resp_code = HTTP_405
            raise RequestNotAllowed("Send SOAP requests with POST; the WSDL is at ?wsdl")
        try:
            # the journal may have read this body already (it files the operation and keys)
            root = envelope_of(ctx.transport.req_env, b"".join(ctx.in_string), self.max_bytes)
        except xmlsafe.XMLInputError as exc:
            raise ServiceError(f"Malformed SOAP envelope: {exc}") from None
        # spyne's readers take every child for an element: comments and PIs would crash them
        etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
        body = root.find(f"{{{ns.SOAP_ENV}}}Body")
        if root.tag != f"{{{ns.SOAP_ENV}}}Envelope" or body is None or not len(body):
            raise ServiceError("Expected a SOAP 1.1 Envelope whose Body holds the operation.")
        ctx.in_document = (root, None)

    def integer_from_bytes(self, cls, string):
        """spyne reads integers with ``int()``: full-width digits, ``2_07`` and any size at all. The
        one integer reader (adapters.integers) takes ASCII digits within 64 bits; ids that large
        that no row can have are "does not exist" to the operation."""
        text = string.decode("ascii", "replace") if isinstance(string, bytes) else string
        try:
            return parse_int(text)
        except IntegerError as exc:
            raise ServiceError(f"The request does not fit the operation's message: {exc}") from None

    def deserialize(self, ctx, message):
        try:
            super().deserialize(ctx, message)
        except (ValueError, TypeError) as exc:  # e.g. Content that is not base64 (binascii.Error)
            raise ServiceError(f"The request does not fit the operation's message: {exc}") from None


def _routes_error(status: int, message: str) -> Answer:
    """HTTP-level problems (body too large, internal error) as a SOAP 1.1 Fault."""
    code = soap.CLIENT if status < 500 else soap.SERVER
    return Answer(status if status >= 400 else 500, soap.CONTENT_TYPE, soap.fault_bytes(code, message))


_SERVICES = {"FileService": FileService, "DataService": DataService}
_WSDLS = {"FileService": itslearning_wsdl.FILE_SERVICE, "DataService": itslearning_wsdl.DATA_SERVICE}


def application(name: str, max_body: int = 0) -> Application:
    """The spyne application of one service (its WSDL in ``gateway/schemas/itslearning/`` is described from it)."""
    return Application(
        [_SERVICES[name]], tns=ns.TEMPURI, name=name, in_protocol=ItslearningSoap11(max_body), out_protocol=Soap11()
    )


class _ServiceApp:
    """spyne for the SOAP calls; ``GET ?wsdl`` answers the WSDL kept in ``gateway/schemas/itslearning/``."""

    def __init__(self, name: str, settings: Settings, store: Store, max_body: int, post=None):
        spyne_app = application(name, max_body)
        spyne_app.store, spyne_app.settings = store, settings
        spyne_app.guard = LoginGuard(store, settings)
        # spyne refuses bodies over 2 MB by default (Client.RequestTooLong), which stopped every upload
        # of a package over 1.5 MB; the gateway has already held the body to the route's own cap.
        self.spyne = WsgiApplication(spyne_app, max_content_length=max_body)
        self.store, self.guard = store, spyne_app.guard
        self.wsdl = _WSDLS[name]
        self.proxies = parse_networks(settings.trusted_proxies)
        #: Serves POST instead of spyne when set (UploadFile, read from the stream).
        self.post = post(settings, store, spyne_app.guard) if post else None

    def __call__(self, environ: dict, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and "wsdl" in environ.get("QUERY_STRING", "").lower():
            address = external_uri({**environ, "QUERY_STRING": ""}, self.proxies)
            start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
            return [self.wsdl.served(address)]
        if self.post is not None and environ.get("REQUEST_METHOD") == "POST":
            return self.post(environ, start_response)
        if len(environ.get(RAW_BODY, b"")) > PREAUTHENTICATE_BYTES:
            fault = self._refusal(environ)
            if fault is not None:
                start_response("500 Internal Server Error", [("Content-Type", soap.CONTENT_TYPE)])
                return [fault]
        return self.spyne(environ, start_response)

    def _refusal(self, environ: dict) -> bytes | None:
        """The Fault for a large body whose UsernameToken, read from the header alone, fails; None
        lets the request through (the operation authenticates it again, from memory)."""
        try:
            header = upload_reader.header_of(environ[RAW_BODY])
            with self.store.hot() as unit:
                authenticate(self.guard, unit, header, environ)
        except upload_reader.UploadInputError as exc:
            return soap.fault_bytes(soap.CLIENT, str(exc))
        except ServiceError as fault:
            return fault_bytes(fault)
        except StoreUnavailable as exc:
            log.warning("itslearning: store unavailable: %s", exc)
            return fault_bytes(busy())
        return None


def routes(settings: Settings, store: Store) -> dict[str, Route]:
    # base64 makes a 50 MB file about 67 MB on the wire; allow that plus the envelope
    upload_cap = settings.itslearning_max_file_bytes * 4 // 3 + 1024 * 1024
    return {
        FILE_PATH: Route("itslearning-file", _ServiceApp("FileService", settings, store, upload_cap, UploadFileApp),
                         error=_routes_error, max_body=upload_cap, stream_body=True),
        DATA_PATH: Route("itslearning-data", _ServiceApp("DataService", settings, store, settings.max_body_bytes),
                         error=_routes_error),
    }
