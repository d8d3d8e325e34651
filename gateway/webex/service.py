"""The WebEx operations as a spyne service, and the route that serves them.

Each method is a thin shell: open one unit of work on the store, check the securityContext, and
hand over to the plain function that does the work (:mod:`gateway.webex.training`,
:mod:`gateway.webex.user`).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from spyne import Application, ServiceBase, rpc
from spyne.model.primitive import AnyXml
from spyne.server.wsgi import WsgiApplication
from sqlalchemy.orm import Session

from adapters.store import Store, StoreUnavailable
from adapters.store.hot import HotUnit
from gateway.routing import Answer, Route
from gateway.config import Settings
from gateway.security import webex as webex_auth
from gateway.security.logins import LoginGuard
from gateway.webex import envelope, errors, training, user
from gateway.webex.envelope import WebexRequest
from gateway.webex.errors import WebexFailure
from gateway.webex.protocol import TNS, Reply, WebexMessageProtocol


@dataclass
class Call:
    """One authenticated request: its unit of work, the host who made it, the settings."""

    #: An ORM session, or for the hot read (GetIMStestResult) a unit of prepared statements.
    session: Session | HotUnit
    host: webex_auth.Host
    settings: Settings


@contextlib.contextmanager
def _call(ctx, request: WebexRequest, service: str, hot: bool = False) -> Iterator[Call]:
    if request.service != service:
        raise WebexFailure(errors.INVALID_REQUEST, f"Operation {request.operation} is not a {request.service} operation")
    store: Store = ctx.app.store
    try:
        with store.hot() if hot else store.session() as session:
            host = webex_auth.authenticate(session, request.security, allow_ticket=service != "user",
                                           guard=ctx.app.guard, environ=ctx.transport.req_env)
            yield Call(session, host, ctx.app.settings)
    except StoreUnavailable as exc:
        raise WebexFailure(errors.STORE_BUSY) from exc


class WebexService(ServiceBase):
    @rpc(AnyXml, _returns=AnyXml)
    def AuthenticateUser(ctx, request) -> Reply:
        with _call(ctx, request, "user") as call:
            return user.authenticate_user(call, request)

    @rpc(AnyXml, _returns=AnyXml)
    def GetIMStestResult(ctx, request) -> Reply:
        with _call(ctx, request, "training", hot=True) as call:
            return training.get_ims_test_result(call, request)

    @rpc(AnyXml, _returns=AnyXml)
    def GetIMStestDetails(ctx, request) -> Reply:
        with _call(ctx, request, "training") as call:
            return training.get_ims_test_details(call, request)

    @rpc(AnyXml, _returns=AnyXml)
    def GetTestInformation(ctx, request) -> Reply:
        with _call(ctx, request, "training") as call:
            return training.get_test_information(call, request)

    @rpc(AnyXml, _returns=AnyXml)
    def LstScheduledTests(ctx, request) -> Reply:
        with _call(ctx, request, "training") as call:
            return training.lst_scheduled_tests(call, request)


def _error_shape(status: int, message: str) -> Answer:
    """HTTP-level problems (body too large, internal error) still answer a FAILURE with 200."""
    kind = errors.UNPARSEABLE if status >= 500 else errors.INVALID_REQUEST
    reason = f"Fail to forward request:{message}" if status >= 500 else f"Invalid request: {message}"
    return Answer(200, WebexMessageProtocol.mime_type, envelope.failure(kind.exception_id, reason))


def _store_busy(environ: dict) -> Answer:
    """The store failed outside an operation's own handling: the same FAILURE ``_call`` gives."""
    return Answer(200, WebexMessageProtocol.mime_type, envelope.failure(errors.STORE_BUSY.exception_id, errors.STORE_BUSY.reason))


def route(settings: Settings, store: Store) -> Route:
    application = Application(
        [WebexService], tns=TNS, in_protocol=WebexMessageProtocol(), out_protocol=WebexMessageProtocol()
    )
    application.store, application.settings = store, settings
    application.guard = LoginGuard(store, settings)
    # spyne's own 2 MB default would answer bodies between it and the route's cap "internal error"
    server = WsgiApplication(application, max_content_length=settings.max_body_bytes)
    return Route("webex", server, error=_error_shape, methods=frozenset({"POST"}), busy=_store_busy)
