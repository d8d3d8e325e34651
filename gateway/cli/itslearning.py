"""``lms-gateway worker`` and ``lms-gateway itslearning import``."""
from __future__ import annotations

import re
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from adapters.store import itslearning as store_its
from adapters.store.models import ItslearningCredential, ItsMessage, Test
from gateway import assessments
from gateway.cli.context import ROW_ID, CliContext, account_option, known_account, pass_cli, print_rows
from gateway.cli.serve import configure_logging
from gateway.itslearning import message_types
from gateway.itslearning.worker import Worker


@click.command()
@click.option("--once", is_flag=True, help="Process what is queued now, then exit.")
@pass_cli
def worker(cli: CliContext, once: bool) -> None:
    """Process queued itslearning messages (run beside `serve` with LMS_GATEWAY_WORKER_IN_PROCESS=false)."""
    configure_logging(cli.settings.log_level, cli.settings.log_format)
    runner = Worker(cli.ready_store(), cli.settings)
    if once:
        click.echo(f"processed {runner.drain()} message(s)")
        return
    click.echo("worker running; Ctrl-C stops it", err=True)
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop.set()


@click.group()
def itslearning() -> None:
    """The itslearning Migration API from the command line."""


@itslearning.command("import")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course", required=True, help="CourseId (a number) or CourseSyncKey.")
@click.option("--user", "user", required=True, help="UserId (a number) or UserSyncKey.")
@click.option("--title", help="The test's title (default: the package file name).")
@click.option("--username", default="itslearning-demo", show_default=True, help="itslearning credential to act as.")
@click.option("--sync-key", help="SyncKey for the created element.")
@click.option("--trim-strings", is_flag=True,
              help="Compatibility switch: strip surrounding whitespace of typed text before comparing it "
                   "(QTI 2.1 compares it as given: \" York\" does not score as \"York\").")
@pass_cli
def import_package(cli: CliContext, package: Path, course: str, user: str, title: str | None, username: str,
                   sync_key: str | None, trim_strings: bool) -> None:
    """Upload PACKAGE.zip and import it as a test, through the same path as UploadFile + AddMessage."""
    store = cli.ready_store()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task("uploading package")
        with store.session() as session:
            credential = session.scalar(select(ItslearningCredential).where(ItslearningCredential.username == username))
            if credential is None:
                raise click.ClickException(f"no itslearning credential {username!r}; see `lms-gateway accounts add`")
            asset = store_its.add_asset(session, credential.account_id, credential.site_id, package.name,
                                        package.read_bytes(), cli.settings.itslearning_asset_keep_days)
            message = store_its.enqueue(session, credential.account_id, credential.site_id,
                                        message_types.CREATE_COURSE_ELEMENT_TEST,
                                        _message(asset.guid, course, user, title or package.stem, sync_key))
            message_id = message.id
        progress.update(task, description=f"importing message {message_id}")
        # a running server may claim it too; the unique element-per-message rule keeps one result
        Worker(store, cli.settings).process(message_id)
        with store.session() as session:
            done = session.get(ItsMessage, message_id)
            details = list(done.details)
            element = store_its.element_of_message(session, message_id)
            if trim_strings and element is not None and element.test_id is not None:
                assessments.set_trim_strings(session.get(Test, element.test_id), True)
    failed = False
    for detail in details:
        failed |= detail["Type"] == "Error"
        style = "red" if detail["Type"] == "Error" else "green"
        Console().print(f"[{style}]{detail['Type']}[/{style}]: {detail['Message']}")
    if failed:
        raise SystemExit(1)


# ------------------------------------------------------------ sites, courses and users
def _managed(cli: CliContext, action):
    """Run ``action(session)`` in one unit of work; a store refusal is one line."""
    from adapters.store import manage

    try:
        with cli.ready_store().session() as session:
            return action(session)
    except (manage.NotFound, manage.Conflict) as exc:
        raise click.ClickException(str(exc)) from None


@itslearning.group("sites")
def sites() -> None:
    """Sites: each has its UsernameTokens (what callers authenticate with) and courses."""


@sites.command("add")
@click.argument("site_id", type=ROW_ID)
@account_option(required=True)
@click.option("--username", required=True, help="UsernameToken username for the site.")
@click.option("--password", required=True, help="UsernameToken password (stored hashed).")
@pass_cli
def sites_add(cli: CliContext, site_id: int, account: str, username: str, password: str) -> None:
    """Give ACCOUNT a UsernameToken on site SITE_ID (same as `accounts add --itslearning-...`)."""
    from adapters.store import accounts as store_accounts
    from adapters.store.models import Account
    from gateway.security.passwords import hash_password

    def add(session):
        owner = session.get(Account, known_account(session, account))
        try:
            store_accounts.set_itslearning_credential(session, owner, username=username,
                                                      password_hash=hash_password(password), site_id=site_id)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None

    _managed(cli, add)
    click.echo(f"itslearning user {username} on site {site_id} saved in account {account}")


@sites.command("list")
@account_option()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_cli
def sites_list(cli: CliContext, account: str, as_json: bool) -> None:
    """The account's sites with their UsernameTokens and numbers of courses and users."""
    from adapters.store import manage

    rows = _managed(cli, lambda s: manage.list_sites(s, known_account(s, account)))
    print_rows(rows, ["site", "usernames", "courses", "users"], as_json, f"account {account} has no itslearning site")


def _one_site(session, owner: int, account: str, site_id: int | None) -> int:
    """``--site``, else the account's only site."""
    from adapters.store import manage

    if site_id is not None:
        return site_id
    known = [s["site"] for s in manage.list_sites(session, owner)]
    if len(known) != 1:
        raise click.UsageError(f"account {account} has {len(known)} itslearning sites: name one with --site")
    return known[0]


@itslearning.group("courses")
def courses() -> None:
    """Courses a CreateCourseElementTest may name (CourseId or CourseSyncKey)."""


@courses.command("add")
@click.argument("title")
@account_option(required=True)
@click.option("--site", "site_id", type=ROW_ID, help="Site id (default: the account's only site).")
@click.option("--sync-key", help="CourseSyncKey.")
@click.option("--id", "course_id", type=ROW_ID, help="CourseId (default: the next free one).")
@click.option("--state", type=click.Choice(["active", "archived", "deleted"]), default="active", show_default=True)
@click.option("--external", is_flag=True, help="Managed by an external system (messages may not change it).")
@pass_cli
def courses_add(cli: CliContext, title: str, account: str, site_id, sync_key, course_id, state, external) -> None:
    """Add course TITLE to ACCOUNT; prints its CourseId."""
    from adapters.store import manage

    def add(session):
        owner = known_account(session, account)
        return manage.add_course(session, owner, site=_one_site(session, owner, account, site_id), title=title,
                                 sync_key=sync_key, course_id=course_id, state=state, external=external)

    course = _managed(cli, add)
    click.echo(f"course {course['id']} {title!r} on site {course['site']} in account {account}")


@courses.command("list")
@account_option()
@click.option("--site", "site_id", type=ROW_ID, help="Only this site's courses.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_cli
def courses_list(cli: CliContext, account: str, site_id, as_json: bool) -> None:
    """The account's courses."""
    from adapters.store import manage

    rows = _managed(cli, lambda s: manage.list_courses(s, known_account(s, account), site=site_id))
    print_rows(rows, ["id", "site", "syncKey", "title", "state", "external"], as_json,
               f"account {account} has no itslearning course")


@itslearning.group("users")
def users() -> None:
    """Users a CreateCourseElementTest may name as the test's creator (UserId or UserSyncKey)."""


@users.command("add")
@click.argument("name")
@account_option(required=True)
@click.option("--site", "site_id", type=ROW_ID, help="Site id (default: the account's only site).")
@click.option("--sync-key", help="UserSyncKey.")
@click.option("--id", "user_id", type=ROW_ID, help="UserId (default: the next free one).")
@click.option("--state", type=click.Choice(["valid", "deleted"]), default="valid", show_default=True)
@click.option("--external", is_flag=True, help="Managed by an external system.")
@pass_cli
def users_add(cli: CliContext, name: str, account: str, site_id, sync_key, user_id, state, external) -> None:
    """Add user NAME to ACCOUNT on a site; prints the UserId."""
    from adapters.store import manage

    def add(session):
        owner = known_account(session, account)
        return manage.add_user(session, owner, site=_one_site(session, owner, account, site_id), name=name,
                               sync_key=sync_key, user_id=user_id, state=state, external=external)

    user = _managed(cli, add)
    click.echo(f"user {user['id']} {name!r} on site {user['site']} in account {account}")


@users.command("list")
@account_option()
@click.option("--site", "site_id", type=ROW_ID, help="Only this site's users.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_cli
def users_list(cli: CliContext, account: str, site_id, as_json: bool) -> None:
    """The account's users."""
    from adapters.store import manage

    rows = _managed(cli, lambda s: manage.list_users(s, known_account(s, account), site=site_id))
    print_rows(rows, ["id", "site", "syncKey", "name", "state", "external"], as_json,
               f"account {account} has no itslearning user")


def _message(guid: str, course: str, user: str, title: str, sync_key: str | None) -> str:
    from xml.sax.saxutils import escape

    # ASCII digits only: str.isdigit() also takes "２" and "²", which no CourseId is
    course_el = (f"<CourseId>{course}</CourseId>" if re.fullmatch("[0-9]+", course)
                 else f"<CourseSyncKey>{escape(course)}</CourseSyncKey>")
    user_el = f"<UserId>{user}</UserId>" if re.fullmatch("[0-9]+", user) else f"<UserSyncKey>{escape(user)}</UserSyncKey>"
    keys = f"<SyncKeys><SyncKey>{escape(sync_key)}</SyncKey></SyncKeys>" if sync_key else ""
    return (f'<Message xmlns="urn:message-schema">{keys}<CreateCourseElementTest>{course_el}{user_el}'
            f"<Title>{escape(title)}</Title></CreateCourseElementTest><Files><File>{guid}</File></Files></Message>")


def register(main: click.Group) -> None:
    main.add_command(worker)
    main.add_command(itslearning)
