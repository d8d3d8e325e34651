"""The long reliability run: 8 clients mixing LIS readResult/readResults/replaceResult (SOAP), LTI
POX replaceResult and WebEx GetIMStestResult against ``serve --workers 2`` for ``--seconds`` on
SQLite and on PostgreSQL, optionally with the PostgreSQL stopped for ``--outage`` seconds in the
middle; then every acknowledged write is checked against the store (see bench/load.py).

    python -m bench.reliability [--seconds 60] [--stores sqlite,postgresql] [--outage 10] [--clients 8]

PostgreSQL is a private throw-away cluster (bench/pgcluster.py), never a shared server. The floor
(static 1 KB XML from the same gunicorn set-up) is measured in the same run; throughput is also
reported as a ratio to it. Exits non-zero when a write was lost, an answer was a 5xx or not the
protocol's own shape, or the gateway did not answer normally within 5 s of the store's return.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter

from bench import harness, load
from bench.floor import measure_floor
from bench.pgcluster import PrivatePostgres

RECOVERY_SECONDS = 5.0


def run(label: str, url: str, args, pg: PrivatePostgres | None, floor: harness.Figures) -> bool:
    timeline: dict[str, float] = {}

    def outage() -> None:
        time.sleep(max(0.0, (args.seconds - args.outage) / 2))
        timeline["stop"] = time.monotonic()
        pg.stop()
        time.sleep(args.outage)
        timeline["start"] = time.monotonic()
        pg.start()
        timeline["up"] = time.monotonic()

    port = harness.free_port()
    with harness.gateway_server(port, args.workers, url, "--demo") as base:
        ledger = load.drive(base, args.seconds, clients=args.clients,
                            during=outage if (pg is not None and args.outage) else None)
    check = load.verify(url, ledger)
    p50, p99 = ledger.percentiles()
    ok = ledger.verdicts()["ok"]
    rps = ok / args.seconds
    print(f"{label}: {len(ledger.outcomes)} requests in {args.seconds:.0f} s, {rps:.1f} ok/s "
          f"({rps / floor.rps:.2f} x floor), p50 {p50:.1f} ms, p99 {p99:.1f} ms, verdicts {dict(ledger.verdicts())}")
    print(f"  writes acknowledged {len(ledger.acknowledged())}, rows {check.rows}, lost {len(check.lost)}, "
          f"in doubt {len(check.in_doubt)}, phantoms {len(check.phantoms)}, 5xx {ledger.server_errors()}")
    good = not check.lost and not check.phantoms and ledger.server_errors() == 0 and not ledger.errors()
    if timeline:
        stop, start, up = timeline["stop"], timeline["start"], timeline["up"]
        during = Counter(o.verdict for o in ledger.outcomes if o.started >= stop + 0.5 and o.started + o.elapsed <= start)
        late = [o for o in ledger.outcomes if o.started >= up + RECOVERY_SECONDS and o.verdict != "ok"]
        last_busy = max((o.started + o.elapsed for o in ledger.outcomes if o.verdict == "busy"), default=up)
        print(f"  outage {start - stop:.1f} s: answers during it {dict(during)}; last busy answer "
              f"{max(0.0, last_busy - up):.2f} s after the restart; not ok later than {RECOVERY_SECONDS:.0f} s: {len(late)}")
        good = good and set(during) <= {"busy"} and not late
    for problem, count in Counter((o.kind, o.status, o.detail[:120]) for o in ledger.errors()).most_common(5):
        print(f"  PROBLEM x{count}: {problem}")
    return good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--outage", type=float, default=0, help="stop PostgreSQL this long in the middle of its run")
    args = parser.parse_args()
    floor = measure_floor(4000, args.workers, args.clients)
    print(floor.line())
    results = []
    for store in args.stores.split(","):
        if store == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results.append(run("sqlite", f"sqlite:///{tmp}/reliability.db", args, None, floor))
        elif store == "postgresql":
            with PrivatePostgres() as pg:
                results.append(run("postgresql", pg.url, args, pg, floor))
        else:
            parser.error(f"unknown store {store!r}")
    print("held" if all(results) else "FAILED")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
