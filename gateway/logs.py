"""One log format for everything the gateway writes on stderr (issue 11).

``LMS_GATEWAY_LOG_FORMAT=json`` (the default): each line is one JSON object with ``timestamp``
(ISO 8601, UTC), ``level``, ``logger``, ``message`` and ``request_id`` (null outside a request),
plus whatever the call passed as ``extra`` (the access line: method, path, status, protocol,
operation, account, ...) and ``exc_info`` for a traceback, kept on the same line. ``text`` gives
``2026-11-30 15:04:05,123 INFO lms_gateway.access [rid] POST /lti/outcomes 200`` for a terminal.

The request id is a context variable that :mod:`gateway.dispatch` sets for the length of a request,
so every line logged while a request is served carries it, whichever module writes it. gunicorn's
and uvicorn's own loggers get the same handler
(:class:`gateway.serving.worker.GunicornLogger`).
"""
from __future__ import annotations

import contextvars
import logging
import sys
import threading

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("lms_gateway_request_id", default=None)

FORMATS = ("json", "text")

_handler: logging.Handler | None = None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


def formatter(kind: str) -> logging.Formatter:
    if kind == "text":
        return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    return JsonFormatter(
        ["levelname", "name", "message", "request_id"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's ANSI-coloured copy of the message
    )


def configure(level: str, kind: str = "json") -> logging.Handler:
    """Route every logger (and ``warnings``) to one stderr handler in the chosen format."""
    global _handler
    if kind not in FORMATS:
        raise ValueError(f"LMS_GATEWAY_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {kind!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # an exception nobody caught would otherwise print a multi-line traceback on stderr
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
    _handler = handler
    return handler


def _log_uncaught(exc_type, exc_value, exc_traceback) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc_value, exc_traceback)
        return
    logging.getLogger("lms_gateway").critical("uncaught %s", exc_type.__name__,
                                              exc_info=(exc_type, exc_value, exc_traceback))


def handler() -> logging.Handler | None:
    """The handler :func:`configure` installed, if it ran in this process (or before the fork)."""
    return _handler

