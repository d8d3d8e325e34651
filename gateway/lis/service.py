"""The LIS OMS v1.0 ResultManager operations (DESIGN.md §5) as a spyne service.

spyne parses the request (body and ``imsx_syncRequestHeaderInfo``) into the types of
``gateway/lis/models.py`` and dispatches on the body element; each operation here reads or writes
the store in one unit of work and returns a :class:`Reply` (status + body children) that
``gateway/lis/soap.py`` serialises. Every other operation of the IMS WSDL answers
unsupported/status/unsupportedLISoperation.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree
from spyne import Application, ServiceBase, rpc
from sqlalchemy.orm import Session

from adapters import lis_records, scores
from adapters.ns import LIS_OMS
from adapters.store import Store, StoreUnavailable
from adapters.store import results as store_results
from adapters.store.results import ResultData
from gateway.lis import models, status
from gateway.lis.status import Status
from gateway.security.oauth import OAUTH_CALLER

log = logging.getLogger(__name__)

MAX_READ_RESULTS = 500
#: Where the WSGI app leaves the store for the operations (spyne's service is built once per process).
STORE = "lms.lis.store"


@dataclass
class Reply:
    """What an operation answers: ``<tns:{element}>`` holding ``children``, and the status header."""

    element: str
    status: Status
    children: list[etree._Element] = field(default_factory=list)
    message_ref: str = ""
    #: Already-serialised content of the response element (records, see lis_records.result_record_xml).
    raw: str | None = None


#: A handler answers (status, body): elements, or a serialised fragment for the response element.
Handler = Callable[[Session, int, object], tuple[Status, "list[etree._Element] | str"]]


def _read_result(session: Session, account_id: int, req) -> tuple[Status, list]:
    sourced_id = (req.sourcedId or "").strip()
    found = store_results.find_result(session, account_id, sourced_id) if sourced_id else None
    if found is None:
        # The same answer for an id that does not exist and one of another account.
        return status.failure("Object Result not found.", "unknownobject"), []
    return status.success("Object Result found."), "\n" + lis_records.result_record_xml(found) + "\n"


def _read_results(session: Session, account_id: int, req) -> tuple[Status, list]:
    raw = list((req.sourcedIdSet.sourcedId if req.sourcedIdSet is not None else None) or [])
    if not raw:
        return status.warning("No sourcedIds were supplied.", "nosourcedids"), []
    if len(raw) > MAX_READ_RESULTS:
        return status.failure(
            f"readResults takes at most {MAX_READ_RESULTS} sourcedIds; {len(raw)} were sent.", "invaliddata"
        ), []
    ids = store_results.ids_in(s.strip() for s in raw if s and s.strip())
    found = store_results.find_results(session, account_id, ids)
    summary = f"{len(found)}/{len(ids)} Object Results found."
    if not found:
        return status.failure(summary, "unknownobject"), []
    records = "".join(lis_records.result_record_xml(found[i]) + "\n" for i in ids if i in found)
    records = f"\n<tns:resultRecordSet>\n{records}</tns:resultRecordSet>\n"
    if len(found) < len(ids):
        return status.warning(summary, "partialdatastorage"), records
    return status.success(summary), records


def record_data(sourced_id: str, record) -> ResultData:
    """The plain result of a spyne ``ResultRecord`` (createResult, replaceResult, updateResult)."""
    result = record.result
    ext = result.extension
    extension = {}
    if ext is not None:
        extension = lis_records.normalise_extension(
            [(f.fieldName, f.fieldType, f.fieldValue) for f in (ext.extensionField or [])],
            ext.extensionNameVocabulary,
            ext.extensionValueVocabulary,
        )
    return ResultData(
        sourced_id=sourced_id,
        line_item_sourced_id=(result.lineItemSourcedId or "").strip() or None,
        person_sourced_id=(result.personSourcedId or "").strip() or None,
        ref_agent_instance_id=record.sourcedGUID.refAgentInstanceID if record.sourcedGUID is not None else None,
        date=result.date,
        value_label=result.resultValue.label if result.resultValue is not None else None,
        score_language=result.resultScore.language if result.resultScore is not None else None,
        score_text=result.resultScore.textString if result.resultScore is not None else None,
        extension=extension,
        score_maximum=scores.LIS_MAXIMUM,  # Turnitin's 0-100
    )


def _incomplete(req, need_id: bool = True) -> Status | None:
    if need_id and not (req.sourcedId or "").strip():
        return status.failure("sourcedId is required.", "incompletedata")
    if req.resultRecord is None or req.resultRecord.result is None:
        return status.failure("resultRecord with a result is required.", "incompletedata")
    if not (req.resultRecord.result.lineItemSourcedId or "").strip():
        return status.failure("result/lineItemSourcedId is required.", "incompletedata")
    return None


def _too_long(data: ResultData) -> Status | None:
    why = store_results.too_long(data)
    return status.failure(f"{why} Nothing was written.", "invaliddata") if why else None


def _create_result(session: Session, account_id: int, req) -> tuple[Status, list]:
    problem = _incomplete(req) or _too_long(record_data(req.sourcedId.strip(), req.resultRecord))
    if problem:
        return problem, []
    if not store_results.create_result(session, account_id, record_data(req.sourcedId.strip(), req.resultRecord)):
        return status.failure("A Result with this sourcedId already exists.", "idallocinusefail"), []
    return status.success("Object Result created."), []


def _create_by_proxy_result(session: Session, account_id: int, req) -> tuple[Status, list]:
    problem = _incomplete(req, need_id=False) or _too_long(record_data("", req.resultRecord))
    if problem:
        return problem, []
    sourced_id = str(uuid.uuid4())
    store_results.create_result(session, account_id, record_data(sourced_id, req.resultRecord))
    el = etree.Element(f"{{{LIS_OMS}}}sourcedId", nsmap=lis_records.NSMAP)
    el.text = sourced_id
    return status.success("Object Result created."), [el]


def _replace_result(session: Session, account_id: int, req) -> tuple[Status, list]:
    # IMS "replace": overwrite the whole object, creating it when it does not exist.
    problem = _incomplete(req)
    if problem:
        return problem, []
    data = record_data(req.sourcedId.strip(), req.resultRecord)
    if problem := _too_long(data):
        return problem, []
    if store_results.replace_result(session, account_id, data):
        return status.success("Object Result replaced."), []
    store_results.create_result(session, account_id, data)
    return status.success("Object Result created."), []


def _update_result(session: Session, account_id: int, req) -> tuple[Status, list]:
    if not (req.sourcedId or "").strip():
        return status.failure("sourcedId is required.", "incompletedata"), []
    if req.resultRecord is None or req.resultRecord.result is None:
        return status.failure("resultRecord with a result is required.", "incompletedata"), []
    data = record_data(req.sourcedId.strip(), req.resultRecord)
    if problem := _too_long(data):
        return problem, []
    if not store_results.update_result(session, account_id, data):
        return status.failure("Object Result not found.", "unknownobject"), []
    return status.success("Object Result updated."), []


def _delete_result(session: Session, account_id: int, req) -> tuple[Status, list]:
    if not store_results.delete_result(session, account_id, (req.sourcedId or "").strip()):
        return status.failure("Object Result not found.", "unknownobject"), []
    return status.success("Object Result deleted."), []


def _ids(ids: list[str] | None, what: str) -> tuple[Status, list]:
    if ids is None:
        return status.failure(f"{what} not found.", "unknownobject"), []
    return status.success(f"{len(ids)} Result sourcedIds found."), [lis_records.sourced_id_set(ids)]


def _ids_for_line_item(session: Session, account_id: int, req) -> tuple[Status, list]:
    li = (req.lineItemSourcedid or "").strip()
    return _ids(store_results.result_ids_for_line_item(session, account_id, li) if li else None, "Object LineItem")


def _ids_for_person(session: Session, account_id: int, req) -> tuple[Status, list]:
    person = (req.personSourcedId or "").strip()
    return _ids(store_results.result_ids_for_person(session, account_id, person) if person else None, "Object Person")


def _all_ids(session: Session, account_id: int, req) -> tuple[Status, list]:
    return _ids(store_results.all_result_ids(session, account_id), "")


HANDLERS: dict[str, Handler] = {
    "readResult": _read_result,
    "readResults": _read_results,
    "createResult": _create_result,
    "createByProxyResult": _create_by_proxy_result,
    "replaceResult": _replace_result,
    "updateResult": _update_result,
    "deleteResult": _delete_result,
    "readResultIdsForLineItem": _ids_for_line_item,
    "readResultIdsForPerson": _ids_for_person,
    "readAllResultIds": _all_ids,
}


def _run(ctx, operation: str, request) -> Reply:
    """spyne's entry: the header and the request as spyne read them."""
    message_ref = (getattr(ctx.in_header, "imsx_messageIdentifier", None) or "").strip()
    return run(ctx.transport.req_env, operation, request, message_ref)


def run(environ: dict, operation: str, request, message_ref: str) -> Reply:
    """One operation, in one unit of work. ``request`` has the fields of the operation's request
    type in ``gateway/lis/models.py`` (None for an operation without one)."""
    reply_element = f"{operation}Response"
    handler = HANDLERS.get(operation)
    if handler is None:
        return Reply(reply_element, status.unsupported(operation), [], message_ref)
    store: Store = environ[STORE]
    account_id = environ[OAUTH_CALLER].account_id
    try:
        # readResult runs one prepared statement: the light unit of work (adapters/store/hot.py)
        with store.hot() if handler is _read_result else store.session() as session:
            st, body = handler(session, account_id, request)
    except StoreUnavailable as exc:
        log.warning("LIS %s: store unavailable: %s", operation, exc)
        st, body = status.BUSY, []
    if isinstance(body, str):
        return Reply(reply_element, st, [], message_ref, raw=body)
    return Reply(reply_element, st, body, message_ref)


def _method(operation: str):
    request_type = models.REQUESTS.get(operation)
    response_type = models.RESPONSES.get(operation) or models.message(f"{operation}Response")
    options = dict(
        _body_style="bare",
        _in_header=(models.ImsxRequestHeaderInfo,),
        _out_header=(models.ImsxResponseHeaderInfo,),
        _returns=response_type,
        _operation_name=operation,
        _in_message_name=f"{operation}Request",
        _out_message_name=f"{operation}Response",
    )
    if request_type is None:
        # Empty request element (readAllResultIds, and the unsupported operations, whose content
        # spyne then ignores): spyne's bare style refuses an empty model as a parameter.
        def no_args(ctx):
            return _run(ctx, operation, None)

        return rpc(**options)(_named(no_args, operation))

    def one_arg(ctx, request):
        return _run(ctx, operation, request)

    return rpc(request_type, **options)(_named(one_arg, operation))


def _named(fn, name: str):
    fn.__name__ = fn.__qualname__ = name  # spyne keys methods by function name
    return fn


OPERATIONS = tuple(HANDLERS) + models.UNSUPPORTED


def build_application() -> Application:
    from gateway.lis.soap import LisSoap11  # the protocol lives with the WSGI side

    service = type("ResultManagerSyncService", (ServiceBase,), {op: _method(op) for op in OPERATIONS})
    return Application(
        [service],
        tns=LIS_OMS,
        name="OutcomesManagementServiceSyncService",
        in_protocol=LisSoap11(),
        out_protocol=LisSoap11(),
    )
