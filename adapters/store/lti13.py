"""The LTI 1.3 platform's records (DESIGN.md §14): registered tools, the account's signing keys,
and the client-assertion ``jti``s already used."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.store.limits import DEPLOYMENT_ID_MAX, fit
from adapters.store.models import Lti13PlatformKey, Lti13Tool, Lti13UsedJti

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
KEY_BITS = 2048


@dataclass(frozen=True)
class Tool:
    client_id: str
    account_id: int
    deployment_ids: tuple[str, ...]
    jwks_url: str | None
    jwks: dict[str, Any] | None
    scopes: tuple[str, ...]


def _tool(row: Lti13Tool) -> Tool:
    return Tool(row.client_id, row.account_id, tuple(row.deployment_ids or ()), row.jwks_url, row.jwks, tuple(row.scopes or ()))


def jwks_from_text(text: str) -> dict[str, Any]:
    """A tool's keys given at registration: a JWKS document, one JWK, or a PEM public key."""
    stripped = text.strip()
    try:
        if stripped.startswith("-----BEGIN"):
            try:
                key = RSAKey.import_key(stripped)
            except ValueError as exc:  # cryptography's word for a PEM it cannot read
                raise ValueError(f"not a usable key: {exc}") from exc
            if key.is_private:
                raise ValueError("that PEM is a private key; register the tool's public key only")
            jwk = key.as_dict(private=False)
            jwk.setdefault("kid", key.thumbprint())
            return {"keys": [jwk]}
        try:
            doc = json.loads(stripped)
        except ValueError as exc:
            raise ValueError(f"neither a PEM public key nor a JWKS/JWK: {exc}") from exc
        keys = doc.get("keys") if isinstance(doc, dict) and "keys" in doc else [doc]
        if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
            raise ValueError("not a JWKS document")
        try:
            KeySet.import_key_set({"keys": keys})  # refuses what is not a key set
        except (ValueError, TypeError) as exc:  # a parameter that is not base64url, say
            raise ValueError(f"not a usable key: {str(exc).strip() or 'a key parameter is not base64url'}") from exc
    except JoseError as exc:
        raise ValueError(f"not a usable key: {exc}") from exc
    if any(k.get("d") or k.get("k") for k in keys):
        raise ValueError("the tool's JWKS holds a private or secret key; register its public keys only")
    if any(k.get("kty") != "RSA" for k in keys):
        # client assertions are RS256 only (DESIGN.md §14): another kind of key could never verify one
        raise ValueError("the tool's keys must be RSA public keys (client assertions are RS256)")
    return {"keys": keys}


def register_tool(
    session: Session,
    account_id: int,
    client_id: str,
    *,
    deployment_ids: list[str],
    jwks_url: str | None = None,
    jwks: dict[str, Any] | None = None,
    scopes: list[str] | None = None,
) -> Tool:
    """Add or replace a tool; a client id already used by another account is refused, and so is
    what the store cannot hold (ValueError, saying which value and its limit)."""
    if bool(jwks_url) == bool(jwks):
        raise ValueError("give the tool's keys as a JWKS URL or as a JWKS/PEM, one of the two")
    fit(client_id, "the client id", Lti13Tool.client_id)
    if not deployment_ids:
        raise ValueError("give the tool at least one deployment id")
    for deployment_id in deployment_ids:
        fit(deployment_id, "a deployment id", DEPLOYMENT_ID_MAX)
    if jwks_url is not None:
        fit(jwks_url, "the JWKS URL", Lti13Tool.jwks_url)
        if not jwks_url.startswith(("https://", "http://")):
            raise ValueError("the JWKS URL must be an http(s) URL")
    unknown = set(scopes or ()) - set(AGS_SCOPES)
    if unknown:
        raise ValueError(f"not AGS scopes: {', '.join(sorted(unknown))}")
    row = session.scalar(select(Lti13Tool).where(Lti13Tool.client_id == client_id))
    if row is not None and row.account_id != account_id:
        raise ValueError(f"client id {client_id!r} belongs to another account")
    if row is None:
        row = Lti13Tool(account_id=account_id, client_id=client_id)
        session.add(row)
    row.deployment_ids = list(deployment_ids)
    row.jwks_url, row.jwks = jwks_url, jwks
    row.scopes = list(scopes if scopes is not None else AGS_SCOPES)
    session.flush()
    signing_key(session, account_id)  # the platform needs a key pair as soon as it has a tool
    return _tool(row)


def find_tool(session: Session, account_id: int, client_id: str) -> Tool | None:
    row = session.scalar(select(Lti13Tool).where(Lti13Tool.account_id == account_id, Lti13Tool.client_id == client_id))
    return _tool(row) if row is not None else None


def tools(session: Session, account_id: int) -> list[Tool]:
    return [_tool(r) for r in session.scalars(select(Lti13Tool).where(Lti13Tool.account_id == account_id).order_by(Lti13Tool.id))]


# --- the platform's keys ---------------------------------------------------------------------


def _new_key(session: Session, account_id: int) -> Lti13PlatformKey:
    kid = uuid.uuid4().hex
    key = RSAKey.generate_key(KEY_BITS, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True)
    row = Lti13PlatformKey(account_id=account_id, kid=kid, private_pem=key.as_pem(private=True).decode())
    session.add(row)
    session.flush()
    return row


def _live(account_id: int):
    return (
        select(Lti13PlatformKey)
        .where(Lti13PlatformKey.account_id == account_id, Lti13PlatformKey.retired_at.is_(None))
        .order_by(Lti13PlatformKey.id.desc())
    )


#: Parsed keys by kid. Loading an RSA private key checks it (tens of milliseconds); a kid's key
#: never changes, so each process parses it once. Bounded: keys are few, rotations rare.
_PARSED: dict[str, RSAKey] = {}
_PARSED_MAX = 1000


def _parsed(row: Lti13PlatformKey) -> RSAKey:
    key = _PARSED.get(row.kid)
    if key is None:
        key = RSAKey.import_key(row.private_pem, parameters={"kid": row.kid, "alg": "RS256", "use": "sig"})
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[row.kid] = key
    return key


def signing_key(session: Session, account_id: int) -> RSAKey:
    """The account's newest live key (created on first use)."""
    return _parsed(session.scalar(_live(account_id).limit(1)) or _new_key(session, account_id))


def public_keys(session: Session, account_id: int) -> dict[str, Any]:
    """The account's JWKS: every live key, public parts only."""
    return {"keys": [_parsed(r).as_dict(private=False) for r in session.scalars(_live(account_id))]}


def public_key(session: Session, account_id: int, kid: str) -> RSAKey | None:
    """The account's live key ``kid`` (None for another account's, or a retired one)."""
    row = session.scalar(_live(account_id).where(Lti13PlatformKey.kid == kid))
    return _parsed(row) if row is not None else None


def rotate_key(session: Session, account_id: int, *, retire_after: bool = False) -> str:
    """Make a new signing key; with ``retire_after`` the older ones stop verifying at once."""
    older = list(session.scalars(_live(account_id)))
    row = _new_key(session, account_id)
    if retire_after:
        now = datetime.now(timezone.utc)
        for r in older:
            r.retired_at = now
    return row.kid


# --- used client-assertion jtis --------------------------------------------------------------


def _insert(dialect_insert):
    table = Lti13UsedJti.__table__
    return dialect_insert(table).on_conflict_do_nothing(index_elements=["client_id", "jti"]).returning(table.c.id)


_INSERTS = {False: _insert(sqlite.insert), True: _insert(postgresql.insert)}


def remember_jti(session: Session, client_id: str, jti: str, expires_at: datetime) -> bool:
    """Record a jti until its assertion expires; False when it was already recorded (a replay)."""
    connection = session.connection()
    stmt = _INSERTS[connection.dialect.name == "postgresql"]
    return connection.execute(stmt, {"client_id": client_id, "jti": jti, "expires_at": expires_at}).scalar() is not None


def prune_jtis(session: Session, now: datetime | None = None, grace: timedelta = timedelta(minutes=5)) -> int:
    """Forget jtis of assertions that expired (plus the clock leeway): those fail the exp check first."""
    cutoff = (now or datetime.now(timezone.utc)) - grace
    return session.execute(delete(Lti13UsedJti).where(Lti13UsedJti.expires_at < cutoff)).rowcount
