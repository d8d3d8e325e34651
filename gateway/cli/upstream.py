"""``replay``, ``call``, ``proxy`` and ``sync``: the gateway between real systems (DESIGN.md purposes 2, 3)."""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import click
import requests
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from adapters.store import accounts as store_accounts
from adapters.store import results as store_results
from adapters.upstream import lis as lis_client
from adapters.upstream import replay as replayer
from adapters.upstream import samples as sample_files
from adapters.upstream import webex as webex_client
from gateway import demo, xmlsafe
from gateway.cli.context import HTTP_URL, TIMEOUT, CliContext, known_account, pass_cli
from gateway.cli.serve import GatewayServer, configure_logging, server_options
from gateway.demo import accounts as demo_accounts
from gateway.lis import wsdl as lis_wsdl

IN_PROCESS = "http://lms-gateway.in-process"
_XML_NAME = re.compile(r"[A-Za-z_][\w.-]*")
_console = Console(stderr=True, emoji=False)


class WsdlLocation(click.ParamType):
    """A WSDL file, or an http(s) URL such as a gateway's own ``.../lis-result?wsdl``."""

    name = "FILE|URL"

    def convert(self, value, param, ctx):
        if str(value).lower().startswith(("http://", "https://")):
            return str(value)
        return click.Path(exists=True, dir_okay=False).convert(value, param, ctx)


WSDL_LOCATION = WsdlLocation()


# --------------------------------------------------------------------------------------- replay
@click.command()
@click.argument("sample_paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--target", type=HTTP_URL, help="Base URL of a running gateway; without it, the in-process app on the configured store.")
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo data first (in-process only).")
@click.option("--secret", envvar="LMS_GATEWAY_REPLAY_SECRET",
              help="OAuth secret to re-sign with (default: the configured store's secret for the sample's key, "
                   "else the demo secret).")
@click.option("--webex-password", envvar="LMS_GATEWAY_REPLAY_WEBEX_PASSWORD",
              help="Fills a redacted WebEx <password> (default with --demo: the demo host's).")
@click.option("--timeout", default=30.0, show_default=True, type=TIMEOUT, help="Seconds per request.")
@pass_cli
def replay(cli: CliContext, sample_paths, target, with_demo, secret, webex_password, timeout) -> None:
    """Send every recorded request in SAMPLE_PATHS again and compare the answers (exit 1 on any mismatch)."""
    try:
        folders = sample_files.discover(sample_paths)
        loaded = [sample_files.load(f) for f in folders]
    except sample_files.SampleError as exc:
        raise click.ClickException(str(exc)) from exc
    if not loaded:
        raise click.ClickException("no samples found")
    session = requests.Session()
    store = None
    if target is None:
        from wsgiadapter import WSGIAdapter

        from gateway.app import create_app

        store = cli.ready_store()
        if with_demo:
            demo.load(store, cli.settings)
        session.mount(IN_PROCESS, WSGIAdapter(create_app(cli.settings, store)))
        base = IN_PROCESS
    elif with_demo:
        raise click.UsageError("--demo loads the configured store; a --target gateway has its own")
    else:
        base = target
        store = _existing_store(cli)  # a gateway sharing the configured store knows the same secrets
    if webex_password is None and with_demo:
        webex_password = demo_accounts.WEBEX["password"]
    fill = {"password": webex_password} if webex_password else {}

    def secret_for(key: str) -> str | None:
        if secret:
            return secret
        if store is not None:
            with store.session() as s:
                consumer = store_accounts.find_consumer(s, key)
                if consumer is not None:
                    return consumer.secret
        return cli.settings.demo_secret

    outcomes = []
    with Progress(TextColumn("[bold]replay"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  console=_console, transient=True) as progress:
        task = progress.add_task("", total=len(loaded))
        for sample in loaded:
            progress.update(task, description=sample.name)
            outcomes.append(replayer.replay(sample, session, base, xmlsafe.parse, secret_for=secret_for, fill=fill,
                                            timeout=timeout))
            progress.advance(task)
    _report(outcomes)
    failed = [o for o in outcomes if not o.passed]
    for hint in _hints(failed, store, with_demo, target):
        _console.print(f"Hint: {hint}", highlight=False, markup=False, soft_wrap=True)
    if store is not None:
        store.dispose()
    if failed:
        sys.exit(1)


def cli_store_url(store) -> str:
    return store.engine.url.render_as_string(hide_password=True)


#: what to give for a request element the recording redacted
_FILL_OPTIONS = {"password": "--webex-password"}


def _hints(failed: list[replayer.Outcome], store, with_demo: bool, target: str | None) -> list[str]:
    """The obvious next step for a failed replay: demo data, or a redacted secret to give."""
    hints = []
    if failed and target is None and not with_demo:
        with store.session() as s:
            if not store_accounts.list_accounts(s):
                hints.append(f"the store at {cli_store_url(store)} has no accounts: samples recorded "
                             "against the demo data replay with --demo")
    for name, option in _FILL_OPTIONS.items():
        samples = [o.sample.name for o in failed if name in o.redacted]
        if samples:
            hints.append(f"the recorded <{name}> was redacted in {', '.join(samples)}: give the real one with {option}")
    return hints


def _existing_store(cli: CliContext):
    """The configured store if it is reachable and has a schema (never created here), else None."""
    from adapters.store import schema

    try:
        return None if schema.is_empty(cli.store) else cli.store
    except Exception:  # unreachable, wrong URL, no permission: then there is just no store to ask
        return None


def _report(outcomes: list[replayer.Outcome]) -> None:
    console = Console(emoji=False)  # ":label:" in an element path is not an emoji
    for outcome in outcomes:
        if outcome.passed:
            continue
        console.print(f"[bold red]{outcome.verdict}[/] {outcome.sample.name}", highlight=False)
        if outcome.error:
            console.print(f"  {outcome.error}", highlight=False, markup=False, soft_wrap=True)
        for difference in outcome.differences:
            # soft_wrap: one difference per line, whole, so that it can be grepped and copied
            console.print(f"  {difference}", highlight=False, markup=False, soft_wrap=True)
    table = Table("sample", "protocol", "operation", "status", "result", "differences", title="replay")
    table.columns[0].overflow = "fold"
    for o in outcomes:
        colour = "green" if o.passed else "red"
        table.add_row(o.sample.name, o.sample.protocol, o.sample.operation, str(o.status or "-"),
                      f"[{colour}]{o.verdict}[/]", str(len(o.differences)))
    console.print(table)
    passed = sum(o.passed for o in outcomes)
    console.print(f"{passed}/{len(outcomes)} samples replayed cleanly", highlight=False)


# ----------------------------------------------------------------------------------------- call
@click.group()
def call() -> None:
    """Call a real vendor endpoint (or a gateway) as its own clients do."""


@call.command("lis")
@click.argument("operation", type=click.Choice(sorted(lis_client.OPERATIONS)))
@click.argument("ids", nargs=-1)
@click.option("--upstream", required=True, type=HTTP_URL, help="The LIS service endpoint URL.")
@click.option("--key", required=True, envvar="LMS_GATEWAY_UPSTREAM_KEY", help="OAuth consumer key.")
@click.option("--secret", required=True, envvar="LMS_GATEWAY_UPSTREAM_SECRET", help="OAuth shared secret.")
@click.option("--wsdl", "wsdl_path", type=WSDL_LOCATION, default=str(lis_wsdl.WSDL_FILE),
              show_default=True, help="WSDL to build the client from (the gateway's, or the IMS reference WSDL).")
@click.option("--signature-method", type=click.Choice(["HMAC-SHA1", "HMAC-SHA256"]), default="HMAC-SHA1", show_default=True)
@click.option("--timeout", default=30.0, show_default=True, type=TIMEOUT)
def call_lis(operation, ids, upstream, key, secret, wsdl_path, signature_method, timeout) -> None:
    """LIS OMS OPERATION [IDS...] (readResult 49313814; readResults 1 2 3; readResultIdsForLineItem LINEITEM ...), as JSON."""
    needs = {"readAllResultIds": (0, 0), "readResults": (1, None)}.get(operation, (1, 1))
    if len(ids) < needs[0] or (needs[1] is not None and len(ids) > needs[1]):
        raise click.UsageError(f"{operation} takes {'no id' if needs == (0, 0) else 'one id' if needs == (1, 1) else 'one or more ids'}")
    try:
        client = lis_client.LisClient(wsdl_path, upstream, key, secret, signature_method=signature_method, timeout=timeout)
        method = getattr(client, lis_client.OPERATIONS[operation])
        answer = method(list(ids)) if operation == "readResults" else method(*ids)
    except lis_client.LisError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(answer.as_json(), indent=2))
    if not answer.ok:
        sys.exit(1)


@call.command("webex")
@click.argument("operation")
@click.option("--upstream", required=True, type=HTTP_URL, help="The XML API URL, e.g. https://SITE.webex.com/WBXService/XMLService.")
@click.option("--test-id", help="testID (GetIMStestResult, GetIMStestDetails, GetTestInformation).")
@click.option("--participant", help="participantEmail (GetIMStestResult).")
@click.option("--field", "fields", multiple=True, metavar="NAME=VALUE", help="Any other bodyContent element, in order.")
@click.option("--webex-id", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_ID", default="")
@click.option("--password", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_PASSWORD", default="")
@click.option("--session-ticket", default="")
@click.option("--email", default="")
@click.option("--site-id", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_SITE_ID", default="")
@click.option("--site-name", default="")
@click.option("--partner-id", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_PARTNER_ID", default="")
@click.option("--timeout", default=30.0, show_default=True, type=TIMEOUT)
def call_webex(operation, upstream, test_id, participant, fields, webex_id, password, session_ticket, email, site_id,
               site_name, partner_id, timeout) -> None:
    """WebEx XML API OPERATION (GetIMStestResult --test-id 207 --participant EMAIL ...); prints the answer XML."""
    body: list[tuple[str, str]] = []
    if test_id:
        body.append(("testID", test_id))
    if participant:
        body.append(("participantEmail", participant))
    for item in fields:
        name, sep, value = item.partition("=")
        if not sep or not _XML_NAME.fullmatch(name):
            raise click.UsageError(f"--field takes NAME=VALUE with NAME an XML element name, not {item!r}")
        body.append((name, value))
    security = webex_client.SecurityContext(webExID=webex_id, password=password, siteID=site_id, partnerID=partner_id,
                                            email=email, sessionTicket=session_ticket, siteName=site_name)
    client = webex_client.WebexClient(upstream, security, xmlsafe.parse, timeout=timeout)
    try:
        answer = client.call(operation, body)
    except webex_client.WebexError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(answer.raw.decode("utf-8", "replace"))
    if not answer.ok:
        _console.print(f"FAILURE {answer.exception_id}: {answer.reason}", highlight=False, markup=False)
        sys.exit(1)


# ---------------------------------------------------------------------------------------- proxy
class ProxyServer(GatewayServer):
    def __init__(self, settings, options: dict, config):
        self.config = config
        super().__init__(settings, options)

    def wsgi_app(self):
        from adapters.store import Store
        from gateway.proxy import create_proxy_app

        return create_proxy_app(self.settings, Store(self.settings.database_url), self.config)


def upstream_credentials(key, secret, signature_method, webex_id, webex_password, webex_site_id, webex_partner_id,
                         its_username=None, its_password=None):
    from gateway.proxy.forward import UpstreamCredentials

    if bool(key) != bool(secret):
        raise click.UsageError("--upstream-key and --upstream-secret go together")
    if bool(its_username) != bool(its_password):
        raise click.UsageError("--upstream-its-username and --upstream-its-password go together")
    webex = {k: v for k, v in {"webExID": webex_id, "password": webex_password, "siteID": webex_site_id,
                               "partnerID": webex_partner_id}.items() if v}
    its = {"Username": its_username, "Password": its_password} if its_username else None
    return UpstreamCredentials(key or None, secret or None, signature_method, webex or None, its)


@click.command()
@click.option("--upstream", required=True, type=HTTP_URL, envvar="LMS_GATEWAY_UPSTREAM", help="Base URL of the real vendor; paths are kept.")
@click.option("--record", "record_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write every exchange here as a sample (secrets redacted).")
@click.option("--upstream-key", envvar="LMS_GATEWAY_UPSTREAM_KEY", help="OAuth key to re-sign LIS/LTI requests with.")
@click.option("--upstream-secret", envvar="LMS_GATEWAY_UPSTREAM_SECRET", help="OAuth secret for --upstream-key.")
@click.option("--upstream-signature-method", type=click.Choice(["HMAC-SHA1", "HMAC-SHA256"]), default="HMAC-SHA1")
@click.option("--upstream-webex-id", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_ID", help="webExID to put in forwarded WebEx requests.")
@click.option("--upstream-webex-password", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_PASSWORD")
@click.option("--upstream-webex-site-id", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_SITE_ID")
@click.option("--upstream-webex-partner-id", envvar="LMS_GATEWAY_UPSTREAM_WEBEX_PARTNER_ID")
@click.option("--upstream-its-username", envvar="LMS_GATEWAY_UPSTREAM_ITS_USERNAME",
              help="itslearning UsernameToken to put in forwarded requests.")
@click.option("--upstream-its-password", envvar="LMS_GATEWAY_UPSTREAM_ITS_PASSWORD")
@click.option("--timeout", default=30.0, show_default=True, type=TIMEOUT, help="Seconds to wait for the upstream.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@pass_cli
def proxy(cli: CliContext, upstream, record_dir, upstream_key, upstream_secret, upstream_signature_method,
          upstream_webex_id, upstream_webex_password, upstream_webex_site_id, upstream_webex_partner_id,
          upstream_its_username, upstream_its_password, timeout, host, port, workers, threads) -> None:
    """Forward every endpoint to UPSTREAM, re-signed; record exchanges; store the LIS results seen."""
    from gateway.proxy import ProxyConfig

    configure_logging(cli.settings.log_level, cli.settings.log_format)
    credentials = upstream_credentials(upstream_key, upstream_secret, upstream_signature_method, upstream_webex_id,
                                       upstream_webex_password, upstream_webex_site_id, upstream_webex_partner_id,
                                       upstream_its_username, upstream_its_password)
    config = ProxyConfig(upstream, credentials, record_dir, timeout)
    cli.ready_store().dispose()
    metrics_dir = tempfile.mkdtemp(prefix="lms-gateway-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    options = server_options(host, port, workers, threads, cli.settings.log_level, cli.settings)
    options["proc_name"] = "lms-gateway-proxy"
    click.echo(f"lms-gateway proxy on http://{host}:{port} -> {upstream}"
               f"{f', recording to {record_dir}' if record_dir else ''}", err=True)
    try:
        ProxyServer(cli.settings, options, config).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


# ----------------------------------------------------------------------------------------- sync
@click.group()
def sync() -> None:
    """Pull results from an upstream service into the store."""


@sync.command("lis")
@click.option("--upstream", required=True, type=HTTP_URL, help="The LIS service endpoint URL.")
@click.option("--line-item", "line_items", required=True, multiple=True, help="lineItemSourcedId to pull (repeatable).")
@click.option("--key", required=True, envvar="LMS_GATEWAY_UPSTREAM_KEY")
@click.option("--secret", required=True, envvar="LMS_GATEWAY_UPSTREAM_SECRET")
@click.option("--account", "account_name", help="Store under this account (default: the one owning consumer key --key); see `accounts add`.")
@click.option("--wsdl", "wsdl_path", type=WSDL_LOCATION, default=str(lis_wsdl.WSDL_FILE),
              show_default=True)
@click.option("--timeout", default=30.0, show_default=True, type=TIMEOUT)
@pass_cli
def sync_lis(cli: CliContext, upstream, line_items, key, secret, account_name, wsdl_path, timeout) -> None:
    """readResultIdsForLineItem, then readResults, for each --line-item; results are created or replaced."""
    store = cli.ready_store()
    with store.session() as session:
        if account_name:
            account_id = known_account(session, account_name)
        else:
            consumer = store_accounts.find_consumer(session, key)
            if consumer is None:
                raise click.UsageError(f"no account has consumer key {key!r} here: name one with --account")
            account_id = consumer.account_id
    try:
        client = lis_client.LisClient(wsdl_path, upstream, key, secret, timeout=timeout)
        pulled = {}
        for line_item in line_items:
            answer, records = client.results_for_line_item(line_item)
            if not answer.ok:
                raise click.ClickException(
                    f"{answer.operation} for line item {line_item}: {answer.status.code_major}/"
                    f"{answer.status.code_minor}: {answer.status.description}")
            pulled[line_item] = records
    except lis_client.LisError as exc:
        raise click.ClickException(str(exc)) from exc
    created = replaced = 0
    with store.session() as session:  # one unit of work: all line items or none
        for line_item, records in pulled.items():
            store_results.line_item(session, account_id, line_item)
            for record in records:
                if store_results.upsert_result(session, account_id, record):
                    created += 1
                else:
                    replaced += 1
    click.echo(f"{created + replaced} results from {len(pulled)} line item(s): {created} created, {replaced} replaced")


def register(main: click.Group) -> None:
    main.add_command(replay)
    main.add_command(call)
    main.add_command(proxy)
    main.add_command(sync)
