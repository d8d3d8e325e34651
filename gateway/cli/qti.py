"""``qti profile``: print the seed-004 contentProfile of what the QTI 2.1 importer supports."""
from __future__ import annotations

import click

from adapters.qti21.profile import content_profile


@click.group()
def qti() -> None:
    """QTI import capabilities."""


@qti.command("profile")
def qti_profile() -> None:
    """Print the contentProfile XML (the same document GET /qti/contentProfile serves)."""
    click.echo(content_profile().decode(), nl=False)


def register(main: click.Group) -> None:
    main.add_command(qti)
