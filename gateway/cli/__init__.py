"""The ``lms-gateway`` command. Each sub-module adds one family of sub-commands."""
from __future__ import annotations

import click

from gateway.cli import assessments, itslearning, qti, results, serve, store, upstream
from gateway.cli import faults
from gateway.cli.context import CliContext


@click.group()
@click.option("--database-url", envvar="LMS_GATEWAY_DATABASE_URL", help="Store URL (default sqlite:///./lms-gateway.db).")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """lms-gateway: the vendor LMS/assessment APIs, answered from a real result store."""
    ctx.obj = CliContext(database_url)


for module in (serve, store, assessments, qti, itslearning, upstream, results):
    module.register(main)
faults.register(main)
