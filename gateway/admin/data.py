"""Data at run time over the admin API, through the store code the CLI uses (no second "add a result").

    POST   /__admin/accounts      {"name", "consumer_key"+"secret", "webex_id"+"webex_password", "site_id",
                                   "site_name", "partner_id", "email", "itslearning_username"+"itslearning_password",
                                   "itslearning_site_id"}                      (lms-gateway accounts add)
    GET    /__admin/accounts                                               (lms-gateway accounts list)
    DELETE /__admin/accounts/{name}
    POST   /__admin/results       {"consumer_key" | "account", "results": [rows as `results import` reads]}
    DELETE /__admin/results/{sourcedId}?consumer_key=|account=
    POST   /__admin/tests?account=&test_id=&host=   body: QTI 1.2 XML        (lms-gateway tests import)
    POST   /__admin/attempts      {"account", "attempt": {...}}             (lms-gateway attempts submit)
    POST   /__admin/itslearning/courses  {"account", "id", "site_id", "sync_key", "title", "state", "external"}
    POST   /__admin/itslearning/users    {"account", "id", "site_id", "sync_key", "name", "state", "external"}
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from adapters.store import accounts as store_accounts
from adapters.store import itslearning as store_its
from adapters.store import results as store_results
from adapters.store.models import Account, ItsCourse, ItsUser, Result
from gateway import assessments
from gateway.admin.api import ApiError, json_answer
from gateway.routing import RAW_BODY
from gateway.security.passwords import hash_password

OPENAPI_PATHS: dict[str, Any] = {
    path: {method: {"summary": summary, "responses": {"200": {"description": "done"}, "400": {"description": "refused"}}}}
    for path, method, summary in [
        ("/__admin/accounts", "post", "Create an account or add credentials to it (as `accounts add`)"),
        ("/__admin/accounts/{name}", "delete", "Delete an account and everything in it"),
        ("/__admin/results", "post", "Create or replace LIS results (rows as `results import` reads them)"),
        ("/__admin/results/{sourcedId}", "delete", "Delete one result"),
        ("/__admin/tests", "post", "Import a QTI 1.2 test (body: the XML; ?account=&test_id=&host=)"),
        ("/__admin/attempts", "post", "Submit and score an attempt (DESIGN.md §11 shape)"),
        ("/__admin/itslearning/courses", "post", "Create or change an itslearning course"),
        ("/__admin/itslearning/users", "post", "Create or change an itslearning user"),
    ]
}


def _account(session, name: str | None) -> Account:
    account = next((a for a in store_accounts.list_accounts(session) if a.name == name), None) if name else None
    if account is None:
        raise ApiError(404, f"No account {name!r}; create it with POST /__admin/accounts")
    return account


def _account_id(session, spec: dict) -> int:
    if spec.get("consumer_key"):
        consumer = store_accounts.find_consumer(session, str(spec["consumer_key"]))
        if consumer is None:
            raise ApiError(404, f"No account has consumer key {spec['consumer_key']!r}")
        return consumer.account_id
    return _account(session, spec.get("account")).id


def register(app) -> None:
    def spec(environ) -> dict:
        body = app.body_json(environ)
        if not isinstance(body, dict):
            raise ApiError(400, "Send a JSON object")
        return body

    def add_account(environ):
        s = spec(environ)
        name = str(s.get("name") or "").strip()
        if not name:
            raise ApiError(400, "name is required")
        for a, b in (("consumer_key", "secret"), ("webex_id", "webex_password"), ("itslearning_username", "itslearning_password")):
            if bool(s.get(a)) != bool(s.get(b)):
                raise ApiError(400, f"{a} and {b} go together")
        try:
            with app.store.session() as session:
                account = store_accounts.get_or_create_account(session, name)
                if s.get("consumer_key"):
                    store_accounts.set_consumer(session, account, str(s["consumer_key"]), str(s["secret"]))
                if s.get("webex_id"):
                    store_accounts.set_webex_credential(
                        session, account, webex_id=s["webex_id"], password_hash=hash_password(s["webex_password"]),
                        site_id=str(s.get("site_id") or "0000"), site_name=s.get("site_name"),
                        partner_id=s.get("partner_id"), email=s.get("email"))
                if s.get("itslearning_username"):
                    store_accounts.set_itslearning_credential(
                        session, account, username=s["itslearning_username"],
                        password_hash=hash_password(s["itslearning_password"]), site_id=int(s.get("itslearning_site_id") or 1))
                account_id = account.id
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        return json_answer(201, {"account": name, "id": account_id})

    def list_accounts(environ):
        with app.store.session() as session:
            found = [{"name": a.name, "id": a.id, "consumer_keys": [c.key for c in a.consumers],
                      "webex_ids": [w.webex_id for w in a.webex_credentials],
                      "itslearning_usernames": [i.username for i in a.itslearning_credentials]}
                     for a in store_accounts.list_accounts(session)]
        return json_answer(200, {"accounts": found})

    def delete_account(environ, name):
        with app.store.session() as session:
            # the database's ON DELETE CASCADE removes what the account holds, as `DELETE` in SQL would
            session.execute(delete(Account).where(Account.id == _account(session, name).id))
        return json_answer(200, {"deleted": name})

    def add_results(environ):
        from gateway.cli.results import RowError, row_to_result

        s = spec(environ)
        rows = s.get("results")
        if not isinstance(rows, list) or not rows:
            raise ApiError(400, "results is a list of rows such as {\"sourcedId\": \"1\", \"lineItemSourcedId\": \"L\"}")
        parsed = []
        for number, row in enumerate(rows, start=1):
            try:
                parsed.append(row_to_result(row if isinstance(row, dict) else {}))
            except RowError as exc:
                raise ApiError(400, f"results entry {number}: {exc}; nothing was imported") from None
        with app.store.session() as session:
            account_id = _account_id(session, s)
            created = sum(store_results.upsert_result(session, account_id, data) for data in parsed)
        return json_answer(200, {"created": created, "replaced": len(parsed) - created})

    def delete_result(environ, sourced_id):
        query = app.query(environ)
        with app.store.session() as session:
            account_id = _account_id(session, query)
            removed = session.execute(delete(Result).where(Result.account_id == account_id, Result.sourced_id == sourced_id)).rowcount
        if not removed:
            raise ApiError(404, f"No result {sourced_id}")
        return json_answer(200, {"deleted": sourced_id})

    def add_test(environ):
        query = app.query(environ)
        data = environ.get(RAW_BODY, b"")
        try:
            test_id = int(query["test_id"]) if query.get("test_id") else None
        except ValueError:
            raise ApiError(400, "test_id must be a number") from None
        try:
            with app.store.session() as session:
                owner = _account(session, query.get("account"))
                test, assessment = assessments.import_test(session, owner, data, webex_test_id=test_id,
                                                           host_webex_id=query.get("host"))
                webex_test_id = test.webex_test_id
        except ValueError as exc:
            raise ApiError(400, f"QTI 1.2: {exc}") from None
        return json_answer(201, {"test": webex_test_id, "items": [item.ident for item in assessment.items]})

    def add_attempt(environ):
        s = spec(environ)
        try:
            with app.store.session() as session:
                owner = _account(session, s.get("account"))
                _, attempt, scored = assessments.submit_attempt(session, owner, s.get("attempt"))
                attempt_id = attempt.id
        except ValueError as exc:
            raise ApiError(400, f"attempt: {exc}") from None
        return json_answer(201, {"attempt": attempt_id, **scored.to_json()})

    def its_row(model, fields: tuple[str, ...], defaults: dict[str, Any]):
        def handler(environ):
            s = spec(environ)
            try:
                row_id = int(s["id"])
            except (KeyError, TypeError, ValueError):
                raise ApiError(400, "id (a number) is required") from None
            values = {k: s[k] for k in fields if k in s}
            with app.store.session() as session:
                account_id = _account(session, s.get("account")).id
                row = store_its.ensure_row(session, model, row_id, account_id=account_id, **{**defaults, **values})
                if row.account_id != account_id:
                    raise ApiError(409, f"{model.__tablename__} {row_id} belongs to another account")
                for k, v in values.items():
                    setattr(row, k, v)
            return json_answer(201, {"id": row_id, **values})
        return handler

    app._add("POST", r"/accounts", add_account)
    app._add("GET", r"/accounts", list_accounts)
    app._add("DELETE", r"/accounts/([^/]+)", delete_account)
    app._add("POST", r"/results", add_results)
    app._add("DELETE", r"/results/([^/]+)", delete_result)
    app._add("POST", r"/tests", add_test)
    app._add("POST", r"/attempts", add_attempt)
    app._add("POST", r"/itslearning/courses", its_row(ItsCourse, ("site_id", "sync_key", "title", "state", "external"),
                                                               {"site_id": 1, "title": "Course"}))
    app._add("POST", r"/itslearning/users", its_row(ItsUser, ("site_id", "sync_key", "name", "state", "external"),
                                                             {"site_id": 1}))
