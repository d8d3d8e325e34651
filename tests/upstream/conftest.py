"""Fixtures for record/replay/proxy: the demo data under a long caller secret, a `responses`
stand-in for the upstream vendor that checks OAuth signatures with oauthlib, and the proxy app."""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
import requests
import responses
from oauthlib.common import UNICODE_ASCII_CHARACTER_SET
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
from wsgiadapter import WSGIAdapter

from adapters.upstream.signing import BodyHashAuth
from gateway import demo
from gateway.proxy import ProxyConfig, create_proxy_app
from gateway.proxy.forward import UpstreamCredentials

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
UPSTREAM = "https://vendor.test"
UPSTREAM_KEY = "vendor-key-77"
UPSTREAM_SECRET = "vendor-secret-Qx81mZ"
UPSTREAM_WEBEX = {"webExID": "vendor-host", "password": "vendor-pass-Zk42", "siteID": "4242"}
CALLER_KEY = "49201"
CALLER_SECRET = "caller-secret-5b8e1c"
PROXY_URL = "http://proxy.test"


class _Vendor(RequestValidator):
    """What the upstream vendor would check: its own key and secret, fresh nonces."""

    def __init__(self, key: str, secret: str):
        super().__init__()
        self.key, self.secret, self.nonces = key, secret, set()

    @property
    def enforce_ssl(self):
        return False

    @property
    def safe_characters(self):
        return set(UNICODE_ASCII_CHARACTER_SET) | set("-_")

    @property
    def client_key_length(self):
        return 1, 255

    @property
    def nonce_length(self):
        return 7, 64

    @property
    def allowed_signature_methods(self):
        return ("HMAC-SHA1", "HMAC-SHA256")

    @property
    def dummy_client(self):
        return "dummy"

    def validate_client_key(self, client_key, request):
        return client_key == self.key

    def get_client_secret(self, client_key, request):
        return self.secret if client_key == self.key else "dummy"

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, **kwargs):
        if (timestamp, nonce) in self.nonces:
            return False
        self.nonces.add((timestamp, nonce))
        return True


def verify_signed(request: requests.PreparedRequest, key: str = UPSTREAM_KEY, secret: str = UPSTREAM_SECRET) -> dict:
    """Check, as the vendor would, the signature and the body hash of what reached it; the oauth params."""
    valid, checked = SignatureOnlyEndpoint(_Vendor(key, secret)).validate_request(
        request.url, request.method, None, {k: v for k, v in request.headers.items()})
    assert valid, f"the upstream saw an invalid OAuth signature: {request.headers.get('Authorization')}"
    params = dict(checked.oauth_params)
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    digest = hashlib.sha256 if params["oauth_signature_method"] == "HMAC-SHA256" else hashlib.sha1
    assert params["oauth_body_hash"] == base64.b64encode(digest(body).digest()).decode()
    return params


@pytest.fixture
def demo_loaded(store, settings) -> None:
    demo.load(store, settings.replace(demo_secret=CALLER_SECRET))


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def record_dir(tmp_path) -> Path:
    return tmp_path / "recorded"


@pytest.fixture
def proxy_app(settings, store, demo_loaded, record_dir):
    credentials = UpstreamCredentials(UPSTREAM_KEY, UPSTREAM_SECRET, webex=UPSTREAM_WEBEX)
    return create_proxy_app(settings, store, ProxyConfig(UPSTREAM, credentials, record_dir, timeout_seconds=5))


@pytest.fixture
def via_proxy(proxy_app) -> requests.Session:
    """A client of the proxy; LIS/LTI posts are signed with the caller's (gateway) credentials."""
    session = requests.Session()
    session.mount(PROXY_URL, WSGIAdapter(proxy_app))
    return session


def caller_auth() -> BodyHashAuth:
    return BodyHashAuth(CALLER_KEY, CALLER_SECRET)
