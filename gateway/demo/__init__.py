"""Demo data (DESIGN.md §11): the data under which every seed example answers as the seed shows.

Loading is idempotent; each protocol contributes its own module here. A loader returns what it
replaced (demo rows that already existed and were put back to the demo's values), and never touches
another account's data: an identifier the demo needs that another account holds is a
:class:`DemoConflict`.
"""
from __future__ import annotations

from adapters.store import Store
from gateway.config import Settings
from gateway.demo import accounts, assessments, itslearning, lis
from gateway.demo.accounts import DemoConflict

DEMO_ACCOUNT = accounts.DEMO_ACCOUNT

#: Loaders in order; each takes (session, account, settings).
LOADERS = [accounts.load, assessments.load, lis.load, itslearning.load]


def load(store: Store, settings: Settings) -> list[str]:
    """Load the demo data in one unit of work; what was replaced, one line each (empty on a fresh store)."""
    replaced: list[str] = []
    with store.session() as session:
        account = accounts.demo_account(session)
        for loader in LOADERS:
            replaced += loader(session, account, settings) or []
    return replaced


__all__ = ["DEMO_ACCOUNT", "DemoConflict", "LOADERS", "load"]
