"""The WSGI gateway as an ASGI app: the body is buffered in the event loop, the app runs on threads.

A request reaches a thread only when its whole body has arrived: a client that trickles its body
holds no application thread, and one that has not finished within the read timeout gets
``408 Request Timeout`` and its connection is closed. Bodies past ``spool_bytes`` wait in a
temporary file, so a burst of large uploads does not sit in memory before the app has
authenticated anyone. A body declared larger than the route's cap is not read at all: the app
refuses it from its ``Content-Length`` (in the protocol's own error shape).

A request the app says may run on the event loop (``on_loop(path)``: it waits on nothing but a
local store) and whose body is at most ``LOOP_BODY_BYTES`` is run right there instead, sparing the
hand-over to a thread and back, the loop and the thread taking turns at the GIL. Its gain depends on
the machine: +22 % LIS readResults a second while it was slow, level with threads while it was fast
(where waking the client weighs more), with a lower p99 both times
(``bench.compare``, README). Anything that may wait on the network, and anything large enough to keep
the loop from other connections for long, still goes to a thread.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from gateway.routing import DELAY_ANSWER, DROP_CONNECTION

log = logging.getLogger("lms_gateway.server")
#: The scope extension under which the worker's protocol offers ``transport.abort``.
ABORT_EXTENSION = "lms.abort"

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]

_TIMEOUT_BODY = b"The request body did not arrive within the read timeout.\n"
#: The largest body run on the event loop (a readResults of 500 sourcedIds is about 20 KB).
LOOP_BODY_BYTES = 64 * 1024


class _TimedOut(Exception):
    pass


class _Disconnected(Exception):
    pass


class BufferedWSGI:
    def __init__(
        self,
        app: WSGIApp,
        threads: int,
        read_timeout: float,
        body_cap: Callable[[str], int],
        spool_bytes: int = 1024 * 1024,
        on_loop: Callable[[str], bool] = lambda path: False,
    ):
        self.app = app
        self.on_loop = on_loop
        self.read_timeout = read_timeout
        self.body_cap = body_cap
        self.spool_bytes = spool_bytes
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.executor.shutdown(wait=False)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        # websocket: no route speaks it; returning without accepting refuses it

    async def _http(self, scope: dict, receive, send) -> None:
        body = tempfile.SpooledTemporaryFile(max_size=self.spool_bytes)
        try:
            try:
                complete = await self._buffer(scope, receive, body)
            except _Disconnected:
                return
            except _TimedOut:
                log.info("request body not received within %s s; connection closed", self.read_timeout,
                         extra={"path": scope.get("path"), "remote": (scope.get("client") or ("",))[0]})
                await send({"type": "http.response.start", "status": 408, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close"),
                    (b"content-length", str(len(_TIMEOUT_BODY)).encode())]})
                await send({"type": "http.response.body", "body": _TIMEOUT_BODY})
                return
            inline = complete and body.tell() <= LOOP_BODY_BYTES and self.on_loop(scope.get("path", ""))
            body.seek(0)
            environ = build_environ(scope, body)
            abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
            dropped: list[bool] = []
            if abort is not None:
                environ[DROP_CONNECTION] = lambda: dropped.append(True)
            delays: list[float] = []
            environ[DELAY_ANSWER] = delays.append
            if inline:
                status, headers, chunks = self._run(environ)
                # Let the other requests that were ready with this one run before its answer is
                # written, so that answers leave in a burst as they do from threads: written one by
                # one, each woke an idle client on another core, a wake-up the server's core paid
                # for (15 % fewer LIS readResults a second than threads; README, Benchmarks).
                await asyncio.sleep(0)
            else:
                status, headers, chunks = await asyncio.get_running_loop().run_in_executor(self.executor, self._run, environ)
        finally:
            body.close()
        if dropped:
            abort()
            await asyncio.sleep(0)  # let connection_lost mark the cycle disconnected (no 500 written)
            return
        if delays:
            await asyncio.sleep(sum(delays))  # the answer waits; the thread is free for other requests
        if not any(name == b"content-length" for name, _ in headers):
            headers.append((b"content-length", str(sum(map(len, chunks))).encode()))
        if not complete:
            # the rest of the body is still on the wire: this connection cannot carry another request
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    async def _buffer(self, scope: dict, receive, body: IO[bytes]) -> bool:
        """Read the body into ``body``; True when it was read to its end."""
        cap = self.body_cap(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            return False  # refused by the app from the header alone
        size = 0
        try:
            # one deadline for the whole body (asyncio.timeout: no task per receive, unlike wait_for)
            async with asyncio.timeout(self.read_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise _Disconnected
                    chunk = message.get("body", b"")
                    body.write(chunk)
                    size += len(chunk)
                    if not message.get("more_body", False):
                        return True
                    if size > cap:
                        return False  # one byte past the cap is all the app needs to refuse it
        except TimeoutError:
            raise _TimedOut from None

    def _run(self, environ: dict) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return chunks.append

        try:
            result = self.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        except Exception:
            log.exception("the WSGI app raised")
            return 500, [(b"content-type", b"text/plain; charset=utf-8")], [b"Internal error\n"]
        status = int(str(captured["status"]).split(" ", 1)[0])
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in captured["headers"]]
        return status, headers, chunks


def _content_length(scope: dict) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def build_environ(scope: dict, body: IO[bytes]) -> dict:
    """PEP 3333 environ from an ASGI HTTP scope (headers as latin-1 strings, repeated ones joined)."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        # The transport's own scheme: X-Forwarded-Proto is the gateway's to judge (trusted_proxies).
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + name
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
