"""QTI 1.2 scoring speed: item evaluations per second on one core, for the demo test (207) and for
the IMS reference items, against the floor measured in the same run.

    python -m bench.scoring [--seconds 1.0] [--floor-requests 2000]

An item evaluation is one item's compiled response processing run on one response set
(``score_attempt`` on a 6-item test is 6 evaluations). Two figures each: the compiled processing
alone (``score_item`` on normalised responses) and the whole ``score_attempt`` call (checking and
stripping the responses, the scoremodel). The ratio says how many item evaluations fit in the time
the floor server takes to answer one static request on one worker at concurrency 1.

Target: at least 20,000 item evaluations per second through ``score_attempt``.
"""
from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from adapters import qti12
from bench.floor import measure_floor
from gateway import assessments
from gateway.demo.assessments import ATTEMPTS, TEST_207

REFERENCE_ITEMS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "reference" / "qti" / "items-v1p2"
TARGET = 20_000


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to cpu {cpu}"
    return "not pinned (no sched_setaffinity)"


def rate(work: Callable[[], int], seconds: float) -> float:
    """Evaluations per second: the best of three runs of ``work`` (which returns how many it did)."""
    best = 0.0
    for _ in range(3):
        done, began = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - began) < seconds:
            done += work()
        best = max(best, done / elapsed)
    return best


def response_sets(test: qti12.Assessment) -> list[dict]:
    """Correct, wrong and unanswered response sets built from the test's own correct values."""
    correct, wrong = {}, {}
    for item in test.items:
        for r in item.responses:
            if r.correct:
                values = list(r.correct) if r.cardinality != "Single" else [r.correct[0]]
                correct.setdefault(item.ident, {})[r.ident] = values
            wrong.setdefault(item.ident, {})[r.ident] = ["zzz"]
    return [correct, wrong, {}]


def measure(tests: list[tuple[qti12.Assessment, list[dict]]], seconds: float) -> tuple[float, float]:
    prepared = [
        (test, sets, [qti12.normalise_responses(test, s) for s in sets]) for test, sets in tests
    ]
    n_items = sum(len(t.items) * len(sets) for t, sets, _ in prepared)

    def compiled_only() -> int:
        for test, _sets, normalised in prepared:
            for clean in normalised:
                for item in test.items:
                    qti12.score_item(item, clean.get(item.ident, {}))
        return n_items

    def whole_attempts() -> int:
        for test, sets, _ in prepared:
            for s in sets:
                qti12.score_attempt(test, s)
        return n_items

    return rate(compiled_only, seconds), rate(whole_attempts, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each timed run")
    parser.add_argument("--floor-requests", type=int, default=2000)
    args = parser.parse_args()

    floor = measure_floor(args.floor_requests, 1, 1)
    print(floor.line())
    print(pin_to_one_core())

    demo = assessments.load_qti12(TEST_207.read_bytes())
    demo_sets = [a["responses"] for a in ATTEMPTS] + response_sets(demo)
    reference = []
    for path in sorted(REFERENCE_ITEMS.glob("*.xml")):
        test = assessments.load_qti12(path.read_bytes())
        reference.append((test, response_sets(test)))
    n_ref = sum(len(t.items) for t, _ in reference)

    print(f"{'':<44} {'compiled only':>16} {'score_attempt':>16}   ratio (score_attempt evaluations per floor request)")
    verdicts = []
    for label, tests in ((f"demo test 207 ({len(demo.items)} items, {len(demo_sets)} response sets)", [(demo, demo_sets)]),
                         (f"reference items ({n_ref} items in {len(reference)} files)", reference)):
        compiled, whole = measure(tests, args.seconds)
        ratio = whole / floor.rps if floor.rps else float("nan")
        print(f"{label:<44} {compiled:>12,.0f} /s  {whole:>12,.0f} /s   {ratio:8.1f}")
        verdicts.append(whole >= TARGET)
    print(f"target {TARGET:,} item evaluations/s through score_attempt: {'met' if all(verdicts) else 'MISSED'}")


if __name__ == "__main__":
    main()
