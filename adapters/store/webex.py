"""Store queries the WebEx test operations need."""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from adapters.store.models import Attempt, Test


def tests_of_host(session: Session, account_id: int, webex_id: str) -> list[tuple[Test, bool]]:
    """The account's tests owned by ``webex_id`` (or by nobody), each with whether it has attempts."""
    has_attempts = exists().where(Attempt.test_id == Test.id)
    rows = session.execute(
        select(Test, has_attempts)
        .where(Test.account_id == account_id, or_(Test.host_webex_id == webex_id, Test.host_webex_id.is_(None)))
        .order_by(Test.webex_test_id)
    )
    return [(t, bool(h)) for t, h in rows]
