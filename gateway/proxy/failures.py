"""Upstream timeouts and errors in each protocol's own failure shape.

- LIS OMS SOAP: an imsx failure for the operation the caller asked for, HTTP 200 as every imsx
  status is, ``targetisbusy`` for a timeout and ``linkfailure`` for an unreachable or broken
  upstream (both in the WSDL's codeMinor vocabulary); a request that cannot be read is a SOAP Fault.
- LTI POX: a failure envelope, HTTP 504 for a timeout and 502 otherwise.
- WebEx: ``FAILURE`` / ``000000`` "Fail to forward request:...", HTTP 200 (WebEx's answer to a
  back-end it cannot reach).
- itslearning (WCF): a SOAP 1.1 Fault ``Server``, HTTP 500, as WCF answers a failing back-end.
"""
from __future__ import annotations

from lxml import etree

from gateway import xmlsafe
from gateway.routing import Answer
from gateway.lis import envelope as lis_envelope
from gateway.lis import pox
from gateway.lis.status import Status
from gateway.webex import envelope as webex_envelope

TIMEOUT, UNREACHABLE, BAD_ANSWER = "timeout", "unreachable", "bad-answer"


def local_name(el: etree._Element | None) -> str:
    return etree.QName(el).localname if el is not None and isinstance(el.tag, str) else ""


def first_element(parent: etree._Element | None) -> etree._Element | None:
    return next((c for c in parent if isinstance(c.tag, str)), None) if parent is not None else None


def find_named(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((el for el in parent.iter() if isinstance(el.tag, str) and local_name(el) == name), None)


def lis_operation(root: etree._Element) -> tuple[str, str]:
    """(operation, imsx_messageIdentifier) of a LIS SOAP request."""
    body = next((c for c in root if local_name(c) == "Body"), None)
    operation = local_name(first_element(body)).removesuffix("Request")
    ident = find_named(next((c for c in root if local_name(c) == "Header"), None), "imsx_messageIdentifier")
    return operation, (ident.text or "").strip() if ident is not None else ""


def pox_operation(root: etree._Element) -> tuple[str, str]:
    body = find_named(root, "imsx_POXBody")
    ident = find_named(root, "imsx_messageIdentifier")
    return local_name(first_element(body)).removesuffix("Request"), (ident.text or "").strip() if ident is not None else ""


def lis_failure(raw: bytes, kind: str, detail: str) -> Answer:
    try:
        operation, message_ref = lis_operation(xmlsafe.parse(raw))
    except xmlsafe.XMLInputError:
        operation, message_ref = "", ""
    if not operation:
        return Answer(500, lis_envelope.CONTENT_TYPE, lis_envelope.fault_bytes(lis_envelope.SERVER, f"Upstream: {detail}"))
    minor = "targetisbusy" if kind == TIMEOUT else "linkfailure"
    status = Status("failure", "error", f"The upstream LIS service did not answer: {detail}", minor)
    body = lis_envelope.to_bytes(lis_envelope.response(f"{operation}Response", status, message_ref))
    return Answer(200, lis_envelope.CONTENT_TYPE, body)


def pox_failure(raw: bytes, kind: str, detail: str) -> Answer:
    try:
        operation, message_ref = pox_operation(xmlsafe.parse(raw))
    except xmlsafe.XMLInputError:
        operation, message_ref = "", ""
    minor = "targetisbusy" if kind == TIMEOUT else "linkfailure"
    status = Status("failure", "error", f"The upstream outcomes service did not answer: {detail}", minor)
    return Answer(504 if kind == TIMEOUT else 502, pox.CONTENT_TYPE, pox.envelope(status, message_ref, operation))


def webex_failure(raw: bytes, kind: str, detail: str) -> Answer:
    return Answer(200, "text/xml; charset=utf-8", webex_envelope.failure("000000", f"Fail to forward request:{detail}"))


def itslearning_failure(raw: bytes, kind: str, detail: str) -> Answer:
    return Answer(500, lis_envelope.CONTENT_TYPE,
                  lis_envelope.fault_bytes(lis_envelope.SERVER, f"The upstream itslearning service did not answer: {detail}"))


def itslearning_error(status: int, message: str) -> Answer:
    code = lis_envelope.CLIENT if 400 <= status < 500 else lis_envelope.SERVER
    return Answer(status, lis_envelope.CONTENT_TYPE, lis_envelope.fault_bytes(code, message))
