"""``lms-gateway serve``: the gateway on gunicorn's pre-fork arbiter with event-loop workers.

Each worker reads requests in an asyncio loop under read timeouts and runs the WSGI gateway on a
pool of ``--threads`` threads only once a request has fully arrived (:mod:`gateway.serving`).
"""
from __future__ import annotations

import gc
import logging
import shutil
import tempfile

import click
from gunicorn.app.base import BaseApplication

from gateway import demo, logs, metrics
from gateway.cli.context import CliContext, pass_cli
from gateway.config import Settings
from gateway.serving.bridge import BufferedWSGI
from gateway.serving.worker import GunicornLogger, worker_class

log = logging.getLogger("lms_gateway.server")


class GatewayServer(BaseApplication):
    """Each worker builds its own app and store after the fork (database engines must not be shared)."""

    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key != "threads":  # the bridge's pool (see load); gunicorn's worker has no threads
                self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # Several gateways on one host would fight over gunicorn's default control socket.
            self.cfg.set("control_socket_disable", True)

    def wsgi_app(self):
        from gateway.app import create_app
        from gateway.itslearning.worker import Worker

        app = create_app(self.settings)
        if self.settings.worker_in_process:
            # itslearning messages are processed in the background of every worker process;
            # claims in the store keep two processes off the same message.
            Worker(app.store, self.settings).start_thread()
        return app

    def load(self):
        app = self.wsgi_app()
        # Everything built so far (spyne's descriptors, schemas, SQLAlchemy's metadata) lives as long
        # as the worker: out of the collector's sight, a full collection no longer walks it inside a request.
        gc.collect()
        gc.freeze()
        default_cap = self.settings.max_body_bytes
        body_cap = getattr(app, "body_cap", lambda path: default_cap)
        on_loop = getattr(app, "runs_on_loop", lambda path: False)
        return BufferedWSGI(app, self.options["threads"], self.settings.read_timeout_seconds, body_cap, on_loop=on_loop)


def server_options(host: str, port: int, workers: int, threads: int, log_level: str,
                   settings: Settings | None = None) -> dict:
    """The server set-up; the benchmark floor server uses exactly this too."""
    settings = settings or Settings.load()
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": worker_class(settings.read_timeout_seconds),
        "logger_class": GunicornLogger,
        "accesslog": None,  # the app writes its own access line
        "errorlog": "-",
        "loglevel": log_level.lower(),
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": settings.keepalive_timeout_seconds,
        # X-Forwarded-* are believed only as Settings.trusted_proxies says (DESIGN.md §7), never by
        # the server: gunicorn trusts 127.0.0.1 by default.
        "forwarded_allow_ips": "",
        "proc_name": "lms-gateway",
        "child_exit": _forget_worker_metrics,
    }


def configure_logging(level: str, kind: str = "json") -> None:
    try:
        logs.configure(level, kind)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads per worker.")
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo data before serving.")
@pass_cli
def serve(cli: CliContext, host: str, port: int, workers: int, threads: int, with_demo: bool) -> None:
    """Serve every endpoint on HOST:PORT (the schema is created on an empty store)."""
    configure_logging(cli.settings.log_level, cli.settings.log_format)
    store = cli.ready_store()
    if with_demo:
        demo.load(store, cli.settings)
    store.dispose()  # the master keeps no connections across the fork

    metrics_dir = tempfile.mkdtemp(prefix="lms-gateway-metrics-")
    metrics.enable_multiprocess(metrics_dir)
    options = server_options(host, port, workers, threads, cli.settings.log_level, cli.settings)
    log.info("lms-gateway on http://%s:%s (%s worker(s), store %s)", host, port, workers, cli.store.dialect)
    try:
        GatewayServer(cli.settings, options).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _forget_worker_metrics(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def register(main: click.Group) -> None:
    main.add_command(serve)
