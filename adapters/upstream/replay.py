"""Replaying a recorded exchange against a gateway and judging the answer (purpose 2 of DESIGN.md).

Each sample's request is sent as recorded (method, path with query, headers, body), except that

- an OAuth request is signed afresh (new nonce and timestamp, body hash of the bytes sent) with
  the secret the caller's ``secret_for(consumer_key)`` gives, the recorded signature being gone;
- a redacted credential (``<password>REDACTED</password>``) is filled from ``fill`` when the
  caller has a value for that element (``{"password": ...}``).

The answer is judged by :func:`compare_exchange`: same status, same media type, and bodies equal
under :mod:`adapters.upstream.compare` with the sample's volatile fields and equivalent values.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests

from adapters import media_types
from adapters.upstream.compare import Difference, Rules, diff_trees
from adapters.upstream.redact import REDACTED
from adapters.upstream.samples import Sample
from adapters.upstream.signing import BodyHashAuth
from adapters.upstream.xmlinput import XML_ERRORS, ParseXml

#: Not replayed: the transport sets them, or they belong to the recorded connection.
SKIP_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding", "authorization", "accept-encoding"})


@dataclass
class Outcome:
    sample: Sample
    passed: bool
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None
    status: int | None = None
    #: elements of the request that were still REDACTED when it was sent (no value to fill them)
    redacted: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "pass" if self.passed else ("error" if self.error else "mismatch")


def media_type(headers: Mapping[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return media_types.media_type(value)


def compare_exchange(sample: Sample, status: int, headers: Mapping[str, str], body: bytes, parse_xml: ParseXml) -> list[Difference]:
    out: list[Difference] = []
    if status != sample.response.status:
        out.append(Difference("HTTP", "status", str(sample.response.status), str(status)))
    expected_type, actual_type = media_type(sample.response.headers), media_type(headers)
    if expected_type and expected_type != actual_type:
        out.append(Difference("HTTP", "Content-Type", expected_type, actual_type or None))
    try:
        expected = parse_xml(sample.response.body)
    except XML_ERRORS:
        if sample.response.body.strip() != body.strip():
            out.append(Difference("body", "bytes", sample.response.body[:200].decode("utf-8", "replace"),
                                  body[:200].decode("utf-8", "replace")))
        return out
    try:
        actual = parse_xml(body)
    except XML_ERRORS as exc:
        out.append(Difference("body", "XML", "a document", f"unparseable ({exc}): {body[:120]!r}"))
        return out
    out.extend(diff_trees(expected, actual, Rules.of(sample.volatile, sample.equivalent_values)))
    return out


def fill_redacted(body: bytes, fill: Mapping[str, str]) -> bytes:
    for name, value in fill.items():
        pattern = re.compile(rb"(<(?:[\w.-]+:)?" + re.escape(name.encode()) + rb"(?:\s[^>]*)?>)" + REDACTED.encode() + rb"(</)")
        body = pattern.sub(lambda m: m.group(1) + value.encode("utf-8") + m.group(2), body)
    return body


_REDACTED_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?([\w.-]+)(?:\s[^>]*)?>" + REDACTED.encode() + rb"</")


def redacted_elements(body: bytes) -> list[str]:
    """Local names of the elements whose text is still ``REDACTED``."""
    return sorted({m.group(1).decode() for m in _REDACTED_ELEMENT.finditer(body)})


def replay(
    sample: Sample,
    session: requests.Session,
    base_url: str,
    parse_xml: ParseXml,
    *,
    secret_for: Callable[[str], str | None] = lambda key: None,
    fill: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Outcome:
    request = sample.request
    headers = {k: v for k, v in request.headers.items() if k.lower() not in SKIP_HEADERS}
    body = fill_redacted(request.body, fill or {})
    redacted = redacted_elements(body)
    auth = None
    if sample.auth is not None:
        secret = secret_for(sample.auth.consumer_key)
        if secret is None:
            return Outcome(sample, False, error=f"no secret for consumer key {sample.auth.consumer_key}")
        auth = BodyHashAuth(sample.auth.consumer_key, secret, sample.auth.signature_method)
    url = base_url.rstrip("/") + request.path
    try:
        response = session.request(request.method, url, data=body or None, headers=headers, auth=auth, timeout=timeout)
    except requests.RequestException as exc:
        return Outcome(sample, False, error=f"{type(exc).__name__}: {exc}", redacted=redacted)
    differences = compare_exchange(sample, response.status_code, response.headers, response.content, parse_xml)
    return Outcome(sample, not differences, differences, status=response.status_code, redacted=redacted)
