"""Shared benchmark machinery: start a real server on loopback, drive it, report figures.

Every benchmark measures the floor (the same server set-up as `serve` answering a static 1 KB XML
document, :mod:`bench.floor_server`) in the same run and reports its own figures as ratios to it,
so that numbers from different machines can be compared.

The load comes from separate client processes (one keep-alive connection each), each sending a
bounded list of prepared requests; nothing here runs unbounded or leaves loopback.
"""
from __future__ import annotations

import contextlib
import http.client
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import requests

Request = tuple[str, str, dict[str, str], bytes]  # method, path (with query), headers, body


@dataclass
class Figures:
    label: str
    concurrency: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self, floor: "Figures | None" = None) -> str:
        ratio = f"  ratio {self.rps / floor.rps:5.2f} x floor" if floor and floor.rps else ""
        return (
            f"{self.label:<28} c={self.concurrency:<2} {self.rps:9.1f} req/s  p50 {self.p50_ms:7.2f} ms"
            f"  p99 {self.p99_ms:7.2f} ms  errors {self.errors}{ratio}"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def started(
    cmd: Sequence[str], port: int, env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run a server command until /healthz on ``port`` answers 200; stop it afterwards.

    Its output goes to a temporary file, shown when it fails to start.
    """
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(list(cmd), env={**os.environ, **(env or {})}, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"

        def failed(why: str) -> RuntimeError:
            output.seek(0)
            return RuntimeError(f"{' '.join(cmd)} {why}:\n{output.read().decode(errors='replace')[-4000:]}")

        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise failed(f"exited with {proc.returncode}")
                # a worker still booting leaves the connection waiting in the backlog: a timeout, not an answer
                with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                    if requests.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise failed(f"did not answer /healthz in {timeout}s")
                time.sleep(0.1)
            yield base, proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants, as ``/proc`` lists them now (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # gone meanwhile
                with open(f"/proc/{entry.name}/stat") as stat:
                    parent = int(stat.read().rpartition(")")[2].split()[1])  # after the name: state, ppid, ...
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) of ``pid`` and its descendants so far (Linux ``/proc``)."""
    total = 0.0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            with open(f"/proc/{member}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(cmd: Sequence[str], port: int, env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    with started(cmd, port, env, timeout) as (base, _):
        yield base


def floor_server(port: int, workers: int) -> contextlib.AbstractContextManager[str]:
    return server([sys.executable, "-m", "bench.floor_server", "--port", str(port), "--workers", str(workers)], port)


def measure_floor(workers: int, requests: int, concurrencies=(1, 8)) -> dict[int, "Figures"]:
    """The static floor at each concurrency, after a short warm-up, from one floor server."""
    floor = {}
    with floor_server(free_port(), workers) as base:
        reqs = [("GET", "/floor.xml", {}, b"")] * requests
        drive("floor", base, reqs[: requests // 10], 4)
        for c in concurrencies:
            floor[c] = drive("floor (static 1 KB XML)", base, reqs, c)
    return floor


def gateway_server(port: int, workers: int, database_url: str, *extra: str) -> contextlib.AbstractContextManager[str]:
    cmd = [sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", str(workers), *extra]
    return server(cmd, port, env={"LMS_GATEWAY_DATABASE_URL": database_url, "LMS_GATEWAY_LOG_LEVEL": "WARNING"})


def _client(args) -> tuple[list[float], int, float, float]:
    host, port, reqs, start_at = args
    while time.time() < start_at:
        time.sleep(0.001)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    latencies, errors = [], 0
    began = time.perf_counter()
    for method, path, headers, body in reqs:
        t0 = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if not 200 <= resp.status < 300:  # 201/204 are successes too (AGS answers a score with 204)
                errors += 1
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
        latencies.append(time.perf_counter() - t0)
    ended = time.perf_counter()
    conn.close()
    return latencies, errors, began, ended


def drive(label: str, base: str, requests_: Sequence[Request], concurrency: int) -> Figures:
    """Send ``requests_`` split over ``concurrency`` client processes; return the figures."""
    host, port = base.removeprefix("http://").split(":")
    slices = [list(requests_[i::concurrency]) for i in range(concurrency)]
    start_at = time.time() + 0.5
    ctx = mp.get_context("fork")
    with ctx.Pool(concurrency) as pool:
        results = pool.map(_client, [(host, int(port), s, start_at) for s in slices])
    latencies = sorted(l for r in results for l in r[0])
    errors = sum(r[1] for r in results)
    # wall time across clients: perf_counter is system-wide monotonic on Linux
    seconds = max(r[3] for r in results) - min(r[2] for r in results)
    return Figures(
        label=label,
        concurrency=concurrency,
        requests=len(latencies),
        seconds=seconds,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=errors,
    )


def count_rows(url: str, table: str) -> int:
    """Rows in one of the store's tables (after a run: nonces kept, journal entries written)."""
    from adapters.store import Store

    store = Store(url)
    try:
        with store.engine.connect() as connection:
            return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
    finally:
        store.dispose()
