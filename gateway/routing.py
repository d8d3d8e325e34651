"""What every protocol route shares, below the protocols and the app that assembles them.

A protocol module builds a :class:`Route` around its WSGI app; the dispatcher
(:mod:`gateway.dispatch`) hands it the raw body as ``environ[RAW_BODY]`` (OAuth body hashes are
computed over exactly those bytes) and the request id as ``environ[REQUEST_ID]``; an
:class:`Answer` is a complete HTTP answer the gateway produces itself (errors, busy shapes).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

StartResponse = Callable[..., object]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]

RAW_BODY = "lms.raw_body"
REQUEST_ID = "lms.request_id"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer, for errors the gateway produces itself."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


#: Builds the protocol's own error shape for an HTTP-level problem (too large, internal error).
ErrorShape = Callable[[int, str], Answer]
#: Builds the protocol's own "busy" answer when the store is unavailable (DESIGN.md §10); it gets
#: the environ, whose raw body may name the operation the answer has to be for.
BusyShape = Callable[[dict], Answer]


def plain_error(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message + "\n").encode())


@dataclass(frozen=True)
class Route:
    name: str
    app: WSGIApp
    error: ErrorShape = plain_error
    #: None means the gateway-wide ``Settings.max_body_bytes``.
    max_body: int | None = None
    methods: frozenset[str] = field(default_factory=lambda: frozenset({"GET", "POST"}))
    #: None means ``error(503, ...)``.
    busy: BusyShape | None = None
    #: True: the app reads ``wsgi.input`` itself, as a stream held to ``max_body`` (it raises
    #: :class:`BodyTooLarge` past it), and ``RAW_BODY`` is not set. For uploads, whose bodies must
    #: not be held in memory before the caller is authenticated.
    stream_body: bool = False
    #: Exchanges on this route go into the request journal (DESIGN.md §13); the gateway's own
    #: pages (health, metrics, admin) do not.
    journal: bool = True
    #: True: the app waits on nothing but the store (no upstream, no sleep, no password hash), so
    #: a server with an event loop may run a small request of it right there when the store is an
    #: embedded one (:meth:`gateway.dispatch.Gateway.runs_on_loop`, :mod:`gateway.serving.bridge`).
    on_loop: bool = False
    #: Also serve every path below this one (``/lti13`` serves ``/lti13/demo/token``, ``/__admin``
    #: serves ``/__admin/requests``).
    prefix: bool = False


class BodyTooLarge(ValueError):
    """A request body went past its route's cap."""


#: Set by a protocol as soon as it knows them; read by the access log and the request journal.
OPERATION = "lms.operation"
ACCOUNT = "lms.account"
#: The business keys a request names, by name (``{"sourcedId": ["49313814"]}``).
KEYS = "lms.keys"
#: What the OAuth check found: ``{"verdict": "accepted"|"refused", "check", "reason", "base_string"}``.
OAUTH = "lms.oauth"
#: ``(raw bytes, root)`` of the body as :func:`parsed_body` parsed it.
PARSED_BODY = "lms.parsed_body"
#: Set by a server that can close the caller's connection (serve's workers): calling it makes the
#: server drop the connection instead of answering (a fault rule's "drop").
DROP_CONNECTION = "lms.drop_connection"
#: Set by a server that can hold an answer back without holding a thread (serve's workers): called
#: with a number of seconds, the server waits that long before it sends the answer (a fault rule's
#: "delay").
DELAY_ANSWER = "lms.delay_answer"


#: environ key -> header name (None: not a header); the keys repeat from request to request.
_HEADER_NAMES: dict[str, str | None] = {}
_MAX_HEADER_NAMES = 512  # bounded: a caller can invent header names


def request_headers(environ: dict, skip: Iterable[str] = ()) -> dict[str, str]:
    """The caller's headers as sent (``Content-Type`` and ``HTTP_*`` with a value), named as HTTP
    spells them (``SOAPAction``, ``X-Request-Id``), without the names in ``skip`` (spelled alike)."""
    headers = {}
    names = _HEADER_NAMES
    for key, value in environ.items():
        name = names.get(key, "")  # "": not seen yet (no header name is empty)
        if name == "":
            name = _header_name(key)
            if len(names) < _MAX_HEADER_NAMES:
                names[key] = name
        if name is not None and value:
            # a WSGI server or test client that does not follow PEP 3333 may hand over bytes
            headers[name] = value.decode("latin-1") if isinstance(value, bytes) else value
    for name in skip:
        headers.pop(name, None)
    return headers


def _header_name(key: str) -> str | None:
    if key == "CONTENT_TYPE":
        return "Content-Type"
    if not key.startswith("HTTP_") or len(key) == 5:
        return None
    name = "-".join(part.capitalize() for part in key[5:].split("_"))
    return "SOAPAction" if name == "Soapaction" else name


def parsed_body(environ: dict):
    """``environ[RAW_BODY]`` parsed with :func:`gateway.xmlsafe.parse`, once per request: the
    journal's reader (before the protocol, for fault rules) and the protocol share the tree. Readers
    only read it; the protocol, which comes last, may tidy it (spyne's reader strips comments).
    Raises :data:`gateway.xmlsafe.XMLInputError` for a body it cannot parse (not remembered: each
    caller reports it in its own words)."""
    from gateway import xmlsafe

    raw = environ.get(RAW_BODY, b"")
    cached = environ.get(PARSED_BODY)
    if cached is not None and cached[0] is raw:
        return cached[1]
    root = xmlsafe.parse(raw)
    environ[PARSED_BODY] = (raw, root)
    return root
