"""Password hashing for stored credentials (WebEx hosts, itslearning UsernameTokens).

Format: ``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` (stdlib only; no extra dependency
for one function). Verification results are cached per process so that a client sending its
password on every request (WebEx does) pays the key stretching once, not per call.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 240_000


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join((ALGORITHM, str(iterations), _b64(salt), _b64(digest)))


def verify_password(password: str, encoded: str) -> bool:
    return _verify_cached(password, encoded)


@functools.lru_cache(maxsize=4096)
def _verify_cached(password: str, encoded: str) -> bool:
    try:
        algorithm, iterations, salt, expected = encoded.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
