"""Load: 8 concurrent clients mixing LIS readResult/readResults/replaceResult (SOAP), LTI POX
replaceResult and WebEx GetIMStestResult against ``serve --workers 2``, on SQLite and PostgreSQL.

Afterwards every acknowledged write is in the store and nothing else is, no answer was a 5xx or
anything but the protocol's success, and the server log holds no traceback. CI runs a short,
bounded version; ``python -m bench.reliability --seconds 60`` is the long one.
"""
from __future__ import annotations

import os
from collections import Counter

import pytest

from bench import load
from tests.reliability import procs
from tests.reliability.summary import SUMMARY, LoadFigures

pytestmark = pytest.mark.slow

#: Bounded for CI: whichever comes first, the time or the per-client request count.
SECONDS = float(os.environ.get("LMS_GATEWAY_RELIABILITY_SECONDS", "12"))
MAX_REQUESTS_PER_CLIENT = 600
CLIENTS = 8


def test_mixed_load_loses_no_write(store_url, tmp_path):
    with procs.gateway(store_url, tmp_path / "gateway.log", "--demo", workers=2) as gw:
        ledger = load.drive(gw.base, SECONDS, clients=CLIENTS, max_requests_per_client=MAX_REQUESTS_PER_CLIENT)
        assert gw.alive(), gw.tail()
        log = gw.log_text()
    check = load.verify(store_url, ledger)
    p50, p99 = ledger.percentiles()
    started = min(o.started for o in ledger.outcomes)
    seconds = max(o.started + o.elapsed for o in ledger.outcomes) - started
    creates = [o for o in ledger.acknowledged() if o.kind == "lis.replaceResult"]
    SUMMARY.loads.append(LoadFigures(
        f"{CLIENTS} clients, serve --workers 2, {store_url.split(':', 1)[0].split('+')[0]}", len(ledger.outcomes), seconds, p50, p99,
        ledger.server_errors(), len(ledger.acknowledged()), check.rows, len(check.lost),
    ))
    SUMMARY.writes_lost += len(check.lost)

    problems = Counter((o.kind, o.status, o.detail[:160]) for o in ledger.errors())
    assert not problems, problems.most_common(5)
    assert ledger.server_errors() == 0
    not_ok = Counter((o.kind, o.verdict, o.detail[:160]) for o in ledger.outcomes if o.verdict != "ok")
    assert set(ledger.verdicts()) == {"ok"}, not_ok.most_common(5)
    # every kind of request was exercised, many times
    kinds = Counter(o.kind for o in ledger.outcomes)
    assert set(kinds) == {"lis.replaceResult", "lis.readResult", "lis.readResults", "pox.replaceResult",
                          "webex.GetIMStestResult"}, kinds
    assert min(kinds.values()) >= 20, kinds
    # acknowledged writes == rows: each SOAP write made its own row, each POX write left its score
    assert check.lost == [] and check.phantoms == [] and check.in_doubt == [], check
    assert check.rows == len(creates)
    assert "Traceback" not in log, log[-3000:]
