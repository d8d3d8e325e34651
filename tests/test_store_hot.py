"""Prepared statements on the DBAPI connection (adapters/store/hot.py) read and write exactly what
SQLAlchemy's Core does with the same statement, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from adapters.store import Store, StoreUnavailable
from adapters.store.accounts import get_or_create_account
from adapters.store.models import LineItem, Person, Result
from adapters.store.nonces import remember_nonce
from adapters.store.results import _BY_ID, find_result


@pytest.fixture
def account_id(store) -> int:
    with store.session() as s:
        account = get_or_create_account(s, "hot")
        item, person = LineItem(account_id=account.id, sourced_id="LI1"), Person(account_id=account.id, sourced_id="P1")
        s.add_all([item, person])
        s.flush()
        s.add(Result(account_id=account.id, sourced_id="R1", line_item_id=item.id, person_id=person.id,
                     date=datetime(2024, 3, 1, 12, 30, 15, 250, tzinfo=timezone.utc), score_text="0.92",
                     score_language="en-US", extension={"fields": [{"name": "grade", "value": "A"}]},
                     score_maximum=1.5))
        return account.id


def test_a_prepared_read_is_the_same_as_core(store, account_id):
    with store.session() as session:
        through_core = find_result(session, account_id, "R1")
        core_row = session.connection().execute(_BY_ID.statement, {"account": account_id, "id": "R1"}).first()
    with store.hot() as unit:
        direct = find_result(unit, account_id, "R1")
        direct_row = _BY_ID.first(unit, account=account_id, id="R1")
        assert find_result(unit, account_id, "R2") is None
        assert find_result(unit, account_id + 1, "R1") is None
    assert direct == through_core
    assert tuple(direct_row) == tuple(core_row)
    assert direct.date.replace(tzinfo=timezone.utc) == datetime(2024, 3, 1, 12, 30, 15, 250, tzinfo=timezone.utc)
    assert direct.extension == {"fields": [{"name": "grade", "value": "A"}]}
    assert direct.score_maximum == 1.5


def test_a_prepared_write_commits_with_the_unit_and_not_without(store):
    with store.hot() as unit:
        assert remember_nonce(unit, store.dialect, "k", "n" * 10, 1_700_000_000)
    with pytest.raises(RuntimeError):
        with store.hot() as unit:
            assert remember_nonce(unit, store.dialect, "k", "m" * 10, 1_700_000_000)
            raise RuntimeError("the operation failed")
    with store.hot() as unit:
        assert not remember_nonce(unit, store.dialect, "k", "n" * 10, 1_700_000_000)  # kept: a replay
        assert remember_nonce(unit, store.dialect, "k", "m" * 10, 1_700_000_000)  # rolled back: new


def test_an_unreachable_store_is_unavailable(settings, tmp_path):
    url = (f"sqlite:///{tmp_path}/missing/dir/store.db" if settings.database_url.startswith("sqlite")
           else "postgresql://nobody:wrong@127.0.0.1:1/none")
    store = Store(url)
    try:
        with pytest.raises(StoreUnavailable):
            with store.hot() as unit:
                find_result(unit, 1, "R1")
    finally:
        store.dispose()


def test_a_prepared_insert_must_name_the_columns_core_would_default():
    from sqlalchemy.dialects import sqlite

    from adapters.store.hot import Prepared
    from adapters.store.models import OAuthNonce

    with pytest.raises(ValueError, match="must name seen_at"):
        Prepared(sqlite.insert(OAuthNonce.__table__)).compiled(sqlite.dialect(), frozenset({"consumer_key", "nonce", "timestamp"}))
