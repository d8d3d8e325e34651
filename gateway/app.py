"""The one WSGI application: assembles every protocol's route by path (DESIGN.md §3).

The dispatcher around the routes (body cap, request id, access log, busy and error shapes) is
:mod:`gateway.dispatch`; what the routes share is :mod:`gateway.routing`.
"""
from __future__ import annotations

from adapters.store import Store
from gateway.config import Settings
from gateway.dispatch import Gateway
from gateway.routing import Route


def protocol_routes(settings: Settings, store: Store) -> dict[str, Route]:
    """Every vendor protocol's route, by path."""
    import spyne.const

    # spyne forces gc.collect() once a second per process to release uploaded files early; we never
    # hand spyne files, and a full collection stalls whichever request ends it by 20-200 ms.
    spyne.const.MIN_GC_INTERVAL = float("inf")
    # Imported here so that importing the app (e.g. the CLI) stays cheap until it is built.
    from gateway import qti_profile
    from gateway.itslearning import services as itslearning
    from gateway.lis import pox, soap
    from gateway.lti13 import app as lti13
    from gateway import webex
    from gateway.webex import service as webex_service

    return {
        webex.PATH: webex_service.route(settings, store),
        soap.PATH: soap.route(settings, store),
        pox.PATH: pox.route(settings, store),
        **itslearning.routes(settings, store),
        qti_profile.PATH: qti_profile.route(settings, store),
        lti13.PATH: lti13.route(settings, store),
    }


def create_app(settings: Settings | None = None, store: Store | None = None) -> Gateway:
    settings = settings or Settings.load()
    store = store or Store(settings.database_url)
    from gateway import admin
    from gateway.admin.tap import Tap

    tap = Tap(settings, store)
    routes = {**protocol_routes(settings, store), **admin.routes(settings, store, tap)}
    return Gateway(settings, store, routes, tap=tap)
