"""What every sub-command shares: the settings and, opened on first use, the store."""
from __future__ import annotations

import click

from adapters.store import Store
from adapters.store import schema
from gateway.config import Settings


class CliContext:
    def __init__(self, database_url: str | None):
        overrides = {"database_url": database_url} if database_url else {}
        try:
            self.settings = Settings.load(**overrides)
        except (ValueError, OSError) as exc:
            raise click.ClickException(f"configuration: {exc}") from exc
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    def ready_store(self) -> Store:
        """The store with its schema in place: created when empty, refused when behind."""
        store = self.store
        if schema.is_empty(store):
            schema.upgrade(store)
        elif schema.current_revision(store) != schema.head_revision():
            raise click.ClickException(
                f"the store at {store.engine.url.render_as_string(hide_password=True)} has schema "
                f"{schema.current_revision(store)}, this gateway needs {schema.head_revision()}: "
                "run `lms-gateway db upgrade` first"
            )
        return store


pass_cli = click.make_pass_decorator(CliContext)
