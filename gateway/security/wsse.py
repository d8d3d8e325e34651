"""WS-Security UsernameToken (PasswordText) for the itslearning Migration API (DESIGN.md §8).

What WCF clients put in the SOAP header::

    <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
      <wsse:UsernameToken>
        <wsse:Username>itslearning-demo</wsse:Username>
        <wsse:Password Type="...#PasswordText">secret</wsse:Password>
      </wsse:UsernameToken>
    </wsse:Security>

Credentials are per site and stored hashed; a failure answers WCF's own fault text, which names no
detail (WCF never says whether the user or the password was wrong).
"""
from __future__ import annotations

from collections.abc import Iterable

from lxml import etree
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from adapters import ns
from adapters.store import logins as store_logins
from adapters.store.hot import HotUnit, Prepared
from adapters.store.models import ItslearningCredential
from gateway.security.logins import LoginGuard, LoginRefused
from gateway.security.passwords import too_long, verify_dummy, verify_password

PASSWORD_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
FAULT_CODE = "FailedAuthentication"
FAULT_STRING = "At least one security token in the message could not be validated."


class AuthenticationFailed(Exception):
    """The UsernameToken is missing, malformed, or names no known user with that password."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why  # for the log only; the caller gets FAULT_STRING


class TooManyFailures(AuthenticationFailed):
    """Refused by the failed-login limits before the password was looked at."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins; retry in {retry_after} s")
        self.retry_after = retry_after


def verify(db: HotUnit | Session, header_elements: Iterable[etree._Element] | None, *,
           guard: LoginGuard | None = None, environ: dict | None = None) -> User:
    """The credential the UsernameToken proves (its ``itslearning_credentials`` row: ``id``,
    ``account_id``, ``site_id``, ...); failures are counted by ``guard`` (if given), whose counters
    are read in the same query as the credential."""
    username, password = _read_token(header_elements)
    attempt = None
    seen = False
    if guard is None:
        row = _PLAIN.first(db, who=username)
        credential = None if row is None else User._make(row)
    else:
        attempt = guard.attempt("itslearning", username, environ or {})
        params = guard.bind(attempt)
        state, rows = _GUARDED.rows(db, {**params, "who": username})
        try:
            seen = guard.judge(params, *state)
        except LoginRefused as refused:
            raise TooManyFailures(refused.retry_after) from None
        credential = rows[0] if rows else None
    if credential is None:
        verify_dummy(password)  # an unknown user costs what a wrong password costs
    if credential is None or not verify_password(password, credential.password_hash, f"its:{credential.id}"):
        if attempt is not None:
            guard.failed(attempt)
        raise AuthenticationFailed(f"bad credentials for {username!r}")
    if attempt is not None:
        guard.succeeded(db, attempt, seen)
    return credential


# Built once (every itslearning call runs one); user names are unique, so at most one row.
_CREDENTIALS = ItslearningCredential.__table__
_PLAIN = Prepared(select(_CREDENTIALS).where(_CREDENTIALS.c.username == bindparam("who")))
_GUARDED = store_logins.Guarded(_CREDENTIALS, _CREDENTIALS.c.username == bindparam("who"))
#: A user: the ``itslearning_credentials`` row as a named tuple (``id``, ``account_id``, ``site_id``, ...).
User = _GUARDED.Row


def _read_token(header_elements: Iterable[etree._Element] | None) -> tuple[str, str]:
    token = _username_token(header_elements or ())
    if token is None:
        raise AuthenticationFailed("no wsse:Security/UsernameToken header")
    username = token.findtext(f"{{{ns.WSSE}}}Username")
    password_el = token.find(f"{{{ns.WSSE}}}Password")
    if not username or password_el is None:
        raise AuthenticationFailed("UsernameToken without Username or Password")
    password_type = password_el.get("Type", PASSWORD_TEXT)
    # Some WCF clients drop the "wss-" of the profile URI; what matters is that it is plain text.
    if not password_type.endswith("#PasswordText"):
        raise AuthenticationFailed(f"unsupported password type {password_type}")
    password = password_el.text or ""
    if too_long(username, password):
        raise AuthenticationFailed("UsernameToken field longer than accepted")
    return username.strip(), password


def _username_token(header_elements: Iterable[etree._Element]) -> etree._Element | None:
    for header in header_elements:
        if isinstance(header.tag, str) and header.tag == f"{{{ns.WSSE}}}Security":
            return header.find(f"{{{ns.WSSE}}}UsernameToken")
    return None
