"""The web console at ``/__admin/``: server-rendered pages (Jinja2), a few lines of JavaScript that
refresh the journal, no build step and nothing fetched from elsewhere.

    GET  /__admin/                      endpoints (WSDL links), demo credentials, fault rules, journal
    GET  /__admin/console/journal       the journal's rows (what the page re-fetches every 2 s)
    GET  /__admin/console/entries/{id}  one exchange: pretty XML, OAuth verdict, diff against a sample
    POST /__admin/console/entries/{id}/sample   save it in samples/'s format
    POST /__admin/console/faults        add a rule (the API's checks)   POST .../faults/{id}/delete

Forms are posted by the browser; a post whose Origin names another host is refused (a page on
another site must not drive a console on loopback).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from lxml import etree

from adapters.store import faults as store_faults
from adapters.store import journal as store_journal
from adapters.store.accounts import list_accounts
from adapters.upstream import samples
from adapters.upstream.compare import Rules, diff_trees
from gateway import xmlsafe
from gateway.admin import faults
from gateway.admin.api import ApiError, rule_document
from gateway.admin.exchange import SAMPLE_PROTOCOLS
from gateway.routing import RAW_BODY, Answer

HTML = "text/html; charset=utf-8"
_ENV = Environment(loader=PackageLoader("gateway.admin", "templates"), autoescape=select_autoescape(["html"]))
FILTERS = ("protocol", "operation", "key", "status")


def _page(template: str, **values) -> Answer:
    body = _ENV.get_template(template).render(**values).encode("utf-8")
    return Answer(200, HTML, body, (("Cache-Control", "no-store"),))


def _redirect(location: str) -> Answer:
    return Answer(303, "text/plain; charset=utf-8", b"", (("Location", location),))


def pretty(data: bytes) -> str:
    """Indented XML for people; anything else as it came."""
    if not data.strip():
        return ""
    try:
        root = xmlsafe.parse(data)
    except Exception:
        return data.decode("utf-8", "replace")
    for el in root.iter():
        if isinstance(el.tag, str) and len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def endpoints() -> list[dict]:
    from gateway import qti_profile
    from gateway import webex
    from gateway.itslearning.services import DATA_PATH, FILE_PATH
    from gateway.lis import pox, soap

    return [
        {"path": webex.PATH, "protocol": "WebEx XML API", "wsdl": None},
        {"path": soap.PATH, "protocol": "LIS OMS 1.0 SOAP (OAuth 1.0)", "wsdl": soap.PATH + "?wsdl"},
        {"path": pox.PATH, "protocol": "LTI 1.1 Basic Outcomes POX (OAuth 1.0)", "wsdl": None},
        {"path": FILE_PATH, "protocol": "itslearning FileService (WS-Security)", "wsdl": FILE_PATH + "?wsdl"},
        {"path": DATA_PATH, "protocol": "itslearning DataService (WS-Security)", "wsdl": DATA_PATH + "?wsdl"},
        {"path": qti_profile.PATH, "protocol": "QTI contentProfile", "wsdl": None},
        {"path": "/healthz", "protocol": "health", "wsdl": None},
        {"path": "/metrics", "protocol": "Prometheus metrics", "wsdl": None},
    ]


def demo_credentials(session, settings) -> dict | None:
    from gateway.demo import accounts as demo_accounts

    if not any(a.name == demo_accounts.DEMO_ACCOUNT for a in list_accounts(session)):
        return None
    return {
        "webex": {**demo_accounts.WEBEX},
        "lis": {"consumer_key": demo_accounts.LIS_CONSUMER_KEY, "secret": settings.demo_secret},
        "itslearning": {"username": demo_accounts.ITSLEARNING_USERNAME, "password": settings.demo_secret,
                        "site_id": demo_accounts.ITSLEARNING_SITE_ID},
    }


def sample_names(folder: str | Path) -> list[str]:
    try:
        return [p.name for p in samples.discover([folder])]
    except samples.SampleError:
        return []


def register(app) -> None:
    def form(environ) -> dict[str, str]:
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin != "null" and urlsplit(origin).netloc != environ.get("HTTP_HOST", ""):
            raise ApiError(403, f"A form posted from {origin} may not change this gateway.")
        return dict(parse_qsl(environ.get(RAW_BODY, b"").decode("utf-8", "replace")))

    def journal_filter(environ):
        query = {k: v for k, v in app.query(environ).items() if k in FILTERS and v}
        return query, app.filter_of(query)

    def index(environ) -> Answer:
        app.tap.flush()
        query, where = journal_filter(environ)
        with app.tap.journal_store.session() as session:
            rows = store_journal.entries(session, where, 100)
        with app.store.session() as session:
            rules = [rule_document(r) for r in store_faults.listed(session)]
            demo = demo_credentials(session, app.settings)
        return _page("index.html", endpoints=endpoints(), demo=demo, rows=rows, rules=rules, query=query,
                     query_string=urlencode(query), protocols=sorted(faults.PROTOCOLS), actions=sorted(faults.ACTIONS),
                     samples=sample_names(app.settings.samples_dir), journal_on=app.settings.journal,
                     message=app.query(environ).get("message"))

    def journal_rows(environ) -> Answer:
        app.tap.flush()
        _, where = journal_filter(environ)
        with app.tap.journal_store.session() as session:
            rows = store_journal.entries(session, where, 100)
        return _page("rows.html", rows=rows)

    def entry(environ, entry_id) -> Answer:
        app.tap.flush()
        with app.tap.journal_store.session() as session:
            row = store_journal.entry(session, int(entry_id))
        if row is None:
            raise ApiError(404, f"No journal entry {entry_id}")
        chosen = app.query(environ).get("sample")
        differences = None
        if chosen:
            differences = _diff(app.settings.samples_dir, chosen, row)
        return _page("entry.html", e=row, request_xml=pretty(row["request_body"]), response_xml=pretty(row["response_body"]),
                     samples=sample_names(app.settings.samples_dir), chosen=chosen, differences=differences,
                     message=app.query(environ).get("message"), can_save=row["protocol"] in SAMPLE_PROTOCOLS)

    def save_sample(environ, entry_id) -> Answer:
        values = form(environ)
        with app.tap.journal_store.session() as session:
            row = store_journal.entry(session, int(entry_id))
        if row is None:
            raise ApiError(404, f"No journal entry {entry_id}")
        folder = save_entry_as_sample(row, app.settings.samples_dir, values.get("name") or "")
        return _redirect(f"/__admin/console/entries/{entry_id}?" + urlencode({"message": f"saved as {folder}"}))

    def add_rule(environ) -> Answer:
        values = {k: v for k, v in form(environ).items() if v.strip()}
        for number in ("times", "http_status", "ms"):
            if number in values:
                try:
                    values[number] = int(values[number])
                except ValueError:
                    return _redirect("/__admin/?" + urlencode({"message": f"{number} must be a whole number"}) + "#faults")
        try:
            spec = faults.parse_rule(values, app.settings.samples_dir)
        except faults.RuleError as exc:
            return _redirect("/__admin/?" + urlencode({"message": str(exc)}) + "#faults")
        with app.store.session() as session:
            rule = store_faults.add(session, **spec)
            rule_id = rule.id
        app.tap.rules.invalidate()
        return _redirect("/__admin/?" + urlencode({"message": f"fault rule {rule_id} added"}) + "#faults")

    def remove_rule(environ, rule_id) -> Answer:
        form(environ)
        with app.store.session() as session:
            store_faults.remove(session, int(rule_id))
        app.tap.rules.invalidate()
        return _redirect("/__admin/?" + urlencode({"message": f"fault rule {rule_id} removed"}) + "#faults")

    app._add("GET", r"", index)
    app._add("GET", r"/console/journal", journal_rows)
    app._add("GET", r"/console/entries/(\d+)", entry)
    app._add("POST", r"/console/entries/(\d+)/sample", save_sample)
    app._add("POST", r"/console/faults", add_rule)
    app._add("POST", r"/console/faults/(\d+)/delete", remove_rule)


def _diff(folder: str | Path, name: str, row: dict) -> list[str]:
    if "/" in name or name.startswith("."):
        return [f"{name}: not a sample name"]
    try:
        sample = samples.load(Path(folder) / name)
        expected, actual = xmlsafe.parse(sample.response.body), xmlsafe.parse(row["response_body"])
    except samples.SampleError as exc:
        return [str(exc)]
    except Exception as exc:
        return [f"not comparable as XML: {exc}"]
    found = diff_trees(expected, actual, Rules.of(sample.volatile, sample.equivalent_values))
    return [str(d) for d in found]


def save_entry_as_sample(row: dict, folder: str | Path, name: str = "") -> Path:
    """The entry in ``samples/``'s format (already redacted; the recorded signature is never kept)."""
    from gateway.proxy.record import VOLATILE

    protocol = SAMPLE_PROTOCOLS[row["protocol"]]
    at = row["at"] if isinstance(row["at"], datetime) else datetime.now(timezone.utc)
    auth = (row.get("oauth") or {}).get("consumer_key")
    sample = samples.Sample(
        name=samples.folder_name(name) if name.strip() else samples.folder_name(
            at.strftime("%Y%m%dT%H%M%S"), row["protocol"], row["operation"] or "", str(row["id"])),
        protocol=protocol,
        operation=row["operation"] or "",
        request=samples.RecordedRequest(row["method"], row["path"], dict(row["request_headers"]), row["request_body"]),
        response=samples.RecordedResponse(row["status"], dict(row["response_headers"]), row["response_body"]),
        recorded=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=f"lms-gateway journal entry {row['id']} (request {row['request_id']})",
        auth=samples.OAuthInfo(auth) if auth else None,
        volatile=list(VOLATILE.get(protocol, [])),
        redacted=list(row.get("redacted") or []),
    )
    return samples.save(sample, folder)
