"""The bridge's exchanges with the upstream AGS, recorded as samples (``samples/README.md``) with
protocol ``lti13-ags``. What would let a reader act as the gateway is redacted: the Authorization
header (the access token), the client assertion of a token request and the access token of its
answer."""
from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from adapters.upstream import redact
from adapters.upstream.ags import Exchange
from adapters.upstream.samples import RecordedRequest, RecordedResponse, Sample, folder_name, save

log = logging.getLogger(__name__)

PROTOCOL = "lti13-ags"
_FORM_SECRETS = frozenset({"client_assertion"})
_JSON_SECRETS = frozenset({"access_token", "refresh_token", "id_token"})


def redact_form(body: bytes) -> tuple[bytes, list[str]]:
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    hidden = [k for k, _ in pairs if k in _FORM_SECRETS]
    if not hidden:
        return body, []
    kept = [(k, redact.REDACTED if k in _FORM_SECRETS else v) for k, v in pairs]
    return urlencode(kept).encode("latin-1"), [f"body {k}" for k in hidden]


def redact_json(body: bytes) -> tuple[bytes, list[str]]:
    try:
        doc = json.loads(body)
    except ValueError:
        return body, []
    if not isinstance(doc, dict) or not _JSON_SECRETS & doc.keys():
        return body, []
    hidden = sorted(_JSON_SECRETS & doc.keys())
    return json.dumps({k: redact.REDACTED if k in _JSON_SECRETS else v for k, v in doc.items()}).encode(), [f"body {k}" for k in hidden]


def operation_of(exchange: Exchange) -> str:
    path = urlsplit(exchange.url).path.rstrip("/")
    if b"grant_type=" in exchange.request_body:
        return "token"
    if path.endswith("/scores"):
        return "scores.post"
    if path.endswith("/results"):
        return "results.list"
    return exchange.method.lower()


class ExchangeRecorder:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._count = 0

    def record(self, exchange: Exchange) -> Path | None:
        try:
            return self._record(exchange)
        except OSError:
            log.exception("could not record an upstream AGS exchange")
            return None

    def _record(self, exchange: Exchange) -> Path:
        req_headers, removed = redact.headers({k: v for k, v in exchange.request_headers.items() if k.lower() != "content-length"})
        removed = [f"request {r}" for r in removed]
        req_body, body_removed = redact_form(exchange.request_body)
        removed += [f"request {r}" for r in body_removed]
        resp_headers, resp_removed = redact.headers({k: v for k, v in exchange.response_headers.items()
                                                     if k.lower() in ("content-type", "link", "location", "www-authenticate")})
        resp_body, resp_body_removed = redact_json(exchange.response_body)
        removed += [f"response {r}" for r in (*resp_removed, *resp_body_removed)]
        parts = urlsplit(exchange.url)
        with self._lock:
            self._count += 1
            count = self._count
        stamp = datetime.now(timezone.utc)
        operation = operation_of(exchange)
        sample = Sample(
            name=folder_name(stamp.strftime("%Y%m%dT%H%M%S"), f"{count:04d}", PROTOCOL, operation, uuid.uuid4().hex[:6]),
            protocol=PROTOCOL,
            operation=operation,
            request=RecordedRequest(exchange.method, parts.path + (f"?{parts.query}" if parts.query else ""), req_headers, req_body),
            response=RecordedResponse(exchange.status, resp_headers, resp_body),
            recorded=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=f"recorded by lms-gateway bridge, upstream {parts.scheme}://{parts.netloc}",
            redacted=sorted(set(removed)),
        )
        return save(sample, self.folder)
