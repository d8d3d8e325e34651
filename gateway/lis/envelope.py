"""SOAP 1.1 envelopes of the LIS OMS endpoint, written by hand with lxml.

Why not spyne's serialiser: Turnitin's clients compare literals that spyne cannot produce — the
prefix-less ``<faultcode>Authentication Fault</faultcode>`` — and the seed's answers use the
``SOAP-ENV`` prefix with ``tns`` declared on the header and body entries; spyne also serialises a
500-record readResults an order of magnitude slower than lxml does. spyne still parses and
dispatches requests and describes the WSDL. An answer looks like (seed 003)::

    <?xml version="1.0" encoding="UTF-8"?>
    <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
    <SOAP-ENV:Header>
    <tns:imsx_syncResponseHeaderInfo xmlns:tns="http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0">
    <tns:imsx_version>V1.0</tns:imsx_version>
    <tns:imsx_messageIdentifier>77B77238-A656-11E1-BBEA-38C7EFE76FDE</tns:imsx_messageIdentifier>
    <tns:imsx_statusInfo>
    <tns:imsx_codeMajor>success</tns:imsx_codeMajor>
    <tns:imsx_severity>status</tns:imsx_severity>
    <tns:imsx_messageRefIdentifier>16dd3b8d-c66b-4839-a158-638b81587088</tns:imsx_messageRefIdentifier>
    <tns:imsx_description>Object Result found.</tns:imsx_description>
    <tns:imsx_codeMinor>
    <tns:imsx_codeMinorField>
    <tns:imsx_codeMinorFieldName>TargetEndSystem</tns:imsx_codeMinorFieldName>
    <tns:imsx_codeMinorFieldValue>fullsuccess</tns:imsx_codeMinorFieldValue>
    </tns:imsx_codeMinorField>
    </tns:imsx_codeMinor>
    </tns:imsx_statusInfo>
    </tns:imsx_syncResponseHeaderInfo>
    </SOAP-ENV:Header>
    <SOAP-ENV:Body>
    <tns:readResultResponse xmlns:tns="...">...</tns:readResultResponse>
    </SOAP-ENV:Body>
    </SOAP-ENV:Envelope>

and a fault::

    <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
    <SOAP-ENV:Body>
    <SOAP-ENV:Fault>
    <faultcode>Authentication Fault</faultcode>
    <faultstring>OAuth check failed: invalid signature (...)</faultstring>
    </SOAP-ENV:Fault>
    </SOAP-ENV:Body>
    </SOAP-ENV:Envelope>
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from lxml import etree

from adapters.ns import LIS_OMS, SOAP_ENV
from gateway.lis.status import Status
# The SOAP 1.1 basics are shared with the other SOAP endpoints; LIS code names them from here.
from gateway.soap import (  # noqa: F401
    CLIENT, CONTENT_TYPE, NSMAP, SERVER, XML_DECLARATION, fault, fault_bytes, line, to_bytes,
)

AUTHENTICATION_FAULT = "Authentication Fault"

_ENV = NSMAP
_TNS = {"tns": LIS_OMS}
_Q = f"{{{LIS_OMS}}}"
_sub = line


def message_identifier() -> str:
    """A fresh imsx_messageIdentifier in Turnitin's form (upper-case UUID)."""
    return str(uuid.uuid4()).upper()


def response_header(parent: etree._Element, status: Status, message_ref: str) -> etree._Element:
    info = _sub(parent, _Q + "imsx_syncResponseHeaderInfo", nsmap=_TNS)
    _sub(info, _Q + "imsx_version", "V1.0")
    _sub(info, _Q + "imsx_messageIdentifier", message_identifier())
    st = _sub(info, _Q + "imsx_statusInfo")
    _sub(st, _Q + "imsx_codeMajor", status.code_major)
    _sub(st, _Q + "imsx_severity", status.severity)
    ref = _sub(st, _Q + "imsx_messageRefIdentifier", message_ref)
    ref.text = message_ref or None
    _sub(st, _Q + "imsx_description", status.description)
    if status.code_minor:
        minor = _sub(st, _Q + "imsx_codeMinor")
        field = _sub(minor, _Q + "imsx_codeMinorField")
        _sub(field, _Q + "imsx_codeMinorFieldName", "TargetEndSystem")
        _sub(field, _Q + "imsx_codeMinorFieldValue", status.code_minor)
    return info


def response_bytes(operation_response: str, status: Status, message_ref: str,
                   children: Iterable[etree._Element] = (), raw: str | None = None) -> bytes:
    """The serialised answer. ``raw`` is already-serialised content for the response element (the
    records of :func:`adapters.lis_records.result_record_xml`, which rely on its ``xmlns:tns``).

    Without ``children`` (every operation's answer but a test's) the envelope is written from the
    layout above as text, byte for byte what lxml writes for :func:`response` (a test holds the two
    together): building and serialising the tree was a tenth of a readResult."""
    kids = list(children)
    if kids or not all(_PLAIN_TEXT.fullmatch(t) for t in (status.description, message_ref)):
        return _through_lxml(operation_response, status, message_ref, kids, raw)
    minor = _MINOR.format(_escape(status.code_minor)) if status.code_minor else ""
    ref = f"<tns:imsx_messageRefIdentifier>{_escape(message_ref)}</tns:imsx_messageRefIdentifier>" \
        if message_ref else "<tns:imsx_messageRefIdentifier/>"
    entry = f"<tns:{operation_response} {_XMLNS_TNS}/>" if raw is None \
        else f"<tns:{operation_response} {_XMLNS_TNS}>{raw}</tns:{operation_response}>"
    return _ANSWER.format(identifier=message_identifier(), major=_escape(status.code_major),
                          severity=_escape(status.severity), ref=ref, description=_escape(status.description or "\n"),
                          minor=minor, entry=entry).encode("utf-8")


_XMLNS_TNS = f'xmlns:tns="{LIS_OMS}"'
_ANSWER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}">\n<SOAP-ENV:Header>\n'
    f"<tns:imsx_syncResponseHeaderInfo {_XMLNS_TNS}>\n<tns:imsx_version>V1.0</tns:imsx_version>\n"
    "<tns:imsx_messageIdentifier>{identifier}</tns:imsx_messageIdentifier>\n<tns:imsx_statusInfo>\n"
    "<tns:imsx_codeMajor>{major}</tns:imsx_codeMajor>\n<tns:imsx_severity>{severity}</tns:imsx_severity>\n"
    "{ref}\n<tns:imsx_description>{description}</tns:imsx_description>\n{minor}"
    "</tns:imsx_statusInfo>\n</tns:imsx_syncResponseHeaderInfo>\n</SOAP-ENV:Header>\n<SOAP-ENV:Body>\n"
    "{entry}\n</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"
)
_MINOR = (
    "<tns:imsx_codeMinor>\n<tns:imsx_codeMinorField>\n"
    "<tns:imsx_codeMinorFieldName>TargetEndSystem</tns:imsx_codeMinorFieldName>\n"
    "<tns:imsx_codeMinorFieldValue>{}</tns:imsx_codeMinorFieldValue>\n"
    "</tns:imsx_codeMinorField>\n</tns:imsx_codeMinor>\n"
)
#: Text lxml writes as it is but for &, <, > and carriage returns; anything else (a character XML
#: 1.0 cannot hold) goes through lxml, which refuses it as before.
_PLAIN_TEXT = re.compile("[\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


_RAW_MARK = "@@lms-gateway-raw-content@@"


def _through_lxml(operation_response: str, status: Status, message_ref: str, children: list, raw: str | None) -> bytes:
    envelope = response(operation_response, status, message_ref, children)
    if raw is None:
        return to_bytes(envelope)
    entry = envelope[-1][0]
    entry.text = _RAW_MARK
    head, mark, tail = to_bytes(envelope).rpartition(_RAW_MARK.encode())
    # rpartition: the mark sits in the last element; nothing a client sent comes after it.
    assert mark, "raw content marker lost"
    return head + raw.encode("utf-8") + tail


def response(operation_response: str, status: Status, message_ref: str, children: Iterable[etree._Element] = ()) -> etree._Element:
    """The whole answer envelope; ``children`` go inside ``<tns:{operation_response}>``."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=_ENV)
    envelope.text = "\n"
    header = _sub(envelope, f"{{{SOAP_ENV}}}Header")
    response_header(header, status, message_ref)
    body = _sub(envelope, f"{{{SOAP_ENV}}}Body")
    entry = _sub(body, _Q + operation_response, nsmap=_TNS)
    kids = list(children)
    if kids:
        for kid in kids:
            kid.tail = "\n"
        entry.extend(kids)
    else:
        entry.text = None  # <tns:readLineItemResponse/>
    envelope.tail = None
    return envelope
