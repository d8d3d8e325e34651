"""Store faults: the (private) PostgreSQL is stopped for ~10 s in the middle of the mixed load.

While it is down every answer is the protocol's busy failure (LIS failure/targetisbusy, WebEx
FAILURE, POX 503, itslearning a Server.Busy fault) and ``/healthz`` is 503; once it is back,
everything answers normally within 5 s; no acknowledged write is lost. Requests that straddle the
stop or the restart may be either, never anything else.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter

import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from bench import load
from tests.reliability import procs
from tests.reliability.summary import SUMMARY
from tests.reliability.test_busy_shapes import ITSLEARNING_GET_TYPES

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LEAD_SECONDS = 3.0  # normal load before the stop
OUTAGE_SECONDS = 10.0
RECOVERY_SECONDS = 5.0  # allowed after the restart
TAIL_SECONDS = 3.0  # normal load that must follow


@pytest.fixture
def outage_database(private_postgres) -> str:
    name = f"outage_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(private_postgres.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(private_postgres.url).set(database=name).render_as_string(hide_password=False)


def test_postgres_outage_gives_busy_answers_and_recovers(private_postgres, outage_database, tmp_path):
    timeline: dict[str, float] = {}
    probes: list[tuple[str, int]] = []

    with procs.gateway(outage_database, tmp_path / "gateway.log", "--demo", workers=2) as gw:

        def inject() -> None:
            time.sleep(LEAD_SECONDS)
            timeline["stop"] = time.monotonic()
            private_postgres.stop()
            timeline["down"] = time.monotonic()
            while time.monotonic() < timeline["down"] + OUTAGE_SECONDS:
                probes.append(("healthz", requests.get(gw.base + "/healthz", timeout=10).status_code))
                its = requests.post(gw.base + "/ContentImport/DataService.svc", data=ITSLEARNING_GET_TYPES, timeout=10,
                                    headers={"Content-Type": "text/xml", "SOAPAction": '"http://tempuri.org/IDataService/GetMessageTypes"'})
                probes.append(("itslearning", its.status_code if b"Server.Busy" in its.content else -its.status_code))
                time.sleep(0.5)
            timeline["start"] = time.monotonic()
            private_postgres.start()
            timeline["up"] = time.monotonic()

        seconds = LEAD_SECONDS + OUTAGE_SECONDS + RECOVERY_SECONDS + TAIL_SECONDS + 1
        ledger = load.drive(gw.base, seconds, clients=8, during=inject)
        healthy_after = load.wait_healthy(gw.base, timeout=RECOVERY_SECONDS)
        assert gw.alive(), gw.tail()
        log = gw.log_text()

    stop, down, start, up = timeline["stop"], timeline["down"], timeline["start"], timeline["up"]
    phases: dict[str, list[load.Outcome]] = {"before": [], "outage": [], "edge": [], "after": []}
    for o in ledger.outcomes:
        ended = o.started + o.elapsed
        if ended < stop:
            phases["before"].append(o)
        elif o.started >= down and ended <= start:
            phases["outage"].append(o)
        elif o.started >= up + RECOVERY_SECONDS:
            phases["after"].append(o)
        else:
            phases["edge"].append(o)
    verdicts = {name: Counter(o.verdict for o in outcomes) for name, outcomes in phases.items()}
    not_busy = Counter((o.kind, o.status, o.detail[:120]) for o in phases["outage"] if o.verdict != "busy")
    last_busy = max((o.started + o.elapsed for o in ledger.outcomes if o.verdict == "busy"), default=up)
    check = load.verify(outage_database, ledger)
    SUMMARY.faults.append(
        f"PostgreSQL stopped {start - stop:.1f} s under load: {verdicts['outage']['busy']} busy answers "
        f"({', '.join(f'{k} {n}' for k, n in sorted(Counter(o.kind for o in phases['outage']).items()))}), "
        f"/healthz 503 x{sum(1 for p in probes if p == ('healthz', 503))}, last busy answer {max(0.0, last_busy - up):.2f} s "
        f"after the restart; acknowledged writes {len(ledger.acknowledged())}, lost {len(check.lost)}, in doubt {len(check.in_doubt)}"
    )
    SUMMARY.writes_lost += len(check.lost)

    errors = Counter((o.kind, o.status, o.detail[:120]) for o in ledger.errors())
    assert not errors, errors.most_common(5)
    assert verdicts["before"] and set(verdicts["before"]) == {"ok"}, verdicts
    assert len(phases["outage"]) >= 100 and not not_busy, (verdicts, not_busy.most_common(5))
    assert {o.kind for o in phases["outage"]} >= {"lis.replaceResult", "lis.readResult", "lis.readResults",
                                                   "pox.replaceResult", "webex.GetIMStestResult"}
    assert probes and set(probes) == {("healthz", 503), ("itslearning", 500)}, Counter(probes)
    assert healthy_after < RECOVERY_SECONDS
    assert phases["after"] and set(verdicts["after"]) == {"ok"}, verdicts
    assert last_busy - up < RECOVERY_SECONDS
    assert check.lost == [] and check.phantoms == [], check
    created = {o.write[0] for o in ledger.acknowledged() if o.kind == "lis.replaceResult"}
    assert check.rows == len(created | set(check.in_doubt))
    assert "Traceback" not in log, log[-3000:]
