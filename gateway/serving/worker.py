"""The gunicorn worker: an asyncio event loop with uvicorn's HTTP/1.1 protocol (httptools).

uvicorn closes a connection that stays idle for the keep-alive timeout after an answer, and the
bridge times out a slow body; uvicorn has no limit of its own on the time or size of a request's
head. :class:`TimedHttpToolsProtocol` adds both: the request line and headers must arrive within
the read timeout (counted from the connection's first byte or the previous answer, so a connection
that never sends anything is closed too) and within ``MAX_HEAD_BYTES``.
"""
from __future__ import annotations

import asyncio

from gunicorn import glogging
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

from gateway import logs
from gateway.serving.bridge import ABORT_EXTENSION

#: What gunicorn allowed by default (a 4 KiB request line, 100 fields of 8 KiB) fits well inside.
MAX_HEAD_BYTES = 64 * 1024

_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
              b"connection: close\r\ncontent-length: 34\r\n\r\nThe request head is too large.\r\n\r\n")


class TimedHttpToolsProtocol(HttpToolsProtocol):
    #: set by :func:`worker_class` before the workers fork
    read_timeout: float = 30.0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        if self._head_timer is None and self.cycle is not None and self.cycle.response_complete:
            self._arm_head_timer()  # the next request on a kept-alive connection
        super().data_received(data)
        # counted after parsing: a chunk that completes the head may carry body bytes too
        if self._head_timer is not None:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
                self._cancel_head_timer()
                self.transport.write(_TOO_LARGE)
                self.transport.close()

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        super().on_headers_complete()
        # The request's cycle holds this very scope: the bridge can abort the connection through
        # it when a fault rule says "drop" (ASGI itself has no way to close without answering).
        self.scope.setdefault("extensions", {})[ABORT_EXTENSION] = self.transport.abort

    def connection_lost(self, exc) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._head_bytes = 0
        self._head_timer = self.loop.call_later(self.read_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class GatewayWorker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "asyncio",
        "http": TimedHttpToolsProtocol,
        # X-Forwarded-* are judged by the gateway alone (Settings.trusted_proxies, DESIGN.md §7):
        # uvicorn would otherwise rewrite the scheme and client for peers in forwarded_allow_ips.
        "proxy_headers": False,
        "access_log": False,  # the gateway writes its own access line
        "server_header": False,
        "lifespan": "on",
    }


def worker_class(read_timeout: float) -> type[GatewayWorker]:
    """The worker class with the read timeout applied (inherited by the forked workers)."""
    TimedHttpToolsProtocol.read_timeout = read_timeout
    return GatewayWorker


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, writing through the gateway's one handler (:mod:`gateway.logs`); uvicorn's
    worker hands the same handler to uvicorn's loggers."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        handler = logs.handler() or logs.configure(cfg.loglevel)
        for log in (self.error_log, self.access_log):
            log.handlers = [handler]
