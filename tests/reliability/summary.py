"""What the reliability suite measured, gathered while it runs and printed at its end (conftest.py)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LoadFigures:
    label: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_errors: int
    acknowledged_writes: int
    rows: int
    lost: int


@dataclass
class Summary:
    loads: list[LoadFigures] = field(default_factory=list)
    #: one line per fault injected and survived ("PostgreSQL stopped 10.0 s: 4478 busy answers, ...")
    faults: list[str] = field(default_factory=list)
    #: hostile bodies sent to a real server, and cases each in-process fuzz target ran
    bad_inputs: int = 0
    fuzz_cases: dict[str, int] = field(default_factory=dict)
    writes_lost: int = 0
    #: slow and idle clients held open against a server, and how the probes beside them fared
    slow_clients: list[str] = field(default_factory=list)
    #: one line per hostile class held (unauthenticated memory, brute force, timing), with its figures
    hardening: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.loads or self.faults or self.bad_inputs or self.fuzz_cases or self.slow_clients or self.hardening)

    def lines(self) -> list[str]:
        out = []
        for f in self.loads:
            out.append(
                f"load held   {f.label:<34} {f.requests:6d} requests in {f.seconds:5.1f} s  p50 {f.p50_ms:7.1f} ms"
                f"  p99 {f.p99_ms:7.1f} ms  5xx {f.server_errors}  writes acknowledged {f.acknowledged_writes}"
                f" (rows {f.rows}), lost {f.lost}"
            )
        out += [f"fault       {line}" for line in self.faults]
        out += [f"slow client {line}" for line in self.slow_clients]
        out += [f"hardening   {line}" for line in self.hardening]
        if self.bad_inputs:
            out.append(f"bad inputs  {self.bad_inputs} hostile bodies against real servers, every answer the protocol's error shape")
        if self.fuzz_cases:
            cases = ", ".join(f"{name} {n}" for name, n in sorted(self.fuzz_cases.items()))
            out.append(f"fuzzed      {sum(self.fuzz_cases.values())} cases: {cases}")
        out.append(f"writes lost {self.writes_lost}")
        return out


SUMMARY = Summary()
