"""``tests import|list`` and ``attempts submit|show``: QTI 1.2 tests and scored attempts.

    lms-gateway tests import FILE.xml [--json]       {"test": 208, "items": ["236", ...]}
    lms-gateway attempts submit FILE.json [--json]   {"score": 45, "min": 0, "max": 100, "items": {...}}
    lms-gateway attempts show TESTID EMAIL [--json | --report]
    lms-gateway attempts list [--test-id N] [--participant EMAIL] [--json]
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from lxml import etree

from adapters import qti12
from adapters.store import accounts as store_accounts
from adapters.store import attempts as store_attempts
from adapters.store import tests as store_tests
from gateway import assessments
from gateway.cli.context import TEST_ID, CliContext, pass_cli, print_rows
from gateway.demo.accounts import DEMO_ACCOUNT

_account_option = click.option(
    "--account", default=DEMO_ACCOUNT, show_default=True, help="The account the test belongs to."
)


def _read(path: str, limit: int) -> bytes:
    p = Path(path)
    try:
        if p.stat().st_size > limit:
            raise click.ClickException(f"{path}: larger than {limit} bytes")
        return p.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror or exc}") from None


def _find_account(session, name: str):
    account = next((a for a in store_accounts.list_accounts(session) if a.name == name), None)
    if account is None:
        raise click.ClickException(f"no account {name!r} (create it with `lms-gateway accounts add {name}`)")
    return account


@click.group("tests")
def tests_group() -> None:
    """QTI 1.2 tests (assessments) with their WebEx testIDs."""


@tests_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@_account_option
@click.option("--test-id", type=TEST_ID, help="WebEx testID (default: the account's next free one).")
@click.option("--host", "host_webex_id", help="webExID of the WebEx host who owns the test.")
@click.option("--continue-yes", is_flag=True, help="Treat respconditions without `continue` as continue=\"Yes\".")
@click.option("--json", "as_json", is_flag=True, help='Print {"test": <testID>, "items": [...]}.')
@pass_cli
def tests_import(cli: CliContext, file: str, account: str, test_id, host_webex_id, continue_yes: bool, as_json: bool) -> None:
    """Import FILE.xml, a QTI 1.2 questestinterop (assessment, objectbank or bare items)."""
    data = _read(file, cli.settings.max_body_bytes)
    store = cli.ready_store()
    try:
        with store.session() as session:
            owner = _find_account(session, account)
            test, assessment = assessments.import_test(
                session, owner, data, webex_test_id=test_id, host_webex_id=host_webex_id, continue_yes=continue_yes
            )
            webex_test_id = test.webex_test_id
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    idents = [item.ident for item in assessment.items]
    if as_json:
        click.echo(json.dumps({"test": webex_test_id, "items": idents}))
    else:
        click.echo(f"test {webex_test_id} {assessment.title!r}: {len(idents)} items ({', '.join(idents)})")


@tests_group.command("list")
@_account_option
@pass_cli
def tests_list(cli: CliContext, account: str) -> None:
    """The account's tests."""
    with cli.ready_store().session() as session:
        for t in store_tests.list_tests(session, _find_account(session, account).id):
            click.echo(f"{t.webex_test_id}\t{t.ident}\t{t.title}\thost={t.host_webex_id or '-'}")


@click.group("attempts")
def attempts_group() -> None:
    """Participants' attempts: scored by the QTI 1.2 engine and stored."""


@attempts_group.command("submit")
@click.argument("file", type=click.Path(dir_okay=False))
@_account_option
@click.option("--json", "as_json", is_flag=True, help="Print the scored attempt (DESIGN.md §11).")
@pass_cli
def attempts_submit(cli: CliContext, file: str, account: str, as_json: bool) -> None:
    """Score and store the attempt in FILE.json ({"test", "participant", "started", "duration", "responses"})."""
    raw = _read(file, cli.settings.max_body_bytes)
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: not JSON: {exc}") from None
    store = cli.ready_store()
    try:
        with store.session() as session:
            owner = _find_account(session, account)
            test, attempt, scored = assessments.submit_attempt(session, owner, payload)
            attempt_id, webex_test_id = attempt.id, test.webex_test_id
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    if as_json:
        click.echo(json.dumps(scored.to_json()))
    else:
        click.echo(f"attempt {attempt_id} at test {webex_test_id}: {scored.to_json()['score']} of {scored.to_json()['max']}")


@attempts_group.command("list")
@_account_option
@click.option("--test-id", type=TEST_ID, help="Only attempts at this testID.")
@click.option("--participant", help="Only this participant's attempts (email).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_cli
def attempts_list(cli: CliContext, account: str, test_id, participant, as_json: bool) -> None:
    """The account's attempts with their scores, oldest first."""
    from adapters.store import manage

    with cli.ready_store().session() as session:
        rows = manage.list_attempts(session, _find_account(session, account).id, webex_test_id=test_id, email=participant)
    print_rows(rows, ["attempt", "test", "email", "name", "started", "score", "max"], as_json,
               f"no attempts in account {account}")


@attempts_group.command("show")
@click.argument("test_id", type=TEST_ID)
@click.argument("email")
@_account_option
@click.option("--json", "as_json", is_flag=True, help="Print the stored scored attempt as JSON.")
@click.option("--report", is_flag=True, help="Print WebEx's qti:result report for the attempt.")
@pass_cli
def attempts_show(cli: CliContext, test_id: int, email: str, account: str, as_json: bool, report: bool) -> None:
    """The latest attempt of EMAIL at test TEST_ID."""
    with cli.ready_store().session() as session:
        owner = _find_account(session, account)
        test = store_tests.find_test(session, owner.id, test_id)
        if test is None:
            raise click.ClickException(f"no test with testID {test_id} in account {account!r}")
        found = store_attempts.latest_attempt(session, test.id, email)
        if found is None:
            raise click.ClickException(f"{email} has no attempt at test {test_id}")
        attempt, person = found
        try:
            scored = assessments.stored_score(attempt)
            if report:
                assessment = assessments.assessment_of(test)
                element = qti12.build_result(
                    assessment, scored, attempt.responses,
                    participant_name=person.name or "", participant_email=person.email or email,
                    started=attempt.started_at, duration=attempt.duration, test_id=test.webex_test_id,
                )
                click.echo(etree.tostring(element, pretty_print=True, encoding="unicode"), nl=False)
                return
        except ValueError as exc:
            raise click.ClickException(f"attempt {attempt.id}: {exc}") from None
        if as_json:
            click.echo(json.dumps({
                "attempt": attempt.id, "test": test.webex_test_id,
                "participant": {"email": person.email, "name": person.name},
                "started": attempt.started_at.isoformat() if attempt.started_at else None,
                "duration": attempt.duration, "responses": attempt.responses, **scored.to_json(),
            }))
            return
        click.echo(f"attempt {attempt.id}: {person.name or ''} <{person.email}> at test {test.webex_test_id} "
                   f"{test.title!r}: {scored.to_json()['score']} of {scored.to_json()['max']}")
        for ident, s in scored.items.items():
            feedback = f"  [{', '.join(s.feedback)}]" if s.feedback else ""
            click.echo(f"  {ident}: {s.to_json()['score']} of {s.to_json()['max']}{feedback}")


def register(main: click.Group) -> None:
    main.add_command(tests_group)
    main.add_command(attempts_group)
