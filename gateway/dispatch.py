"""The WSGI dispatcher around every protocol route (DESIGN.md §3).

Around every protocol app it

- refuses a body larger than the route's cap *before reading it* (413 in the protocol's own error
  shape), and hands the protocol the raw bytes as ``environ["lms.raw_body"]`` (OAuth body hashes
  are computed over exactly those bytes);
- sets ``X-Request-Id`` on every answer (the caller's, when it sent a sane one);
- writes one access-log line per request (its fields as the record's extras: :mod:`gateway.logs`
  renders them), and feeds the Prometheus metrics; every line logged while the request is served
  carries its request id (``gateway.logs.REQUEST_ID``);
- hands journaled routes to the tap (:mod:`gateway.admin.tap`: fault rules, request journal);
- turns an unavailable store into the protocol's "busy" answer (``Route.busy``), and an unexpected
  exception into the protocol's error shape; the traceback goes to the log only.
"""
from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus

from adapters.store import Store, StoreUnavailable
from gateway import logs, metrics
from gateway.config import Settings
from gateway.routing import (
    ACCOUNT, OPERATION, RAW_BODY, REQUEST_ID, SANE_REQUEST_ID, Answer, BodyTooLarge, Route, StartResponse, plain_error,
)
from gateway.version import version

log = logging.getLogger("lms_gateway")
access_log = logging.getLogger("lms_gateway.access")


Rendered = tuple[int, list[tuple[str, str]], bytes]
#: Runs around a journaled route: ``tap(route, environ, run)`` returns what ``run()`` returns, or
#: an answer of its own.
Tap = Callable[[Route, dict, Callable[[], Rendered]], Rendered]


class Gateway:
    def __init__(self, settings: Settings, store: Store, routes: dict[str, Route], tap: Tap | None = None):
        self.settings = settings
        self.store = store
        self.tap = tap
        self.routes = dict(routes)
        self._loop_allowed = settings.run_on_loop and store.dialect == "sqlite"
        self.routes.setdefault("/healthz", Route("healthz", self._healthz, methods=frozenset({"GET", "HEAD"}), journal=False))
        self.routes.setdefault("/metrics", Route("metrics", self._metrics, methods=frozenset({"GET"}), journal=False))
        # Longest first, so that a deeper prefix route wins over a shallower one.
        self._prefixes = sorted(((p.rstrip("/"), r) for p, r in self.routes.items() if r.prefix), key=lambda pr: -len(pr[0]))

    def route_for(self, path: str) -> Route | None:
        """The route of ``path``: its own, else the longest prefix route above it."""
        exact = self.routes.get(path.rstrip("/") or "/")
        if exact is not None:
            return exact
        return next((route for prefix, route in self._prefixes if path.startswith(prefix + "/")), None)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        environ[REQUEST_ID] = request_id
        token = logs.REQUEST_ID.set(request_id)
        try:
            return self._serve(environ, start_response, request_id, started)
        finally:
            logs.REQUEST_ID.reset(token)

    def _serve(self, environ: dict, start_response: StartResponse, request_id: str, started: float) -> list[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        route = self.route_for(path)

        if route is None:
            route_name, answer = "unknown", plain_error(404, f"No endpoint at {path}; see the endpoint table in README.md.")
            status, headers, body = _render(answer)
        elif environ.get("REQUEST_METHOD", "GET") not in route.methods:
            route_name = route.name
            status, headers, body = _render(route.error(405, f"Method {environ.get('REQUEST_METHOD')} is not allowed here"))
            headers.append(("Allow", ", ".join(sorted(route.methods))))
        else:
            route_name = route.name
            status, headers, body = self._dispatch(route, environ)

        headers.append(("X-Request-Id", request_id))
        start_response(_status_line(status), headers)
        elapsed = time.perf_counter() - started
        metrics.observe(route_name, status, elapsed)
        method = environ.get("REQUEST_METHOD")
        access_log.info(
            "%s %s %s %.1f ms", method, path, status, elapsed * 1000,
            extra={
                "request_id": request_id,
                "method": method,
                "path": path,
                "protocol": route_name,
                "operation": environ.get(OPERATION),
                "account": environ.get(ACCOUNT),
                "status": status,
                "bytes": len(body),
                "ms": round(elapsed * 1000, 3),
                "remote": environ.get("REMOTE_ADDR"),
            },
        )
        return [body]

    def body_cap(self, path: str) -> int:
        """The largest body the route at ``path`` accepts (the server buffers no more than this)."""
        route = self.route_for(path)
        return self._cap(route) if route is not None else self.settings.max_body_bytes

    def runs_on_loop(self, path: str) -> bool:
        """Whether the server may run a request to ``path`` on its event loop: the route waits on
        nothing but the store, the store is a SQLite file in this process (a network store's round
        trips, and a body streamed as it is read, go to a thread) with no long write of this process
        under way (an itslearning import), and ``Settings.run_on_loop``."""
        route = self.route_for(path)
        return (route is not None and route.on_loop and not route.stream_body and self._loop_allowed
                and not self.store.long_write_under_way)

    def _cap(self, route: Route) -> int:
        return route.max_body if route.max_body is not None else self.settings.max_body_bytes

    def _dispatch(self, route: Route, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
        cap = self._cap(route)
        try:
            if route.stream_body:
                environ["wsgi.input"] = BoundedInput(environ, cap)
            else:
                raw = _read_body(environ, cap)
                environ[RAW_BODY] = raw
                environ["wsgi.input"] = io.BytesIO(raw)
                environ["CONTENT_LENGTH"] = str(len(raw))
        except BodyTooLarge as exc:
            return _render(route.error(413, str(exc)))
        except (OSError, ValueError) as exc:
            return _render(route.error(400, f"could not read the request body: {exc}"))
        if self.tap is not None and route.journal:
            return self.tap(route, environ, lambda: self._run(route, environ))
        return self._run(route, environ)

    def _run(self, route: Route, environ: dict) -> Rendered:
        captured: dict[str, object] = {}

        def capture(status: str, headers: list, exc_info=None):
            captured["status"], captured["headers"] = status, list(headers)
            return lambda data: None

        try:
            result = route.app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        except StoreUnavailable as exc:
            # Raised outside a protocol's own busy handling (e.g. by the OAuth nonce check, which
            # runs before the operation): still the protocol's busy answer, never a 500.
            log.warning("store unavailable on %s (request %s): %s", route.name, environ[REQUEST_ID], exc)
            if route.busy is not None:
                return _render(route.busy(environ))
            return _render(route.error(503, "The result store is unavailable; try again shortly."))
        except Exception:
            log.exception("unhandled error on %s (request %s)", route.name, environ[REQUEST_ID])
            return _render(route.error(500, f"Internal error; quote request id {environ[REQUEST_ID]} to the operator."))
        status = int(str(captured["status"]).split(" ", 1)[0])
        return status, list(captured["headers"]), body

    def _healthz(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self.store.ping()
            status, doc = "200 OK", {"status": "ok", "store": self.store.dialect, "pid": os.getpid(), "version": version()}
        except StoreUnavailable as exc:
            log.warning("health check: store unavailable: %s", exc)
            status, doc = "503 Service Unavailable", {"status": "unavailable", "store": self.store.dialect, "pid": os.getpid(),
                                                      "version": version()}
        body = json.dumps(doc).encode()
        start_response(status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")])
        return [body]

    def _metrics(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        body, content_type = metrics.render()
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]


class BoundedInput:
    """``wsgi.input`` for a streaming route: reads at most Content-Length bytes, and raises
    :class:`BodyTooLarge` once more than ``cap`` bytes arrive (a declared length over the cap is
    refused before anything is read)."""

    def __init__(self, environ: dict, cap: int):
        self.stream = environ.get("wsgi.input")
        length_header = str(environ.get("CONTENT_LENGTH") or "").strip()
        self.remaining = int(length_header) if length_header else None
        if self.remaining is not None and self.remaining < 0:
            raise ValueError("negative Content-Length")
        if self.remaining is not None and self.remaining > cap:
            raise BodyTooLarge(f"Request body of {self.remaining} bytes exceeds the limit of {cap} bytes")
        self.cap, self.total = cap, 0

    def read(self, size: int = 65536) -> bytes:
        if self.stream is None or self.remaining == 0:
            return b""
        if size is None or size < 0:
            size = 65536
        if self.remaining is not None:
            size = min(size, self.remaining)
        chunk = self.stream.read(min(size, self.cap + 1 - self.total))
        if self.remaining is not None:
            self.remaining = self.remaining - len(chunk) if chunk else 0
        self.total += len(chunk)
        if self.total > self.cap:
            raise BodyTooLarge(f"Request body exceeds the limit of {self.cap} bytes")
        return chunk


def _read_body(environ: dict, cap: int) -> bytes:
    stream = environ.get("wsgi.input")
    # str(): some in-process adapters (requests-wsgi-adapter) pass an int where PEP 3333 says str
    length_header = str(environ.get("CONTENT_LENGTH") or "")
    if length_header.strip():
        length = int(length_header)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > cap:
            raise BodyTooLarge(f"Request body of {length} bytes exceeds the limit of {cap} bytes")
        return stream.read(length) if (stream is not None and length) else b""
    if stream is None or "chunked" not in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower():
        # Neither a length nor chunked: there is no body (RFC 9112 §6.3). Servers that hand over the
        # raw socket (wsgiref) would block here until the client gave up on a keep-alive connection.
        return b""
    # Chunked: read at most one byte past the cap, never the whole stream.
    chunks, total = [], 0
    while True:
        chunk = stream.read(min(65536, cap + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            raise BodyTooLarge(f"Request body exceeds the limit of {cap} bytes")


def _render(answer: Answer) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [("Content-Type", answer.content_type), *answer.headers]
    return answer.status, headers, answer.body


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Status"
