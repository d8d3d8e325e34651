"""What a tester lives in (DESIGN.md §13): the request journal, fault rules, the /__admin/ JSON API
and the web console. One more package beside the protocols, using the same store code as the CLI."""
from __future__ import annotations

from adapters.store import Store
from gateway.config import Settings
from gateway.routing import Route

PATH = "/__admin"


def routes(settings: Settings, store: Store, tap) -> dict[str, Route]:
    """``/__admin`` and ``/``; ``tap`` is the process's :class:`gateway.admin.tap.Tap` (its journal is
    flushed before a read, its fault rules forgotten after a change)."""
    from gateway.admin import api

    app = api.AdminApp(settings, store, tap)
    methods = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE"})
    return {
        PATH: Route("admin", app, error=api.json_error, methods=methods, journal=False, prefix=True),
        "/": Route("root", api.to_console, methods=frozenset({"GET", "HEAD"}), journal=False),
    }
