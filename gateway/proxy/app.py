"""The proxy's WSGI application: the gateway's shell (body caps, request ids, access log, metrics)
around one forwarding endpoint per protocol path."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import requests

from adapters.store import Store
from gateway import webex, xmlsafe
from gateway.dispatch import Gateway
from gateway.routing import RAW_BODY, Answer, Route, StartResponse, request_headers
from gateway.config import Settings
from gateway.lis import pox, soap
from gateway.proxy import failures, harvest
from gateway.proxy.callers import ItslearningCallerCheck, WebexCallerCheck
from gateway.security.logins import LoginGuard
from gateway.itslearning import services as its_services
from gateway.proxy.forward import UpstreamCredentials, forward
from gateway.proxy.record import Recorder
from gateway.security.oauth import OAUTH_CALLER, OAuthMiddleware, OAuthVerifier, external_uri, normalise_environ, parse_networks
from gateway.webex import envelope as webex_envelope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Protocol:
    name: str
    oauth: bool
    failure: Callable[[bytes, str, str], Answer]
    error: Callable[[int, str], Answer]
    #: The root element local name of the protocol's own answers (passed through even on HTTP 5xx).
    answer_root: str
    methods: frozenset[str] = frozenset({"POST"})


PATHS: dict[str, Protocol] = {
    soap.PATH: Protocol("lis-oms-soap", True, failures.lis_failure, soap.soap_error, "Envelope",
                        frozenset({"GET", "HEAD", "POST"})),
    pox.PATH: Protocol("lti-pox", True, failures.pox_failure, pox.pox_error, "imsx_POXEnvelopeResponse"),
    webex.PATH: Protocol("webex", False, failures.webex_failure, lambda status, message: failures.webex_failure(b"", "", message),
                         "message"),
    its_services.FILE_PATH: Protocol("itslearning", False, failures.itslearning_failure, failures.itslearning_error, "Envelope",
                                     frozenset({"GET", "HEAD", "POST"})),
    its_services.DATA_PATH: Protocol("itslearning", False, failures.itslearning_failure, failures.itslearning_error, "Envelope",
                                     frozenset({"GET", "HEAD", "POST"})),
}


@dataclass(frozen=True)
class ProxyConfig:
    #: The upstream's base URL; each request goes to the same path under it.
    upstream: str
    credentials: UpstreamCredentials = field(default_factory=UpstreamCredentials)
    record_dir: Path | None = None
    timeout_seconds: float = 30.0

    def url(self, path: str, query: str) -> str:
        return self.upstream.rstrip("/") + path + (f"?{query}" if query else "")


def operation_of(protocol: str, raw: bytes) -> str:
    try:
        if protocol == "lis-oms-soap":
            return failures.lis_operation(xmlsafe.parse(raw))[0]
        if protocol == "lti-pox":
            return failures.pox_operation(xmlsafe.parse(raw))[0]
        if protocol == "itslearning":
            return failures.lis_operation(xmlsafe.parse(raw))[0]  # the SOAP Body's first element
        return webex_envelope.parse_request(raw).operation
    except (ValueError, SyntaxError):
        return ""


class ProxyEndpoint:
    def __init__(self, path: str, protocol: Protocol, config: ProxyConfig, store: Store, session: requests.Session,
                 recorder: Recorder | None, proxies=()):
        self.path, self.protocol, self.config, self.store = path, protocol, config, store
        self.session, self.recorder = session, recorder
        #: trusted proxies in front of this one (Settings.trusted_proxies), for the address we advertise
        self.proxies = proxies

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        normalise_environ(environ)
        raw: bytes = environ[RAW_BODY]
        method = environ.get("REQUEST_METHOD", "POST")
        query = environ.get("QUERY_STRING", "")
        headers = request_headers(environ)
        try:
            upstream = forward(self.session, self.config.url(self.path, query), method, headers, raw,
                               protocol=self.protocol.name, oauth=self.protocol.oauth, credentials=self.config.credentials,
                               timeout=self.config.timeout_seconds)
        except requests.Timeout:
            log.warning("proxy: %s upstream timed out after %ss", self.protocol.name, self.config.timeout_seconds)
            return _send(start_response, self.protocol.failure(raw, failures.TIMEOUT,
                                                               f"timed out after {self.config.timeout_seconds:g} s"))
        except requests.RequestException as exc:
            log.warning("proxy: %s upstream unreachable: %s", self.protocol.name, exc)
            return _send(start_response, self.protocol.failure(raw, failures.UNREACHABLE, _reason(exc)))
        body = upstream.content
        content_type = upstream.headers.get("Content-Type", "text/xml; charset=utf-8")
        if upstream.status_code >= 500 and not self._own_answer(body):
            log.warning("proxy: %s upstream answered HTTP %s", self.protocol.name, upstream.status_code)
            return _send(start_response, self.protocol.failure(raw, failures.BAD_ANSWER,
                                                               f"HTTP {upstream.status_code} from the upstream"))
        if method == "GET" and "wsdl" in query.lower() and upstream.status_code == 200:
            body = point_wsdl_here(body, external_uri({**environ, "QUERY_STRING": ""}, self.proxies))
        path = self.path + (f"?{query}" if query else "")
        if self.recorder is not None:
            self.recorder.record(self.protocol.name, operation_of(self.protocol.name, raw), method, path, headers, raw,
                                 upstream.status_code, upstream.headers, body)
        caller = environ.get(OAUTH_CALLER)
        if caller is not None and upstream.status_code == 200:
            harvest.harvest(self.store, self.protocol.name, caller.account_id, raw, body)
        return _send(start_response, Answer(upstream.status_code, content_type, body))

    def _own_answer(self, body: bytes) -> bool:
        """Whether an HTTP 5xx carries the protocol's own answer (a SOAP Fault), passed on as is."""
        try:
            root = xmlsafe.parse(body)
        except xmlsafe.XMLInputError:
            return False
        return failures.local_name(root) == self.protocol.answer_root


_SOAP_ADDRESS = re.compile(rb'(<(?:[\w.-]+:)?address\b[^>]*?\blocation=)(["\'])[^"\']*\2')


def point_wsdl_here(wsdl: bytes, address: str) -> bytes:
    """The upstream's WSDL with its ``soap:address location`` set to the proxy, so that clients
    built from it keep calling through the proxy rather than around it."""
    return _SOAP_ADDRESS.sub(lambda m: m.group(1) + b'"' + address.encode() + b'"', wsdl)


def _reason(exc: requests.RequestException) -> str:
    # requests' messages carry the whole urllib3 chain; the first clause is what a client can use
    text = str(exc.args[0] if exc.args else exc)
    return ("connection refused" if "refused" in text.lower() else f"{type(exc).__name__}")


def _send(start_response: StartResponse, answer: Answer) -> list[bytes]:
    start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", [("Content-Type", answer.content_type), *answer.headers])
    return [answer.body]


def create_proxy_app(settings: Settings, store: Store, config: ProxyConfig,
                     session: requests.Session | None = None) -> Gateway:
    session = session or requests.Session()
    recorder = Recorder(config.record_dir, config.credentials.secrets()) if config.record_dir else None
    verifier = OAuthVerifier(settings, store)
    proxies = parse_networks(settings.trusted_proxies)
    guard = LoginGuard(store, settings)
    routes = {}
    for path, protocol in PATHS.items():
        endpoint: Callable = ProxyEndpoint(path, protocol, config, store, session, recorder, proxies)
        if protocol.oauth:
            reject = soap.authentication_fault if protocol.name == "lis-oms-soap" else (lambda f: pox.pox_error(401, f.message))
            endpoint = _OAuthOnPost(endpoint, OAuthMiddleware(endpoint, verifier, reject))
        elif protocol.name == "webex" and config.credentials.webex:
            endpoint = WebexCallerCheck(endpoint, store, guard)
        elif protocol.name == "itslearning" and config.credentials.itslearning:
            endpoint = ItslearningCallerCheck(endpoint, store, guard)
        routes[path] = Route(f"proxy-{protocol.name}", endpoint, error=protocol.error, methods=protocol.methods)
    return Gateway(settings, store, routes)


class _OAuthOnPost:
    """The caller's OAuth signature is checked on POSTs (GET ?wsdl needs none), as the gateway does."""

    def __init__(self, plain: Callable, protected: OAuthMiddleware):
        self.plain, self.protected = plain, protected

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            return self.protected(environ, start_response)
        return self.plain(environ, start_response)
