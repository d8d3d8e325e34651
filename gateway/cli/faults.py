"""``lms-gateway faults add|list|remove``: the fault rules of ``/__admin/faults`` from the command
line, checked by the same code (:func:`gateway.admin.faults.parse_rule`) and kept in the same store."""
from __future__ import annotations

import json

import click

from adapters.store import faults as store_faults
from gateway.admin import faults
from gateway.cli.context import CliContext, pass_cli

#: Option name -> rule field; only the ones given are passed on.
_PARAMS = ("code_minor", "description", "exception_id", "reason", "http_status", "message", "faultcode",
           "faultstring", "ms", "sample")


@click.group("faults")
def faults_group() -> None:
    """Fault rules: answer matching calls with the vendor's own failure (DESIGN.md §13)."""


@faults_group.command("add")
@click.option("--protocol", required=True, type=click.Choice(sorted(faults.PROTOCOLS)))
@click.option("--operation", help="e.g. readResult, GetIMStestResult, AddMessage (default: any)")
@click.option("--key", help="only calls naming this business key (sourcedId, testID, ...)")
@click.option("--times", type=click.IntRange(1), help="act on the next N matching calls (default: until removed)")
@click.option("--until", help="act until this ISO 8601 time")
@click.option("--action", default="failure", show_default=True, type=click.Choice(sorted(faults.ACTIONS)))
@click.option("--code-minor", help="LIS/POX imsx_codeMinor, e.g. targetisbusy, unknownobject")
@click.option("--description", help="LIS/POX imsx_description")
@click.option("--exception-id", help="WebEx FAILURE exceptionID (six digits)")
@click.option("--reason", help="WebEx FAILURE reason")
@click.option("--http-status", type=int, help="POX failure's HTTP status")
@click.option("--message", help="itslearning fault text")
@click.option("--faultcode", help="SOAP faultcode, e.g. 'Authentication Fault'")
@click.option("--faultstring")
@click.option("--ms", type=int, help="delay in milliseconds")
@click.option("--sample", help="a sample folder's name (in the samples folder) whose response is answered")
@pass_cli
def add(cli: CliContext, **options) -> None:
    """Add a rule; prints it as JSON."""
    spec = {k: v for k, v in options.items() if v is not None}
    try:
        values = faults.parse_rule(spec, cli.settings.samples_dir)
    except faults.RuleError as exc:
        raise click.ClickException(str(exc)) from None
    with cli.ready_store().session() as session:
        rule = store_faults.add(session, **values)
        click.echo(json.dumps(_document(rule)))


@faults_group.command("list")
@pass_cli
def list_(cli: CliContext) -> None:
    """Every rule, one JSON object a line."""
    with cli.ready_store().session() as session:
        for rule in store_faults.listed(session):
            click.echo(json.dumps(_document(rule)))


@faults_group.command("remove")
@click.argument("rule_id", required=False, type=int)
@click.option("--all", "everything", is_flag=True, help="remove every rule")
@pass_cli
def remove(cli: CliContext, rule_id: int | None, everything: bool) -> None:
    """Remove rule RULE_ID (or --all)."""
    if (rule_id is None) == (not everything):
        raise click.UsageError("name one RULE_ID or --all")
    with cli.ready_store().session() as session:
        if everything:
            click.echo(f"removed {store_faults.clear(session)} rule(s)")
        elif store_faults.remove(session, rule_id):
            click.echo(f"removed rule {rule_id}")
        else:
            raise click.ClickException(f"no fault rule {rule_id}")


def _document(rule) -> dict:
    from gateway.admin.api import rule_document

    return json.loads(json.dumps(rule_document(rule), default=str))


def register(main: click.Group) -> None:
    main.add_command(faults_group)
