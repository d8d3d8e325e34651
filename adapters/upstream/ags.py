"""A client for an upstream LMS's AGS 2.0 (what the bridge carries legacy outcomes to).

The gateway is a tool there: it gets access tokens from the upstream's token endpoint with a JWT
client assertion signed by its own key (RFC 7523), keeps a token until shortly before it expires,
and fetches a new one when the upstream answers 401. Every failure becomes :class:`AgsError` with
a ``kind`` the caller turns into its own protocol's failure: ``timeout``, ``unreachable``,
``bad-answer`` (5xx, a body that is not the JSON it should be) or ``refused`` (4xx).
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT, UNREACHABLE, BAD_ANSWER, REFUSED = "timeout", "unreachable", "bad-answer", "refused"
#: A token is renewed this long before the upstream says it expires.
EXPIRY_MARGIN_SECONDS = 30


class AgsError(Exception):
    def __init__(self, kind: str, detail: str, status: int | None = None):
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status


@dataclass(frozen=True)
class Exchange:
    """One HTTP exchange with the upstream, for the recorder (bodies as sent and received)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes


class AgsClient:
    def __init__(
        self,
        token_url: str,
        client_id: str,
        key: RSAKey,
        *,
        audience: str | None = None,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
    ):
        self.token_url, self.client_id, self.key = token_url, client_id, key
        self.audience = audience or token_url
        self.timeout = timeout
        self.http = session or requests.Session()
        self.on_exchange = on_exchange
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    # --- what the bridge asks -------------------------------------------------------------

    def post_score(self, line_item_url: str, score: dict) -> None:
        self._call("POST", below(line_item_url, "scores"), body=json.dumps(score).encode(), content_type=SCORE_TYPE)

    def read_result(self, line_item_url: str, user_id: str) -> dict | None:
        """The user's result on the line item, or None when the upstream has none."""
        url = with_query(below(line_item_url, "results"), user_id=user_id)
        status, body = self._call("GET", url, accept=RESULTS_TYPE)
        try:
            results = json.loads(body)
        except ValueError:
            raise AgsError(BAD_ANSWER, f"the results of {line_item_url} are not JSON", status) from None
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise AgsError(BAD_ANSWER, f"the results of {line_item_url} are not a result container", status)
        return next((r for r in results if r.get("userId") == user_id), None)

    # --- tokens and calls -----------------------------------------------------------------

    def _call(self, method: str, url: str, *, body: bytes | None = None, content_type: str | None = None,
              accept: str | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._access_token()}"}
            if content_type:
                headers["Content-Type"] = content_type
            if accept:
                headers["Accept"] = accept
            response = self._send(method, url, headers, body)
            if response.status_code == 401 and attempt == 1:
                self._forget_token()  # expired or revoked early: one fresh token, then give up
                continue
            if response.status_code >= 500:
                raise AgsError(BAD_ANSWER, f"{method} {url} answered {response.status_code}", response.status_code)
            if response.status_code >= 400:
                raise AgsError(REFUSED, f"{method} {url} answered {response.status_code}: {_error_text(response)}",
                               response.status_code)
            return response.status_code, response.content
        raise AssertionError("unreachable")

    def _access_token(self) -> str:
        with self._lock:
            if self._token is not None and time.monotonic() < self._token[1]:
                return self._token[0]
        now = int(time.time())
        assertion = jwt.encode(
            {"alg": "RS256", "kid": self.key.kid},
            {"iss": self.client_id, "sub": self.client_id, "aud": self.audience, "iat": now, "exp": now + 300,
             "jti": uuid.uuid4().hex},
            self.key,
            algorithms=["RS256"],
        )
        form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion, "scope": f"{SCORE_SCOPE} {RESULT_SCOPE}"}
        response = self._send("POST", self.token_url, {"Content-Type": "application/x-www-form-urlencoded"},
                              urlencode(form).encode())
        if response.status_code != 200:
            kind = BAD_ANSWER if response.status_code >= 500 else REFUSED
            raise AgsError(kind, f"the token endpoint answered {response.status_code}: {_error_text(response)}",
                           response.status_code)
        try:
            doc = response.json()
            token, lifetime = doc["access_token"], int(doc.get("expires_in", 3600))
            if not isinstance(token, str) or not token:
                raise ValueError("no access_token")
        except (ValueError, KeyError, TypeError):
            raise AgsError(BAD_ANSWER, "the token endpoint's answer is not a token", response.status_code) from None
        with self._lock:
            self._token = (token, time.monotonic() + max(0, lifetime - EXPIRY_MARGIN_SECONDS))
            self.tokens_fetched += 1
        return token

    def _forget_token(self) -> None:
        with self._lock:
            self._token = None

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> requests.Response:
        try:
            response = self.http.request(method, url, headers=headers, data=body, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise AgsError(TIMEOUT, f"{method} {url} timed out after {self.timeout}s") from None
        except requests.RequestException as exc:
            raise AgsError(UNREACHABLE, f"{method} {url} failed: {type(exc).__name__}") from None
        if self.on_exchange is not None:
            self.on_exchange(Exchange(method, url, dict(headers), body or b"", response.status_code,
                                      dict(response.headers), response.content))
        return response


def below(url: str, segment: str) -> str:
    """``segment`` appended to the URL's path, its query kept (AGS: a line item URL may carry one)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + segment))


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode(query + list(params.items()))))


def _error_text(response: requests.Response) -> str:
    try:
        doc = response.json()
        if isinstance(doc, dict):
            return str(doc.get("error_description") or doc.get("error") or doc)[:200]
    except ValueError:
        pass
    return response.text[:200]
