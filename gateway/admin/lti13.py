"""The LTI 1.3 platform's and the bridge's records over the admin API, through the store code the
``lms-gateway lti13`` commands use (DESIGN.md §13, §14). The account is named in the body of a
POST and by ``?account=`` otherwise.

    GET    /__admin/lti13/tools?account=            POST {"account", "client_id", "deployment_ids": [...],
                                                          "jwks_url" | "jwks" (JWKS, JWK or PEM), "scopes"?}
    GET    /__admin/lti13/users?account=            POST {"account", "user_id", "lti11_user_id"}
    DELETE /__admin/lti13/users/{user_id}?account=
    GET    /__admin/lti13/upstreams?account=        POST {"account", "name", "token_url", "client_id", "audience"?}
    GET    /__admin/lti13/links?account=            POST {"account", "sourced_id", "upstream", "line_item_url", "user_id"}
    DELETE /__admin/lti13/links/{sourcedId}?account=
"""
from __future__ import annotations

import json
from typing import Any

from adapters.store import ags as store_ags
from adapters.store import bridge as store_bridge
from adapters.store import lti13 as store_lti13
from gateway.admin.api import ApiError, json_answer
from gateway.admin.data import _account


def _paths() -> dict[str, Any]:
    refused = {"400": {"description": "refused; the message says why"}, "404": {"description": "no such account or record"}}
    account = [{"name": "account", "in": "query", "required": True, "schema": {"type": "string"}}]

    def op(summary: str, status: str = "200", params: list | None = None) -> dict[str, Any]:
        return {"summary": summary, "parameters": params or [], "responses": {status: {"description": "done"}, **refused}}

    def key(name: str) -> list:
        return [*account, {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]

    return {
        "/__admin/lti13/tools": {
            "get": op("An account's LTI 1.3 tools (as `lti13 tools list`)", params=account),
            "post": op("Register or update a tool: client_id, deployment_ids, jwks_url or jwks, scopes "
                       "(as `lti13 tools add`)", "201"),
        },
        "/__admin/lti13/users": {
            "get": op("LTI 1.3 users linked to their LTI 1.1 user_id (as `lti13 users list`)", params=account),
            "post": op("Link user_id to lti11_user_id (as `lti13 users link`)", "201"),
        },
        "/__admin/lti13/users/{user_id}": {"delete": op("Unlink a user (as `lti13 users unlink`)", params=key("user_id"))},
        "/__admin/lti13/upstreams": {
            "get": op("The bridge's upstream AGS platforms", params=account),
            "post": op("Add or change an upstream: name, token_url, client_id, audience (as `lti13 upstreams add`)", "201"),
        },
        "/__admin/lti13/links": {
            "get": op("The bridge's sourcedId links (as `lti13 links list`)", params=account),
            "post": op("Link a sourcedId to an upstream line item and user: sourced_id, upstream, line_item_url, "
                       "user_id (as `lti13 links add`)", "201"),
        },
        "/__admin/lti13/links/{sourcedId}": {"delete": op("Remove a link (as `lti13 links remove`)", params=key("sourcedId"))},
    }


OPENAPI_PATHS: dict[str, Any] = _paths()


def _text(spec: dict, name: str, *, required: bool = True) -> str | None:
    value = spec.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{name} is required (a non-empty string)")
    return value


def _tool_doc(tool: store_lti13.Tool) -> dict[str, Any]:
    return {"client_id": tool.client_id, "deployment_ids": list(tool.deployment_ids), "jwks_url": tool.jwks_url,
            "scopes": list(tool.scopes)}


def _link_doc(link: store_bridge.Link) -> dict[str, Any]:
    return {"sourcedId": link.sourced_id, "upstream": link.upstream.name, "lineItemUrl": link.line_item_url,
            "userId": link.user_id}


def _upstream_doc(up: store_bridge.Upstream) -> dict[str, Any]:
    return {"name": up.name, "token_url": up.token_url, "client_id": up.client_id, "audience": up.audience}


def register(app) -> None:
    def body(environ) -> dict:
        spec = app.body_json(environ)
        if not isinstance(spec, dict):
            raise ApiError(400, "Send a JSON object")
        return spec

    def write(environ, status: int, action):
        """Run ``action(session, account_id, spec)`` in one transaction; ValueError is a 400."""
        spec = body(environ)
        try:
            with app.store.session() as session:
                return json_answer(status, action(session, _account(session, _text(spec, "account")).id, spec))
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None

    def read(environ, listing):
        with app.store.session() as session:
            return json_answer(200, listing(session, _account(session, app.query(environ).get("account")).id))

    def add_tool(session, account_id, spec):
        deployment_ids = spec.get("deployment_ids")
        if not isinstance(deployment_ids, list) or not all(isinstance(d, str) for d in deployment_ids):
            raise ApiError(400, "deployment_ids is required (a list of strings)")
        scopes = spec.get("scopes")
        if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(x, str) for x in scopes)):
            raise ApiError(400, f"scopes is a list of AGS scopes: {', '.join(store_lti13.AGS_SCOPES)}")
        jwks = spec.get("jwks")
        if jwks is not None:
            jwks = store_lti13.jwks_from_text(jwks if isinstance(jwks, str) else json.dumps(jwks))
        tool = store_lti13.register_tool(session, account_id, _text(spec, "client_id"), deployment_ids=deployment_ids,
                                         jwks_url=_text(spec, "jwks_url", required=False), jwks=jwks, scopes=scopes)
        return _tool_doc(tool)

    def link_user(session, account_id, spec):
        link = store_ags.link_user(session, account_id, _text(spec, "user_id"), _text(spec, "lti11_user_id"))
        return {"userId": link.user_id, "lti11UserId": link.lti11_user_id}

    def add_upstream(session, account_id, spec):
        up = store_bridge.Upstream(_text(spec, "name"), _text(spec, "token_url"), _text(spec, "client_id"),
                                   _text(spec, "audience", required=False))
        saved = store_bridge.set_upstream(session, account_id, up)
        store_lti13.signing_key(session, account_id)  # the upstream registers the account's JWKS
        return _upstream_doc(saved)

    def add_link(session, account_id, spec):
        return _link_doc(store_bridge.set_link(session, account_id, _text(spec, "sourced_id"), _text(spec, "upstream"),
                                               _text(spec, "line_item_url"), _text(spec, "user_id")))

    def remove(what: str, forget):
        def handler(environ, key):
            with app.store.session() as session:
                if not forget(session, _account(session, app.query(environ).get("account")).id, key):
                    raise ApiError(404, f"No {what} {key!r} in this account")
            return json_answer(200, {"deleted": key})
        return handler

    app._add("GET", r"/lti13/tools", lambda env: read(env, lambda s, a: {"tools": [_tool_doc(t) for t in store_lti13.tools(s, a)]}))
    app._add("POST", r"/lti13/tools", lambda env: write(env, 201, add_tool))
    app._add("GET", r"/lti13/users", lambda env: read(env, lambda s, a: {"users": [
        {"userId": u.user_id, "lti11UserId": u.lti11_user_id} for u in store_ags.user_links(s, a)]}))
    app._add("POST", r"/lti13/users", lambda env: write(env, 201, link_user))
    app._add("DELETE", r"/lti13/users/(.+)", remove("user link for", store_ags.unlink_user))
    app._add("GET", r"/lti13/upstreams", lambda env: read(env, lambda s, a: {"upstreams": [
        _upstream_doc(u) for u in store_bridge.upstreams(s, a)]}))
    app._add("POST", r"/lti13/upstreams", lambda env: write(env, 201, add_upstream))
    app._add("GET", r"/lti13/links", lambda env: read(env, lambda s, a: {"links": [_link_doc(k) for k in store_bridge.links(s, a)]}))
    app._add("POST", r"/lti13/links", lambda env: write(env, 201, add_link))
    app._add("DELETE", r"/lti13/links/(.+)", remove("link for sourcedId", store_bridge.remove_link))
