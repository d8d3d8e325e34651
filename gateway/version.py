"""The gateway's version, from the installed distribution's metadata (pyproject.toml's ``version``).

One source: ``lms-gateway --version`` and ``/healthz`` both print this.
"""
from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "lms-gateway"


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
