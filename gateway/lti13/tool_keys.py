"""Tools' public keys: a JWKS given at registration, or fetched from the tool's JWKS URL.

Fetched sets are cached per URL in the process; a ``kid`` the cached set does not hold makes one
fresh fetch (the tool may have rotated), at most once per ``REFETCH_SECONDS`` per URL, so a caller
sending made-up kids cannot make us hammer the tool.
"""
from __future__ import annotations

import threading
import time

import requests
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from adapters.store.lti13 import Tool

FETCH_TIMEOUT_SECONDS = 5
CACHE_SECONDS = 3600
REFETCH_SECONDS = 30
MAX_JWKS_BYTES = 256 * 1024


class KeyNotFound(LookupError):
    pass


class ToolKeys:
    def __init__(self, session: requests.Session | None = None):
        self._http = session or requests.Session()
        self._cache: dict[str, tuple[float, KeySet]] = {}
        self._lock = threading.Lock()

    def key(self, tool: Tool, kid: str | None) -> RSAKey:
        """The tool's RSA key ``kid`` (a set of one key may be used without a kid)."""
        if tool.jwks is not None:
            return _pick(_keyset(tool.jwks), kid, tool.client_id)
        url = tool.jwks_url or ""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            try:
                return _pick(cached[1], kid, tool.client_id)
            except KeyNotFound:
                if now - cached[0] < REFETCH_SECONDS:
                    raise
        keys = self._fetch(url, tool.client_id)
        with self._lock:
            self._cache[url] = (now, keys)
        return _pick(keys, kid, tool.client_id)

    def _fetch(self, url: str, client_id: str) -> KeySet:
        try:
            response = self._http.get(url, timeout=FETCH_TIMEOUT_SECONDS, headers={"Accept": "application/json"})
            response.raise_for_status()
            if len(response.content) > MAX_JWKS_BYTES:
                raise ValueError("JWKS document too large")
            return _keyset(response.json())
        except (requests.RequestException, ValueError, JoseError) as exc:
            raise KeyNotFound(f"the JWKS of client {client_id} could not be fetched: {type(exc).__name__}") from exc


def _keyset(doc: object) -> KeySet:
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError("not a JWKS document")
    return KeySet.import_key_set({"keys": [k for k in doc["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"]})


def _pick(keys: KeySet, kid: str | None, client_id: str) -> RSAKey:
    if kid is None:
        if len(keys.keys) == 1:
            return keys.keys[0]
        raise KeyNotFound(f"the assertion names no kid and client {client_id} has {len(keys.keys)} keys")
    for key in keys.keys:
        if key.kid == kid:
            return key
    raise KeyNotFound(f"client {client_id} has no key with kid {kid!r}")
