"""The request journal's cost on the hot path (DESIGN.md §13; issue 13's target: at most 10 % of
LIS readResult throughput), measured the way :mod:`bench.compare` measures speed.

    python -m bench.journal [--pairs 3] [--seconds 10] [--results 10000] [--database-url URL] [--together]

Two `serve --workers 1` servers, one with the journal on and one with it off, both pinned to CPU
0; wrk (``-t1 -c8``) pinned to CPU 1 replays prepared requests (every OAuth request signed
beforehand with its own nonce). LIS readResult is the target; WebEx GetIMStestResult (a 5.5 KB
answer journaled whole) is reported beside it. Needs ``wrk`` and ``taskset`` (Debian: wrk,
util-linux).

By default the two servers share one store and their rounds come in pairs, back to back, off first
in one pair and on first in the next, so that the drift of a shared machine falls on both halves
alike; the cost is each pair's ``1 - on/off`` (and the same from the server's CPU time per request)
and the verdict is on their median.

``--together`` loads both servers at the same time instead, each with a store of its own and in a
cpu cgroup of equal weight on the same core: whatever the machine does meanwhile falls on both at
once, and their throughputs compare the CPU each request costs. A shared virtual machine that
scatters the pairs over tens of points agrees with itself within a few points this way. It needs root
and the cgroup cpu controller (v1 ``/sys/fs/cgroup/cpu`` or v2 with ``cpu`` enabled).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from adapters.store import journal as store_journal
from bench import harness
from bench.compare import (
    CONNECTIONS,
    LOAD_CPU,
    SAMPLES,
    SERVER_CPU,
    Run,
    raw,
    signed_requests,
    wrk,
)
from bench.lis import CONTENT_TYPE, PATH, load_store, read_result
from gateway.config import Settings

LIS_OK = "success</tns:imsx_codeMajor>"
WEBEX_OK = "<serv:result>SUCCESS"
ENDPOINTS = (("LIS readResult", LIS_OK), ("WebEx GetIMStestResult", WEBEX_OK))
JOURNALS = ("off", "on")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3, help="off/on round pairs per endpoint")
    parser.add_argument("--seconds", type=int, default=10, help="length of one round")
    parser.add_argument("--results", type=int, default=10_000)
    parser.add_argument("--max-rate", type=int, default=4000, help="signed requests prepared per second of a round")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--together", action="store_true", help="load both servers at once, in equal cpu cgroups")
    args = parser.parse_args()
    missing = [tool for tool in ("wrk", "taskset") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"bench.journal needs {' and '.join(missing)} on PATH (Debian packages wrk, util-linux)")
    if args.together and args.database_url:
        sys.exit("--together gives each server a SQLite store of its own; leave out --database-url")
    cgroups = _cgroup_root() if args.together else None
    if args.together and cgroups is None:
        sys.exit("--together needs root and the cgroup cpu controller (/sys/fs/cgroup/cpu, or cgroup v2 with cpu)")
    secret = Settings.load(environ={}).demo_secret
    rng = random.Random(13)
    ids = [str(60_000_000 + i) for i in range(args.results)]
    webex_body = (SAMPLES / "webex-getimstestresult-207" / "request.xml").read_bytes()

    def prepared(endpoint: str, base: str) -> list[bytes]:
        host = base.removeprefix("http://")
        if endpoint == "WebEx GetIMStestResult":
            return [raw(host, "POST", "/WBXService/XMLService", {"Content-Type": "text/xml; charset=utf-8"}, webex_body)]
        bodies = (read_result(rng.choice(ids)) for _ in range(args.max_rate * args.seconds))
        return signed_requests(host, base, PATH, bodies, CONTENT_TYPE, secret,
                               {"SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/readResult"'})

    # the cgroups go after the servers in them (an ExitStack ends its contexts last-entered first)
    with tempfile.TemporaryDirectory(prefix="lms-journal-") as tmp, contextlib.ExitStack() as groups, \
            contextlib.ExitStack() as servers:
        workdir = Path(tmp)
        urls = {journal: args.database_url or f"sqlite:///{workdir / (journal if args.together else 'bench')}.db"
                for journal in JOURNALS}
        for url in dict.fromkeys(urls.values()):
            load_store(url, args.results)
        bases, pids = {}, {}
        for journal in JOURNALS:
            port = harness.free_port()
            bases[journal], process = servers.enter_context(harness.started(
                ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", "1"],
                port, env={"LMS_GATEWAY_DATABASE_URL": urls[journal], "LMS_GATEWAY_LOG_LEVEL": "WARNING",
                           "LMS_GATEWAY_JOURNAL": journal}))
            pids[journal] = process.pid
            (workdir / journal).mkdir()  # wrk's request file, one per server (together, both run at once)
            if cgroups is not None:
                groups.enter_context(_in_cgroup(cgroups, f"lms-journal-{journal}-{os.getpid()}", process.pid))

        def round_(endpoint: str, marker: str, order: tuple[str, ...]) -> dict[str, tuple[Run, float]]:
            """One round per server (in ``order``, or all at once with --together): each server's
            figures and its CPU milliseconds per request."""
            requests = {journal: prepared(endpoint, bases[journal]) for journal in order}
            warm = {journal: max(1, len(r) // 20) if len(r) > 1 else 0 for journal, r in requests.items()}
            figures: dict[str, tuple[Run, float]] = {}

            def measure(journal: str) -> None:
                before = harness.cpu_seconds(pids[journal])
                run = wrk(f"{endpoint}, journal {journal}", bases[journal], requests[journal][warm[journal]:] or requests[journal],
                          marker, args.seconds, workdir / journal)
                figures[journal] = run, (harness.cpu_seconds(pids[journal]) - before) * 1000 / max(run.requests, 1)

            for journal in order:
                wrk("warm-up", bases[journal], requests[journal][:warm[journal]] or requests[journal], marker, 2, workdir / journal)
            jobs = [lambda journal=journal: measure(journal) for journal in order]
            if args.together:
                _all_at_once(jobs)
            else:
                for job in jobs:
                    job()
            return figures

        costs: dict[str, list[float]] = {}
        cpu_costs: dict[str, list[float]] = {}
        how = ("both loaded at once, each in a cpu cgroup of equal weight, a store each" if args.together
               else "one after the other, one store")
        print(f"server: two `serve --workers 1` (journal off, on) on CPU {SERVER_CPU}, {how}; wrk -t1 -c{CONNECTIONS} "
              f"on CPU {LOAD_CPU}; {args.seconds} s rounds; store {urls['on'].split(':', 1)[0]} with {args.results} results")
        for endpoint, marker in ENDPOINTS:
            for pair in range(args.pairs):
                figures = round_(endpoint, marker, JOURNALS if pair % 2 == 0 else JOURNALS[::-1])
                (off, off_cpu), (on, on_cpu) = figures["off"], figures["on"]
                cost, cpu_cost = 1 - on.rps / off.rps, 1 - off_cpu / on_cpu
                costs.setdefault(endpoint, []).append(cost)
                cpu_costs.setdefault(endpoint, []).append(cpu_cost)
                bad = off.bad + on.bad
                print(f"{endpoint}, pair {pair + 1}: off {off.rps:6.0f} req/s (p99 {off.p99_ms:.1f} ms, {off_cpu:.3f} ms CPU), "
                      f"on {on.rps:6.0f} req/s (p99 {on.p99_ms:.1f} ms, {on_cpu:.3f} ms CPU): cost {cost * 100:5.1f} % "
                      f"(by CPU {cpu_cost * 100:5.1f} %)" + (f"; {bad} bad answers" if bad else ""))
        servers.close()
        rows = harness.count_rows(store_journal.file_url(urls["on"]) or urls["on"], "journal_entries")

    print(f"{rows} journal rows after the run")
    for endpoint, values in costs.items():
        median = statistics.median(values)
        verdict = ("met   " if median <= 0.10 else "MISSED") if endpoint == "LIS readResult" else "report"
        print(f"{verdict}  journal cost on {endpoint} (issue 13: <= 10 % of readResult throughput): median {median * 100:.1f} % "
              f"of {len(values)} pairs ({', '.join(f'{v * 100:.1f}' for v in values)}); by the server's CPU per request "
              f"{statistics.median(cpu_costs[endpoint]) * 100:.1f} % ({', '.join(f'{v * 100:.1f}' for v in cpu_costs[endpoint])})")


def _all_at_once(jobs: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _cgroup_root() -> tuple[Path, str] | None:
    """Where a cpu cgroup can be made, and the file that takes a process: v1's cpu hierarchy, or
    the v2 root when its children may use the cpu controller."""
    v1 = Path("/sys/fs/cgroup/cpu")
    if v1.is_dir() and os.access(v1, os.W_OK):
        return v1, "tasks"
    v2 = Path("/sys/fs/cgroup")
    with contextlib.suppress(OSError):
        if "cpu" in (v2 / "cgroup.subtree_control").read_text().split() and os.access(v2, os.W_OK):
            return v2, "cgroup.procs"
    return None


@contextlib.contextmanager
def _in_cgroup(root: tuple[Path, str], name: str, pid: int) -> Iterator[None]:
    """``pid`` and its descendants (every thread, under v1) in a new cgroup of default weight, removed afterwards."""
    where, member_file = root
    group = where / name
    group.mkdir()
    try:
        # v1 takes every thread by its id; v2 takes a process with its threads
        members = [int(task) for process in harness.process_tree(pid) for task in os.listdir(f"/proc/{process}/task")] \
            if member_file == "tasks" else harness.process_tree(pid)
        for member in members:
            with contextlib.suppress(OSError):  # a thread that ended meanwhile
                (group / member_file).write_text(str(member))
        yield
    finally:
        for _ in range(50):  # its processes have been told to stop; a cgroup goes once they have
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)


if __name__ == "__main__":
    main()
