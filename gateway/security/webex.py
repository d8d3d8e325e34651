"""WebEx securityContext checks and session tickets (DESIGN.md §4).

A request names its host by ``webExID`` (or ``email``) on a site (``siteID`` or ``siteName``) and
proves it with ``password`` or a ``sessionTicket`` from AuthenticateUser. Tickets are kept in the
store (as SHA-256 digests), so a ticket issued by one gateway process is accepted by every other.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from adapters.instants import aware
from adapters.store import logins as store_logins
from adapters.store.hot import HotUnit, Prepared
from adapters.store.models import WebexCredential, WebexSessionTicket
from gateway.security.logins import LoginGuard, LoginRefused
from gateway.security.passwords import too_long, verify_dummy, verify_password
from gateway.webex import errors
from gateway.webex.errors import WebexFailure

#: Fields of the securityContext bounded before any lookup or hashing (passwords.MAX_FIELD_CHARS).
_USER_FIELDS = ("webExID", "email", "siteID", "siteName", "partnerID")
_SECRET_FIELDS = ("password", "sessionTicket")


def authenticate(db: HotUnit | Session, security: dict[str, str], *, allow_ticket: bool = True,
                 guard: LoginGuard | None = None, environ: dict | None = None) -> Host:
    """The host the securityContext proves (its ``webex_credentials`` row: ``id``, ``account_id``,
    ``webex_id``, ...), or a WebexFailure saying what is wrong. ``db`` is a session or a hot unit.

    With a ``guard``, failed logins are counted per host and address and refused past the limits
    (FAILURE ``000045``, WebEx's rate-limit answer) before any password is checked; the counters
    are read in the same query as the host.
    """
    if too_long(*(security.get(f) for f in _USER_FIELDS)):
        raise WebexFailure(errors.UNKNOWN_USER)
    ticket = security.get("sessionTicket") if allow_ticket else None
    attempt = params = None
    if guard is not None and not ticket:  # tickets are 256-bit random: guessing them is hopeless
        attempt = guard.attempt("webex", security.get("webExID") or security.get("email") or "", environ or {})
        params = guard.bind(attempt)
    state, hosts = _hosts(db, security, params)
    seen = False
    if attempt is not None:
        try:
            seen = guard.judge(params, *state)
        except LoginRefused as refused:
            raise WebexFailure(errors.RATE_LIMITED, f"{errors.RATE_LIMITED.reason}: too many failed logins, "
                                                    f"try again in {refused.retry_after} s") from None
    try:
        credential = _verify(db, security, ticket, hosts)
    except WebexFailure as failure:
        if attempt is not None and failure.kind in (errors.UNKNOWN_USER, errors.WRONG_PASSWORD):
            guard.failed(attempt)
        raise
    if attempt is not None:
        guard.succeeded(db, attempt, seen)
    return credential


def _verify(db: HotUnit | Session, security: dict[str, str], ticket: str | None, hosts: list[Host]) -> Host:
    password = security.get("password")
    if too_long(*(security.get(f) for f in _SECRET_FIELDS)):
        raise WebexFailure(errors.BAD_TICKET if ticket else errors.WRONG_PASSWORD)
    try:
        credential = _on_site(security, hosts)
    except WebexFailure:
        if password and not ticket:
            verify_dummy(password)  # an unknown host costs what a wrong password costs
        raise
    if ticket:
        if not _ticket_is_valid(db, credential, ticket):
            raise WebexFailure(errors.BAD_TICKET)
    elif not password or not verify_password(password, credential.password_hash, f"webex:{credential.id}"):
        raise WebexFailure(errors.WRONG_PASSWORD)
    partner_id = security.get("partnerID")
    if partner_id and credential.partner_id and partner_id != credential.partner_id:
        raise WebexFailure(errors.WRONG_PASSWORD)
    return credential


def issue_ticket(session: Session, credential: Host, ttl_seconds: int) -> tuple[str, datetime]:
    """A new session ticket for ``credential``; expired tickets are pruned on the way."""
    now = datetime.now(timezone.utc)
    session.execute(delete(WebexSessionTicket).where(WebexSessionTicket.expires_at < now))
    ticket = secrets.token_urlsafe(32)
    session.add(
        WebexSessionTicket(digest=_digest(ticket), credential_id=credential.id, expires_at=now + timedelta(seconds=ttl_seconds))
    )
    return ticket, now


# Built once: every WebEx request runs one of these, and reusing the compiled SQL is what keeps it
# cheap. Plain Core rows: a host is read, never changed, on this path.
_CREDENTIALS = WebexCredential.__table__
_BY = {
    "webExID": _CREDENTIALS.c.webex_id == bindparam("who"),
    "email": _CREDENTIALS.c.email == bindparam("who"),
}
_PLAIN = {field: Prepared(select(_CREDENTIALS).where(condition)) for field, condition in _BY.items()}
_GUARDED = {field: store_logins.Guarded(_CREDENTIALS, condition) for field, condition in _BY.items()}
#: A host: the ``webex_credentials`` row as a named tuple (``id``, ``account_id``, ``webex_id``, ...).
Host = _GUARDED["webExID"].Row
_NO_STATE = (None, False)


def _hosts(db: HotUnit | Session, security: dict[str, str], params: dict | None) -> tuple[tuple, list[Host]]:
    """The hosts named by webExID (else email), led by the login state of ``params`` when given."""
    field = "webExID" if security.get("webExID") else "email"
    who = security.get(field)
    if not who:
        return (store_logins.state(db, params) if params is not None else _NO_STATE), []
    if params is None:
        return _NO_STATE, [Host._make(row) for row in _PLAIN[field].all(db, who=who)]
    return _GUARDED[field].rows(db, {**params, "who": who})


def _on_site(security: dict[str, str], hosts: list[Host]) -> Host:
    site_id, site_name = security.get("siteID"), security.get("siteName")
    for credential in hosts:
        if site_id and not _same_site_id(site_id, credential.site_id):
            continue
        if not site_id and site_name and site_name != credential.site_name:
            continue
        return credential
    raise WebexFailure(errors.UNKNOWN_USER)


def _same_site_id(given: str, stored: str) -> bool:
    # siteID is an xsd:long: "0000" and "0" name the same site.
    if given.isdigit() and stored.isdigit():
        return int(given) == int(stored)
    return given == stored


_TICKETS = WebexSessionTicket.__table__
_TICKET = Prepared(select(_TICKETS.c.credential_id, _TICKETS.c.expires_at).where(_TICKETS.c.digest == bindparam("digest")))


def _ticket_is_valid(db: HotUnit | Session, credential: Host, ticket: str) -> bool:
    row = _TICKET.first(db, digest=_digest(ticket))
    if row is None or row[0] != credential.id:
        return False
    return aware(row[1]) > datetime.now(timezone.utc)


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()
