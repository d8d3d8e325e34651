"""Tests in the store: a QTI 1.2 document with the integer testID WebEx clients use.

Not to be confused with the project's pytest suite: a "test" here is an assessment.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.store.models import Account, Test


def next_test_id(session: Session, account_id: int) -> int:
    """The next free WebEx testID of the account: one above the highest in use (1 for the first)."""
    highest = session.scalar(select(func.max(Test.webex_test_id)).where(Test.account_id == account_id))
    return (highest or 0) + 1


def find_test(session: Session, account_id: int, webex_test_id: int) -> Test | None:
    return session.scalar(select(Test).where(Test.account_id == account_id, Test.webex_test_id == webex_test_id))


def add_test(
    session: Session,
    account: Account,
    *,
    qti_xml: str,
    ident: str,
    title: str = "",
    description: str | None = None,
    host_webex_id: str | None = None,
    webex_test_id: int | None = None,
    meta: dict[str, Any] | None = None,
) -> Test:
    """Store a test; ``webex_test_id=None`` allocates the account's next free testID.

    A testID already used in the account is a ValueError (the unique constraint would also catch
    two processes racing for the same id; the caller's unit of work then fails whole).
    """
    if webex_test_id is None:
        webex_test_id = next_test_id(session, account.id)
    elif webex_test_id < 1:
        raise ValueError(f"testID must be a positive integer, got {webex_test_id}")
    elif find_test(session, account.id, webex_test_id) is not None:
        raise ValueError(f"testID {webex_test_id} already exists in account {account.name!r}")
    test = Test(
        account_id=account.id,
        webex_test_id=webex_test_id,
        ident=ident,
        title=title,
        description=description,
        host_webex_id=host_webex_id,
        qti_xml=qti_xml,
        meta=dict(meta or {}),
    )
    session.add(test)
    session.flush()
    return test


def list_tests(session: Session, account_id: int) -> list[Test]:
    return list(session.scalars(select(Test).where(Test.account_id == account_id).order_by(Test.webex_test_id)))
