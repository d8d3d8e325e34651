"""``lms-gateway results import FILE`` and ``lms-gateway sign REQUEST.xml``: load LIS results, and
hand-craft OAuth-signed calls to the LIS/LTI endpoints.

Import file columns (CSV header, or the keys of each JSON object), named as in a LIS resultRecord::

    sourcedId,lineItemSourcedId,personSourcedId,date,label,score,language,refAgentInstanceID,InternetSimilarity,...
    49313814,20028310,100012184,2012-05-22T14:41:50Z,TestDoc1.doc,100,en-US,Turnitin SRC12,0

``sourcedId`` and ``lineItemSourcedId`` are required; any other column is an extension field
(the Turnitin ones keep their types). In JSON, ``extension`` may also be an object {name: value}.
The whole file is one unit of work: bad rows (all of them are reported) stop the import before
anything is written.
"""
from __future__ import annotations

import csv
import io
import json
import shlex
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress

from adapters import lis_records
from adapters.instants import aware
from adapters.store import accounts as store_accounts
from adapters.store import results as store_results
from adapters.store.results import ResultData
from gateway import xmlsafe
from gateway.cli.context import HTTP_URL, CliContext, account_option, known_account, pass_cli, print_rows

_KNOWN = {"sourcedId", "lineItemSourcedId", "personSourcedId", "date", "label", "score", "language", "refAgentInstanceID", "extension"}
_TYPES = dict(lis_records.TURNITIN_FIELDS)


class RowError(ValueError):
    pass


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"date {text!r} is not an ISO 8601 date-time") from None
    return aware(value)


def row_to_result(row: dict[str, Any]) -> ResultData:
    def text(key: str) -> str | None:
        value = row.get(key)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    sourced_id, line_item = text("sourcedId"), text("lineItemSourcedId")
    if not sourced_id:
        raise RowError("sourcedId is required")
    if not line_item:
        raise RowError("lineItemSourcedId is required")
    fields = [(k, _TYPES.get(k, "String"), text(k)) for k in row if k not in _KNOWN]
    ext = row.get("extension")
    if isinstance(ext, dict):
        fields += [(str(k), _TYPES.get(str(k), "String"), None if v is None else str(v)) for k, v in ext.items()]
    elif ext not in (None, ""):
        raise RowError("extension must be an object of field names to values")
    return ResultData(
        sourced_id=sourced_id,
        line_item_sourced_id=line_item,
        person_sourced_id=text("personSourcedId"),
        ref_agent_instance_id=text("refAgentInstanceID"),
        date=_date(text("date") or ""),
        value_label=text("label"),
        score_language=text("language"),
        score_text=text("score"),
        extension=lis_records.normalise_extension(fields) if fields else {},
    )


def read_rows(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    if path.suffix.lower() == ".json" or raw.lstrip()[:1] in (b"[", b"{"):
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{path}: not valid JSON: {exc}") from None
        rows = data.get("results") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise click.ClickException(f"{path}: expected a list of result objects (or {{\"results\": [...]}})")
        return rows
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text (byte {exc.start}): save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("sourcedId", "lineItemSourcedId") if c not in (reader.fieldnames or [])]
    if missing:
        raise click.ClickException(f"{path}: the CSV header has no {' or '.join(missing)} column "
                                   f"(it has: {', '.join(reader.fieldnames or []) or 'nothing'})")
    try:
        return list(reader)
    except csv.Error as exc:
        raise click.ClickException(f"{path}, line {reader.line_num}: {exc}") from None


@click.group()
def results() -> None:
    """LIS result records."""


@results.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--account", "account_name", help="Account to import into (see `accounts add`).")
@click.option("--consumer-key", help="Import into the account that owns this OAuth consumer key.")
@pass_cli
def results_import(cli: CliContext, file: Path, account_name: str | None, consumer_key: str | None) -> None:
    """Create or replace the results in FILE (CSV or JSON); every bad row is reported and nothing is imported."""
    if bool(account_name) == bool(consumer_key):
        raise click.UsageError("give exactly one of --account or --consumer-key")
    is_json = file.suffix.lower() == ".json"
    parsed, problems = [], []
    for number, row in enumerate(read_rows(file), start=1 if is_json else 2):
        try:
            parsed.append(row_to_result(row))
        except RowError as exc:
            problems.append(f"{file}, {'entry' if is_json else 'line'} {number}: {exc}")
    if problems:
        for line in problems[:-1]:
            click.echo(f"Error: {line}", err=True)
        raise click.ClickException(f"{problems[-1]}; {len(problems)} bad row(s), nothing was imported")
    created = 0
    with cli.ready_store().session() as session:
        if consumer_key:
            consumer = store_accounts.find_consumer(session, consumer_key)
            if consumer is None:
                raise click.ClickException(f"no account has consumer key {consumer_key!r} (see `lms-gateway accounts list`)")
            account_id, label = consumer.account_id, f"consumer key {consumer_key}"
        else:
            account_id, label = known_account(session, account_name), f"account {account_name}"
        with Progress(transient=True) as progress:
            task = progress.add_task(f"importing {file.name}", total=len(parsed))
            for data in parsed:
                created += store_results.upsert_result(session, account_id, data)
                progress.advance(task)
    click.echo(f"imported {len(parsed)} result(s) into {label}: {created} created, {len(parsed) - created} replaced")


@results.command("list")
@account_option()
@click.option("--line-item", help="Only this lineItemSourcedId's results.")
@click.option("--person", help="Only this personSourcedId's results.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of result objects (the import columns).")
@pass_cli
def results_list(cli: CliContext, account: str, line_item, person, limit, as_json: bool) -> None:
    """The account's LIS results, oldest first."""
    from adapters.store import manage

    with cli.ready_store().session() as session:
        rows = manage.list_results(session, known_account(session, account), line_item=line_item, person=person,
                                   limit=limit)
    print_rows(rows, ["sourcedId", "lineItemSourcedId", "personSourcedId", "score", "label", "date"], as_json,
               f"no results in account {account}")


@results.command("show")
@click.argument("sourced_id")
@account_option()
@click.option("--json", "as_json", is_flag=True, help="Print the result as a JSON object.")
@pass_cli
def results_show(cli: CliContext, sourced_id: str, account: str, as_json: bool) -> None:
    """One result with its extension fields."""
    from adapters.store import manage

    with cli.ready_store().session() as session:
        try:
            row = manage.show_result(session, known_account(session, account), sourced_id)
        except manage.NotFound as exc:
            raise click.ClickException(f"{exc} {account!r}") from None
    if as_json:
        click.echo(json.dumps(row, indent=2))
        return
    for key, value in row.items():
        if key != "extension":
            click.echo(f"{key}: {'' if value is None else value}")
    for name, value in row["extension"].items():
        click.echo(f"extension {name}: {'' if value is None else value}")


@click.command()
@click.argument("request", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", required=True, help="OAuth consumer key.")
@click.option("--secret", required=True, envvar="LMS_GATEWAY_OAUTH_SECRET", help="OAuth secret (or LMS_GATEWAY_OAUTH_SECRET).")
@click.option("--url", required=True, type=HTTP_URL, help="The endpoint URL exactly as the gateway sees it (query string included).")
@click.option("--signature-method", type=click.Choice(["HMAC-SHA1", "HMAC-SHA256"]), default="HMAC-SHA1", show_default=True)
@click.option("--content-type", default="text/xml; charset=utf-8", show_default=True)
@click.option("--soap-action", help="SOAPAction; by default derived from a LIS SOAP body element.")
def sign(request: Path, key: str, secret: str, url: str, signature_method: str, content_type: str, soap_action: str | None) -> None:
    """Print a curl command that POSTs REQUEST with a valid OAuth 1.0 Authorization (body hash included).

    The signature holds a fresh nonce and the current time: run the command once, within the
    gateway's timestamp window.
    """
    from gateway.security.oauth import authorization_header

    body = request.read_bytes()
    auth = authorization_header(url, body, key, secret, content_type=content_type, signature_method=signature_method)
    action = soap_action or _soap_action(body)
    parts = ["curl", "-sS", "-X", "POST", url, "-H", f"Content-Type: {content_type}"]
    if action:
        parts += ["-H", f'SOAPAction: "{action}"']
    parts += ["-H", f"Authorization: {auth}", "--data-binary", f"@{request}"]
    click.echo(" ".join(shlex.quote(p) for p in parts))


def _soap_action(body: bytes) -> str | None:
    """``http://www.imsglobal.org/soap/lis/oms1p0/readResult`` for a body holding readResultRequest."""
    try:
        root = xmlsafe.parse(body)
    except xmlsafe.XMLInputError:
        return None
    soap_body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    entry = next((c for c in soap_body if isinstance(c.tag, str)), None) if soap_body is not None else None
    if entry is None:
        return None
    from gateway.lis.wsdl import SOAP_ACTION

    name = entry.tag.rsplit("}", 1)[-1]
    return SOAP_ACTION + name.removesuffix("Request") if name.endswith("Request") else None


def register(main: click.Group) -> None:
    main.add_command(results)
    main.add_command(sign)
