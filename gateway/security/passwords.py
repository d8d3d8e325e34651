"""Password hashing for stored credentials (WebEx hosts, itslearning UsernameTokens).

Format: ``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` (stdlib only; no extra dependency
for one function).

WebEx clients send their password with every request, so key stretching on each call would make
the legitimate path slow. Only *successful* verifications are remembered, in a bounded table keyed
by ``HMAC(per-process random key, stored hash + user + password)``: no plaintext and no guessable
digest of it stays in memory, and wrong guesses never add an entry (they cannot grow memory).
Every credential field is bounded (:data:`MAX_FIELD_CHARS`) before anything is hashed.
"""
from __future__ import annotations

import base64
import collections
import functools
import hashlib
import hmac
import os
import secrets
import threading

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 240_000
#: The longest user name or password looked at; longer ones fail without being hashed. Generous for
#: pass phrases, tiny next to the 8 MB "passwords" a caller can put in a request body.
MAX_FIELD_CHARS = 256
#: How many successful (hash, user, password) verifications each process remembers.
REMEMBERED = 1024

_KEY = secrets.token_bytes(32)
_remembered: collections.OrderedDict[bytes, None] = collections.OrderedDict()
_lock = threading.Lock()


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join((ALGORITHM, str(iterations), _b64(salt), _b64(digest)))


def too_long(*fields: str | None) -> bool:
    """True when any credential field exceeds :data:`MAX_FIELD_CHARS` (check before any lookup)."""
    return any(field is not None and len(field) > MAX_FIELD_CHARS for field in fields)


def verify_password(password: str, encoded: str, user: str = "") -> bool:
    """Whether ``password`` matches ``encoded``; a success is remembered for the next call."""
    if too_long(password, user):
        return False
    key = _cache_key(encoded, user, password)
    with _lock:
        if key in _remembered:
            _remembered.move_to_end(key)
            return True
    if not _verify(password, encoded):
        return False
    with _lock:
        _remembered[key] = None
        while len(_remembered) > REMEMBERED:
            _remembered.popitem(last=False)
    return True


def verify_dummy(password: str) -> bool:
    """Spend what checking a real hash costs, for a user that does not exist (always False).

    Without it an unknown user answers in about a millisecond and a known one with a wrong
    password in tens: user names could be told apart by timing.
    """
    _verify(password[:MAX_FIELD_CHARS], _dummy_hash())
    return False


def remembered_count() -> int:
    """How many successful verifications this process remembers (for tests and metrics)."""
    return len(_remembered)


def forget_all() -> None:
    with _lock:
        _remembered.clear()


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _cache_key(encoded: str, user: str, password: str) -> bytes:
    # The stored hash is part of the key, so a changed password is never answered from memory.
    message = "\x00".join((encoded, user, password)).encode("utf-8", "surrogatepass")
    return hmac.new(_KEY, message, hashlib.sha256).digest()


def _verify(password: str, encoded: str) -> bool:
    try:
        algorithm, iterations, salt, expected = encoded.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8", "surrogatepass"), base64.b64decode(salt), int(iterations)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
