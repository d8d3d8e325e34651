"""The demo account and its credentials for every protocol (DESIGN.md §11)."""
from __future__ import annotations

import functools

from sqlalchemy.orm import Session

from adapters.store import accounts as store_accounts
from adapters.store.models import Account
from gateway.config import Settings
from gateway.security.passwords import hash_password

DEMO_ACCOUNT = "demo"
LIS_CONSUMER_KEY = "49201"
WEBEX = {
    "webex_id": "hostid",
    "password": "hostpassword",
    "site_id": "0000",
    "partner_id": "9999",
    "email": "johnsmith@xyz.com",
}
ITSLEARNING_USERNAME = "itslearning-demo"
ITSLEARNING_SITE_ID = 1


@functools.cache
def _demo_hash(password: str) -> str:
    # Demo credentials are public; hashing each once per process keeps repeated loads cheap.
    return hash_password(password)


class DemoConflict(ValueError):
    """Another account holds an identifier the demo data needs; the demo never takes it over."""


def demo_account(session: Session) -> Account:
    return store_accounts.get_or_create_account(session, DEMO_ACCOUNT)


def load(session: Session, account: Account, settings: Settings) -> list[str]:
    had = [c.key for c in account.consumers] + [w.webex_id for w in account.webex_credentials] \
        + [i.username for i in account.itslearning_credentials]
    try:
        _load(session, account, settings)
    except ValueError as exc:  # a credential of another account: refuse rather than take it
        raise DemoConflict(f"{exc}; the demo data needs it (remove that account, or use another store)") from None
    return [f"the secrets of the demo credentials ({', '.join(had)})"] if had else []


def _load(session: Session, account: Account, settings: Settings) -> None:
    store_accounts.set_consumer(session, account, LIS_CONSUMER_KEY, settings.demo_secret)
    store_accounts.set_webex_credential(
        session,
        account,
        webex_id=WEBEX["webex_id"],
        password_hash=_demo_hash(WEBEX["password"]),
        site_id=WEBEX["site_id"],
        partner_id=WEBEX["partner_id"],
        email=WEBEX["email"],
    )
    store_accounts.set_itslearning_credential(
        session,
        account,
        username=ITSLEARNING_USERNAME,
        password_hash=_demo_hash(settings.demo_secret),
        site_id=ITSLEARNING_SITE_ID,
    )
