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
from gateway.cli.context import CliContext, pass_cli
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
