"""The floor: the gateway's own server set-up (gunicorn arbiter, same worker class and threads; the app
on the event loop) answering a static 1 KB XML document. Everything else is measured as a ratio to this."""
from __future__ import annotations

import argparse

from gateway.cli.serve import GatewayServer, server_options
from gateway.config import Settings

_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<floor xmlns="urn:lms-gateway:bench"><pad>'
_TAIL = b"</pad></floor>\n"
DOCUMENT = _HEAD + b"x" * (1024 - len(_HEAD) - len(_TAIL)) + _TAIL


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(DOCUMENT)))])
    return [DOCUMENT]


class OnLoop:
    """A WSGI app the server runs on its event loop, as ``serve`` runs the gateway's LIS routes on a
    SQLite store: the floor is the best this server set-up does, not a handicapped rival."""

    def __init__(self, wsgi):
        self.wsgi = wsgi

    def __call__(self, environ, start_response):
        return self.wsgi(environ, start_response)

    def runs_on_loop(self, path: str) -> bool:
        return True


class FloorServer(GatewayServer):
    def wsgi_app(self):
        return OnLoop(app)


def run(server_class: type[GatewayServer]) -> None:
    """Serve ``server_class`` on loopback as the command line says (``--port``, ``--workers``, ``--threads``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    server_class(Settings.load(), server_options("127.0.0.1", args.port, args.workers, args.threads, "warning")).run()


if __name__ == "__main__":
    run(FloorServer)
