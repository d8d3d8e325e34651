"""The store's schema, migrations and constraints, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from adapters.store import schema
from adapters.store.accounts import get_or_create_account, set_consumer
from adapters.store.models import Base, OAuthNonce, Result


def test_migrations_create_every_model_table(store):
    assert set(inspect(store.engine).get_table_names()) >= {t.name for t in Base.metadata.sorted_tables}
    assert schema.current_revision(store) == schema.head_revision()


def test_upgrade_is_idempotent(store):
    schema.upgrade(store)
    assert schema.current_revision(store) == schema.head_revision()


def test_nonce_is_unique_per_key_nonce_timestamp(store):
    with store.session() as s:
        s.add(OAuthNonce(consumer_key="49201", nonce="a" * 40, timestamp=1337943356))
    with store.session() as s:  # the same nonce with another timestamp is a different nonce
        s.add(OAuthNonce(consumer_key="49201", nonce="a" * 40, timestamp=1337943357))
    with pytest.raises(IntegrityError):
        with store.session() as s:
            s.add(OAuthNonce(consumer_key="49201", nonce="a" * 40, timestamp=1337943356))


def test_failed_unit_of_work_leaves_nothing(store):
    with pytest.raises(IntegrityError):
        with store.session() as s:
            account = get_or_create_account(s, "acme")
            s.add(Result(account_id=account.id, sourced_id="1"))
            s.add(Result(account_id=account.id, sourced_id="1"))
    with store.session() as s:
        assert s.query(Result).count() == 0


def test_result_sourced_ids_are_per_account(store):
    with store.session() as s:
        a, b = get_or_create_account(s, "a"), get_or_create_account(s, "b")
        s.add_all([Result(account_id=a.id, sourced_id="42"), Result(account_id=b.id, sourced_id="42")])
    with store.session() as s:
        assert s.query(Result).filter_by(sourced_id="42").count() == 2


def test_consumer_key_cannot_move_between_accounts(store):
    with store.session() as s:
        set_consumer(s, get_or_create_account(s, "a"), "k", "s1")
    with pytest.raises(ValueError, match="another account"):
        with store.session() as s:
            set_consumer(s, get_or_create_account(s, "b"), "k", "s2")


def test_concurrent_creates_of_one_new_result_make_one_row(store):
    """Two clients creating the same new sourcedId at once: one creates, the others are told it exists."""
    from concurrent.futures import ThreadPoolExecutor

    from adapters.store import results

    with store.session() as s:
        account_id = get_or_create_account(s, "acme").id

    def create(_):
        with store.session() as s:
            return results.create_result(s, account_id, results.ResultData("same", line_item_sourced_id="LI", score_text="1"))

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(create, range(8)))
    assert sorted(outcomes) == [False] * 7 + [True]
    with store.session() as s:
        assert s.query(Result).filter_by(sourced_id="same").count() == 1
