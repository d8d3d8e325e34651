"""Slow and idle clients against a real ``serve --workers 2`` (issue 12 item 1, DESIGN.md §10).

1,000 connections that send nothing, 64 that declare a 1 MB body and send it at 1 byte/s and 16
that send their headers at 1 byte/s are held open; meanwhile another client's ``/healthz`` and
signed LIS readResult must still be answered (figures in the reliability summary; no timed
assertion beyond "answered within a generous timeout"), and the server itself must close every
slow connection once ``LMS_GATEWAY_READ_TIMEOUT_SECONDS`` has passed (the slow bodies with a 408).
"""
from __future__ import annotations

import time

import pytest

from bench import slow_clients
from tests.reliability import procs
from tests.reliability.summary import SUMMARY

pytestmark = pytest.mark.slow

IDLE, SLOW_BODY, SLOW_HEAD = 1000, 64, 16
READ_TIMEOUT = 15  # long enough that the probes run while every idle connection is still open
PROBE_TIMEOUT = 10


def test_idle_and_slow_connections_neither_starve_the_server_nor_stay(tmp_path):
    env = {"LMS_GATEWAY_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT), "LMS_GATEWAY_KEEPALIVE_TIMEOUT_SECONDS": "5"}
    with procs.gateway(f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "gateway.log", "--demo", workers=2, env=env) as gw:
        workers = sorted(gw.workers())
        host, port = gw.base.removeprefix("http://").split(":")
        siege = slow_clients.Siege(host, int(port))
        try:
            siege.open(IDLE, SLOW_BODY, SLOW_HEAD)
            time.sleep(1.0)  # every slow connection has started trickling
            probes = []
            for _ in range(3):
                probes += [slow_clients.probe_healthz(gw.base, PROBE_TIMEOUT),
                           slow_clients.probe_read_result(gw.base, PROBE_TIMEOUT)]
            idle_open = siege.idle_still_open()
            slow_open = siege.open_slow()
            left = siege.wait_slow_closed(READ_TIMEOUT + 30)
            answers = [s.answer.split(b"\r\n", 1)[0] for s in siege.slow if s.kind == "body"]
            closed_after = sorted(s.closed_after for s in siege.slow if s.closed_after is not None)
        finally:
            siege.close()
        log = gw.log_text()
        alive, workers_after = gw.alive(), sorted(gw.workers())

    def shown(label: str) -> str:
        times = [p.seconds for p in probes if p.label == label]
        return " ".join(f"{t * 1000:.0f}" if t is not None else "none" for t in times)

    SUMMARY.slow_clients.append(
        f"{IDLE} idle + {SLOW_BODY} slow-body + {SLOW_HEAD} slow-head connections on serve --workers 2: "
        f"healthz answered in [{shown('healthz')}] ms, signed readResult in [{shown('readResult')}] ms; "
        f"slow ones closed by the server after {closed_after[0]:.1f}-{closed_after[-1]:.1f} s "
        f"(read timeout {READ_TIMEOUT} s)" if closed_after else "no slow connection was closed"
    )
    print(SUMMARY.slow_clients[-1])
    assert all(p.ok for p in probes), [(p.label, p.seconds, p.detail) for p in probes]
    # the load really was there while the probes ran
    assert idle_open == IDLE and slow_open == SLOW_BODY + SLOW_HEAD
    assert left == 0, f"{left} slow connections still open {READ_TIMEOUT + 30} s after the read timeout"
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers), set(answers)
    assert closed_after[0] >= READ_TIMEOUT - 1  # cut by the read timeout, not by something sooner
    assert alive and workers_after == workers, "a worker died under the slow clients"
    assert "Traceback" not in log
