"""``db upgrade``, ``accounts add|list|remove`` and ``demo load``."""
from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError

from adapters.store import StoreUnavailable, schema
from adapters.store import accounts as store_accounts
from gateway import demo
from gateway.cli.context import CliContext, known_account, pass_cli
from gateway.security.passwords import hash_password


@click.group()
def db() -> None:
    """The store's schema."""


@db.command("upgrade")
@pass_cli
def db_upgrade(cli: CliContext) -> None:
    """Create the schema, or bring it to the newest revision."""
    try:
        schema.upgrade(cli.store)
        revision = schema.current_revision(cli.store)
    except (StoreUnavailable, OperationalError) as exc:
        raise cli.unreachable(exc) from None
    click.echo(f"store at revision {revision}")


@click.group()
def accounts() -> None:
    """Accounts and their credentials."""


@accounts.command("add")
@click.argument("name")
@click.option("--consumer-key", help="OAuth 1.0 consumer key (LIS and LTI outcomes).")
@click.option("--secret", help="OAuth 1.0 shared secret for --consumer-key.")
@click.option("--webex-id", help="WebEx host webExID.")
@click.option("--webex-password", help="WebEx host password (stored hashed).")
@click.option("--site-id", default="0000", show_default=True, help="WebEx siteID.")
@click.option("--site-name", help="WebEx siteName.")
@click.option("--partner-id", help="WebEx partnerID.")
@click.option("--email", help="WebEx host email.")
@click.option("--itslearning-username", help="itslearning UsernameToken username.")
@click.option("--itslearning-password", help="itslearning UsernameToken password (stored hashed).")
@click.option("--itslearning-site-id", type=int, default=1, show_default=True)
@pass_cli
def accounts_add(cli: CliContext, name: str, consumer_key, secret, webex_id, webex_password, site_id, site_name,
                 partner_id, email, itslearning_username, itslearning_password, itslearning_site_id) -> None:
    """Create account NAME (or add credentials to it)."""
    if not name.strip():
        raise click.UsageError("an account needs a name")
    pairs = {"--consumer-key/--secret": (consumer_key, secret), "--webex-id/--webex-password": (webex_id, webex_password),
             "--itslearning-username/--itslearning-password": (itslearning_username, itslearning_password)}
    for flags, (a, b) in pairs.items():
        if bool(a) != bool(b):
            raise click.UsageError(f"{flags} go together")
    store = cli.ready_store()
    try:
        with store.session() as session:
            account = store_accounts.get_or_create_account(session, name)
            if consumer_key:
                store_accounts.set_consumer(session, account, consumer_key, secret)
            if webex_id:
                store_accounts.set_webex_credential(
                    session, account, webex_id=webex_id, password_hash=hash_password(webex_password), site_id=site_id,
                    site_name=site_name, partner_id=partner_id, email=email)
            if itslearning_username:
                store_accounts.set_itslearning_credential(
                    session, account, username=itslearning_username,
                    password_hash=hash_password(itslearning_password), site_id=itslearning_site_id)
            account_id = account.id
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"account {name} (id {account_id}) saved")


@accounts.command("list")
@pass_cli
def accounts_list(cli: CliContext) -> None:
    """Accounts with their consumer keys, WebEx hosts and itslearning users (never secrets)."""
    with cli.ready_store().session() as session:
        rows = store_accounts.list_accounts(session)
        table = Table("id", "name", "consumer keys", "WebEx hosts", "itslearning users")
        for a in rows:
            table.add_row(
                str(a.id), a.name,
                ", ".join(c.key for c in a.consumers),
                ", ".join(f"{w.webex_id}@{w.site_id}" for w in a.webex_credentials),
                ", ".join(f"{i.username}@{i.site_id}" for i in a.itslearning_credentials),
            )
    Console().print(table)


@accounts.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def accounts_remove(cli: CliContext, name: str, yes: bool) -> None:
    """Remove account NAME with its credentials, tests, attempts, results and itslearning data."""
    from adapters.store import manage

    store = cli.ready_store()
    with store.session() as session:
        known_account(session, name)
    if not yes:
        click.confirm(f"remove account {name} and all its data?", abort=True, err=True)
    with store.session() as session:
        removed = manage.remove_account(session, name)
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in removed.items() if k != "account")
    click.echo(f"account {name} removed ({counts})")


@click.group("demo")
def demo_group() -> None:
    """The demo data of DESIGN.md §11."""


@demo_group.command("load")
@pass_cli
def demo_load(cli: CliContext) -> None:
    """Load (or refresh) the demo data in account `demo`; says what it replaced. Other accounts are never touched."""
    try:
        replaced = demo.load(cli.ready_store(), cli.settings)
    except demo.DemoConflict as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"demo data loaded into account {demo.DEMO_ACCOUNT}" + ("" if replaced else " (nothing replaced)"))
    for line in replaced:
        click.echo(f"  replaced: {line}")


def register(main: click.Group) -> None:
    main.add_command(db)
    main.add_command(accounts)
    main.add_command(demo_group)
