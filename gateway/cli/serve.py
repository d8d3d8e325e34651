"""``lms-gateway serve``: the gateway on gunicorn, a pre-fork multi-process WSGI server."""
from __future__ import annotations

import logging
import shutil
import sys
import tempfile

import click
from gunicorn.app.base import BaseApplication

from gateway import demo, metrics
from gateway.cli.context import CliContext, pass_cli
from gateway.config import Settings


class GatewayServer(BaseApplication):
    """Each worker builds its own app and store after the fork (database engines must not be shared)."""

    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # Several gateways on one host would fight over gunicorn's default control socket.
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from gateway.app import create_app
        from gateway.itslearning.worker import Worker

        app = create_app(self.settings)
        if self.settings.worker_in_process:
            # itslearning messages are processed in the background of every worker process;
            # claims in the store keep two processes off the same message.
            Worker(app.store, self.settings).start_thread()
        return app


def server_options(host: str, port: int, workers: int, threads: int, log_level: str) -> dict:
    """The gunicorn set-up; the benchmark floor server uses exactly this too."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": None,  # the app writes its own JSON access line
        "errorlog": "-",
        "loglevel": log_level.lower(),
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "proc_name": "lms-gateway",
        "child_exit": _forget_worker_metrics,
    }


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads per worker.")
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo data before serving.")
@pass_cli
def serve(cli: CliContext, host: str, port: int, workers: int, threads: int, with_demo: bool) -> None:
    """Serve every endpoint on HOST:PORT (the schema is created on an empty store)."""
    configure_logging(cli.settings.log_level)
    store = cli.ready_store()
    if with_demo:
        demo.load(store, cli.settings)
    store.dispose()  # the master keeps no connections across the fork

    metrics_dir = tempfile.mkdtemp(prefix="lms-gateway-metrics-")
    metrics.enable_multiprocess(metrics_dir)
    options = server_options(host, port, workers, threads, cli.settings.log_level)
    click.echo(f"lms-gateway on http://{host}:{port} ({workers} worker(s), store {cli.store.dialect})", err=True)
    try:
        GatewayServer(cli.settings, options).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _forget_worker_metrics(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def register(main: click.Group) -> None:
    main.add_command(serve)
