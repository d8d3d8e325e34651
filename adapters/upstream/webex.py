"""A WebEx XML API client: builds ``serv:message`` requests and reads the answers.

A request, as WebEx's own samples write it::

    <?xml version="1.0" encoding="UTF-8"?>
    <serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <header><securityContext>
        <webExID>hostid</webExID><password>...</password><siteID>0000</siteID><partnerID>9999</partnerID>
      </securityContext></header>
      <body><bodyContent xsi:type="java:com.webex.service.binding.training.GetIMStestResult">
        <testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail>
      </bodyContent></body>
    </serv:message>

The answer is HTTP 200 whether it succeeded or not; ``serv:header/serv:response/serv:result``
says ``SUCCESS`` or ``FAILURE`` (with ``serv:reason`` and ``serv:exceptionID``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import requests
from lxml import etree

from adapters import ns
from adapters.upstream.xmlinput import XML_ERRORS, ParseXml

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CONTENT_TYPE = "text/xml; charset=utf-8"
#: The binding package of each operation in the ``java:com.webex.service.binding.<pkg>.<Op>`` form.
USER_OPERATIONS = frozenset({"AuthenticateUser", "GetUser", "LstsummaryUser"})
SECURITY_FIELDS = ("webExID", "email", "password", "sessionTicket", "siteID", "siteName", "partnerID")


@dataclass(frozen=True)
class SecurityContext:
    """The caller's credentials; empty fields are left out of the message."""

    webExID: str = ""
    password: str = ""
    siteID: str = ""
    partnerID: str = ""
    email: str = ""
    sessionTicket: str = ""
    siteName: str = ""

    def fields(self) -> list[tuple[str, str]]:
        return [(name, getattr(self, name)) for name in SECURITY_FIELDS if getattr(self, name)]


@dataclass
class WebexAnswer:
    result: str  # SUCCESS or FAILURE
    reason: str
    exception_id: str
    #: serv:bodyContent (empty on FAILURE)
    body_content: etree._Element | None
    raw: bytes

    @property
    def ok(self) -> bool:
        return self.result == "SUCCESS"


class WebexError(RuntimeError):
    """The upstream did not answer with a serv:message (transport error, not XML, wrong root)."""


def service_of(operation: str) -> str:
    return "user" if operation in USER_OPERATIONS else "training"


def build_message(operation: str, security: SecurityContext, fields: Iterable[tuple[str, str]] = ()) -> bytes:
    """The request ``serv:message`` for ``operation`` with ``fields`` as bodyContent children, in order."""
    serv = f"{{{ns.WEBEX_SERVICE}}}"
    root = etree.Element(serv + "message", nsmap={"serv": ns.WEBEX_SERVICE, "xsi": ns.XSI})
    context = etree.SubElement(etree.SubElement(root, "header"), "securityContext")
    for name, value in security.fields():
        etree.SubElement(context, name).text = value
    content = etree.SubElement(etree.SubElement(root, "body"), "bodyContent")
    content.set(f"{{{ns.XSI}}}type", f"java:com.webex.service.binding.{service_of(operation)}.{operation}")
    for name, value in fields:
        etree.SubElement(content, name).text = value
    etree.indent(root)
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8") + b"\n"


def parse_answer(raw: bytes, parse_xml: ParseXml) -> WebexAnswer:
    try:
        root = parse_xml(raw)
    except XML_ERRORS as exc:
        raise WebexError(f"the answer is not XML: {exc}") from exc
    if root.tag != f"{{{ns.WEBEX_SERVICE}}}message":
        raise WebexError(f"the answer's root is {root.tag}, not serv:message")
    nsmap = {"serv": ns.WEBEX_SERVICE}
    result = root.findtext("serv:header/serv:response/serv:result", namespaces=nsmap)
    if result not in ("SUCCESS", "FAILURE"):
        raise WebexError(f"the answer has no serv:result SUCCESS/FAILURE (found {result!r})")
    return WebexAnswer(
        result=result,
        reason=(root.findtext("serv:header/serv:response/serv:reason", namespaces=nsmap) or "").strip(),
        exception_id=(root.findtext("serv:header/serv:response/serv:exceptionID", namespaces=nsmap) or "").strip(),
        body_content=root.find("serv:body/serv:bodyContent", nsmap),
        raw=raw,
    )


class WebexClient:
    """``WebexClient(url, security, parse_xml).call("GetIMStestResult", testID="207", participantEmail=...)``."""

    def __init__(
        self,
        url: str,
        security: SecurityContext,
        parse_xml: ParseXml,
        *,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ):
        self.url = url
        self.security = security
        self.parse_xml = parse_xml
        self.timeout = timeout
        self.session = session or requests.Session()

    def call(self, operation: str, fields: Iterable[tuple[str, str]] = (), **named: str) -> WebexAnswer:
        body = build_message(operation, self.security, [*fields, *named.items()])
        try:
            response = self.session.post(self.url, data=body, headers={"Content-Type": CONTENT_TYPE}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise WebexError(f"{operation}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise WebexError(f"{operation}: HTTP {response.status_code} from {self.url}")
        return parse_answer(response.content, self.parse_xml)

    def get_ims_test_result(self, test_id: str, participant_email: str) -> WebexAnswer:
        return self.call("GetIMStestResult", testID=str(test_id), participantEmail=participant_email)
