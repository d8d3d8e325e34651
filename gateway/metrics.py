"""Prometheus metrics: requests by route and status, and a latency histogram.

With several worker processes ``lms-gateway serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before the
workers start, and ``/metrics`` aggregates every process's samples from there.
"""
from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess, values

REQUESTS = Counter("lms_gateway_requests_total", "HTTP requests answered", ["route", "status"])
LATENCY = Histogram(
    "lms_gateway_request_duration_seconds",
    "Time from request start to the last body byte produced",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def enable_multiprocess(directory: str) -> None:
    """Share samples between pre-forked workers through files in ``directory``.

    Call in the server's master before it forks. prometheus_client picks its value class when it
    is first imported, which may have happened already (the CLI imports much), so it is picked again
    here; the per-label values the workers create from then on live in the shared files.
    """
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    values.ValueClass = values.get_value_class()


def observe(route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route=route, status=str(status)).inc()
    LATENCY.labels(route=route).observe(seconds)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
