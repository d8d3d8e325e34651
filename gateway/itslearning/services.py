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
import posixpath
from collections.abc import Iterator

from spyne import Application, ServiceBase, rpc
from spyne.model.binary import ByteArray
from spyne.model.complex import Array, ComplexModel
from spyne.model.fault import Fault
from spyne.model.primitive import Integer, Unicode
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication
from sqlalchemy.orm import Session

from adapters import ns
from adapters.store import Store, StoreUnavailable
from adapters.store import itslearning as store_its
from adapters.store.models import ItslearningCredential
from gateway.app import Answer, Route
from gateway.config import Settings
from gateway.itslearning import message_types
from gateway.lis.envelope import fault_bytes  # a plain SOAP 1.1 Fault, nothing LIS-specific
from gateway.security import wsse

log = logging.getLogger("lms_gateway.itslearning")
# spyne logs every Server fault it is handed with a traceback; ours are answers (the store is busy),
# not incidents. Unexpected exceptions still reach the log with theirs (spyne logs those CRITICAL).
logging.getLogger("spyne.application").setLevel(logging.CRITICAL)

FILE_PATH = "/ContentImport/FileService.svc"
DATA_PATH = "/ContentImport/DataService.svc"
ENTITIES = ns.ITSLEARNING_ENTITIES
#: Extensions itslearning refuses to store (DESIGN.md §8); a name without one is refused too.
REFUSED_EXTENSIONS = frozenset(
    ".exe .com .vb .vbs .vbe .cmd .bat .ws .wsf .src .shs .pif .hta .jar .js .jse .lnk".split()
)


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


class ServiceError(Fault):
    def __init__(self, message: str, code: str = "Client"):
        super().__init__(faultcode=code, faultstring=message)


@contextlib.contextmanager
def _authenticated(ctx) -> Iterator[tuple[Session, ItslearningCredential]]:
    store: Store = ctx.app.store
    try:
        with store.session() as session:
            try:
                credential = wsse.verify(session, ctx.in_header_doc)
            except wsse.AuthenticationFailed as exc:
                log.info("itslearning authentication failed: %s", exc.why)
                raise ServiceError(wsse.FAULT_STRING, f"Client.{wsse.FAULT_CODE}") from None
            yield session, credential
    except StoreUnavailable as exc:
        log.warning("itslearning: store unavailable: %s", exc)
        raise ServiceError("The service is busy; try again shortly.", "Server.Busy") from exc


class FileService(ServiceBase):
    @rpc(FileMessage, _returns=Unicode, _out_variable_name="UploadFileResult")
    def UploadFile(ctx, fileMessage) -> str:
        settings: Settings = ctx.app.settings
        if fileMessage is None or fileMessage.Content is None or not fileMessage.Name:
            raise ServiceError("UploadFile needs fileMessage with Content and Name.")
        content = b"".join(fileMessage.Content)
        name = posixpath.basename(fileMessage.Name.replace("\\", "/")).strip()
        extension = posixpath.splitext(name)[1].lower()
        if not extension or extension in REFUSED_EXTENSIONS:
            raise ServiceError(f"Files of type '{extension or '(none)'}' are not accepted.")
        if len(content) > settings.itslearning_max_file_bytes:
            raise ServiceError(f"The file is {len(content)} bytes; the limit is {settings.itslearning_max_file_bytes} bytes.")
        with _authenticated(ctx) as (session, credential):
            if fileMessage.SiteId is not None and fileMessage.SiteId != credential.site_id:
                raise ServiceError(f"Site {fileMessage.SiteId} is not the site of this user.")
            asset = store_its.add_asset(
                session, credential.account_id, credential.site_id, name, content, settings.itslearning_asset_keep_days
            )
            return asset.guid


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
        with _authenticated(ctx) as (session, credential):
            message = store_its.account_message(session, credential.account_id, messageId)
            if message is None:
                raise ServiceError(f"Message {messageId} does not exist.")
            status = store_its.PROCESSING if message.status == store_its.PROCESSING else message.status
            details = [DataMessageStatusDetail(**d) for d in message.details or []]
            # WCF clients know InQueue and Finished; a message being processed is still in the queue.
            return DataMessageResult(
                MessageId=message.id,
                Status=store_its.INQUEUE if status == store_its.PROCESSING else status,
                StatusDetails=details,
            )

    @rpc(_returns=Array(MessageType), _out_variable_name="GetMessageTypesResult")
    def GetMessageTypes(ctx):
        with _authenticated(ctx):
            return [MessageType(Id=i, Name=name) for i, name in sorted(message_types.MESSAGE_TYPES.items())]


def _routes_error(status: int, message: str) -> Answer:
    """HTTP-level problems (body too large, internal error) as a SOAP 1.1 Fault."""
    code = "soap:Client" if status < 500 else "soap:Server"
    return Answer(status if status >= 400 else 500, "text/xml; charset=utf-8", fault_bytes(code, message))


def _application(service, name: str, settings: Settings, store: Store) -> WsgiApplication:
    application = Application(
        [service], tns=ns.TEMPURI, name=name, in_protocol=Soap11(), out_protocol=Soap11()
    )
    application.store, application.settings = store, settings
    return WsgiApplication(application)


def routes(settings: Settings, store: Store) -> dict[str, Route]:
    # base64 makes a 50 MB file about 67 MB on the wire; allow that plus the envelope
    upload_cap = settings.itslearning_max_file_bytes * 4 // 3 + 1024 * 1024
    return {
        FILE_PATH: Route("itslearning-file", _application(FileService, "FileService", settings, store),
                         error=_routes_error, max_body=upload_cap),
        DATA_PATH: Route("itslearning-data", _application(DataService, "DataService", settings, store),
                         error=_routes_error),
    }
