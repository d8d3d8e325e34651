"""Who may use the upstream's WebEx credentials through the proxy.

When the proxy puts the upstream's own ``securityContext`` into forwarded WebEx requests, a caller
must first prove itself to the gateway, as it would to the gateway's own WebEx endpoint (a host in
the store, with its password or a session ticket); otherwise anyone who can reach the proxy could
act as the upstream account. A refusal is the WebEx FAILURE the gateway would answer, e.g.
``030002`` "Incorrect user or password". The same holds for itslearning's WS-Security
UsernameToken (refused with WCF's ``FailedAuthentication`` fault). LIS and LTI callers are checked
by the OAuth middleware.
"""
from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus

from adapters.store import Store, StoreUnavailable
from gateway import xmlsafe
from gateway.routing import RAW_BODY, Answer, StartResponse
from gateway import soap as soap_envelope
from gateway.security import wsse
from gateway.security.logins import LoginGuard
from gateway.security.webex import authenticate
from gateway.webex import envelope, errors
from gateway.webex.errors import FailureKind, WebexFailure

CONTENT_TYPE = "text/xml; charset=utf-8"


def _failure(kind: FailureKind, reason: str | None = None) -> Answer:
    return Answer(200, CONTENT_TYPE, envelope.failure(kind.exception_id, reason or kind.reason))


def check(store: Store, raw: bytes, guard: LoginGuard | None = None, environ: dict | None = None) -> Answer | None:
    """None when the request's securityContext names a host of the store; else the FAILURE to answer."""
    try:
        request = envelope.request_of(environ, raw) if environ is not None else envelope.parse_request(raw)
    except xmlsafe.XMLInputError:
        return _failure(errors.UNPARSEABLE)
    except envelope.RequestError as exc:
        return _failure(errors.INVALID_REQUEST, f"Invalid request: {exc}")
    try:
        with store.session() as session:
            authenticate(session, request.security, guard=guard, environ=environ)
    except WebexFailure as failure:
        return _failure(failure.kind, failure.reason)
    except StoreUnavailable:
        return _failure(errors.STORE_BUSY)
    return None


class WebexCallerCheck:
    def __init__(self, app, store: Store, guard: LoginGuard | None = None):
        self.app, self.store, self.guard = app, store, guard

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        refusal = check(self.store, environ[RAW_BODY], self.guard, environ)
        if refusal is None:
            return self.app(environ, start_response)
        start_response("200 OK", [("Content-Type", refusal.content_type)])
        return [refusal.body]


def check_itslearning(store: Store, raw: bytes, guard: LoginGuard | None = None,
                      environ: dict | None = None) -> Answer | None:
    """None when the request's UsernameToken is a user of the store; else WCF's authentication fault."""
    try:
        root = xmlsafe.parse(raw)
        header = next((c for c in root if isinstance(c.tag, str) and c.tag.endswith("}Header")), None)
        with store.session() as session:
            wsse.verify(session, list(header) if header is not None else [], guard=guard, environ=environ)
    except xmlsafe.XMLInputError as exc:
        return Answer(400, CONTENT_TYPE, soap_envelope.fault_bytes(soap_envelope.CLIENT, f"Malformed SOAP envelope: {exc}"))
    except wsse.AuthenticationFailed:
        return Answer(500, CONTENT_TYPE, soap_envelope.fault_bytes(f"SOAP-ENV:Client.{wsse.FAULT_CODE}", wsse.FAULT_STRING))
    except StoreUnavailable:
        return Answer(500, CONTENT_TYPE, soap_envelope.fault_bytes("SOAP-ENV:Server.Busy", "The service is busy; try again shortly."))
    return None


class ItslearningCallerCheck(WebexCallerCheck):
    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        refusal = check_itslearning(self.store, environ[RAW_BODY], self.guard, environ)
        if refusal is None:
            return self.app(environ, start_response)
        start_response(f"{refusal.status} {HTTPStatus(refusal.status).phrase}", [("Content-Type", refusal.content_type)])
        return [refusal.body]
