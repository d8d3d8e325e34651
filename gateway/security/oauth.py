"""OAuth 1.0 request verification with the body-hash extension (DESIGN.md §7), as WSGI middleware.

Used by the LIS OMS SOAP endpoint and the LTI 1.1 POX endpoint. A client sends, e.g. (Turnitin)::

    Authorization: OAuth oauth_nonce="87144f4cfd38a9b90f4241643ec5151e40e5ceaf",
      oauth_timestamp="1337943356", oauth_consumer_key="49201", oauth_signature_method="HMAC-SHA1",
      oauth_version="1.0", oauth_body_hash="hLj0dl8mzY5AO%2F2ALWeIC1scU%2BE%3D",
      oauth_signature="t090y0DfAls1TkgIgXTuR4YQYrI%3D"

Checks, in this order (the first that fails names itself in :class:`OAuthFailure`):

1. mandatory parameters, signature method (HMAC-SHA1 or HMAC-SHA256), version, timestamp window,
   key and nonce format: oauthlib's own checks, with a validator that accepts what real clients send
   (short numeric keys such as ``49201``, 40-hex nonces, no TLS when a proxy terminates it);
2. the consumer key is known (the store's ``oauth_consumers``);
3. the signature, recomputed by oauthlib over the *external* URI (trusted proxy headers only, query
   string included);
4. ``oauth_body_hash``: oauthlib does not check it, so it is recomputed here over the raw body bytes
   (SHA-1 for HMAC-SHA1, SHA-256 for HMAC-SHA256) and compared in constant time; only a form body
   (its media type itself ``application/x-www-form-urlencoded``, parameters ignored:
   :func:`adapters.media_types.is_form`) may leave it out, its parameters being signed instead;
5. the nonce is new: stored in the store under a unique key, so a replay is caught by any process.

The common request (every oauth_ parameter in the Authorization header, none elsewhere, no form
body) is read directly with oauthlib's own primitives (:func:`_read_header`): one parse of the header,
one base string, one HMAC. Anything else goes through oauthlib's endpoint, which checks it the long way
and names what is wrong; both ways end in the same signature, body-hash and nonce checks.

Nothing in a failure message carries a secret or a signature value.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from urllib.parse import quote, unquote

from oauthlib.common import UNICODE_ASCII_CHARACTER_SET, urldecode
from oauthlib.oauth1 import Client, RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import errors as oauth_errors
from oauthlib.oauth1.rfc5849 import signature, utils as oauth_utils
from oauthlib.oauth1.rfc5849 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256

from adapters.media_types import is_form as is_form_body, media_type
from adapters.store import Store, StoreUnavailable
from adapters.store.accounts import find_consumer
from adapters.store.nonces import prune_nonces, remember_nonce
from gateway.routing import OAUTH, RAW_BODY, Answer, StartResponse, WSGIApp
from gateway.config import Settings

log = logging.getLogger(__name__)

#: Where the middleware leaves the verified caller for the protocol app.
OAUTH_CALLER = "lms.oauth_caller"

_BODY_HASHES = {SIGNATURE_HMAC_SHA1: hashlib.sha1, SIGNATURE_HMAC_SHA256: hashlib.sha256}
_MANDATORY = ("oauth_signature", "oauth_consumer_key", "oauth_nonce", "oauth_timestamp", "oauth_signature_method")
_PRUNE_EVERY_SECONDS = 300
_PRUNE_BATCH = 1000
#: How long a process trusts a consumer key's secret and account without asking the store again:
#: a changed secret or a removed key takes effect within this time.
CONSUMER_CACHE_SECONDS = 10


@dataclass(frozen=True)
class Caller:
    """Who signed the request: the consumer key and the account it belongs to."""

    consumer_key: str
    account_id: int


@dataclass(frozen=True)
class _Signed:
    """The oauth_ parameters of a request whose form has been checked, and the base string it signs."""

    client_key: str
    nonce: str
    timestamp: int
    signature_method: str
    signature: str
    oauth_params: dict[str, str]
    base_string: str


class OAuthFailure(Exception):
    """A failed check. ``check`` is a stable name (for logs and tests); ``str()`` is for the client."""

    def __init__(self, check: str, message: str, base_string: str | None = None):
        super().__init__(message)
        self.check = check
        self.message = message
        #: For a bad signature: the signature base string the gateway computed (it holds no secret),
        #: so that a client author can compare it with their own (the request journal shows it).
        self.base_string = base_string


class _Validator(RequestValidator):
    """oauthlib's defaults reject real clients; these are the ones DESIGN.md §7 asks for."""

    def __init__(self, timestamp_window: int):
        super().__init__()
        self._timestamp_window = timestamp_window

    @property
    def allowed_signature_methods(self):
        return (SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256)

    @property
    def safe_characters(self):
        # uuid-style nonces (hyphens) and keys with dots/underscores are common in the wild.
        return set(UNICODE_ASCII_CHARACTER_SET) | set("-_.")

    @property
    def client_key_length(self):
        return 1, 255  # Turnitin's keys are account numbers such as "49201"

    @property
    def nonce_length(self):
        return 7, 64  # Turnitin sends 40 hex characters

    @property
    def timestamp_lifetime(self):
        return self._timestamp_window

    @property
    def enforce_ssl(self):
        return False  # TLS is terminated by the proxy in front; the signed URI says https

    @property
    def dummy_client(self):
        return "dummy"


class OAuthVerifier:
    """Verifies one request against the store; thread-safe (one per process)."""

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self._validator = _Validator(settings.oauth_timestamp_window_seconds)
        self._endpoint = SignatureOnlyEndpoint(self._validator)
        self._proxies = parse_networks(settings.trusted_proxies)
        self._last_prune = 0.0
        self._consumers: dict[str, tuple[str, int, float]] = {}
        self._prune_lock = threading.Lock()

    def verify(self, environ: dict) -> Caller:
        raw = environ.get(RAW_BODY, b"")
        uri = external_uri(environ, self._proxies)
        is_form = is_form_body(environ.get("CONTENT_TYPE"))
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if not authorization.strip():
            raise OAuthFailure("parameters", "OAuth check failed: the request has no Authorization header")
        method = environ.get("REQUEST_METHOD", "POST")
        signed = None if is_form else _read_header(
            authorization, method, uri, environ.get("QUERY_STRING", ""), self._validator)
        if signed is None:
            signed = self._read_with_oauthlib(authorization, method, uri, environ.get("CONTENT_TYPE"), raw, is_form)

        secret, account_id = self._consumer(signed.client_key)
        if not _signature_ok(signed, secret):
            raise OAuthFailure(
                "signature",
                f"OAuth check failed: invalid signature (the gateway signed {method} {uri})",
                signed.base_string,
            )
        _check_body_hash(signed, raw, is_form)
        with self.store.writer, self.store.hot() as unit:
            if not remember_nonce(unit, self.store.dialect, signed.client_key, signed.nonce, signed.timestamp):
                raise OAuthFailure("nonce", "OAuth check failed: the nonce has already been used (replayed request)")
        self._maybe_prune()
        return Caller(consumer_key=signed.client_key, account_id=account_id)

    def _read_with_oauthlib(self, authorization: str, method: str, uri: str, content_type: str | None,
                            raw: bytes, is_form: bool) -> _Signed:
        """Every form oauthlib's endpoint takes (form bodies, query parameters), with its failure messages."""
        # oauthlib makes its own form decision with a substring test on the header: hand it the bare
        # media type so that it cannot disagree with ours (adapters.media_types)
        headers = {"Authorization": authorization, "Content-Type": media_type(content_type)}
        body = raw.decode("utf-8", "replace") if is_form else None
        try:
            request = self._endpoint._create_request(uri, method, body, headers)
            self._endpoint._check_transport_security(request)
            self._endpoint._check_mandatory_parameters(request)
        except oauth_errors.OAuth1Error as exc:
            raise _parameter_failure(exc, self.settings.oauth_timestamp_window_seconds) from None
        except ValueError:  # oauthlib's "Malformed authorization header" (e.g. ``OAuth \xff``)
            raise OAuthFailure(
                "parameters", "OAuth check failed: malformed Authorization header (expected OAuth name=\"value\", ...)"
            ) from None
        return _Signed(request.client_key, request.nonce, int(request.timestamp), request.signature_method,
                       request.signature, request.oauth_params, _base_string(request))

    def _consumer(self, key: str) -> tuple[str, int]:
        """(secret, account id) of ``key``; known keys are remembered for CONSUMER_CACHE_SECONDS so
        that the hot path costs one statement (the nonce), not two. Unknown keys are never cached."""
        now = time.monotonic()
        cached = self._consumers.get(key)
        if cached is not None and cached[2] > now:
            return cached[0], cached[1]
        with self.store.session() as session:
            consumer = find_consumer(session, key)
        if consumer is None:
            self._consumers.pop(key, None)
            raise OAuthFailure("consumer_key", f"OAuth check failed: unknown consumer key {key!r}")
        if len(self._consumers) > 10_000:
            self._consumers.clear()
        self._consumers[key] = (consumer.secret, consumer.account_id, now + CONSUMER_CACHE_SECONDS)
        return consumer.secret, consumer.account_id

    def _maybe_prune(self) -> None:
        """Every _PRUNE_EVERY_SECONDS (or timestamp window, if shorter), forget expired nonces on a thread of its own, in batches that
        each take the writers' turn briefly: a request never waits for the whole prune."""
        now = time.monotonic()
        every = min(_PRUNE_EVERY_SECONDS, self.settings.oauth_timestamp_window_seconds)
        if now - self._last_prune < every or not self._prune_lock.acquire(blocking=False):
            return
        self._last_prune = now
        threading.Thread(target=self._prune, name="oauth-nonce-prune", daemon=True).start()

    def _prune(self) -> None:
        try:
            while True:
                with self.store.writer, self.store.session() as session:
                    pruned = prune_nonces(session, self.settings.oauth_timestamp_window_seconds, batch=_PRUNE_BATCH)
                if pruned < _PRUNE_BATCH:
                    return
        except Exception:  # pruning is housekeeping; the next round tries again
            log.warning("could not prune OAuth nonces", exc_info=True)
        finally:
            self._prune_lock.release()


def _read_header(authorization: str, method: str, uri: str, query: str, validator: _Validator) -> _Signed | None:
    """The common case read directly: the oauth_ parameters only in the Authorization header, each
    passing the checks oauthlib's endpoint makes (:meth:`SignatureOnlyEndpoint._check_mandatory_parameters`).
    None for anything else (parameters in the query, other header parameters, a check that fails):
    oauthlib's endpoint then reads the request and names the failure."""
    try:
        pairs = _header_pairs(authorization)
        query_params = urldecode(query) if query else []
    except ValueError:
        return None
    params = {}
    for name, value in pairs:
        if name == "realm":
            continue
        if not name.startswith("oauth_"):
            return None
        params[name] = unquote(value) if "%" in value else value  # oauthlib's utils.unescape
    if any(name.startswith("oauth_") for name, _ in query_params) or not all(params.get(n) for n in _MANDATORY):
        return None
    key, nonce, timestamp, method_name = (params[n] for n in _MANDATORY[1:])
    if (method_name not in validator.allowed_signature_methods or params.get("oauth_version", "1.0") != "1.0"
            or len(timestamp) != 10 or not (timestamp.isascii() and timestamp.isdigit())
            or abs(time.time() - int(timestamp)) > validator.timestamp_lifetime
            or not validator.check_client_key(key) or not validator.check_nonce(nonce)):
        return None
    signed_params = [(n, v) for n, v in params.items() if n != "oauth_signature"] + query_params
    # RFC 5849 §3.4.1.1, as oauthlib's signature.signature_base_string
    base = f"{_escape(method.upper())}&{_base_string_uri(uri)}&{_escape(_normalize(signed_params))}"
    return _Signed(key, nonce, int(timestamp), method_name, params["oauth_signature"], params, base)


#: One ``name="value"`` of the usual header: a plain name, a quoted value without backslashes.
_HEADER_PAIR = re.compile(r'\s*([A-Za-z0-9_]+)="([^"\\]*)"\s*(?:,|\Z)')


def _header_pairs(authorization: str) -> list[tuple[str, str]]:
    """oauthlib's ``utils.parse_authorization_header`` (RFC 5849 §3.5.1), read with one expression
    when the header has the usual shape; anything else goes to oauthlib's reader (urllib's
    ``parse_http_list``, a Python loop over every character of the header). A name given twice
    keeps its last value, as oauthlib's does."""
    if authorization[:6].lower() == "oauth ":
        pairs: dict[str, str] = {}
        position, end = 6, len(authorization)
        while position < end:
            match = _HEADER_PAIR.match(authorization, position)
            if match is None:
                break
            pairs[match[1]] = match[2]
            position = match.end()
        else:
            if pairs:
                return list(pairs.items())
    return oauth_utils.parse_authorization_header(authorization)


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")
_PERCENT = [chr(b) if _UNRESERVED.fullmatch(chr(b)) else f"%{b:02X}" for b in range(256)]


def _escape(value: str) -> str:
    """RFC 5849 §3.6 percent-encoding, as oauthlib's ``utils.escape``: most values (key, hex nonce,
    timestamp, method) are unreserved already, and the rest is looked up byte by byte in C (urllib's
    quote loops in Python over every byte of the long parameter string)."""
    if _UNRESERVED.fullmatch(value):
        return value
    return "".join(map(_PERCENT.__getitem__, value.encode("utf-8")))


def _normalize(params: list[tuple[str, str]]) -> str:
    """oauthlib's ``signature.normalize_parameters`` (RFC 5849 §3.4.1.3.2) with :func:`_escape`."""
    return "&".join(f"{k}={v}" for k, v in sorted((_escape(k), _escape(v)) for k, v in params))


@lru_cache(maxsize=256)
def _base_string_uri(uri: str) -> str:
    """The base string URI, escaped; the same few endpoint URIs come on every request (bounded, so
    many distinct ones cost only misses)."""
    return _escape(signature.base_string_uri(uri))


def _signature_ok(signed: _Signed, secret: str) -> bool:
    """RFC 5849 §3.4.2: HMAC over the base string keyed with ``escape(secret) + "&"`` (no token
    secret: LTI and LIS are two-legged), base64, compared in constant time."""
    digest = hashlib.sha256 if signed.signature_method == SIGNATURE_HMAC_SHA256 else hashlib.sha1
    key = (oauth_utils.escape(secret) + "&").encode("utf-8")
    expected = base64.b64encode(hmac.new(key, signed.base_string.encode("utf-8"), digest).digest())
    return hmac.compare_digest(expected, signed.signature.encode("utf-8", "replace"))


def _base_string(request) -> str:
    """The base string oauthlib's HMAC verifiers sign (RFC 5849 §3.4.1), oauth_signature excluded."""
    params = signature.normalize_parameters(request.params)
    return signature.signature_base_string(request.http_method, signature.base_string_uri(request.uri), params)


def _description(exc: oauth_errors.OAuth1Error) -> str:
    """oauthlib's message as text: some of its errors carry a (format, argument) tuple instead,
    e.g. OAuth parameters split between the Authorization header and the query string."""
    description = exc.description or ""
    if isinstance(description, tuple):
        try:
            return str(description[0]) % description[1:]
        except (TypeError, ValueError, IndexError):
            return " ".join(map(str, description))
    return str(description)


def _parameter_failure(exc: oauth_errors.OAuth1Error, window: int) -> OAuthFailure:
    description = _description(exc)
    if "only 1 signaturetype" in description:
        return OAuthFailure(
            "parameters",
            f"OAuth check failed: the oauth_ parameters must all come from one place, "
            f"but were found in {description.rpartition(' in ')[2]}",
        )
    if "Timestamp given is invalid" in description:
        return OAuthFailure("timestamp", f"OAuth check failed: timestamp is more than {window} seconds away from the gateway clock")
    if isinstance(exc, oauth_errors.InvalidSignatureMethodError):
        return OAuthFailure("signature_method", "OAuth check failed: signature method must be HMAC-SHA1 or HMAC-SHA256")
    if "nonce" in description.lower():
        return OAuthFailure("nonce", "OAuth check failed: invalid nonce format (7 to 64 letters, digits, '-', '_' or '.')")
    if "timestamp" in description.lower():
        return OAuthFailure("timestamp", "OAuth check failed: oauth_timestamp must be a 10-digit number of seconds")
    return OAuthFailure("parameters", f"OAuth check failed: {description.rstrip('.')}")


def _check_body_hash(request: _Signed, raw: bytes, is_form: bool) -> None:
    sent = request.oauth_params.get("oauth_body_hash")
    if sent is None:
        if is_form:
            return  # form bodies are covered by the signature itself
        raise OAuthFailure("body_hash", "OAuth check failed: oauth_body_hash is missing")
    candidates = [body_hash(raw, request.signature_method)]
    if request.signature_method == SIGNATURE_HMAC_SHA256:
        # The body-hash draft defines SHA-1 only, and oauthlib-based clients (requests-oauthlib)
        # send SHA-1 whatever the signature method; the signature covers the hash either way.
        candidates.append(body_hash(raw, SIGNATURE_HMAC_SHA1))
    sent_bytes = sent.encode("ascii", "replace")
    # every candidate is compared (no short-circuit), each in constant time
    matches = [hmac.compare_digest(sent_bytes, c.encode("ascii")) for c in candidates]
    if not any(matches):
        raise OAuthFailure("body_hash", "OAuth check failed: oauth_body_hash does not match the request body")


def body_hash(raw: bytes, signature_method: str = SIGNATURE_HMAC_SHA1) -> str:
    """``oauth_body_hash`` for ``raw`` (for the CLI and tests that hand-sign requests)."""
    algorithm = _BODY_HASHES.get(signature_method, hashlib.sha1)  # the draft's SHA-1 for anything else
    return base64.b64encode(algorithm(raw).digest()).decode("ascii")


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def parse_networks(entries: Iterable[str]) -> Networks:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(peer: str, proxies: Networks) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in proxies)


def external_uri(environ: dict, proxies: Networks = ()) -> str:
    """The URI the client signed: ``scheme://host[:port]/path?query``.

    ``X-Forwarded-Proto``/``X-Forwarded-Host`` are believed only from a trusted proxy peer; from
    anyone else they would let a caller choose the URI we verify against.
    """
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    if proxies and _trusted(environ.get("REMOTE_ADDR", ""), proxies):
        proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip().lower()
        fwd_host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip()
        if proto in ("http", "https"):
            scheme = proto
        if fwd_host:
            host = fwd_host
    default_port = ":443" if scheme == "https" else ":80"
    if host.endswith(default_port):
        host = host[: -len(default_port)]  # oauthlib drops it too; keeps messages tidy
    # PATH_INFO arrives decoded as latin-1 (PEP 3333); re-encode it the way the client sent it.
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1").decode("utf-8", "replace")
    uri = f"{scheme}://{host}{quote(path, safe='/;=,~!$&()*+:@')}"
    query = environ.get("QUERY_STRING", "")
    return f"{uri}?{query}" if query else uri


def normalise_environ(environ: dict) -> None:
    """PEP 3333 says header values are ``str``; requests-wsgi-adapter (the in-process test
    transport) passes bytes when a client set bytes headers (requests-oauthlib does). Decode them
    as latin-1, as a real server would have. Once per request: the protocol app and its OAuth
    middleware both ask."""
    if _NORMALISED in environ:
        return
    for name in ("CONTENT_TYPE", *(k for k in environ if k.startswith("HTTP_"))):
        value = environ.get(name)
        if isinstance(value, bytes):
            environ[name] = value.decode("latin-1")
    environ[_NORMALISED] = True


_NORMALISED = "lms.headers_normalised"


class OAuthMiddleware:
    """Runs :class:`OAuthVerifier` before ``app``; failures become ``reject(failure)``.

    On success the :class:`Caller` is in ``environ[OAUTH_CALLER]``.
    """

    def __init__(
        self,
        app: WSGIApp,
        verifier: OAuthVerifier,
        reject: Callable[[OAuthFailure], Answer],
        busy: Callable[[dict], Answer] | None = None,
    ):
        self.app = app
        self.verifier = verifier
        self.reject = reject
        #: The protocol's "try again later" when the store cannot check the nonce (DESIGN.md §10),
        #: built from the request's environ (the answer names the operation the body asks for).
        #: None lets StoreUnavailable through to the route's busy shape (gateway.routing.Route.busy).
        self.busy = busy

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        normalise_environ(environ)
        try:
            environ[OAUTH_CALLER] = self.verifier.verify(environ)
            environ[OAUTH] = {"verdict": "accepted", "consumer_key": environ[OAUTH_CALLER].consumer_key}
        except OAuthFailure as failure:
            environ[OAUTH] = {"verdict": "refused", "check": failure.check, "reason": failure.message,
                              "base_string": failure.base_string}
            log.info("OAuth failure (%s) from %s: %s", failure.check, environ.get("REMOTE_ADDR"), failure.message)
            answer = self.reject(failure)
            start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", [("Content-Type", answer.content_type), *answer.headers])
            return [answer.body]
        except StoreUnavailable as exc:
            if self.busy is None:
                raise
            log.warning("OAuth check: store unavailable: %s", exc)
            answer = self.busy(environ)
            start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", [("Content-Type", answer.content_type), *answer.headers])
            return [answer.body]
        return self.app(environ, start_response)


class _BodyHashClient(Client):
    """oauthlib's client hashes ``body.encode('utf-8')`` with SHA-1 always; this one hashes the raw
    bytes that go on the wire, with the algorithm that matches the signature method."""

    def __init__(self, *args, raw_body: bytes, **kwargs):
        super().__init__(*args, **kwargs)
        self._raw_body = raw_body

    def get_oauth_params(self, request):
        params = [(k, v) for k, v in super().get_oauth_params(request) if k != "oauth_body_hash"]
        params.append(("oauth_body_hash", body_hash(self._raw_body, self.signature_method)))
        return params


def authorization_header(
    url: str,
    body: bytes,
    key: str,
    secret: str,
    *,
    method: str = "POST",
    content_type: str = "text/xml; charset=utf-8",
    signature_method: str = SIGNATURE_HMAC_SHA1,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> str:
    """A complete ``Authorization: OAuth ...`` value for ``body`` POSTed to ``url`` (the CLI's
    ``sign`` command and tests that need control over nonce and timestamp)."""
    client = _BodyHashClient(
        key, client_secret=secret, signature_method=signature_method, nonce=nonce, timestamp=timestamp, raw_body=body
    )
    # oauthlib wants text; the hash above is over the bytes, the base string never includes the body
    _, headers, _ = client.sign(url, method, body.decode("latin-1"), {"Content-Type": content_type})
    return headers["Authorization"]
