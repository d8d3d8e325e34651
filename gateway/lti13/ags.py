"""AGS 2.0 (Assignment and Grade Services) on the LIS store: line items, scores, results.

Under ``/lti13/{account}/contexts/{context_id}/lineitems``:

| method | path | scope | in | out |
|---|---|---|---|---|
| GET | ``lineitems`` (``?resource_link_id=&resource_id=&tag=&limit=&page=``) | lineitem(.readonly) | | lineitemcontainer+json, ``Link: <…>; rel="next"`` |
| POST | ``lineitems`` | lineitem | lineitem+json | 201 lineitem+json |
| GET / PUT / DELETE | ``lineitems/{id}`` | lineitem(.readonly) / lineitem | lineitem+json | lineitem+json / 204 |
| POST | ``lineitems/{id}/scores`` | score | score+json | 204 |
| GET | ``lineitems/{id}/results`` (``?user_id=&limit=&page=``) | result.readonly | | resultcontainer+json |

A line item (``id`` is its URL)::

    {"id": "https://gw/lti13/demo/contexts/c1/lineitems/9f…", "label": "Quiz 1", "scoreMaximum": 10,
     "resourceId": "quiz-1", "resourceLinkId": "rl-1", "tag": "grade",
     "startDateTime": "2026-11-30T10:00:00Z", "endDateTime": "2026-12-01T10:00:00Z"}

A score (``timestamp`` RFC 3339; ``scoreGiven`` needs ``scoreMaximum``; older than the stored
score → 409)::

    {"userId": "u1", "scoreGiven": 7, "scoreMaximum": 10, "activityProgress": "Completed",
     "gradingProgress": "FullyGraded", "timestamp": "2026-11-30T16:01:02.123Z", "comment": "ok"}

A result (``id`` is the results URL with ``?user_id=``; ``scoreOf`` the line item)::

    {"id": "…/lineitems/9f…/results?user_id=u1", "scoreOf": "…/lineitems/9f…", "userId": "u1",
     "resultScore": 7, "resultMaximum": 10, "comment": "ok"}
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode

from adapters.store import Store
from adapters.store import ags as store_ags
from adapters.store.lti13 import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE
from adapters.store.models import LineItem
from gateway.lti13 import media
from gateway.lti13.access import AccessTokens
from gateway.lti13.errors import Refusal
from gateway.routing import OPERATION, RAW_BODY, Answer

READ_LINEITEMS = frozenset({SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY})
WRITE_LINEITEMS = frozenset({SCOPE_LINEITEM})
WRITE_SCORES = frozenset({SCOPE_SCORE})
READ_RESULTS = frozenset({SCOPE_RESULT_READONLY})

ACTIVITY_PROGRESS = frozenset({"Initialized", "Started", "InProgress", "Submitted", "Completed"})
GRADING_PROGRESS = frozenset({"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"})
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Context:
    """Where a request is: the account, the context and the external URL of its line items."""

    account_id: int
    context_id: str
    lineitems_url: str
    query: str

    def item_url(self, item: LineItem) -> str:
        return f"{self.lineitems_url}/{quote(item.sourced_id, safe='')}"


class Ags:
    def __init__(self, store: Store, tokens: AccessTokens):
        self.store, self.tokens = store, tokens

    def __call__(self, environ: dict, ctx: Context, item_id: str | None, tail: str | None) -> Answer:
        method = environ.get("REQUEST_METHOD", "GET")
        handler, scopes, operation = _ROUTES.get((item_id is not None, tail, method), (None, None, None))
        if handler is None:
            allowed = sorted(m for (has_item, t, m) in _ROUTES if has_item == (item_id is not None) and t == tail)
            if not allowed:
                raise Refusal(404, "not_found", "No AGS resource here")
            raise Refusal(405, "invalid_request", f"Method {method} is not allowed here; use {', '.join(allowed)}")
        environ[OPERATION] = operation
        self.tokens.check(environ, ctx.account_id, scopes)
        return handler(self, environ, ctx, item_id)

    # --- line items -----------------------------------------------------------------------

    def list_line_items(self, environ: dict, ctx: Context, _item: None) -> Answer:
        answer_type = media.negotiate(environ, media.LINEITEM_CONTAINER)
        query = _query(ctx.query)
        limit, page = _paging(query)
        with self.store.session() as session:
            items, more = store_ags.list_line_items(
                session, ctx.account_id, ctx.context_id,
                resource_link_id=query.get("resource_link_id"), resource_id=query.get("resource_id"), tag=query.get("tag"),
                offset=(page - 1) * limit if limit else 0, limit=limit,
            )
            body = [_line_item_json(ctx, i) for i in items]
        headers = (("Link", f'<{_next(ctx.lineitems_url, query, page)}>; rel="next"'),) if more else ()
        return _json(200, answer_type, body, headers)

    def create_line_item(self, environ: dict, ctx: Context, _item: None) -> Answer:
        answer_type = media.negotiate(environ, media.LINEITEM)
        fields = _line_item_fields(media.json_body(environ, environ[RAW_BODY], media.LINEITEM))
        with self.store.session() as session:
            item = store_ags.create_line_item(session, ctx.account_id, ctx.context_id, fields)
            body = _line_item_json(ctx, item)
        return _json(201, answer_type, body, (("Location", body["id"]),))

    def get_line_item(self, environ: dict, ctx: Context, item_id: str) -> Answer:
        answer_type = media.negotiate(environ, media.LINEITEM)
        with self.store.session() as session:
            body = _line_item_json(ctx, self._item(session, ctx, item_id))
        return _json(200, answer_type, body)

    def put_line_item(self, environ: dict, ctx: Context, item_id: str) -> Answer:
        answer_type = media.negotiate(environ, media.LINEITEM)
        fields = _line_item_fields(media.json_body(environ, environ[RAW_BODY], media.LINEITEM))
        with self.store.session() as session:
            item = store_ags.update_line_item(self._item(session, ctx, item_id, lock="update"), fields)
            session.flush()
            body = _line_item_json(ctx, item)
        return _json(200, answer_type, body)

    def delete_line_item(self, environ: dict, ctx: Context, item_id: str) -> Answer:
        with self.store.session() as session:
            store_ags.delete_line_item(session, self._item(session, ctx, item_id, lock="update"))
        return Answer(204, "application/json", b"")

    # --- scores and results ---------------------------------------------------------------

    def post_score(self, environ: dict, ctx: Context, item_id: str) -> Answer:
        score = _score(media.json_body(environ, environ[RAW_BODY], media.SCORE))
        with self.store.session() as session:
            item = self._item(session, ctx, item_id, lock="share")
            if not store_ags.post_score(session, item, score):
                raise Refusal(409, "conflict", f"A score newer than {media.rfc3339(score.timestamp)} is stored for user {score.user_id}")
        return Answer(204, "application/json", b"")

    def get_results(self, environ: dict, ctx: Context, item_id: str) -> Answer:
        answer_type = media.negotiate(environ, media.RESULT_CONTAINER)
        query = _query(ctx.query)
        limit, page = _paging(query)
        with self.store.session() as session:
            item = self._item(session, ctx, item_id)
            item_url = ctx.item_url(item)
            views, more = store_ags.list_results(
                session, item, user_id=query.get("user_id"), offset=(page - 1) * limit if limit else 0, limit=limit
            )
        body = [_result_json(item_url, v) for v in views]
        headers = (("Link", f'<{_next(item_url + "/results", query, page)}>; rel="next"'),) if more else ()
        return _json(200, answer_type, body, headers)

    @staticmethod
    def _item(session, ctx: Context, item_id: str, *, lock: str | None = None) -> LineItem:
        item = store_ags.find_line_item(session, ctx.account_id, ctx.context_id, item_id, lock=lock)
        if item is None:
            # The same for an id that does not exist and one of another context or account.
            raise Refusal(404, "not_found", f"No line item {item_id} in context {ctx.context_id}")
        return item


_ROUTES = {
    (False, None, "GET"): (Ags.list_line_items, READ_LINEITEMS, "lineitems.list"),
    (False, None, "POST"): (Ags.create_line_item, WRITE_LINEITEMS, "lineitems.create"),
    (True, None, "GET"): (Ags.get_line_item, READ_LINEITEMS, "lineitem.get"),
    (True, None, "PUT"): (Ags.put_line_item, WRITE_LINEITEMS, "lineitem.update"),
    (True, None, "DELETE"): (Ags.delete_line_item, WRITE_LINEITEMS, "lineitem.delete"),
    (True, "scores", "POST"): (Ags.post_score, WRITE_SCORES, "scores.post"),
    (True, "results", "GET"): (Ags.get_results, READ_RESULTS, "results.list"),
}


def _json(status: int, content_type: str, body, headers: tuple = ()) -> Answer:
    return Answer(status, content_type, json.dumps(body).encode(), headers)


def _query(text: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _paging(query: dict[str, str]) -> tuple[int | None, int]:
    def positive(name: str) -> int | None:
        if name not in query:
            return None
        try:
            value = int(query[name])
        except ValueError:
            value = 0
        if value < 1:
            raise Refusal(400, "invalid_request", f"{name} must be a positive integer")
        return value

    limit = positive("limit")
    if limit is not None and limit > MAX_LIMIT:
        raise Refusal(400, "invalid_request", f"limit is at most {MAX_LIMIT}")
    return limit, positive("page") or 1


def _next(url: str, query: dict[str, str], page: int) -> str:
    return f"{url}?{urlencode({**query, 'page': str(page + 1)})}"


def _line_item_json(ctx: Context, item: LineItem) -> dict:
    doc = {"id": ctx.item_url(item), "label": item.label or "", "scoreMaximum": item.score_maximum}
    for key, value in (
        ("resourceId", item.resource_id), ("resourceLinkId", item.resource_link_id), ("tag", item.tag),
        ("startDateTime", media.rfc3339(store_ags.aware(item.start_date_time))),
        ("endDateTime", media.rfc3339(store_ags.aware(item.end_date_time))),
    ):
        if value is not None:
            doc[key] = value
    return doc


def _line_item_fields(doc: dict) -> store_ags.LineItemFields:
    return store_ags.LineItemFields(
        label=media.string(doc, "label", required=True, max_length=500),
        score_maximum=media.number(doc, "scoreMaximum", required=True, positive=True),
        resource_id=media.string(doc, "resourceId", required=False),
        resource_link_id=media.string(doc, "resourceLinkId", required=False),
        tag=media.string(doc, "tag", required=False),
        start_date_time=media.timestamp(doc, "startDateTime", required=False),
        end_date_time=media.timestamp(doc, "endDateTime", required=False),
    )


def _score(doc: dict) -> store_ags.Score:
    user_id = media.string(doc, "userId", required=True)
    activity = media.string(doc, "activityProgress", required=True, max_length=32)
    if activity not in ACTIVITY_PROGRESS:
        raise Refusal(400, "invalid_request", f"activityProgress must be one of {', '.join(sorted(ACTIVITY_PROGRESS))}")
    grading = media.string(doc, "gradingProgress", required=True, max_length=32)
    if grading not in GRADING_PROGRESS:
        raise Refusal(400, "invalid_request", f"gradingProgress must be one of {', '.join(sorted(GRADING_PROGRESS))}")
    given = media.number(doc, "scoreGiven", required=False)
    maximum = media.number(doc, "scoreMaximum", required=given is not None, positive=True)
    return store_ags.Score(
        user_id=user_id,
        timestamp=media.timestamp(doc, "timestamp", required=True),
        activity_progress=activity,
        grading_progress=grading,
        score_given=given,
        score_maximum=maximum,
        comment=media.string(doc, "comment", required=False, max_length=10_000),
    )


def _result_json(item_url: str, view: store_ags.ResultView) -> dict:
    doc = {
        "id": f"{item_url}/results?{urlencode({'user_id': view.user_id})}",
        "scoreOf": item_url,
        "userId": view.user_id,
        "resultMaximum": view.result_maximum,
    }
    if view.result_score is not None:
        doc["resultScore"] = view.result_score
    if view.comment is not None:
        doc["comment"] = view.comment
    return doc
