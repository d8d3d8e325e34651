"""GetIMStestResult for the demo test through the full path (HTTP, spyne, auth, store, QTI engine,
report) against the floor measured in the same run.

    python -m bench.webex [--requests 3000] [--workers 2]

Target: at least 0.5 x the floor's throughput.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench import harness
from bench.floor import measure_floor

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "webex-getimstestresult-207" / "request.xml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    body = SAMPLE.read_bytes()
    request = ("POST", "/WBXService/XMLService", {"Content-Type": "text/xml; charset=utf-8"}, body)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        for concurrency in (1, 8):
            floor = measure_floor(args.requests, args.workers, concurrency)
            port = harness.free_port()
            with harness.gateway_server(port, args.workers, url, "--demo") as base:
                harness.drive("warm-up", base, [request] * (args.requests // 10), concurrency)
                figures = harness.drive("GetIMStestResult (demo 207)", base, [request] * args.requests, concurrency)
            print(floor.line())
            print(figures.line(floor))
            verdict = "met" if figures.rps >= 0.5 * floor.rps else "MISSED"
            print(f"target 0.5 x floor at c={concurrency}: {verdict}")


if __name__ == "__main__":
    main()
