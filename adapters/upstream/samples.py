"""Recorded exchanges on disk: one folder per exchange (the format ``samples/README.md`` documents).

::

    samples/lis-readresult-49313814/
      meta.json       what the exchange was, and how to judge a replay of it
      request.xml     the request body, byte for byte
      response.xml    the response body, byte for byte

``meta.json``::

    {
      "protocol": "lis-oms-soap",             lis-oms-soap | lti-pox | webex | itslearning
      "operation": "readResult",
      "recorded": "2026-11-22T05:30:00Z",     when (null for exchanges taken from a document)
      "source": "seed 003 (Turnitin LIS readResult)",
      "request": {"method": "POST", "path": "/api/soap/1p0/lis-result?lang=en_us",
                  "headers": {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "..."},
                  "body": "request.xml"},
      "response": {"status": 200, "headers": {"Content-Type": "text/xml; charset=utf-8"},
                   "body": "response.xml"},
      "auth": {"scheme": "oauth1", "consumer_key": "49201", "signature_method": "HMAC-SHA1"},
      "volatile": ["imsx_syncResponseHeaderInfo/imsx_messageIdentifier"],
      "equivalent_values": {"train:GetIMStestResultResponse": "train:getIMStestResultResponse"},
      "redacted": ["request header Authorization"]
    }

Only ``protocol``, ``request.path`` and ``response.status`` are required; the rest default as
:func:`load` shows. ``auth`` says how a replay re-signs the request (the recorded signature is never
kept). ``volatile`` entries are paths of element local names, matched against the end of an
element's path (``imsx_messageIdentifier`` alone matches it anywhere); ``.../@name`` names an
attribute. A volatile element must be present but its text is not compared.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

META = "meta.json"
#: lti13-ags: the bridge's exchanges with an upstream AGS platform (JSON and form bodies).
PROTOCOLS = frozenset({"lis-oms-soap", "lti-pox", "webex", "itslearning", "lti13-ags"})
DEFAULT_REQUEST_BODY = "request.xml"
DEFAULT_RESPONSE_BODY = "response.xml"


class SampleError(ValueError):
    """A sample folder that does not follow the format; the message names the folder."""


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordedResponse:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class OAuthInfo:
    consumer_key: str
    signature_method: str = "HMAC-SHA1"


@dataclass
class Sample:
    name: str
    protocol: str
    operation: str
    request: RecordedRequest
    response: RecordedResponse
    recorded: str | None = None
    source: str = ""
    auth: OAuthInfo | None = None
    volatile: list[str] = field(default_factory=list)
    equivalent_values: dict[str, str] = field(default_factory=dict)
    redacted: list[str] = field(default_factory=list)
    folder: Path | None = None

    def meta(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "operation": self.operation,
            "recorded": self.recorded,
            "source": self.source,
            "request": {
                "method": self.request.method,
                "path": self.request.path,
                "headers": self.request.headers,
                "body": DEFAULT_REQUEST_BODY,
            },
            "response": {"status": self.response.status, "headers": self.response.headers, "body": DEFAULT_RESPONSE_BODY},
            "auth": None if self.auth is None else {"scheme": "oauth1", **self.auth.__dict__},
            "volatile": self.volatile,
            "equivalent_values": self.equivalent_values,
            "redacted": self.redacted,
        }


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(folder: Path, section: Mapping[str, Any], default: str) -> bytes:
    name = section.get("body") or default
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents:
        raise SampleError(f"{folder}: body file {name!r} is outside the sample folder")
    if not path.is_file():
        # a request or an answer may have had no body (GET ?wsdl, a 204)
        if "body" in section:
            raise SampleError(f"{folder}: {name} is missing")
        return b""
    return path.read_bytes()


def load(folder: str | Path) -> Sample:
    folder = Path(folder)
    meta_path = folder / META
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SampleError(f"{folder}: no {META}") from None
    except json.JSONDecodeError as exc:
        raise SampleError(f"{meta_path}: not JSON: {exc}") from None
    request, response = meta.get("request") or {}, meta.get("response") or {}
    protocol = meta.get("protocol")
    if protocol not in PROTOCOLS:
        raise SampleError(f"{meta_path}: protocol must be one of {sorted(PROTOCOLS)}, not {protocol!r}")
    if not request.get("path", "").startswith("/"):
        raise SampleError(f"{meta_path}: request.path must be an absolute path")
    if not isinstance(response.get("status"), int):
        raise SampleError(f"{meta_path}: response.status must be an HTTP status number")
    auth = meta.get("auth")
    if auth is not None and auth.get("scheme") != "oauth1":
        raise SampleError(f"{meta_path}: auth.scheme must be oauth1")
    return Sample(
        name=folder.name,
        protocol=protocol,
        operation=meta.get("operation") or "",
        request=RecordedRequest(
            method=request.get("method", "POST").upper(),
            path=request["path"],
            headers=dict(request.get("headers") or {}),
            body=_body(folder, request, DEFAULT_REQUEST_BODY),
        ),
        response=RecordedResponse(
            status=response["status"],
            headers=dict(response.get("headers") or {}),
            body=_body(folder, response, DEFAULT_RESPONSE_BODY),
        ),
        recorded=meta.get("recorded"),
        source=meta.get("source") or "",
        auth=None if auth is None else OAuthInfo(str(auth["consumer_key"]), auth.get("signature_method", "HMAC-SHA1")),
        volatile=list(meta.get("volatile") or []),
        equivalent_values=dict(meta.get("equivalent_values") or {}),
        redacted=list(meta.get("redacted") or []),
        folder=folder,
    )


def save(sample: Sample, parent: str | Path) -> Path:
    """Write ``sample`` as ``parent/<sample.name>/`` (the folder must not exist yet)."""
    folder = Path(parent) / sample.name
    folder.mkdir(parents=True, exist_ok=False)
    (folder / DEFAULT_REQUEST_BODY).write_bytes(sample.request.body)
    (folder / DEFAULT_RESPONSE_BODY).write_bytes(sample.response.body)
    (folder / META).write_text(json.dumps(sample.meta(), indent=2) + "\n", encoding="utf-8")
    sample.folder = folder
    return folder


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Sample folders named by ``paths``: a sample folder itself, or a folder of them (sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if (path / META).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p.parent for p in path.glob(f"*/{META}")))
        else:
            raise SampleError(f"{path}: not a sample folder nor a folder of samples")
    return found


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def folder_name(*parts: str) -> str:
    """A file-system-safe folder name from ``parts`` (``lis-soap``, ``readResult``, ...)."""
    return "-".join(_UNSAFE.sub("_", p).strip("_") for p in parts if p)
