"""``/__admin/``: the JSON admin API (WireMock's conventions) and the console pages.

    GET    /__admin/requests?protocol=&operation=&key=&status=&since=&limit=   newest first
    GET    /__admin/requests/{id}                                              one entry, with bodies
    DELETE /__admin/requests                                                   forget them all
    POST   /__admin/requests/count   {"protocol": "lis", "operation": "replaceResult", "key": "..."}
                                                                               -> {"count": N}
    GET    /__admin/faults   POST /__admin/faults {rule}   DELETE /__admin/faults[/{id}]
    GET    /__admin/openapi.json
    /__admin/accounts, /results, ... (data.py) and /__admin/lti13/... (lti13.py): data at run time

Every answer is JSON; every refusal is ``{"error": "<what to change>"}`` with its HTTP status.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from http import HTTPStatus
from typing import Any

from adapters.store import Store
from adapters.store import faults as store_faults
from adapters.store import journal as store_journal
from gateway.admin import auth, faults
from gateway.config import Settings
from gateway.routing import RAW_BODY, Answer, StartResponse

log = logging.getLogger(__name__)

JSON = "application/json"
MAX_LIMIT = 1000


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def json_answer(status: int, doc: Any) -> Answer:
    return Answer(status, JSON, json.dumps(doc, default=_json_default, indent=1).encode() + b"\n",
                  (("Cache-Control", "no-store"),))


def json_error(status: int, message: str) -> Answer:
    """The Route's error shape."""
    return json_answer(status, {"error": message})


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON: {type(value).__name__}")


def to_console(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
    """``/`` sends people to the console."""
    start_response("302 Found", [("Location", "/__admin/"), ("Content-Type", "text/plain")])
    return [b"See /__admin/\n"]


Handler = Callable[..., Answer]


class AdminApp:
    def __init__(self, settings: Settings, store: Store, tap):
        self.settings = settings
        self.store = store
        self.tap = tap
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._add("GET", r"/requests", self.list_requests)
        self._add("DELETE", r"/requests", self.clear_requests)
        self._add("POST", r"/requests/count", self.count_requests)
        self._add("GET", r"/requests/(\d+)", self.get_request)
        self._add("GET", r"/faults", self.list_faults)
        self._add("POST", r"/faults", self.add_fault)
        self._add("DELETE", r"/faults", self.clear_faults)
        self._add("DELETE", r"/faults/(\d+)", self.remove_fault)
        self._add("GET", r"/openapi.json", self.openapi)
        from gateway.admin import console, data, lti13

        console.register(self)
        data.register(self)
        lti13.register(self)

    def _add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}/?$"), handler))

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        answer = self._answer(environ)
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}",
                       [("Content-Type", answer.content_type), *answer.headers])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [answer.body]

    def _answer(self, environ: dict) -> Answer:
        refused = auth.refusal(environ, self.settings.admin_token)
        if refused is not None:
            return json_error(*refused)
        path = (environ.get("PATH_INFO") or "").removeprefix("/__admin") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        method = "GET" if method == "HEAD" else method
        allowed = []
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match:
                if route_method == method:
                    try:
                        return handler(environ, *match.groups())
                    except ApiError as exc:
                        return json_error(exc.status, exc.message)
                allowed.append(route_method)
        if allowed:
            return json_error(405, f"{method} is not allowed on {path}; use {', '.join(sorted(set(allowed)))}")
        return json_error(404, f"No admin endpoint at /__admin{path}; see GET /__admin/openapi.json")

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def query(environ: dict) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=False))

    @staticmethod
    def body_json(environ: dict, default: Any = None) -> Any:
        raw = environ.get(RAW_BODY, b"")
        if not raw.strip():
            if default is not None:
                return default
            raise ApiError(400, "Send a JSON body")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"The body is not JSON: {exc}") from None

    @staticmethod
    def filter_of(values: dict[str, Any]) -> store_journal.Filter:
        try:
            return store_journal.Filter.from_mapping(values)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None

    # --- journal ---------------------------------------------------------------------------------

    def list_requests(self, environ: dict) -> Answer:
        self.tap.flush()
        query = self.query(environ)
        where = self.filter_of(query)
        try:
            limit = min(int(query.get("limit", 100)), MAX_LIMIT)
        except ValueError:
            raise ApiError(400, f"limit must be a number up to {MAX_LIMIT}") from None
        with self.tap.journal_store.session() as session:
            found = store_journal.entries(session, where, max(limit, 1))
        return json_answer(200, {"requests": found, "journal": "on" if self.settings.journal else "off",
                                 "served_by": os.getpid()})

    def get_request(self, environ: dict, entry_id: str) -> Answer:
        self.tap.flush()
        with self.tap.journal_store.session() as session:
            found = store_journal.entry(session, int(entry_id))
        if found is None:
            raise ApiError(404, f"No journal entry {entry_id} (entries are pruned by count and age)")
        return json_answer(200, entry_document(found))

    def clear_requests(self, environ: dict) -> Answer:
        self.tap.flush()
        with self.tap.journal_store.session() as session:
            removed = store_journal.clear(session)
        return json_answer(200, {"deleted": removed})

    def count_requests(self, environ: dict) -> Answer:
        self.tap.flush()
        spec = self.body_json(environ, default={})
        if not isinstance(spec, dict):
            raise ApiError(400, "The count filter is a JSON object such as {\"protocol\": \"lis\"}")
        where = self.filter_of(spec)
        with self.tap.journal_store.session() as session:
            return json_answer(200, {"count": store_journal.count(session, where)})

    # --- faults ----------------------------------------------------------------------------------

    def list_faults(self, environ: dict) -> Answer:
        with self.store.session() as session:
            return json_answer(200, {"faults": [rule_document(r) for r in store_faults.listed(session)]})

    def add_fault(self, environ: dict) -> Answer:
        spec = self.body_json(environ)
        try:
            values = faults.parse_rule(spec, self.settings.samples_dir)
        except faults.RuleError as exc:
            raise ApiError(400, str(exc)) from None
        with self.store.session() as session:
            rule = store_faults.add(session, **values)
            doc = rule_document(rule)
        self.tap.rules.invalidate()
        return json_answer(201, doc)

    def remove_fault(self, environ: dict, rule_id: str) -> Answer:
        with self.store.session() as session:
            if not store_faults.remove(session, int(rule_id)):
                raise ApiError(404, f"No fault rule {rule_id}")
        self.tap.rules.invalidate()
        return json_answer(200, {"deleted": 1})

    def clear_faults(self, environ: dict) -> Answer:
        with self.store.session() as session:
            removed = store_faults.clear(session)
        self.tap.rules.invalidate()
        return json_answer(200, {"deleted": removed})

    def openapi(self, environ: dict) -> Answer:
        from gateway.admin.openapi import document

        return json_answer(200, document())


def entry_document(row: dict[str, Any]) -> dict[str, Any]:
    doc = {k: v for k, v in row.items() if k != "key_index"}
    for name in ("request_body", "response_body"):
        data = row.get(name) or b""
        try:
            doc[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            doc[name] = None
            doc[name + "_base64"] = base64.b64encode(data).decode()
    return doc


def rule_document(rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "protocol": rule.protocol,
        "operation": rule.operation,
        "key": rule.key,
        "remaining": rule.remaining,
        "until": rule.until,
        "action": rule.action,
        **(rule.params or {}),
        "hits": rule.hits,
        "created_at": rule.created_at,
    }
