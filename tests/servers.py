"""Real gateway server processes for tests that need them (bounded start-up, loopback only).

Started and stopped by :func:`bench.harness.started`, the same code the benchmarks use.
"""
from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from bench import harness
from bench.harness import free_port


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # the command name may contain spaces; the ppid is the 2nd field after the ')'
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def running_gateway(
    database_url: str, *args: str, startup_seconds: float = 30
) -> contextlib.AbstractContextManager[tuple[str, subprocess.Popen]]:
    """``lms-gateway serve`` on a free loopback port: yields (base URL, process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "gateway", "serve", "--port", str(port), *args]
    return harness.started(cmd, port, {"LMS_GATEWAY_DATABASE_URL": database_url}, startup_seconds)
