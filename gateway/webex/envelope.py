"""The ``serv:message`` wire format: reading requests leniently, writing answers exactly.

Answers declare WebEx's prefixes on the root, as the seed shows, and ``xsi`` on ``bodyContent``::

    <?xml version="1.0" encoding="UTF-8"?>
    <serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"
        xmlns:com="..." xmlns:sess="..." xmlns:train="..." xmlns:qti="..." xmlns:qtiasi="...">
      <serv:header><serv:response>
        <serv:result>SUCCESS</serv:result><serv:gsbStatus>PRIMARY</serv:gsbStatus>
      </serv:response></serv:header>
      <serv:body>
        <serv:bodyContent xsi:type="train:getIMStestResultResponse"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">...</serv:bodyContent>
      </serv:body>
    </serv:message>
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from adapters import ns
from gateway import xmlsafe

NSMAP = {
    "serv": ns.WEBEX_SERVICE,
    "com": ns.WEBEX_COMMON,
    "sess": ns.WEBEX_SESSION,
    "train": ns.WEBEX_TRAINING,
    "qti": ns.WEBEX_QTI,
    "qtiasi": ns.WEBEX_QTIASI,
}
#: Operation namespaces: the xsi:type QName form, and the package in the ``java:`` form.
SERVICES = {
    ns.WEBEX_TRAINING: "training",
    ns.WEBEX_USER: "user",
}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_JAVA_TYPE = re.compile(r"^java:com\.webex\.service\.binding\.(\w+)\.(\w+)$")
# The official sample uses serv: without declaring it; find the root start tag to bind it.
_ROOT_TAG = re.compile(rb"<serv:message\b([^>]*)>")


def S(tag: str) -> str:
    return f"{{{ns.WEBEX_SERVICE}}}{tag}"


@dataclass
class WebexRequest:
    """What a ``serv:message`` asks: the security context, and the operation with its content."""

    security: dict[str, str]
    service: str
    operation: str
    #: The bodyContent element; read its children by local name with :func:`child_text`.
    content: etree._Element = field(repr=False)


class RequestError(ValueError):
    """The request cannot be read as a WebEx message; the reason is safe to show the caller."""


#: Where :func:`request_of` keeps a request's reading in the WSGI environ.
READING = "lms.webex.request"


def request_of(environ: dict, raw: bytes) -> WebexRequest:
    """:func:`parse_request` of ``raw``, read once per request: whoever asks first (the journal, the
    protocol, the proxy) parses, and the others get the same reading (or the same error) from
    ``environ``. Readers only read the tree; nobody may change it."""
    kept = environ.get(READING)
    if kept is None or not (kept[0] is raw or kept[0] == raw):
        try:
            kept = (raw, parse_request(raw))
        except (*xmlsafe.XMLInputError, RequestError) as exc:
            kept = (raw, exc)
        environ[READING] = kept
    if isinstance(kept[1], Exception):
        raise kept[1].with_traceback(None)
    return kept[1]


def parse_request(raw: bytes) -> WebexRequest:
    """Read a request the way WebEx's clients send it (DESIGN.md §4).

    Accepts any Content-Type (the caller never consults it), UTF-8 or ISO-8859-1 per the XML
    declaration, an undeclared ``serv:`` prefix, and elements qualified or not.
    """
    root = xmlsafe.parse(_bind_serv_prefix(raw))
    if etree.QName(root).localname != "message":
        raise RequestError(f"the root element is {etree.QName(root).localname}, not serv:message")
    header = _child(root, "header")
    security = {}
    context = _child(header, "securityContext") if header is not None else None
    if context is not None:
        for el in context:
            if isinstance(el.tag, str):
                security[el.tag.rpartition("}")[2]] = (el.text or "").strip()
    body = _child(root, "body")
    content = _child(body, "bodyContent") if body is not None else None
    if content is None:
        raise RequestError("the message has no body/bodyContent")
    service, operation = operation_of(content)
    return WebexRequest(security, service, operation, content)


def operation_of(content: etree._Element) -> tuple[str, str]:
    """``(service, Operation)`` from bodyContent/@xsi:type in either of its forms.

    ``java:com.webex.service.binding.training.GetIMStestResult`` and ``train:getIMStestResult``
    (a QName in the trainingsession namespace, lower camel as in WebEx's XSD) both give
    ``("training", "GetIMStestResult")``.
    """
    xsi_type = (content.get(f"{{{ns.XSI}}}type") or "").strip()
    if not xsi_type:
        raise RequestError("bodyContent has no xsi:type naming the operation")
    java = _JAVA_TYPE.match(xsi_type)
    if java:
        service, name = java.groups()
    else:
        prefix, _, name = xsi_type.rpartition(":")
        namespace = content.nsmap.get(prefix or None)
        service = SERVICES.get(namespace or "")
        if service is None or not name:
            raise RequestError(f"unknown operation type {xsi_type}")
    return service, name[:1].upper() + name[1:]


def child_text(parent: etree._Element, name: str) -> str | None:
    el = _child(parent, name)
    # XML whitespace only: str.strip() would also drop U+00A0 and friends, which are content
    return None if el is None else (el.text or "").strip(" \t\r\n")


def children(parent: etree._Element, name: str) -> list[etree._Element]:
    qualified = "}" + name
    return [el for el in parent if isinstance(el.tag, str) and (el.tag == name or el.tag.endswith(qualified))]


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    qualified = "}" + name
    for el in parent:
        tag = el.tag  # "{namespace}name" or "name"; comments and PIs have no str tag
        if isinstance(tag, str) and (tag == name or tag.endswith(qualified)):
            return el
    return None


def _bind_serv_prefix(raw: bytes) -> bytes:
    match = _ROOT_TAG.search(raw, 0, 4096)
    if match and b"xmlns:serv" not in match.group(1):
        insert_at = match.start(1)
        return raw[:insert_at] + b' xmlns:serv="' + ns.WEBEX_SERVICE.encode() + b'"' + raw[insert_at:]
    return raw


def success(body_type: str, content: list[etree._Element], nsmap: dict[str, str] | None = None) -> bytes:
    """A SUCCESS message whose bodyContent has ``xsi:type=body_type`` (e.g. ``train:getIMStestResultResponse``)."""
    root, header_response, body = _skeleton()
    etree.SubElement(header_response, S("result")).text = "SUCCESS"
    etree.SubElement(header_response, S("gsbStatus")).text = "PRIMARY"
    body_content = etree.SubElement(body, S("bodyContent"), nsmap={"xsi": ns.XSI, **(nsmap or {})})
    body_content.set(f"{{{ns.XSI}}}type", body_type)
    body_content.extend(content)
    # children built elsewhere may carry their own declarations of the root's prefixes
    etree.cleanup_namespaces(root, top_nsmap=NSMAP, keep_ns_prefixes=[*NSMAP, *(nsmap or {})])
    return _serialise(root)


def failure(exception_id: str, reason: str) -> bytes:
    root, header_response, body = _skeleton()
    etree.SubElement(header_response, S("result")).text = "FAILURE"
    etree.SubElement(header_response, S("reason")).text = reason
    etree.SubElement(header_response, S("gsbStatus")).text = "PRIMARY"
    etree.SubElement(header_response, S("exceptionID")).text = exception_id
    etree.SubElement(body, S("bodyContent"))
    return _serialise(root)


def _skeleton() -> tuple[etree._Element, etree._Element, etree._Element]:
    root = etree.Element(S("message"), nsmap=NSMAP)
    header_response = etree.SubElement(etree.SubElement(root, S("header")), S("response"))
    body = etree.SubElement(root, S("body"))
    return root, header_response, body


def _serialise(root: etree._Element) -> bytes:
    # lxml's own declaration uses single quotes; clients that grep the prolog expect WebEx's.
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)
