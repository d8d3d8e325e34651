"""The ``lms-gateway`` command. Each sub-module adds one family of sub-commands."""
from __future__ import annotations

import click

from adapters.store import StoreUnavailable
from gateway.cli import assessments, faults, itslearning, lti13, qti, results, serve, store, upstream
from gateway.cli.context import CliContext
from gateway.demo import DemoConflict
from gateway.version import version


class GatewayGroup(click.Group):
    """The root group: a store that stops answering mid-command, or demo data that would take
    another account's identifiers (``serve --demo``, ``replay --demo``), is one line, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DemoConflict as exc:
            raise click.ClickException(str(exc)) from None
        except StoreUnavailable as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
            raise click.ClickException(f"the store does not answer ({reason})") from None


def option_variables(command: click.Command) -> frozenset[str]:
    """Every environment variable a command-line option reads (``envvar=``), in every sub-command."""
    found: set[str] = set()
    for param in command.params:
        envvar = getattr(param, "envvar", None)
        found.update([envvar] if isinstance(envvar, str) else envvar or [])
    for sub in getattr(command, "commands", {}).values():
        found |= option_variables(sub)
    return frozenset(found)


@click.group(cls=GatewayGroup)
@click.version_option(version(), "--version", prog_name="lms-gateway", message="%(prog)s %(version)s")
@click.option("--database-url", metavar="URL",
              help="Store URL (default: LMS_GATEWAY_DATABASE_URL, else sqlite:///./lms-gateway.db).")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """lms-gateway: the vendor LMS/assessment APIs, answered from a real result store."""
    ctx.obj = CliContext(database_url, option_variables(ctx.find_root().command))


for module in (serve, store, assessments, qti, itslearning, upstream, results, lti13, faults):
    module.register(main)
