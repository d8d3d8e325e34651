"""The floor: requests/s and p50/p99 of the gateway's server answering a static 1 KB XML document.

    python -m bench.floor [--requests 4000] [--workers 2]
"""
from __future__ import annotations

import argparse

from bench import harness
from bench.floor_server import DOCUMENT


def measure_floor(requests: int, workers: int, concurrency: int) -> harness.Figures:
    port = harness.free_port()
    with harness.floor_server(port, workers) as base:
        reqs = [("GET", "/floor.xml", {}, b"")] * requests
        harness.drive("floor (static 1 KB XML)", base, reqs[: requests // 10], concurrency)  # warm-up
        return harness.drive("floor (static 1 KB XML)", base, reqs, concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"document: {len(DOCUMENT)} bytes; server workers: {args.workers}; requests per run: {args.requests}")
    for concurrency in (1, 8):
        print(measure_floor(args.requests, args.workers, concurrency).line())


if __name__ == "__main__":
    main()
