"""A zeep client for an LIS OMS v1.0 ResultManager (Turnitin's, or this gateway's).

The WSDL is the caller's choice: the gateway's own ``gateway/schemas/lis-result.wsdl`` or the IMS reference
``lis-result.wsdl``; the endpoint address always comes from ``address`` (a WSDL's own address is a
placeholder). Every request carries the header LIS requires and is signed by :class:`BodyHashAuth`
on the bytes zeep hands to ``requests``, i.e. after serialisation::

    <soap-env:Header>
      <ns0:imsx_syncRequestHeaderInfo xmlns:ns0="http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0">
        <ns0:imsx_version>V1.0</ns0:imsx_version>
        <ns0:imsx_messageIdentifier>0b4c...</ns0:imsx_messageIdentifier>
      </ns0:imsx_syncRequestHeaderInfo>
    </soap-env:Header>

Answers come back as :class:`LisAnswer`: the imsx status and the operation's body, with result
records converted to the store's plain :class:`ResultData`.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urllib.parse import urlsplit

import requests
import zeep
from lxml import etree
from zeep.transports import Transport

from adapters.store.results import ResultData
from adapters.upstream import lis_records
from adapters.upstream.signing import BodyHashAuth

PORT = "ResultManagerSyncSoapPort"
#: readResults takes at most this many sourcedIds per request (DESIGN.md §5).
READ_RESULTS_BATCH = 500


@dataclass(frozen=True)
class Status:
    code_major: str
    severity: str
    description: str
    code_minor: str | None
    message_ref: str


@dataclass
class LisAnswer:
    operation: str
    status: Status
    records: list[ResultData] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status.code_major == "success"

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "status": self.status.__dict__,
            "records": [lis_records.to_json(r) for r in self.records],
            "ids": self.ids,
        }


class LisError(RuntimeError):
    """The upstream did not answer with an LIS message (transport error, SOAP Fault)."""


class LisClient:
    """``LisClient(wsdl, address, key, secret).read_result("49313814")``."""

    def __init__(
        self,
        wsdl: str | Path,
        address: str,
        key: str,
        secret: str,
        *,
        signature_method: str = "HMAC-SHA1",
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ):
        if urlsplit(address).scheme.lower() not in ("http", "https") or not urlsplit(address).netloc:
            raise LisError(f"the endpoint {address!r} is not an http:// or https:// URL")
        self.address = address
        self.session = session or requests.Session()
        self.session.auth = BodyHashAuth(key, secret, signature_method)
        self._last: requests.Response | None = None
        self.session.hooks["response"].append(self._remember)
        transport = Transport(session=self.session, timeout=timeout, operation_timeout=timeout)
        # zeep's own parser; refuse DTDs and entities in the WSDL and in answers (DESIGN.md §10)
        settings = zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        try:
            self.client = zeep.Client(str(wsdl), transport=transport, settings=settings)
        except requests.RequestException as exc:
            raise LisError(f"cannot fetch the WSDL {wsdl}: {type(exc).__name__}: {exc}") from exc
        except (zeep.exceptions.Error, etree.LxmlError, OSError, ValueError, AttributeError) as exc:
            # zeep raises AttributeError when the document is not XML at all
            reason = "not an XML document" if isinstance(exc, AttributeError) else str(exc) or type(exc).__name__
            raise LisError(f"{wsdl} is not a usable WSDL: {reason}") from exc
        binding = _binding_name(self.client)
        self.service = self.client.create_service(binding, address)
        header_element = self.client.get_element(f"{{{_tns(self.client)}}}imsx_syncRequestHeaderInfo")
        self._header = header_element

    def call(self, operation: str, **body: Any) -> LisAnswer:
        message_id = str(uuid.uuid4())
        header = self._header(imsx_version="V1.0", imsx_messageIdentifier=message_id)
        try:
            reply = getattr(self.service, operation)(_soapheaders=[header], **body)
        except zeep.exceptions.Fault as exc:
            raise LisError(f"{operation}: SOAP Fault {exc.code}: {exc.message}") from exc
        except requests.RequestException as exc:
            raise LisError(f"{operation}: {type(exc).__name__}: {exc}") from exc
        except zeep.exceptions.Error as exc:
            raise LisError(f"{operation}: {exc if self._answered_xml() else self._not_soap()}") from exc
        except (etree.LxmlError, AttributeError, ValueError) as exc:
            # zeep fails this way on an answer that is not XML (an HTML page, JSON, an empty 404)
            raise LisError(f"{operation}: {self._not_soap()}") from exc
        return _answer(operation, reply)

    def _remember(self, response: requests.Response, *args, **kwargs) -> None:
        self._last = response

    def _answered_xml(self) -> bool:
        kind = self._last.headers.get("Content-Type", "") if self._last is not None else ""
        return "xml" in kind.split(";", 1)[0].lower()

    def _not_soap(self) -> str:
        last = self._last
        if last is None:
            return f"no SOAP answer from {self.address}"
        kind = last.headers.get("Content-Type", "no Content-Type")
        return (f"{self.address} answered HTTP {last.status_code} ({kind}), not a SOAP message: "
                "is it the LIS endpoint (a gateway's is /api/soap/1p0/lis-result)?")

    def read_result(self, sourced_id: str) -> LisAnswer:
        return self.call("readResult", sourcedId=sourced_id)

    def read_results(self, sourced_ids: Sequence[str]) -> LisAnswer:
        return self.call("readResults", sourcedIdSet={"sourcedId": list(sourced_ids)})

    def read_result_ids_for_line_item(self, line_item: str) -> LisAnswer:
        return self.call("readResultIdsForLineItem", lineItemSourcedid=line_item)

    def read_result_ids_for_person(self, person: str) -> LisAnswer:
        return self.call("readResultIdsForPerson", personSourcedId=person)

    def read_all_result_ids(self) -> LisAnswer:
        return self.call("readAllResultIds")

    def delete_result(self, sourced_id: str) -> LisAnswer:
        return self.call("deleteResult", sourcedId=sourced_id)

    def results_for_line_item(self, line_item: str) -> tuple[LisAnswer, list[ResultData]]:
        """readResultIdsForLineItem, then readResults in batches of 500: every record of the line item."""
        ids_answer = self.read_result_ids_for_line_item(line_item)
        if not ids_answer.ok:
            return ids_answer, []
        records: list[ResultData] = []
        for batch in _batches(ids_answer.ids, READ_RESULTS_BATCH):
            answer = self.read_results(batch)
            if answer.status.code_major != "success":
                return answer, records
            records.extend(answer.records)
        return ids_answer, records


OPERATIONS = {
    "readResult": "read_result",
    "readResults": "read_results",
    "readResultIdsForLineItem": "read_result_ids_for_line_item",
    "readResultIdsForPerson": "read_result_ids_for_person",
    "readAllResultIds": "read_all_result_ids",
    "deleteResult": "delete_result",
}


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _tns(client: zeep.Client) -> str:
    return next(iter(client.wsdl.services.values())).ports[PORT].binding.name.namespace


def _binding_name(client: zeep.Client) -> str:
    for service in client.wsdl.services.values():
        if PORT in service.ports:
            return str(service.ports[PORT].binding.name)
    raise LisError(f"the WSDL has no port {PORT}")


def _answer(operation: str, reply: Any) -> LisAnswer:
    header = getattr(reply, "header", None)
    # the header part is named imsx_syncResponseHeaderInfo in the gateway's WSDL and
    # HeaderInfoResponse in the IMS one; there is only ever the one
    parts = list(header.__values__.values()) if header is not None else []
    status_info = next((_get(p, "imsx_statusInfo") for p in parts if p is not None), None)
    if status_info is None:
        raise LisError(f"{operation}: the answer has no imsx_statusInfo header")
    minor = None
    code_minor = getattr(status_info, "imsx_codeMinor", None)
    if code_minor is not None and code_minor.imsx_codeMinorField:
        minor = code_minor.imsx_codeMinorField[0].imsx_codeMinorFieldValue
    status = Status(
        str(status_info.imsx_codeMajor),
        str(status_info.imsx_severity),
        status_info.imsx_description or "",
        None if minor is None else str(minor),
        status_info.imsx_messageRefIdentifier or "",
    )
    body = getattr(reply, "body", None)
    answer = LisAnswer(operation, status)
    if body is None:
        return answer
    record = _get(body, "resultRecord")
    if record is not None:
        answer.records.append(lis_records.from_zeep(record))
    record_set = _get(body, "resultRecordSet")
    if record_set is not None:
        answer.records.extend(lis_records.from_zeep(r) for r in (record_set.resultRecord or []))
    id_set = _get(body, "sourcedIdSet")
    if id_set is not None:
        answer.ids.extend(str(i) for i in (id_set.sourcedId or []))
    return answer


def _get(obj: Any, name: str) -> Any:
    try:
        return obj[name]
    except (KeyError, TypeError, AttributeError):
        return getattr(obj, name, None)
