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

from adapters.store.models import WebexCredential, WebexSessionTicket
from gateway.security.logins import LoginGuard, LoginRefused
from gateway.security.passwords import too_long, verify_dummy, verify_password
from gateway.webex import errors
from gateway.webex.errors import WebexFailure

#: Fields of the securityContext bounded before any lookup or hashing (passwords.MAX_FIELD_CHARS).
_USER_FIELDS = ("webExID", "email", "siteID", "siteName", "partnerID")
_SECRET_FIELDS = ("password", "sessionTicket")


def authenticate(session: Session, security: dict[str, str], *, allow_ticket: bool = True,
                 guard: LoginGuard | None = None, environ: dict | None = None) -> WebexCredential:
    """The host the securityContext proves, or a WebexFailure saying what is wrong.

    With a ``guard``, failed logins are counted per host and address and refused past the limits
    (FAILURE ``000045``, WebEx's rate-limit answer) before any password is checked.
    """
    if too_long(*(security.get(f) for f in _USER_FIELDS)):
        raise WebexFailure(errors.UNKNOWN_USER)
    ticket = security.get("sessionTicket") if allow_ticket else None
    attempt = None
    if guard is not None and not ticket:  # tickets are 256-bit random: guessing them is hopeless
        attempt = guard.attempt("webex", security.get("webExID") or security.get("email") or "", environ or {})
        try:
            seen = guard.check(session, attempt)
        except LoginRefused as refused:
            raise WebexFailure(errors.RATE_LIMITED, f"{errors.RATE_LIMITED.reason}: too many failed logins, "
                                                    f"try again in {refused.retry_after} s") from None
    try:
        credential = _verify(session, security, ticket)
    except WebexFailure as failure:
        if attempt is not None and failure.kind in (errors.UNKNOWN_USER, errors.WRONG_PASSWORD):
            guard.failed(attempt)
        raise
    if attempt is not None:
        guard.succeeded(session, attempt, seen)
    return credential


def _verify(session: Session, security: dict[str, str], ticket: str | None) -> WebexCredential:
    password = security.get("password")
    if too_long(*(security.get(f) for f in _SECRET_FIELDS)):
        raise WebexFailure(errors.BAD_TICKET if ticket else errors.WRONG_PASSWORD)
    try:
        credential = _find_host(session, security)
    except WebexFailure:
        if password and not ticket:
            verify_dummy(password)  # an unknown host costs what a wrong password costs
        raise
    if ticket:
        if not _ticket_is_valid(session, credential, ticket):
            raise WebexFailure(errors.BAD_TICKET)
    elif not password or not verify_password(password, credential.password_hash, f"webex:{credential.id}"):
        raise WebexFailure(errors.WRONG_PASSWORD)
    partner_id = security.get("partnerID")
    if partner_id and credential.partner_id and partner_id != credential.partner_id:
        raise WebexFailure(errors.WRONG_PASSWORD)
    return credential


def issue_ticket(session: Session, credential: WebexCredential, ttl_seconds: int) -> tuple[str, datetime]:
    """A new session ticket for ``credential``; expired tickets are pruned on the way."""
    now = datetime.now(timezone.utc)
    session.execute(delete(WebexSessionTicket).where(WebexSessionTicket.expires_at < now))
    ticket = secrets.token_urlsafe(32)
    session.add(
        WebexSessionTicket(digest=_digest(ticket), credential_id=credential.id, expires_at=now + timedelta(seconds=ttl_seconds))
    )
    return ticket, now


# Built once: every WebEx request runs one of these, and reusing the compiled SQL is what keeps it cheap.
_BY_WEBEX_ID = select(WebexCredential).where(WebexCredential.webex_id == bindparam("who"))
_BY_EMAIL = select(WebexCredential).where(WebexCredential.email == bindparam("who"))


def _find_host(session: Session, security: dict[str, str]) -> WebexCredential:
    webex_id, email = security.get("webExID"), security.get("email")
    if not (webex_id or email):
        raise WebexFailure(errors.UNKNOWN_USER)
    query, who = (_BY_WEBEX_ID, webex_id) if webex_id else (_BY_EMAIL, email)
    site_id, site_name = security.get("siteID"), security.get("siteName")
    for credential in session.scalars(query, {"who": who}):
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


def _ticket_is_valid(session: Session, credential: WebexCredential, ticket: str) -> bool:
    row = session.get(WebexSessionTicket, _digest(ticket))
    if row is None or row.credential_id != credential.id:
        return False
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    return expires > datetime.now(timezone.utc)


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()
