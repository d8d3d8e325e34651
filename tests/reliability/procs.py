"""Real gateway processes for the reliability suite: ``lms-gateway serve`` and ``lms-gateway worker``.

Unlike :func:`tests.servers.running_gateway` (whose output goes to a pipe nobody reads, fine for a
few requests) these write their log to a file: under load a gateway logs a line per request and a
full pipe would stall it. The log is what a failing test shows, and what the suite searches for
tracebacks.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.servers import children_of, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Proc:
    proc: subprocess.Popen
    log: Path
    base: str = ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def workers(self) -> list[int]:
        """gunicorn's worker processes (the children of the master)."""
        return children_of(self.proc.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, chars: int = 4000) -> str:
        return self.log_text()[-chars:]


def _env(database_url: str, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_GATEWAY_") or k.startswith("LMS_GATEWAY_TEST")}
    env.update({"LMS_GATEWAY_DATABASE_URL": database_url, "LMS_GATEWAY_LOG_LEVEL": "WARNING"})
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


def start(args: list[str], database_url: str, log: Path, env: dict[str, str] | None = None) -> Proc:
    handle = log.open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "gateway", *args], env=_env(database_url, env), cwd=ROOT,
                            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    handle.close()
    return Proc(proc, log)


def wait_healthy(proc: Proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not proc.alive():
            raise RuntimeError(f"gateway exited early ({proc.proc.returncode}):\n{proc.tail()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(proc.base + "/healthz", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"gateway not healthy after {timeout} s:\n{proc.tail()}")
        time.sleep(0.1)


def stop(proc: Proc, timeout: float = 15) -> None:
    if not proc.alive():
        return
    proc.proc.send_signal(signal.SIGTERM)
    try:
        proc.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.proc.kill()
        proc.proc.wait()


@contextlib.contextmanager
def gateway(database_url: str, log: Path, *args: str, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[Proc]:
    """``lms-gateway serve --workers N`` on a free loopback port, healthy before it is yielded."""
    port = free_port()
    proc = start(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), *args],
                 database_url, log, env)
    proc.base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc)
        yield proc
    finally:
        stop(proc)


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB, from /proc (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
