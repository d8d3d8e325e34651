"""What a request names: its protocol, operation, account and business keys (DESIGN.md §13).

Read once per exchange from the raw body, before the protocol runs, so that fault rules can match
on it and the journal can file it. A protocol that knows better sets ``environ[OPERATION]`` /
``environ[ACCOUNT]`` / ``environ[KEYS]`` itself and wins. Nothing here ever refuses a request: a
body that cannot be read names nothing, and the protocol gives its own error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


from gateway import xmlsafe
from gateway.routing import parsed_body

#: Journal protocol names by route name; a route not listed is filed under its own name.
PROTOCOLS = {
    "webex": "webex",
    "lis-soap": "lis",
    "lti-outcomes": "lti",
    "itslearning-file": "itslearning",
    "itslearning-data": "itslearning",
    "qti-profile": "qti",
}
#: The protocol names samples use (adapters/upstream/samples.py), for "save as sample".
SAMPLE_PROTOCOLS = {"webex": "webex", "lis": "lis-oms-soap", "lti": "lti-pox", "itslearning": "itslearning"}
#: Bodies larger than this are not parsed for keys (an itslearning upload): the operation is read
#: from the SOAPAction instead.
MAX_PARSE_BYTES = 1024 * 1024
_LIS_KEYS = {"sourcedId": "sourcedId", "lineItemSourcedId": "lineItem", "personSourcedId": "person"}
_LIS_TAGS = tuple("{*}" + name for name in _LIS_KEYS)
_WEBEX_KEYS = ("testID", "participantEmail", "email", "sessionKey", "confID")
_SYNC_KEY = re.compile(r"SyncKey$|^Id$|Id$")


@dataclass
class Exchange:
    protocol: str
    operation: str | None = None
    account: str | None = None
    keys: dict[str, list[str]] = field(default_factory=dict)
    #: The request's own message identifier (LIS/POX), which a failure answer must refer to.
    message_ref: str = ""
    #: The protocol's verdict, read from the answer (:func:`outcome`).
    outcome: str | None = None

    def add(self, name: str, value: str | None) -> None:
        value = (value or "").strip()
        if value and value not in self.keys.setdefault(name, []):
            self.keys[name].append(value[:255])

    def key_values(self) -> list[str]:
        return [v for values in self.keys.values() for v in values]


def _local(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _first_child(el):
    return next((c for c in el if isinstance(c.tag, str)), None) if el is not None else None


def _find_local(root, name: str):
    return next((el for el in root.iter() if _local(el) == name), None)


def describe(route_name: str, environ: dict, raw: bytes) -> Exchange:
    protocol = PROTOCOLS.get(route_name, route_name)
    exchange = Exchange(protocol)
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD"):
        query = environ.get("QUERY_STRING", "").lower()
        exchange.operation = "wsdl" if "wsdl" in query else ("contentProfile" if protocol == "qti" else method)
        return exchange
    reader = _READERS.get(protocol)
    if reader is None:
        return exchange
    if not raw or len(raw) > MAX_PARSE_BYTES:  # a streamed upload (no RAW_BODY) or a huge body
        action = environ.get("HTTP_SOAPACTION", "").strip('"')
        exchange.operation = action.rpartition("/")[2] or None
        return exchange
    try:
        reader(exchange, raw, environ)
    except Exception:  # a body the protocol will refuse in its own words; it names nothing here
        pass
    return exchange


def _lis(exchange: Exchange, raw: bytes, environ: dict) -> None:
    root = parsed_body(environ)  # the protocol parses the same body: one parse for both
    body = next((el for el in root if _local(el) in ("Body", "imsx_POXBody")), None)
    request = _first_child(body)
    if request is None:
        return
    exchange.operation = _local(request).removesuffix("Request")
    # lxml filters by tag in C ("{*}" is any namespace): every exchange is read, and a walk over
    # all elements in Python cost the most of this
    reference = next(root.iter("{*}imsx_messageIdentifier"), None)
    exchange.message_ref = (reference.text or "").strip() if reference is not None else ""
    for el in request.iter(_LIS_TAGS):
        exchange.add(_LIS_KEYS[_local(el)], el.text)
    exchange.account = _consumer_key(environ)


def _consumer_key(environ: dict) -> str | None:
    match = re.search(r'oauth_consumer_key="([^"]*)"', str(environ.get("HTTP_AUTHORIZATION", "")))
    return match.group(1) if match else None


def _webex(exchange: Exchange, raw: bytes, environ: dict) -> None:
    from gateway.webex import envelope  # the protocol's own reader (undeclared serv: prefix, ...)

    request = envelope.request_of(environ, raw)
    exchange.operation = request.operation
    exchange.account = request.security.get("webExID") or request.security.get("email")
    for name in _WEBEX_KEYS:
        exchange.add(name, envelope.child_text(request.content, name))


def _itslearning(exchange: Exchange, raw: bytes, environ: dict) -> None:
    root = xmlsafe.parse(raw)
    body = next((el for el in root if _local(el) == "Body"), None)
    request = _first_child(body)
    if request is None:
        return
    exchange.operation = _local(request)
    username = _find_local(root, "Username")
    exchange.account = (username.text or "").strip() if username is not None else None
    for el in request.iter():
        local = _local(el)
        if local == "messageId":
            exchange.add("messageId", el.text)
        elif local == "Name" and exchange.operation == "UploadFile":
            exchange.add("file", el.text)
        elif local == "Data" and el.text:
            _message_keys(exchange, el.text.encode("utf-8"))


def _message_keys(exchange: Exchange, data: bytes) -> None:
    """SyncKeys and ids of the message inside AddMessage's Data (``<Message xmlns="urn:message-schema">``)."""
    message = xmlsafe.parse(data)
    for el in message.iter():
        local = _local(el)
        if el.text and _SYNC_KEY.search(local) and not len(el):
            exchange.add(local, el.text)


_READERS = {"lis": _lis, "lti": _lis, "webex": _webex, "itslearning": _itslearning}

#: imsx status, WebEx result and SOAP fault code, as they appear in answers.
_CODE_MAJOR = re.compile(rb"imsx_codeMajor>\s*(\w+)\s*<")
_CODE_MINOR = re.compile(rb"imsx_codeMinorFieldValue>\s*(\w+)\s*<")
_WEBEX_RESULT = re.compile(rb"<(?:\w+:)?result>\s*(SUCCESS|FAILURE)\s*<")
_EXCEPTION_ID = re.compile(rb"<(?:\w+:)?exceptionID>\s*(\w+)\s*<")
_FAULT_CODE = re.compile(rb"<faultcode>\s*([^<]{1,100}?)\s*</faultcode>")
_ITS_STATUS = re.compile(rb"<(?:\w+:)?Status>\s*(\w+)\s*<")


def outcome(protocol: str, status: int, body: bytes) -> str | None:
    """The protocol's verdict in a few words: ``success/fullsuccess``, ``FAILURE 000015``,
    ``fault Authentication Fault``, ``InQueue``."""
    head = body[:65536]
    # a literal test before each expression: an answer is read for its verdict on every exchange
    fault = _FAULT_CODE.search(head) if b"faultcode>" in head else None
    if fault:
        return "fault " + fault.group(1).decode("utf-8", "replace")
    if protocol in ("lis", "lti"):
        major = _CODE_MAJOR.search(head)
        if major:
            minor = _CODE_MINOR.search(head)
            text = major.group(1).decode()
            return f"{text}/{minor.group(1).decode()}" if minor else text
    if protocol == "webex":
        result = _WEBEX_RESULT.search(head)
        if result:
            text = result.group(1).decode()
            exception = _EXCEPTION_ID.search(head) if text == "FAILURE" else None
            return f"{text} {exception.group(1).decode()}" if exception else text
    if protocol == "itslearning":
        found = _ITS_STATUS.search(head)
        if found:
            return found.group(1).decode()
    return None

