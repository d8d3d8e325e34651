"""Accounts and the credentials that map a caller to one (OAuth keys, WebEx hosts, itslearning users)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from adapters.store.models import Account, ItslearningCredential, OAuthConsumer, WebexCredential


def get_or_create_account(session: Session, name: str) -> Account:
    account = session.scalar(select(Account).where(Account.name == name))
    if account is None:
        account = Account(name=name)
        session.add(account)
        session.flush()
    return account


def set_consumer(session: Session, account: Account, key: str, secret: str) -> OAuthConsumer:
    consumer = session.get(OAuthConsumer, key)
    if consumer is None:
        consumer = OAuthConsumer(key=key, secret=secret, account_id=account.id)
        session.add(consumer)
    elif consumer.account_id != account.id:
        raise ValueError(f"consumer key {key!r} already belongs to another account")
    else:
        consumer.secret = secret
    session.flush()
    return consumer


def find_consumer(session: Session, key: str) -> OAuthConsumer | None:
    return session.get(OAuthConsumer, key)


def set_webex_credential(
    session: Session,
    account: Account,
    *,
    webex_id: str,
    password_hash: str,
    site_id: str,
    site_name: str | None = None,
    partner_id: str | None = None,
    email: str | None = None,
) -> WebexCredential:
    cred = session.scalar(
        select(WebexCredential).where(WebexCredential.site_id == site_id, WebexCredential.webex_id == webex_id)
    )
    if cred is None:
        cred = WebexCredential(account_id=account.id, site_id=site_id, webex_id=webex_id, password_hash=password_hash)
        session.add(cred)
    elif cred.account_id != account.id:
        raise ValueError(f"WebEx user {webex_id!r} on site {site_id} already belongs to another account")
    cred.password_hash = password_hash
    cred.site_name, cred.partner_id, cred.email = site_name, partner_id, email
    session.flush()
    return cred


def set_itslearning_credential(
    session: Session, account: Account, *, username: str, password_hash: str, site_id: int
) -> ItslearningCredential:
    cred = session.scalar(select(ItslearningCredential).where(ItslearningCredential.username == username))
    if cred is None:
        cred = ItslearningCredential(account_id=account.id, username=username, password_hash=password_hash, site_id=site_id)
        session.add(cred)
    elif cred.account_id != account.id:
        raise ValueError(f"itslearning user {username!r} already belongs to another account")
    cred.password_hash, cred.site_id = password_hash, site_id
    session.flush()
    return cred


def list_accounts(session: Session) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .options(
                selectinload(Account.consumers),
                selectinload(Account.webex_credentials),
                selectinload(Account.itslearning_credentials),
            )
            .order_by(Account.id)
        )
    )
