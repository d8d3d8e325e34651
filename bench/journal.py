"""The request journal's cost on the hot path: LIS readResult throughput with the journal on and
off, in the same run, against the same store (DESIGN.md §13; target: on costs <= 10 %).

    python -m bench.journal [--results 10000] [--requests 1500] [--rounds 2] [--workers 2] [--database-url URL]

Rounds alternate off/on so that drift of a shared machine falls on both; the figures of each
setting are the best round's (the least disturbed). Every request is signed before timing starts.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from adapters.store import Store
from bench import harness
from bench.lis import load_store, read_result, signed
from gateway.config import Settings


def gateway(port: int, workers: int, url: str, journal: bool):
    cmd = [sys.executable, "-m", "gateway", "serve", "--port", str(port), "--workers", str(workers)]
    env = {"LMS_GATEWAY_DATABASE_URL": url, "LMS_GATEWAY_LOG_LEVEL": "WARNING",
           "LMS_GATEWAY_JOURNAL": "on" if journal else "off"}
    return harness.server(cmd, port, env=env)


def journal_rows(url: str) -> int:
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT count(*) FROM journal_entries").scalar()
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    secret = Settings.load(environ={}).demo_secret

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        load_store(url, args.results)
        rng = random.Random(5)
        ids = [str(60_000_000 + i) for i in range(args.results)]
        best: dict[bool, harness.Figures] = {}
        for round_ in range(args.rounds):
            for journal in (False, True):
                port = harness.free_port()
                with gateway(port, args.workers, url, journal) as base:
                    def batch(n: int) -> list[harness.Request]:
                        return [signed(base, read_result(rng.choice(ids)), secret) for _ in range(n)]

                    harness.drive("warm-up", base, batch(args.requests // 10), 4)
                    label = f"readResult, journal {'on' if journal else 'off'}"
                    figures = harness.drive(label, base, batch(args.requests), args.concurrency)
                print(f"round {round_ + 1}: {figures.line()}")
                if journal not in best or figures.rps > best[journal].rps:
                    best[journal] = figures
        rows = journal_rows(url)

    off, on = best[False], best[True]
    cost = 1 - on.rps / off.rps
    print(f"server: gunicorn, {args.workers} worker(s); store {url.split(':', 1)[0]}; {rows} journal rows written")
    print(off.line())
    print(on.line())
    print(f"journal cost on readResult throughput: {cost * 100:.1f} % (target <= 10 %: {'met' if cost <= 0.10 else 'MISSED'})")


if __name__ == "__main__":
    main()
