"""Migration 0003 on a store that already holds data: itslearning users take their account's site
(item 6), results keep their scores with an unknown scale (item 12), on SQLite and PostgreSQL."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text

from adapters.store import Store, schema


def test_upgrade_backfills_user_sites(store_url):
    store = Store(store_url)
    try:
        with store.engine.begin() as conn:  # back to 0002, as a store made before this revision
            cfg = schema.alembic_config(store.url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO accounts (id, name, created_at) VALUES (7, 'old', CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO itslearning_credentials (account_id, site_id, username, password_hash) "
                              "VALUES (7, 3, 'old-user', 'x')"))
            conn.execute(text("INSERT INTO its_users (id, account_id, sync_key, name, state, external) "
                              "VALUES (70, 7, 'u', 'U', 'valid', false)"))
            conn.execute(text("INSERT INTO results (account_id, sourced_id, score_text, extension, updated_at) "
                              "VALUES (7, 'r1', '100', '{}', CURRENT_TIMESTAMP)"))
        schema.upgrade(store)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT site_id FROM its_users WHERE id = 70")).scalar() == 3
            assert conn.execute(text("SELECT score_text, score_maximum FROM results WHERE sourced_id = 'r1'")).one() == ("100", None)
    finally:
        store.dispose()
