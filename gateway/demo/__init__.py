"""Demo data (DESIGN.md §11): the data under which every seed example answers as the seed shows.

Loading is idempotent; each protocol contributes its own module here.
"""
from __future__ import annotations

from adapters.store import Store
from gateway.config import Settings
from gateway.demo import accounts, assessments, itslearning, lis

DEMO_ACCOUNT = accounts.DEMO_ACCOUNT

#: Loaders in order; each takes (session, account, settings).
LOADERS = [accounts.load, assessments.load, lis.load, itslearning.load]


def load(store: Store, settings: Settings) -> None:
    with store.session() as session:
        account = accounts.demo_account(session)
        for loader in LOADERS:
            loader(session, account, settings)
