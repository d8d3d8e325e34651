"""One settings object for the whole gateway.

Values come, in rising priority, from the defaults below, an optional TOML file named by
``LMS_GATEWAY_CONFIG`` (keys as the field names), and ``LMS_GATEWAY_<FIELD>`` environment variables.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "LMS_GATEWAY_"


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///./lms-gateway.db"
    #: Request bodies larger than this are refused before they are read (DESIGN.md §10).
    max_body_bytes: int = 10 * 1024 * 1024
    #: OAuth 1.0 timestamps may differ from our clock by this much (Canvas's ±90 minutes).
    oauth_timestamp_window_seconds: int = 90 * 60
    #: Peers whose X-Forwarded-Proto/-Host are believed when building the signed URI.
    trusted_proxies: tuple[str, ...] = ()
    #: The one secret of the demo data (DESIGN.md §11).
    demo_secret: str = "secret"
    #: WebEx session tickets from AuthenticateUser live this long.
    session_ticket_ttl_seconds: int = 2 * 60 * 60
    log_level: str = "INFO"
    #: stderr lines: ``json`` (one object a line) or ``text`` (readable in a terminal).
    log_format: str = "json"
    #: `serve`: a request's line and headers, and then its body, must each arrive within this many
    #: seconds (else the connection is closed; a late body gets 408); the wait for the next request
    #: on a kept-alive connection.
    read_timeout_seconds: float = 30.0
    keepalive_timeout_seconds: int = 5
    #: itslearning uploads: the largest file, how long it is kept, and each site's quota.
    itslearning_max_file_bytes: int = 50 * 1024 * 1024
    itslearning_asset_keep_days: int = 14
    itslearning_file_quota_bytes: int = 1024 * 1024 * 1024
    #: The message worker: how long a claimed message is reserved, and how often the queue is polled.
    worker_lease_seconds: int = 120
    worker_poll_seconds: float = 1.0
    #: Run a message worker thread inside each gateway process (else run `lms-gateway worker`).
    worker_in_process: bool = True
    #: The request journal (DESIGN.md §13): on or off, and what it keeps.
    journal: bool = True
    journal_max_entries: int = 10_000
    journal_max_age_seconds: int = 7 * 24 * 60 * 60
    #: A body longer than this is kept cut at this length (a 50 MB upload is not copied whole).
    journal_max_body_bytes: int = 256 * 1024
    #: How often a process re-reads the fault rules (a rule added through another worker is obeyed
    #: within this time; through the same worker at once).
    fault_rules_refresh_seconds: float = 1.0
    #: Bearer token for /__admin/; when empty, only loopback callers are answered.
    admin_token: str = ""
    #: Where the console's "save as sample" writes and which samples its diff offers.
    samples_dir: str = "samples"

    @classmethod
    def load(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        config_file = env.get(ENV_PREFIX + "CONFIG")
        if config_file:
            with Path(config_file).open("rb") as fh:
                values.update(tomllib.load(fh))
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = raw
        values.update(overrides)
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**{name: _coerce(known[name], value) for name, value in values.items()})

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
    if isinstance(value, str):
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return value.strip().lower() in ("1", "true", "yes", "on")
        if kind.startswith("tuple"):
            return tuple(v.strip() for v in value.split(",") if v.strip())
    if kind.startswith("tuple") and isinstance(value, list):
        return tuple(value)
    return value
