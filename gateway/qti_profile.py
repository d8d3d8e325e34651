"""``GET /qti/contentProfile``: the seed-004 contentProfile of what the QTI 2.1 importer supports.

The document is built by :func:`adapters.qti21.profile.content_profile` from the importer's own registry;
it does not change while the process runs, so it is built once.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from adapters.qti21.profile import content_profile
from adapters.store import Store
from gateway.routing import Route, StartResponse
from gateway.config import Settings

PATH = "/qti/contentProfile"


@cache
def _document() -> bytes:
    return content_profile()


def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
    body = _document()
    start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8"), ("Content-Length", str(len(body))),
                              ("Cache-Control", "public, max-age=3600")])
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def route(settings: Settings, store: Store) -> Route:
    return Route("qti-profile", app, methods=frozenset({"GET", "HEAD"}), on_loop=True)
