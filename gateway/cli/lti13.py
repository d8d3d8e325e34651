"""``lms-gateway lti13 ...`` (the LTI 1.3 platform: tools, keys, what a tool needs, line items and
scores; the bridge's upstreams and links) and ``lms-gateway bridge`` (DESIGN.md §14)."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from adapters.store import ags as store_ags
from adapters.store import bridge as store_bridge
from adapters.store import lti13 as store_lti13
from gateway.cli.context import CliContext, pass_cli
from gateway.cli.serve import GatewayServer, configure_logging, server_options

_console = Console()
DEFAULT_BASE_URL = "http://127.0.0.1:8080"


@click.group()
def lti13() -> None:
    """The LTI 1.3 platform (AGS 2.0) and the bridge's upstreams."""


def _account_id(session, name: str) -> int:
    """The account's id; like every command, these never create an account by a typo."""
    from sqlalchemy import select

    from adapters.store.models import Account

    account_id = session.scalar(select(Account.id).where(Account.name == name))
    if account_id is None:
        raise click.ClickException(f"no account {name!r} (create it with `lms-gateway accounts add {name}`)")
    return account_id


# ---------------------------------------------------------------------------------------- tools
@lti13.group()
def tools() -> None:
    """Tools registered with an account's platform."""


@tools.command("add")
@click.option("--account", required=True, help="The account (`accounts add` creates it).")
@click.option("--client-id", required=True)
@click.option("--deployment-id", "deployment_ids", required=True, multiple=True, help="Repeatable.")
@click.option("--jwks-url", help="Where the tool publishes its public keys.")
@click.option("--jwks-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The tool's public keys: a JWKS, one JWK, or a PEM public key.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(store_lti13.AGS_SCOPES),
              help="AGS scopes the tool may get (repeatable; default all four).")
@pass_cli
def tools_add(cli: CliContext, account, client_id, deployment_ids, jwks_url, jwks_file, scopes) -> None:
    """Register (or update) a tool."""
    if bool(jwks_url) == bool(jwks_file):
        raise click.UsageError("give exactly one of --jwks-url and --jwks-file")
    try:
        jwks = store_lti13.jwks_from_text(jwks_file.read_text()) if jwks_file else None
        with cli.ready_store().session() as session:
            tool = store_lti13.register_tool(session, _account_id(session, account), client_id,
                                             deployment_ids=list(deployment_ids), jwks_url=jwks_url, jwks=jwks,
                                             scopes=list(scopes) or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"tool {tool.client_id} registered with account {account} ({len(tool.scopes)} scopes)")


@tools.command("list")
@click.option("--account", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def tools_list(cli: CliContext, account, as_json) -> None:
    with cli.ready_store().session() as session:
        found = store_lti13.tools(session, _account_id(session, account))
    if as_json:
        click.echo(json.dumps([{"client_id": t.client_id, "deployment_ids": list(t.deployment_ids), "jwks_url": t.jwks_url,
                                "scopes": list(t.scopes)} for t in found], indent=2))
        return
    table = Table("client id", "deployment ids", "keys", "scopes")
    for t in found:
        table.add_row(t.client_id, ", ".join(t.deployment_ids), t.jwks_url or "JWKS given", str(len(t.scopes)))
    _console.print(table)


# --------------------------------------------------------------------------------------- config
def platform_config(session, account: str, base_url: str) -> dict:
    """What a tool needs to use the account's platform."""
    from gateway.lti13.app import issuer_url

    issuer = issuer_url(base_url.rstrip("/"), account)
    return {
        "issuer": issuer,
        "token_url": issuer + "/token",
        "jwks_url": issuer + "/jwks",
        "lineitems_url": issuer + "/contexts/{context_id}/lineitems",
        "scopes": list(store_lti13.AGS_SCOPES),
        "tools": [{"client_id": t.client_id, "deployment_ids": list(t.deployment_ids)}
                  for t in store_lti13.tools(session, _account_id(session, account))],
    }


@lti13.command("config")
@click.option("--account", required=True)
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True, envvar="LMS_GATEWAY_BASE_URL",
              help="The gateway's external address.")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def config(cli: CliContext, account, base_url, as_json) -> None:
    """Print what a tool needs: issuer, client and deployment ids, token URL, JWKS URL, line items URL."""
    with cli.ready_store().session() as session:
        doc = platform_config(session, account, base_url)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    for key in ("issuer", "token_url", "jwks_url", "lineitems_url"):
        click.echo(f"{key:14} {doc[key]}")
    for tool in doc["tools"]:
        click.echo(f"{'client_id':14} {tool['client_id']}  deployments: {', '.join(tool['deployment_ids'])}")


# ----------------------------------------------------------------------------------------- keys
@lti13.group()
def keys() -> None:
    """The account's platform keys (they also sign the bridge's client assertions)."""


@keys.command("rotate")
@click.option("--account", required=True)
@click.option("--retire", is_flag=True, help="Stop accepting tokens signed with the older keys at once.")
@pass_cli
def keys_rotate(cli: CliContext, account, retire) -> None:
    with cli.ready_store().session() as session:
        kid = store_lti13.rotate_key(session, _account_id(session, account), retire_after=retire)
    click.echo(f"new signing key {kid}")


@keys.command("jwks")
@click.option("--account", required=True)
@pass_cli
def keys_jwks(cli: CliContext, account) -> None:
    """Print the public JWKS (register it, or the JWKS URL, with an upstream the bridge uses)."""
    with cli.ready_store().session() as session:
        account_id = _account_id(session, account)
        store_lti13.signing_key(session, account_id)
        click.echo(json.dumps(store_lti13.public_keys(session, account_id), indent=2))


# ----------------------------------------------------------------------------------- line items
@lti13.command("line-items")
@click.option("--account", required=True)
@click.option("--context", "context_id", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def line_items(cli: CliContext, account, context_id, as_json) -> None:
    """A context's line items and their scores."""
    out = []
    with cli.ready_store().session() as session:
        items, _ = store_ags.list_line_items(session, _account_id(session, account), context_id)
        for item in items:
            results, _ = store_ags.list_results(session, item)
            out.append({"id": item.sourced_id, "label": item.label, "scoreMaximum": item.score_maximum, "tag": item.tag,
                        "results": [{"userId": r.user_id, "sourcedId": r.sourced_id, "resultScore": r.result_score,
                                     "resultMaximum": r.result_maximum} for r in results]})
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    table = Table("line item", "label", "max", "user", "score", "LIS sourcedId")
    for item in out:
        for r in item["results"] or [{"userId": "", "resultScore": None, "sourcedId": ""}]:
            table.add_row(item["id"], item["label"] or "", str(item["scoreMaximum"]), r["userId"],
                          "" if r["resultScore"] is None else str(r["resultScore"]), r["sourcedId"])
    _console.print(table)


# ------------------------------------------------------------------------------ bridge records
@lti13.group()
def upstreams() -> None:
    """Upstream AGS platforms the bridge carries legacy outcomes to."""


@upstreams.command("add")
@click.option("--account", required=True)
@click.option("--name", required=True)
@click.option("--token-url", required=True)
@click.option("--client-id", required=True, help="The gateway's client id at the upstream.")
@click.option("--audience", help="The assertion's aud, when the upstream wants other than its token URL.")
@pass_cli
def upstreams_add(cli: CliContext, account, name, token_url, client_id, audience) -> None:
    try:
        with cli.ready_store().session() as session:
            account_id = _account_id(session, account)
            store_bridge.set_upstream(session, account_id, store_bridge.Upstream(name, token_url, client_id, audience))
            store_lti13.signing_key(session, account_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"upstream {name} added; register the gateway there with `lms-gateway lti13 keys jwks --account {account}` "
               f"or its JWKS URL")


@lti13.group()
def links() -> None:
    """Legacy result sourcedIds and the upstream (line item, user) they stand for."""


@links.command("add")
@click.option("--account", required=True)
@click.option("--sourced-id", required=True)
@click.option("--upstream", "upstream_name", required=True)
@click.option("--line-item-url", required=True)
@click.option("--user-id", required=True)
@pass_cli
def links_add(cli: CliContext, account, sourced_id, upstream_name, line_item_url, user_id) -> None:
    try:
        with cli.ready_store().session() as session:
            store_bridge.set_link(session, _account_id(session, account), sourced_id, upstream_name, line_item_url, user_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{sourced_id} -> {line_item_url} user {user_id}")


@links.command("list")
@click.option("--account", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def links_list(cli: CliContext, account, as_json) -> None:
    with cli.ready_store().session() as session:
        found = store_bridge.links(session, _account_id(session, account))
    rows = [{"sourcedId": link.sourced_id, "upstream": link.upstream.name, "lineItemUrl": link.line_item_url,
             "userId": link.user_id} for link in found]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("sourcedId", "upstream", "line item URL", "user id")
    for r in rows:
        table.add_row(r["sourcedId"], r["upstream"], r["lineItemUrl"], r["userId"])
    _console.print(table)


@links.command("remove")
@click.option("--account", required=True)
@click.option("--sourced-id", required=True)
@pass_cli
def links_remove(cli: CliContext, account, sourced_id) -> None:
    with cli.ready_store().session() as session:
        if not store_bridge.remove_link(session, _account_id(session, account), sourced_id):
            raise click.ClickException(f"no link for sourcedId {sourced_id!r} in account {account!r} (see `lms-gateway lti13 links list`)")
    click.echo(f"{sourced_id} unlinked")


# ------------------------------------------------------------------------------- user links
@lti13.group()
def users() -> None:
    """LTI 1.3 users tied to their LTI 1.1 user_id (the lti1p1 claim's), so that their AGS scores
    land on the results legacy LIS and LTI 1.1 callers read."""


@users.command("link")
@click.option("--account", required=True)
@click.option("--user-id", required=True, help="The LTI 1.3 user (the userId AGS scores name).")
@click.option("--lti11-user-id", required=True, help="The same person's LTI 1.1 user_id (LIS personSourcedId).")
@pass_cli
def users_link(cli: CliContext, account, user_id, lti11_user_id) -> None:
    try:
        with cli.ready_store().session() as session:
            store_ags.link_user(session, _account_id(session, account), user_id, lti11_user_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {user_id} -> LTI 1.1 user {lti11_user_id}")


@users.command("unlink")
@click.option("--account", required=True)
@click.option("--user-id", required=True)
@pass_cli
def users_unlink(cli: CliContext, account, user_id) -> None:
    with cli.ready_store().session() as session:
        if not store_ags.unlink_user(session, _account_id(session, account), user_id):
            raise click.ClickException(f"user {user_id!r} has no link in account {account!r} (see `lms-gateway lti13 users list`)")
    click.echo(f"user {user_id} unlinked")


@users.command("list")
@click.option("--account", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def users_list(cli: CliContext, account, as_json) -> None:
    with cli.ready_store().session() as session:
        rows = [{"userId": u.user_id, "lti11UserId": u.lti11_user_id}
                for u in store_ags.user_links(session, _account_id(session, account))]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table("user id", "LTI 1.1 user id")
    for r in rows:
        table.add_row(r["userId"], r["lti11UserId"])
    _console.print(table)


# --------------------------------------------------------------------------------------- bridge
class BridgeServer(GatewayServer):
    def __init__(self, settings, options: dict, timeout: float, record_dir: Path | None):
        self.timeout, self.record_dir = timeout, record_dir
        super().__init__(settings, options)

    def wsgi_app(self):
        from adapters.store import Store
        from gateway.lti13.bridge_app import create_bridge_app

        return create_bridge_app(self.settings, Store(self.settings.database_url), timeout=self.timeout,
                                 record_dir=self.record_dir)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8082, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds to wait for the upstream.")
@click.option("--record", "record_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write every exchange (legacy and upstream) here as a sample, secrets redacted.")
@pass_cli
def bridge(cli: CliContext, host, port, workers, threads, timeout, record_dir) -> None:
    """Serve the legacy outcome endpoints (LTI 1.1 POX, LIS SOAP) and carry them to upstream AGS platforms."""
    from gateway import metrics

    configure_logging(cli.settings.log_level)
    cli.ready_store().dispose()
    metrics_dir = tempfile.mkdtemp(prefix="lms-gateway-metrics-")
    metrics.enable_multiprocess(metrics_dir)
    options = server_options(host, port, workers, threads, cli.settings.log_level, cli.settings)
    options["proc_name"] = "lms-gateway-bridge"
    click.echo(f"lms-gateway bridge on http://{host}:{port}{f', recording to {record_dir}' if record_dir else ''}", err=True)
    try:
        BridgeServer(cli.settings, options, timeout, record_dir).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def register(main: click.Group) -> None:
    main.add_command(lti13)
    main.add_command(bridge)
