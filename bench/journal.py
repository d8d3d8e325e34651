"""The request journal's cost on the hot path (DESIGN.md §13; issue 13's target: at most 10 % of
LIS readResult throughput), measured the way :mod:`bench.compare` measures speed.

    python -m bench.journal [--pairs 3] [--seconds 10] [--results 10000] [--database-url URL]

Two `serve --workers 1` servers on one store, one with the journal on and one with it off, both
pinned to CPU 0; wrk (``-t1 -c8``) pinned to CPU 1 replays prepared requests (every OAuth request
signed beforehand with its own nonce). Rounds come in pairs, back to back, off first in one pair
and on first in the next, so that the drift of a shared machine falls on both halves alike; the
cost is each pair's ``1 - on/off`` and the verdict is on their median. LIS readResult is the target; WebEx
GetIMStestResult (a 5.5 KB answer journaled whole) is reported beside it. Needs ``wrk`` and
``taskset`` (Debian: wrk, util-linux).
"""
from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench import harness
from bench.compare import CONNECTIONS, LOAD_CPU, SAMPLES, SERVER_CPU, raw, signed_requests, wrk
from bench.lis import CONTENT_TYPE, PATH, load_store, read_result
from gateway.config import Settings

LIS_OK = "success</tns:imsx_codeMajor>"
WEBEX_OK = "<serv:result>SUCCESS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3, help="off/on round pairs per endpoint")
    parser.add_argument("--seconds", type=int, default=10, help="length of one round")
    parser.add_argument("--results", type=int, default=10_000)
    parser.add_argument("--max-rate", type=int, default=4000, help="signed requests prepared per second of a round")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    missing = [tool for tool in ("wrk", "taskset") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"bench.journal needs {' and '.join(missing)} on PATH (Debian packages wrk, util-linux)")
    secret = Settings.load(environ={}).demo_secret
    rng = random.Random(13)

    with tempfile.TemporaryDirectory(prefix="lms-journal-") as tmp, contextlib.ExitStack() as servers:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        load_store(url, args.results)
        ids = [str(60_000_000 + i) for i in range(args.results)]
        env = {"LMS_GATEWAY_DATABASE_URL": url, "LMS_GATEWAY_LOG_LEVEL": "WARNING"}
        hosts, pids = {}, {}
        for journal in ("off", "on"):
            port = harness.free_port()
            base, process = servers.enter_context(harness.started(
                ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", "1"],
                port, env={**env, "LMS_GATEWAY_JOURNAL": journal}))
            hosts[journal], pids[journal] = (base.removeprefix("http://"), base), process.pid
        webex_body = (SAMPLES / "webex-getimstestresult-207" / "request.xml").read_bytes()

        def prepared(endpoint: str, journal: str) -> list[bytes]:
            host, base = hosts[journal]
            if endpoint == "WebEx GetIMStestResult":
                return [raw(host, "POST", "/WBXService/XMLService", {"Content-Type": "text/xml; charset=utf-8"}, webex_body)]
            bodies = (read_result(rng.choice(ids)) for _ in range(args.max_rate * args.seconds))
            return signed_requests(host, base, PATH, bodies, CONTENT_TYPE, secret,
                                   {"SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/readResult"'})

        costs: dict[str, list[float]] = {}
        cpu_costs: dict[str, list[float]] = {}
        print(f"server: two `serve --workers 1` (journal off, on) on CPU {SERVER_CPU}; wrk -t1 -c{CONNECTIONS} on CPU "
              f"{LOAD_CPU}; {args.seconds} s rounds; store {url.split(':', 1)[0]} with {args.results} results")
        for endpoint, marker in (("LIS readResult", LIS_OK), ("WebEx GetIMStestResult", WEBEX_OK)):
            for pair in range(args.pairs):
                figures, cpu_ms = {}, {}
                for journal in ("off", "on") if pair % 2 == 0 else ("on", "off"):
                    requests = prepared(endpoint, journal)
                    warm = max(1, len(requests) // 20) if len(requests) > 1 else 0
                    base = hosts[journal][1]
                    wrk("warm-up", base, requests[-warm:] if warm else requests, marker, 2, workdir)
                    before = harness.cpu_seconds(pids[journal])
                    figures[journal] = run = wrk(f"{endpoint}, journal {journal}", base,
                                                 requests[:-warm] if warm else requests, marker, args.seconds, workdir)
                    cpu_ms[journal] = (harness.cpu_seconds(pids[journal]) - before) * 1000 / max(run.requests, 1)
                cost = 1 - figures["on"].rps / figures["off"].rps
                cpu_cost = 1 - cpu_ms["off"] / cpu_ms["on"]
                costs.setdefault(endpoint, []).append(cost)
                cpu_costs.setdefault(endpoint, []).append(cpu_cost)
                bad = figures["off"].bad + figures["on"].bad
                print(f"{endpoint}, pair {pair + 1}: off {figures['off'].rps:6.0f} req/s (p99 {figures['off'].p99_ms:.1f} ms, "
                      f"{cpu_ms['off']:.3f} ms CPU), on {figures['on'].rps:6.0f} req/s (p99 {figures['on'].p99_ms:.1f} ms, "
                      f"{cpu_ms['on']:.3f} ms CPU): cost {cost * 100:5.1f} % (by CPU {cpu_cost * 100:5.1f} %)"
                      + (f"; {bad} bad answers" if bad else ""))
        servers.close()
        rows = harness.count_rows(url, "journal_entries")

    print(f"{rows} journal rows in the store after the run")
    for endpoint, values in costs.items():
        median = statistics.median(values)
        verdict = ("met   " if median <= 0.10 else "MISSED") if endpoint == "LIS readResult" else "report"
        print(f"{verdict}  journal cost on {endpoint} (issue 13: <= 10 % of readResult throughput): median {median * 100:.1f} % "
              f"of {len(values)} pairs ({', '.join(f'{v * 100:.1f}' for v in values)}); by the server's CPU per request "
              f"{statistics.median(cpu_costs[endpoint]) * 100:.1f} % ({', '.join(f'{v * 100:.1f}' for v in cpu_costs[endpoint])})")


if __name__ == "__main__":
    main()
