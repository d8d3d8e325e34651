"""``GET /__admin/openapi.json``: the admin API described as OpenAPI 3.1."""
from __future__ import annotations

from typing import Any

_FILTER_PARAMS = [
    ("protocol", "webex, lis, lti, itslearning, qti (and later protocols by their route name)"),
    ("operation", "e.g. readResult, replaceResult, GetIMStestResult, AddMessage"),
    ("key", "a business key the request names: sourcedId, lineItem, testID, participant, messageId, SyncKey"),
    ("status", "HTTP status of the answer"),
    ("since", "ISO 8601 time; entries at or after it"),
    ("account", "consumer key, webExID or itslearning username"),
    ("fault_rule", "id of the fault rule that answered"),
]


def _filter_schema() -> dict[str, Any]:
    props = {name: {"type": "integer" if name in ("status", "fault_rule") else "string", "description": d}
             for name, d in _FILTER_PARAMS}
    return {"type": "object", "properties": props, "additionalProperties": False}


def _json(schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema or {"type": "object"}}}}


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, **_json(schema)}


_ERROR = {"description": "refused; the message says why", **_json({"$ref": "#/components/schemas/Error"})}

_RULE = {
    "type": "object",
    "required": ["protocol"],
    "properties": {
        "protocol": {"enum": ["webex", "lis", "lti", "itslearning"]},
        "operation": {"type": "string"},
        "key": {"type": "string", "description": "only calls naming this business key"},
        "times": {"type": "integer", "minimum": 1, "description": "act on the next N matching calls"},
        "until": {"type": "string", "format": "date-time"},
        "action": {"enum": ["failure", "fault", "delay", "drop", "sample"], "default": "failure"},
        "code_minor": {"type": "string", "description": "LIS/POX imsx_codeMinor, e.g. targetisbusy, unknownobject"},
        "description": {"type": "string"},
        "http_status": {"type": "integer", "description": "POX failure's HTTP status"},
        "exception_id": {"type": "string", "pattern": "^[0-9]{6}$", "description": "WebEx FAILURE exceptionID"},
        "reason": {"type": "string", "description": "WebEx FAILURE reason"},
        "message": {"type": "string", "description": "itslearning fault text"},
        "faultcode": {"type": "string", "description": "SOAP faultcode, e.g. Authentication Fault"},
        "faultstring": {"type": "string"},
        "ms": {"type": "integer", "description": "delay in milliseconds"},
        "sample": {"type": "string", "description": "a folder in the samples folder"},
    },
}


def document() -> dict[str, Any]:
    from gateway.admin import data, lti13

    query = [{"name": n, "in": "query", "schema": {"type": "string"}, "description": d} for n, d in _FILTER_PARAMS]
    query.append({"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000, "default": 100}})
    paths: dict[str, Any] = {
        "/__admin/requests": {
            "get": {"summary": "Journal entries, newest first", "parameters": query,
                    "responses": {"200": _ok("entries"), "400": _ERROR}},
            "delete": {"summary": "Forget every journal entry", "responses": {"200": _ok("how many")}},
        },
        "/__admin/requests/{id}": {
            "get": {"summary": "One entry with its redacted headers and bodies",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": _ok("the entry"), "404": _ERROR}},
        },
        "/__admin/requests/count": {
            "post": {"summary": "Verify: how many entries match", "requestBody": _json(_filter_schema()),
                     "responses": {"200": _ok("the count", {"type": "object", "properties": {"count": {"type": "integer"}}}),
                                   "400": _ERROR}},
        },
        "/__admin/faults": {
            "get": {"summary": "Fault rules", "responses": {"200": _ok("rules")}},
            "post": {"summary": "Add a fault rule", "requestBody": _json(_RULE),
                     "responses": {"201": _ok("the rule"), "400": _ERROR}},
            "delete": {"summary": "Remove every fault rule", "responses": {"200": _ok("how many")}},
        },
        "/__admin/faults/{id}": {
            "delete": {"summary": "Remove one fault rule",
                       "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                       "responses": {"200": _ok("removed"), "404": _ERROR}},
        },
        **getattr(data, "OPENAPI_PATHS", {}),
        **lti13.OPENAPI_PATHS,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "lms-gateway admin API", "version": "1",
                 "description": "Bearer LMS_GATEWAY_ADMIN_TOKEN when set; otherwise loopback callers only."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "string"}}}},
        },
        "security": [{"bearer": []}, {}],
        "paths": paths,
    }
