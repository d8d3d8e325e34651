"""Writing what passed through the proxy as samples (``samples/README.md``), secrets redacted."""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

from adapters.upstream import redact
from adapters.upstream.samples import OAuthInfo, RecordedRequest, RecordedResponse, Sample, folder_name, save
from gateway import xmlsafe

log = logging.getLogger(__name__)

#: Per protocol, what changes on every answer (the answer's own message identifier).
VOLATILE = {
    "lis-oms-soap": ["imsx_syncResponseHeaderInfo/imsx_messageIdentifier"],
    "lti-pox": ["imsx_POXResponseHeaderInfo/imsx_messageIdentifier"],
    "webex": [],
    "itslearning": [],
}


#: Response headers that describe one transfer, not the answer (requests has already decoded the body).
_TRANSPORT_HEADERS = frozenset({
    "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive", "date", "server", "x-request-id",
})


def oauth_info(authorization: str) -> OAuthInfo | None:
    """Consumer key and signature method of an ``OAuth ...`` header; nothing else is kept."""
    if not authorization.strip().lower().startswith("oauth "):
        return None
    try:
        params = dict(parse_authorization_header(authorization.strip()))
    except ValueError:
        return None
    key = params.get("oauth_consumer_key")
    return OAuthInfo(key, params.get("oauth_signature_method", "HMAC-SHA1")) if key else None


def _body(data: bytes, content_type: str, secrets: Iterable[str]) -> tuple[bytes, list[str]]:
    return redact.body(data, content_type, xmlsafe.parse, secrets)


class Recorder:
    def __init__(self, folder: str | Path, secrets: Iterable[str] = ()):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.secrets = [s for s in secrets if s]
        self._lock = threading.Lock()
        self._count = 0

    def record(
        self,
        protocol: str,
        operation: str,
        method: str,
        path: str,
        request_headers: Mapping[str, str],
        request_body: bytes,
        status: int,
        response_headers: Mapping[str, str],
        response_body: bytes,
    ) -> Path | None:
        try:
            return self._record(protocol, operation, method, path, request_headers, request_body, status,
                                response_headers, response_body)
        except OSError:
            # the caller has its answer already; a full disk must not turn it into an error
            log.exception("could not record a %s exchange", protocol)
            return None

    def _record(self, protocol, operation, method, path, request_headers, request_body, status, response_headers,
                response_body) -> Path:
        auth = oauth_info(next((v for k, v in request_headers.items() if k.lower() == "authorization"), ""))
        req_headers, removed = redact.headers({k: v for k, v in request_headers.items() if k.lower() not in ("content-length", "host")})
        removed = [f"request {r}" for r in removed]
        path, query_removed = redact.query(path)
        removed += [f"request {r}" for r in query_removed]
        req_body, body_removed = _body(request_body, req_headers.get("Content-Type", ""), self.secrets)
        removed += [f"request {r}" for r in body_removed]
        resp_headers, resp_removed = redact.headers(
            {k: v for k, v in response_headers.items() if k.lower() not in _TRANSPORT_HEADERS})
        resp_body, resp_body_removed = _body(response_body, resp_headers.get("Content-Type", ""), self.secrets)
        removed += [f"response {r}" for r in (*resp_removed, *resp_body_removed)]
        with self._lock:
            self._count += 1
            count = self._count
        stamp = datetime.now(timezone.utc)
        sample = Sample(
            name=folder_name(stamp.strftime("%Y%m%dT%H%M%S"), f"{count:04d}", protocol, operation, uuid.uuid4().hex[:6]),
            protocol=protocol,
            operation=operation,
            request=RecordedRequest(method, path, req_headers, req_body),
            response=RecordedResponse(status, resp_headers, resp_body),
            recorded=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            source="recorded by lms-gateway proxy",
            auth=auth,
            volatile=list(VOLATILE.get(protocol, [])),
            redacted=sorted(set(removed)),
        )
        return save(sample, self.folder)
