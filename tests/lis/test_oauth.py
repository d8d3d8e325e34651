"""OAuth 1.0 + body hash middleware (DESIGN.md §7) on a bare echo app, with real signers."""
from __future__ import annotations

import time

import pytest
import requests
from requests_oauthlib import OAuth1
from wsgiadapter import WSGIAdapter

from adapters.store import Store
from adapters.store import accounts as store_accounts
from adapters.store.nonces import prune_nonces
from gateway.dispatch import Gateway
from gateway.routing import Answer, Route
from gateway.security.oauth import (
    OAUTH_CALLER,
    OAuthMiddleware,
    OAuthVerifier,
    authorization_header,
    body_hash,
    external_uri,
)
from tests.conftest import BASE_URL

BODY = b'<?xml version="1.0" encoding="UTF-8"?>\n<ping>caf\xc3\xa9</ping>\n'
URL = f"{BASE_URL}/echo?lang=en_us"


def caller_app(environ, start_response):
    caller = environ[OAUTH_CALLER]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{caller.consumer_key}:{caller.account_id}".encode()]


def reject(failure) -> Answer:
    return Answer(401, "text/plain", f"{failure.check}|{failure.message}".encode())


def build(settings, store, remote_addr: str = "127.0.0.1") -> requests.Session:
    verifier = OAuthVerifier(settings, store)
    gateway = Gateway(settings, store, {"/echo": Route("echo", OAuthMiddleware(caller_app, verifier, reject))})

    def with_peer(environ, start_response):  # WSGIAdapter sets no REMOTE_ADDR
        environ.setdefault("REMOTE_ADDR", remote_addr)
        return gateway(environ, start_response)

    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(with_peer))
    return session


@pytest.fixture
def account_id(store) -> int:
    with store.session() as s:
        acct = store_accounts.get_or_create_account(s, "turnitin")
        store_accounts.set_consumer(s, acct, "49201", "s3cret-value")
        return acct.id


@pytest.fixture
def client(settings, store, account_id) -> requests.Session:
    return build(settings, store)


def post(client, body=BODY, url=URL, **sign) -> requests.Response:
    params = {"key": "49201", "secret": "s3cret-value", **sign}
    auth = authorization_header(url, body, params.pop("key"), params.pop("secret"), **params)
    return client.post(url, data=body, headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": auth})


def test_requests_oauthlib_sha1_and_sha256_accepted(client, account_id):
    for method in ("HMAC-SHA1", "HMAC-SHA256"):
        auth = OAuth1("49201", "s3cret-value", signature_method=method, force_include_body=True)
        r = client.post(URL, data=BODY, headers={"Content-Type": 'text/xml;charset="utf-8"'}, auth=auth)
        assert (r.status_code, r.text) == (200, f"49201:{account_id}")


def test_sha256_body_hash_accepted_with_hmac_sha256(client):
    r = post(client, signature_method="HMAC-SHA256")
    assert r.status_code == 200
    assert "oauth_body_hash" in r.request.headers["Authorization"]


def test_turnitin_style_numeric_key_and_40_hex_nonce(client):
    r = post(client, nonce="87144f4cfd38a9b90f4241643ec5151e40e5ceaf", timestamp=str(int(time.time())))
    assert r.status_code == 200


@pytest.mark.parametrize(
    "tamper, check, message",
    [
        (dict(secret="wrong"), "signature", "OAuth check failed: invalid signature (the gateway signed POST http://gateway.test/echo?lang=en_us)"),
        (dict(key="99999"), "consumer_key", "OAuth check failed: unknown consumer key '99999'"),
        (dict(timestamp="1337943356"), "timestamp", "OAuth check failed: timestamp is more than 5400 seconds away from the gateway clock"),
        (dict(nonce="abc"), "nonce", "OAuth check failed: invalid nonce format (7 to 64 letters, digits, '-', '_' or '.')"),
    ],
)
def test_failures_name_the_check(client, tamper, check, message):
    r = post(client, **tamper)
    assert r.status_code == 401
    assert r.text == f"{check}|{message}"
    assert "s3cret" not in r.text


def test_tampered_body_is_caught_by_the_body_hash(client):
    auth = authorization_header(URL, BODY, "49201", "s3cret-value")
    r = client.post(URL, data=BODY.replace(b"ping>", b"pong>"), headers={"Content-Type": "text/xml", "Authorization": auth})
    assert r.text == "body_hash|OAuth check failed: oauth_body_hash does not match the request body"


def test_missing_body_hash_is_rejected(client):
    auth = OAuth1("49201", "s3cret-value")  # signs without the body: no oauth_body_hash
    r = client.post(URL, data=BODY, headers={"Content-Type": "text/xml"}, auth=auth)
    assert r.text == "body_hash|OAuth check failed: oauth_body_hash is missing"


def test_missing_authorization(client):
    r = client.post(URL, data=BODY, headers={"Content-Type": "text/xml"})
    assert r.text == "parameters|OAuth check failed: the request has no Authorization header"


def test_query_string_is_part_of_the_signed_uri(client):
    auth = authorization_header(f"{BASE_URL}/echo", BODY, "49201", "s3cret-value")  # signed without ?lang
    r = client.post(URL, data=BODY, headers={"Content-Type": "text/xml", "Authorization": auth})
    assert r.status_code == 401 and r.text.startswith("signature|")


def test_replay_is_caught_by_another_process(settings, store, account_id):
    """Two gateways (separate stores and verifiers, one database) play two processes."""
    first = build(settings, store)
    other_store = Store(settings.database_url)
    try:
        second = build(settings, other_store)
        auth = authorization_header(URL, BODY, "49201", "s3cret-value")
        headers = {"Content-Type": "text/xml", "Authorization": auth}
        assert first.post(URL, data=BODY, headers=headers).status_code == 200
        r = second.post(URL, data=BODY, headers=headers)
        assert r.text == "nonce|OAuth check failed: the nonce has already been used (replayed request)"
    finally:
        other_store.dispose()


def test_timestamp_window_is_configurable(settings, store, account_id):
    client = build(settings.replace(oauth_timestamp_window_seconds=10), store)
    r = post(client, timestamp=str(int(time.time()) - 60))
    assert r.text == "timestamp|OAuth check failed: timestamp is more than 10 seconds away from the gateway clock"


def test_forwarded_headers_only_from_trusted_proxies():
    environ = {
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "10.0.0.5:8080",
        "PATH_INFO": "/api/soap/1p0/lis-result",
        "QUERY_STRING": "lang=en_us",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "www.turnitin.example",
    }
    import ipaddress

    assert external_uri(environ) == "http://10.0.0.5:8080/api/soap/1p0/lis-result?lang=en_us"
    trusted = (ipaddress.ip_network("10.0.0.0/24"),)
    assert external_uri(environ, trusted) == "https://www.turnitin.example/api/soap/1p0/lis-result?lang=en_us"
    assert external_uri({**environ, "REMOTE_ADDR": "192.0.2.9"}, trusted).startswith("http://10.0.0.5:8080/")


def test_behind_trusted_proxy_the_https_uri_verifies(settings, store, account_id):
    client = build(settings.replace(trusted_proxies=("127.0.0.1",)), store)
    signed_url = "https://lms.example/echo?lang=en_us"
    auth = authorization_header(signed_url, BODY, "49201", "s3cret-value")
    headers = {"Content-Type": "text/xml", "Authorization": auth, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "lms.example"}
    assert client.post(URL, data=BODY, headers=headers).status_code == 200
    untrusted = build(settings.replace(trusted_proxies=("127.0.0.1",)), store, remote_addr="192.0.2.7")
    headers["Authorization"] = authorization_header(signed_url, BODY, "49201", "s3cret-value")
    assert untrusted.post(URL, data=BODY, headers=headers).text.startswith("signature|")


def test_expired_nonces_are_pruned(store, client):
    assert post(client, timestamp=str(int(time.time()))).status_code == 200
    with store.session() as s:
        assert prune_nonces(s, 5400, now=time.time() + 5400 + 60) == 0  # its timestamp could still be in the window
        assert prune_nonces(s, 5400, now=time.time() + 2 * 5400 + 60, batch=10) == 1


def test_body_hash_helper_matches_the_seed_style():
    assert body_hash(b"") == "2jmj7l5rSw0yVb/vlWAYkK/YBwk="
