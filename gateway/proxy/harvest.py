"""LIS results seen passing through the proxy go into the store, under the caller's account, so
that the gateway can serve them later in any format (LIS SOAP, LTI POX).

What counts as seen (only when the upstream said success):

- LIS SOAP: every ``resultRecord`` in an answer (readResult, readResults); the record of a
  successful createResult/replaceResult/updateResult request; a deleteResult deletes;
- LTI POX: the score of a replaceResult request or a readResult answer; deleteResult clears it.

Everything happens in one unit of work; a record that cannot be read is skipped and logged, and
nothing here can change the answer the caller gets.
"""
from __future__ import annotations

import logging

from lxml import etree
from sqlalchemy.orm import Session

from adapters import scores
from adapters.store import Store
from adapters.store import results as store_results
from adapters.store.results import ResultData
from adapters.upstream import lis_records
from gateway import xmlsafe
from gateway.proxy.failures import find_named, first_element, local_name, lis_operation, pox_operation

log = logging.getLogger(__name__)


def _success(root: etree._Element) -> bool:
    major = find_named(root, "imsx_codeMajor")
    return major is not None and (major.text or "").strip() == "success"


def _store_record(session: Session, account_id: int, data: ResultData) -> None:
    store_results.upsert_result(session, account_id, data)


def _lis(session: Session, account_id: int, request: etree._Element, answer: etree._Element) -> int:
    operation, _ = lis_operation(request)
    body = next((c for c in answer if local_name(c) == "Body"), None)
    count = 0
    for record in lis_records.records_in(body) if body is not None else []:
        _store_record(session, account_id, record)
        count += 1
    request_body = first_element(next((c for c in request if local_name(c) == "Body"), None))
    sourced_id_el = next((c for c in request_body if local_name(c) == "sourcedId"), None) if request_body is not None else None
    sourced_id = (sourced_id_el.text or "").strip() if sourced_id_el is not None else ""
    if operation in ("createResult", "replaceResult", "updateResult") and sourced_id:
        record = find_named(request_body, "resultRecord")
        if record is not None:
            guid = find_named(record, "sourcedId")
            if guid is None:  # the record may leave sourcedGUID out; the request names the id
                guid_el = etree.SubElement(etree.SubElement(record, "sourcedGUID"), "sourcedId")
                guid_el.text = sourced_id
            data = lis_records.from_element(record).with_id(sourced_id)
            if operation == "updateResult" and store_results.update_result(session, account_id, data):
                return count + 1
            _store_record(session, account_id, data)
            count += 1
    elif operation == "deleteResult" and sourced_id:
        count += int(store_results.delete_result(session, account_id, sourced_id))
    return count


def _pox(session: Session, account_id: int, request: etree._Element, answer: etree._Element) -> int:
    operation, _ = pox_operation(request)
    sourced_id_el = find_named(find_named(request, "sourcedGUID"), "sourcedId")
    sourced_id = (sourced_id_el.text or "").strip() if sourced_id_el is not None else ""
    if not sourced_id:
        return 0
    if operation == "deleteResult":
        return int(store_results.set_score(session, account_id, sourced_id, None, None))
    source = request if operation == "replaceResult" else answer if operation == "readResult" else None
    score = find_named(source, "resultScore")
    if score is None:
        return 0
    text = find_named(score, "textString")
    language = find_named(score, "language")
    data = ResultData(
        sourced_id=sourced_id,
        score_text=(text.text or "").strip() or None if text is not None else None,
        score_language=(language.text or "").strip() or None if language is not None else None,
        score_maximum=scores.LTI_MAXIMUM,
    )
    if not store_results.update_result(session, account_id, data):
        store_results.create_result(session, account_id, data)
    return 1


HARVESTERS = {"lis-oms-soap": _lis, "lti-pox": _pox}


def harvest(store: Store, protocol: str, account_id: int, request_body: bytes, answer_body: bytes) -> int:
    """Results stored from one exchange (0 when there were none, or on any problem)."""
    harvester = HARVESTERS.get(protocol)
    if harvester is None:
        return 0
    try:
        request, answer = xmlsafe.parse(request_body), xmlsafe.parse(answer_body)
        if not _success(answer):
            return 0
        with store.session() as session:
            return harvester(session, account_id, request, answer)
    except Exception:  # storing is a by-product; the caller already has the upstream's answer
        log.warning("proxy: could not store the %s results of an exchange", protocol, exc_info=True)
        return 0
