"""The WebEx operations, and the route that serves them.

Each operation is a thin shell: open one unit of work on the store, check the securityContext, and
hand over to the plain function that does the work (:mod:`gateway.webex.training`,
:mod:`gateway.webex.user`). Why no spyne here (DESIGN.md has a spyne protocol for ``serv:message``):
WebEx's XML API is not SOAP, so spyne only dispatched on the operation's name, and its request
cycle (context, events, protocol hooks) was a quarter of a GetIMStestResult's time. Every answer,
failures included, is a ``serv:message`` with HTTP 200, as WebEx answers.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from adapters.store import Store, StoreUnavailable
from adapters.store.hot import HotUnit
from gateway import xmlsafe
from gateway.routing import RAW_BODY, Answer, Route, StartResponse
from gateway.config import Settings
from gateway.security import webex as webex_auth
from gateway.security.logins import LoginGuard
from gateway.webex import envelope, errors, training, user
from gateway.webex.envelope import WebexRequest
from gateway.webex.errors import WebexFailure
from gateway.webex.protocol import MIME_TYPE, Reply

log = logging.getLogger("lms_gateway.webex")


@dataclass
class Call:
    """One authenticated request: its unit of work, the host who made it, the settings."""

    #: An ORM session, or for the hot read (GetIMStestResult) a unit of prepared statements.
    session: Session | HotUnit
    host: webex_auth.Host
    settings: Settings


@dataclass(frozen=True)
class Operation:
    service: str
    run: Callable[[Call, WebexRequest], Reply]
    #: True: one unit of prepared statements (adapters/store/hot.py) instead of an ORM session.
    hot: bool = False


OPERATIONS: dict[str, Operation] = {
    "AuthenticateUser": Operation("user", user.authenticate_user),
    "GetIMStestResult": Operation("training", training.get_ims_test_result, hot=True),
    "GetIMStestDetails": Operation("training", training.get_ims_test_details),
    "GetTestInformation": Operation("training", training.get_test_information),
    "LstScheduledTests": Operation("training", training.lst_scheduled_tests),
}


class WebexApp:
    """``POST /WBXService/XMLService``: read the message, dispatch on its ``xsi:type``, answer."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.guard = LoginGuard(store, settings)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        document = self.answer(environ)
        start_response("200 OK", [("Content-Type", MIME_TYPE), ("Content-Length", str(len(document)))])
        return [document]

    def answer(self, environ: dict) -> bytes:
        try:
            request = self._request(environ)
            operation = OPERATIONS.get(request.operation)
            if operation is None:
                raise WebexFailure(errors.INVALID_REQUEST, f"Operation {request.operation} is not supported by this gateway")
            with self._call(environ, request, operation) as call:
                reply = operation.run(call, request)
            return reply.document or envelope.success(reply.body_type, reply.content, reply.nsmap)
        except WebexFailure as failure:
            return envelope.failure(failure.exception_id, failure.reason)
        except Exception:
            request_id = environ.get("lms.request_id", "?")
            log.exception("WebEx operation failed (request %s)", request_id)
            return envelope.failure(errors.UNPARSEABLE.exception_id,
                                    f"Fail to forward request:internal error, request id {request_id}")

    @staticmethod
    def _request(environ: dict) -> WebexRequest:
        try:
            # the journal may have read this body already (it files the operation and keys)
            return envelope.request_of(environ, environ.get(RAW_BODY, b""))
        except xmlsafe.XMLInputError as exc:
            log.info("unparseable WebEx request: %s", exc)
            raise WebexFailure(errors.UNPARSEABLE) from exc
        except envelope.RequestError as exc:
            raise WebexFailure(errors.INVALID_REQUEST, f"Invalid request: {exc}") from exc

    @contextlib.contextmanager
    def _call(self, environ: dict, request: WebexRequest, operation: Operation) -> Iterator[Call]:
        if request.service != operation.service:
            raise WebexFailure(errors.INVALID_REQUEST, f"Operation {request.operation} is not a {request.service} operation")
        try:
            with self.store.hot() if operation.hot else self.store.session() as session:
                host = webex_auth.authenticate(session, request.security, allow_ticket=operation.service != "user",
                                               guard=self.guard, environ=environ)
                yield Call(session, host, self.settings)
        except StoreUnavailable as exc:
            raise WebexFailure(errors.STORE_BUSY) from exc


def _error_shape(status: int, message: str) -> Answer:
    """HTTP-level problems (body too large, internal error) still answer a FAILURE with 200."""
    kind = errors.UNPARSEABLE if status >= 500 else errors.INVALID_REQUEST
    reason = f"Fail to forward request:{message}" if status >= 500 else f"Invalid request: {message}"
    return Answer(200, MIME_TYPE, envelope.failure(kind.exception_id, reason))


def _store_busy(environ: dict) -> Answer:
    """The store failed outside an operation's own handling: the same FAILURE ``_call`` gives."""
    return Answer(200, MIME_TYPE, envelope.failure(errors.STORE_BUSY.exception_id, errors.STORE_BUSY.reason))


def route(settings: Settings, store: Store) -> Route:
    return Route("webex", WebexApp(settings, store), error=_error_shape, methods=frozenset({"POST"}), busy=_store_busy)
