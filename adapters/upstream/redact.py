"""What a recording must never contain (DESIGN.md §10), and how it is taken out.

- request headers ``Authorization``, ``Proxy-Authorization``, ``Cookie`` and ``Set-Cookie`` are
  dropped (an OAuth request keeps only its consumer key and signature method, in ``meta.auth``);
- ``oauth_signature`` in a query string or a form body;
- the text of XML elements that carry credentials: WebEx ``password`` and ``sessionTicket``
  (``<password>hostpassword</password>`` becomes ``<password>REDACTED</password>``) and WS-Security
  ``wsse:Password``, in requests and answers alike (AuthenticateUser answers a ticket);
- any other secret the caller names (the upstream's OAuth secret, configured passwords), wherever
  it appears, when it is long enough not to be an ordinary word (8 characters or more).

XML bodies are redacted in place on the bytes, so everything else stays byte-exact; the result is
then parsed to confirm that no credential element kept its value (if one did, e.g. inside an
unusual construct, the document is re-serialised from the tree instead).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

from lxml import etree

from adapters.media_types import is_form

from adapters.upstream.xmlinput import XML_ERRORS, ParseXml

REDACTED = "REDACTED"
SECRET_ELEMENTS = frozenset({"password", "sessionTicket", "Password"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
SECRET_PARAMS = frozenset({"oauth_signature"})
MIN_SECRET_LENGTH = 8

_ELEMENT = re.compile(
    rb"(<(?:[A-Za-z_][\w.-]*:)?(?:" + b"|".join(e.encode() for e in sorted(SECRET_ELEMENTS)) + rb")(?:\s[^>]*)?>)"
    rb"(<!\[CDATA\[.*?\]\]>|[^<]*)(</)",
    re.S,
)
_OPEN_NAME = re.compile(rb"<(?:[^:>\s]+:)?([\w.-]+)")
#: The end tag's name, read from just after the ``</`` that ends a match of ``_ELEMENT``.
_END_NAME = re.compile(rb"(?:[A-Za-z_][\w.-]*:)?([\w.-]+)\s*>")


def headers(values: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The headers to record, and what was taken out."""
    kept, removed = {}, []
    for name, value in values.items():
        if name.lower() in SECRET_HEADERS:
            removed.append(f"header {name}")
        else:
            kept[name] = value
    return kept, removed


def query(path: str) -> tuple[str, list[str]]:
    base, sep, qs = path.partition("?")
    if not sep:
        return path, []
    pairs = parse_qsl(qs, keep_blank_values=True)
    if not any(k in SECRET_PARAMS for k, _ in pairs):
        return path, []
    return base + "?" + urlencode([(k, REDACTED if k in SECRET_PARAMS else v) for k, v in pairs]), ["query oauth_signature"]


def _secret_elements(root: etree._Element) -> list[etree._Element]:
    return [
        el for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname in SECRET_ELEMENTS and (el.text or "").strip() not in ("", REDACTED)
    ]


def xml_body(body: bytes, parse_xml: ParseXml) -> tuple[bytes, list[str]]:
    """``body`` with credential elements' text replaced; not-XML bodies are returned unchanged."""
    removed: list[str] = []
    if not any(name in body for name in _NAMES):
        # no credential element's name anywhere in the bytes, so none to take out (and no parse:
        # the request journal runs this on every exchange)
        return body, removed
    closed = 0  # blanked elements whose end tag, with the same name, follows the value at once

    def blank(match: re.Match) -> bytes:
        nonlocal closed
        name = _OPEN_NAME.match(match.group(1)).group(1)
        end = _END_NAME.match(match.string, match.end())
        closed += end is not None and end.group(1) == name
        value = match.group(2)
        if value.strip() and value.strip() != REDACTED.encode():
            removed.append(f"element {name.decode()}")
            return match.group(1) + REDACTED.encode() + match.group(3)
        return match.group(0)

    redacted, matches = _ELEMENT.subn(blank, body)
    if closed == matches and sum(redacted.count(name) for name in _NAMES) == 2 * matches:
        # Every credential name left is the start or end tag of an element just blanked whole,
        # so no credential element kept a value: the parse below would only confirm it (and the
        # journal redacts every WebEx request).
        return redacted, removed
    try:
        root = parse_xml(redacted)
    except XML_ERRORS:
        return redacted, removed
    leftovers = _secret_elements(root)
    if leftovers:
        for el in leftovers:
            removed.append(f"element {etree.QName(el).localname}")
            el.text = REDACTED
            for child in list(el):
                el.remove(child)
        redacted = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return redacted, removed


#: Substrings of every credential element's name (``assword`` covers password and Password); plain
#: substring tests are ten times cheaper than one regular expression over the body.
_NAMES = (b"assword", b"sessionTicket")
assert all(any(n.decode() in e for n in _NAMES) for e in SECRET_ELEMENTS)


def body(data: bytes, content_type: str, parse_xml: ParseXml, secrets: Iterable[str] = ()) -> tuple[bytes, list[str]]:
    """A recorded body, form or XML by its media type, with ``secrets`` taken out wherever they are."""
    if is_form(content_type):
        data, removed = form_body(data)
    else:
        data, removed = xml_body(data, parse_xml)
    data, more = known_secrets(data, secrets)
    return data, removed + more


def form_body(body: bytes) -> tuple[bytes, list[str]]:
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    if not any(k in SECRET_PARAMS for k, _ in pairs):
        return body, []
    return urlencode([(k, REDACTED if k in SECRET_PARAMS else v) for k, v in pairs]).encode("latin-1"), ["body oauth_signature"]


def known_secrets(data: bytes, secrets: Iterable[str]) -> tuple[bytes, list[str]]:
    removed = []
    for secret in {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}:
        raw = secret.encode("utf-8")
        if raw in data:
            data = data.replace(raw, REDACTED.encode())
            removed.append("a configured secret")
    return data, removed
