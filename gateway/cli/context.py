"""What every sub-command shares: the settings and, opened on first use, the store.

A user's mistake ends as one line on stderr and an exit status, never a traceback:
:class:`ConfigurationError` (status 2) for a setting, ``click.ClickException`` (status 1) for
anything else, ``click.UsageError`` (status 2) for a wrong combination of options.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from adapters.store import Store, StoreUnavailable
from adapters.store import schema
from gateway.config import ConfigError, Settings, hide_password, unknown_variables


class ConfigurationError(click.ClickException):
    """A setting that is not accepted: one line naming it, exit status 2."""

    exit_code = 2


class CliContext:
    def __init__(self, database_url: str | None, also_known_variables: frozenset[str] = frozenset()):
        self._overrides = {"database_url": database_url} if database_url else {}
        self._also_known = also_known_variables
        self._settings: Settings | None = None
        self._store: Store | None = None

    @property
    def settings(self) -> Settings:
        """Loaded (and checked) on first use, so that ``--help`` and ``--version`` never need them."""
        if self._settings is None:
            for warning in unknown_variables(also_known=self._also_known):
                click.echo(f"Warning: {warning}", err=True)
            try:
                self._settings = Settings.load(**self._overrides)
            except ConfigError as exc:
                raise ConfigurationError(str(exc)) from None
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    def store_url(self) -> str:
        """The configured URL, password hidden, for messages."""
        return hide_password(self.settings.database_url)

    def store_source(self) -> str:
        return "--database-url" if self._overrides else "LMS_GATEWAY_DATABASE_URL"

    def unreachable(self, exc: Exception) -> ConfigurationError:
        """The one-line error for a store that cannot be opened (down, wrong host, no such folder)."""
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["no answer"])[0]
        return ConfigurationError(f"{self.store_source()}={self.store_url()!r}: the store does not answer ({reason}); "
                                  "start it, or name another with --database-url")

    def ready_store(self) -> Store:
        """The store with its schema in place: created when empty, refused when behind or unreachable."""
        store = self.store
        try:
            empty = schema.is_empty(store)
            if empty:
                schema.upgrade(store)
            current = schema.current_revision(store)
        except (StoreUnavailable, DBAPIError) as exc:
            raise self.unreachable(exc) from None
        if current != schema.head_revision():
            raise click.ClickException(
                f"the store at {self.store_url()} has schema {current}, this gateway needs "
                f"{schema.head_revision()}: run `lms-gateway db upgrade` first"
            )
        return store


pass_cli = click.make_pass_decorator(CliContext)


def account_option(required: bool = False):
    """``--account NAME``: the demo account unless given (the commands that write name it)."""
    if required:
        return click.option("--account", "account", required=True, help="The account's name.")
    return click.option("--account", "account", default="demo", show_default=True, help="The account's name.")


def known_account(session, name: str) -> int:
    """The account's id, or a one-line error that says how to create it."""
    from adapters.store import manage

    try:
        return manage.account_id(session, name)
    except manage.NotFound as exc:
        raise click.ClickException(str(exc)) from None


def print_rows(rows: list[dict], columns: list[str], as_json: bool, empty: str) -> None:
    """Rows as a JSON array (``--json``), a table of ``columns`` on a terminal, else tab-separated lines."""
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(empty)
        return
    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return ", ".join(map(str, value))
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    console = Console()
    if not console.is_terminal:  # piped: tab-separated lines with whole values, for grep and cut
        click.echo("\t".join(columns))
        for row in rows:
            click.echo("\t".join(cell(row.get(c)) for c in columns))
        return
    table = Table(*columns)
    for column in table.columns:
        column.overflow = "fold"  # whole values, never an ellipsis: they are copied into other commands
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in columns))
    console.print(table)


class HttpUrl(click.ParamType):
    """An absolute http(s) URL with a host: ``127.0.0.1:8080`` alone is refused with the fix."""

    name = "URL"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            hint = f" (did you mean http://{text}?)" if "://" not in text else ""
            self.fail(f"{text!r} is not an http:// or https:// URL{hint}", param, ctx)
        return text


HTTP_URL = HttpUrl()
#: identifiers as the store keeps them: a WebEx testID is a 64-bit column, the others 32-bit
TEST_ID = click.IntRange(1, 2**63 - 1)
ROW_ID = click.IntRange(1, 2**31 - 1)
#: seconds to wait for an answer; 0 or less would make requests fail with a ValueError
TIMEOUT = click.FloatRange(min=0, min_open=True)
