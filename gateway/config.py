"""One settings object for the whole gateway.

Values come, in rising priority, from the defaults below, an optional TOML file named by
``LMS_GATEWAY_CONFIG`` (keys as the field names), ``LMS_GATEWAY_<FIELD>`` environment variables, and
the command line's overrides. Every value is checked when the settings are loaded: a bad one is a
:class:`ConfigError`, one line naming where it came from, what was given and what is accepted::

    LMS_GATEWAY_MAX_BODY_BYTES='10MB' is not accepted: a whole number of at least 1

A new setting is a field here (and a row in README.md's Configuration table, which a test compares);
its type annotation decides how it is read, and :func:`setting` adds a range or a list of choices.
"""
from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "LMS_GATEWAY_"
CONFIG_VARIABLE = ENV_PREFIX + "CONFIG"

#: LMS_GATEWAY_* variables that are not settings yet are read (not warned about): the TOML file's
#: name and the test suite's own knobs. Command-line options' variables are added by the CLI.
OTHER_VARIABLES = frozenset({
    CONFIG_VARIABLE,
    "LMS_GATEWAY_TEST_POSTGRES_URL",
    "LMS_GATEWAY_REQUIRE_POSTGRES",
    "LMS_GATEWAY_RELIABILITY_SECONDS",
    "LMS_GATEWAY_RELIABILITY_EXAMPLES",
    "LMS_GATEWAY_FUZZ_EXAMPLES",
    "LMS_GATEWAY_REQUIRE_BROWSER",
    "LMS_GATEWAY_SCREENSHOTS",
})

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: SQLAlchemy driver names of the two stores the gateway supports (DESIGN.md §2).
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")
_WHOLE = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: int() also takes "1_000" and "１０"


class ConfigError(ValueError):
    """A setting's value is not accepted; the message is one line for the user."""

    def __init__(self, source: str, given: Any, accepted: str):
        self.source, self.given, self.accepted = source, given, accepted
        super().__init__(f"{source}={given!r} is not accepted: {accepted}")


def setting(default: Any, *, low: float | None = None, high: float | None = None, choices: Iterable[str] = (),
            check: Callable[[Any], str | None] | None = None, secret: bool = False) -> Any:
    """A field with bounds (inclusive), choices (compared case-insensitively), or a ``check`` that
    returns what is accepted when the value is not. ``secret`` values are never echoed in errors."""
    return dataclasses.field(default=default, metadata={
        "low": low, "high": high, "choices": tuple(choices), "check": check, "secret": secret})


def _parsed_url(url: str):
    """SQLAlchemy's reading of a database URL, or None when it cannot read one."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return None


def _database_url(url: str) -> str | None:
    accepted = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE"
    parsed = _parsed_url(url)
    if parsed is None:
        return accepted
    return None if parsed.drivername in DATABASE_SCHEMES else f"a URL of a supported store, {accepted}"


def _journal_database_url(url: str) -> str | None:
    if not url:
        return None
    parsed = _parsed_url(url)
    if parsed is not None and parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return None
    return "empty (beside the store) or sqlite:///PATH"


def _networks(entries: tuple[str, ...]) -> str | None:
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return f"comma-separated IP addresses or networks (10.0.0.1, 10.0.0.0/8); {entry!r} is neither"
    return None


@dataclass(frozen=True)
class Settings:
    database_url: str = setting("sqlite:///./lms-gateway.db", check=_database_url)
    #: Request bodies larger than this are refused before they are read (DESIGN.md §10).
    max_body_bytes: int = setting(10 * 1024 * 1024, low=1)
    #: OAuth 1.0 timestamps may differ from our clock by this much (Canvas's ±90 minutes).
    oauth_timestamp_window_seconds: int = setting(90 * 60, low=1)
    #: Peers whose X-Forwarded-Proto/-Host are believed when building the signed URI.
    trusted_proxies: tuple[str, ...] = setting((), check=_networks)
    #: The one secret of the demo data (DESIGN.md §11).
    demo_secret: str = setting("secret", secret=True, check=lambda v: None if v else "a non-empty secret")
    #: WebEx session tickets from AuthenticateUser live this long.
    session_ticket_ttl_seconds: int = setting(2 * 60 * 60, low=1)
    log_level: str = setting("INFO", choices=LOG_LEVELS)
    #: stderr lines: ``json`` (one object a line) or ``text`` (readable in a terminal).
    log_format: str = setting("json", choices=("json", "text"))
    #: `serve`: a request's line and headers, and then its body, must each arrive within this many
    #: seconds (else the connection is closed; a late body gets 408); the wait for the next request
    #: on a kept-alive connection.
    read_timeout_seconds: float = setting(30.0, low=0.1, high=3600)
    keepalive_timeout_seconds: int = setting(5, low=0, high=3600)
    #: `serve`: a small request to an endpoint that waits on nothing but a SQLite store (LIS SOAP,
    #: LTI POX) runs on the worker's event loop, not on a thread (gateway/serving/bridge.py says why).
    run_on_loop: bool = True
    #: itslearning uploads: the largest file, how long it is kept, and each site's quota.
    itslearning_max_file_bytes: int = setting(50 * 1024 * 1024, low=1)
    itslearning_asset_keep_days: int = setting(14, low=1)
    itslearning_file_quota_bytes: int = setting(1024 * 1024 * 1024, low=1)
    #: The message worker: how long a claimed message is reserved, and how often the queue is polled.
    worker_lease_seconds: int = setting(120, low=1)
    worker_poll_seconds: float = setting(1.0, low=0.01, high=3600)
    #: Run a message worker thread inside each gateway process (else run `lms-gateway worker`).
    worker_in_process: bool = True
    #: Failed logins (WebEx, itslearning; gateway/security/logins.py): wrong guesses for one credential
    #: from one address, from one address for any credential, and for one credential from anywhere,
    #: before that key is refused (0 = no limit). A refusal lasts login_backoff_seconds, doubled by
    #: each further failure up to login_backoff_max_seconds; counters are forgotten
    #: login_failure_window_seconds after their last failure or block.
    login_max_failures: int = setting(5, low=0)
    login_max_failures_per_address: int = setting(50, low=0)
    login_max_failures_per_credential: int = setting(200, low=0)
    login_backoff_seconds: float = setting(30.0, low=0)
    login_backoff_max_seconds: float = setting(900.0, low=0)
    login_failure_window_seconds: int = setting(900, low=1)
    #: LTI 1.3 platform: access tokens live this long; clocks may differ by the leeway; a client
    #: assertion may live (exp - iat) at most this long.
    lti13_access_token_seconds: int = setting(3600, low=1)
    lti13_clock_leeway_seconds: int = setting(60, low=0, high=3600)
    lti13_assertion_max_seconds: int = setting(3600, low=1)
    #: The request journal (DESIGN.md §13): on or off, and what it keeps.
    journal: bool = True
    journal_max_entries: int = setting(10_000, low=1)
    journal_max_age_seconds: int = setting(7 * 24 * 60 * 60, low=1)
    #: The SQLite file the journal lives in; empty: beside a SQLite store (NAME-journal.db), in the
    #: store itself on PostgreSQL (adapters/store/journal.py:file_url says why).
    journal_database_url: str = setting("", check=_journal_database_url)
    #: A body longer than this is kept cut at this length (a 50 MB upload is not copied whole).
    journal_max_body_bytes: int = setting(256 * 1024, low=0)
    #: How often a process re-reads the fault rules (a rule added through another worker is obeyed
    #: within this time; through the same worker at once).
    fault_rules_refresh_seconds: float = setting(1.0, low=0, high=3600)
    #: Bearer token for /__admin/; when empty, only loopback callers are answered.
    admin_token: str = setting("", secret=True)
    #: Where the console's "save as sample" writes and which samples its diff offers.
    samples_dir: str = "samples"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Read and check every value; overrides are the command line's (named ``--field-name``)."""
        env = os.environ if environ is None else environ
        known = {f.name: f for f in fields(cls)}
        values: dict[str, tuple[str, Any]] = {}  # name -> (where it came from, raw value)
        config_file = env.get(CONFIG_VARIABLE)
        if config_file:
            for key, value in _read_toml(config_file).items():
                if key not in known:
                    hint = _did_you_mean(key, known)
                    raise ConfigError(f"{key} in {config_file}", value,
                                      f"a setting name{hint} (see README.md, Configuration)")
                values[key] = (f"{key} in {config_file}", value)
        for name in known:
            variable = ENV_PREFIX + name.upper()
            if env.get(variable) is not None:
                values[name] = (variable, env[variable])
        for name, value in overrides.items():
            if name not in known:
                raise TypeError(f"Settings has no field {name!r}")
            values[name] = ("--" + name.replace("_", "-"), value)
        return cls(**{name: _checked(known[name], source, value) for name, (source, value) in values.items()})

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def variable_names() -> list[str]:
    """The environment variable of every setting, in field order."""
    return [ENV_PREFIX + f.name.upper() for f in fields(Settings)]


def unknown_variables(environ: Mapping[str, str] | None = None, also_known: Iterable[str] = ()) -> list[str]:
    """One warning per LMS_GATEWAY_* variable that nothing reads (a typo, most likely)."""
    env = os.environ if environ is None else environ
    known = set(variable_names()) | OTHER_VARIABLES | set(also_known)
    return [
        f"{name} is not a setting of lms-gateway and is ignored{_did_you_mean(name, known)}"
        for name in sorted(env) if name.startswith(ENV_PREFIX) and name not in known
    ]


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with Path(path).open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(CONFIG_VARIABLE, path, f"a readable TOML file ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(CONFIG_VARIABLE, path, f"a valid TOML file ({exc})") from None


def _checked(f: dataclasses.Field, source: str, value: Any) -> Any:
    meta = f.metadata
    shown = "(hidden)" if meta.get("secret") else value
    if f.name in ("database_url", "journal_database_url") and isinstance(value, str):  # never echo a database password
        shown = hide_password(value)

    def refuse(accepted: str):
        return ConfigError(source, shown, accepted)

    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
    if kind == "bool":
        value = _boolean(value, refuse)
    elif kind == "int":
        value = _whole(value, refuse, meta)
    elif kind == "float":
        value = _number(value, refuse, meta)
    elif kind.startswith("tuple"):
        value = _strings(value, refuse)
    elif kind == "str":
        if not isinstance(value, str):
            raise refuse("a string")
        value = value if meta.get("secret") else value.strip()  # a secret's spaces are its own
    if meta.get("choices"):
        by_upper = {c.upper(): c for c in meta["choices"]}
        if str(value).upper() not in by_upper:
            raise refuse("one of " + ", ".join(meta["choices"]))
        value = by_upper[str(value).upper()]
    if meta.get("check") and (accepted := meta["check"](value)):
        raise refuse(accepted)
    return value


def _bounds(meta: Mapping[str, Any], whole: bool) -> str:
    low, high = meta.get("low"), meta.get("high")
    what = "a whole number" if whole else "a number"
    if low is not None and high is not None:
        return f"{what} from {low} to {high}"
    if low is not None:
        return f"{what} of at least {low}"
    return what


def _in_range(number: float, meta: Mapping[str, Any]) -> bool:
    low, high = meta.get("low"), meta.get("high")
    return (low is None or number >= low) and (high is None or number <= high)


def _whole(value: Any, refuse, meta) -> int:
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not _in_range(value, meta):
        raise refuse(_bounds(meta, whole=True))
    return value


def _number(value: Any, refuse, meta) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise refuse(_bounds(meta, whole=False)) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not _in_range(value, meta):
        raise refuse(_bounds(meta, whole=False))
    return float(value)


def _boolean(value: Any, refuse) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise refuse(f"one of {', '.join(TRUE_WORDS)} or {', '.join(FALSE_WORDS)}")


def _strings(value: Any, refuse) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise refuse("a comma-separated list (or a TOML list of strings)")


def hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
