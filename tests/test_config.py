"""Settings are checked at start-up: one line naming the setting, what was given and what is
accepted, exit status 2, no traceback; an LMS_GATEWAY_* variable nothing reads is warned about.
And the version: ``lms-gateway --version`` and ``/healthz``."""
from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

import pytest
from click.testing import CliRunner

from bench.harness import free_port
from gateway.cli import main
from gateway.config import ConfigError, Settings

BAD_VALUES = [
    # (variable, value, what the message says is accepted)
    ("LMS_GATEWAY_MAX_BODY_BYTES", "10MB", "a whole number of at least 1"),
    ("LMS_GATEWAY_MAX_BODY_BYTES", "0", "a whole number of at least 1"),
    ("LMS_GATEWAY_MAX_BODY_BYTES", "１０", "a whole number"),  # full-width digits are not a number here
    ("LMS_GATEWAY_OAUTH_TIMESTAMP_WINDOW_SECONDS", "-5", "a whole number of at least 1"),
    ("LMS_GATEWAY_SESSION_TICKET_TTL_SECONDS", "1.5", "a whole number"),
    ("LMS_GATEWAY_WORKER_POLL_SECONDS", "fast", "a number from 0.01 to 3600"),
    ("LMS_GATEWAY_WORKER_POLL_SECONDS", "nan", "a number from 0.01 to 3600"),
    ("LMS_GATEWAY_WORKER_POLL_SECONDS", "0", "a number from 0.01 to 3600"),
    ("LMS_GATEWAY_WORKER_IN_PROCESS", "maybe", "one of 1, true, yes, on or 0, false, no, off"),
    ("LMS_GATEWAY_LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LMS_GATEWAY_LOG_FORMAT", "xml", "one of json, text"),
    ("LMS_GATEWAY_READ_TIMEOUT_SECONDS", "0", "a number from 0.1 to 3600"),
    ("LMS_GATEWAY_KEEPALIVE_TIMEOUT_SECONDS", "5s", "a whole number from 0 to 3600"),
    ("LMS_GATEWAY_DATABASE_URL", "mysql://u:pw@db/x", "a URL of a supported store"),
    ("LMS_GATEWAY_DATABASE_URL", "not a url", "sqlite:///PATH or postgresql://"),
    ("LMS_GATEWAY_DATABASE_URL", "postgresql://u:pw@[::1/x", "sqlite:///PATH or postgresql://"),
    ("LMS_GATEWAY_TRUSTED_PROXIES", "10.0.0.1,proxy.local", "IP addresses or networks"),
    ("LMS_GATEWAY_ITSLEARNING_ASSET_KEEP_DAYS", "", "a whole number of at least 1"),
]


def cli(env: dict[str, str], *args: str):
    """The command with only ``env`` among the LMS_GATEWAY_* variables (stdout and stderr together)."""
    unset = {k: None for k in os.environ if k.startswith("LMS_GATEWAY_")}
    return CliRunner().invoke(main, list(args), env={**unset, **env})


@pytest.mark.parametrize(("variable", "value", "accepted"), BAD_VALUES)
def test_a_bad_value_is_one_line_naming_the_setting(tmp_path, variable, value, accepted):
    env = {"LMS_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", variable: value}
    result = cli(env, "accounts", "list")
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: {variable}=") and accepted in lines[0], lines[0]
    assert "pw" not in lines[0]  # a database password is never echoed


def test_settings_accept_the_documented_words():
    s = Settings.load(environ={"LMS_GATEWAY_WORKER_IN_PROCESS": "Off", "LMS_GATEWAY_LOG_LEVEL": "debug",
                               "LMS_GATEWAY_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
                               "LMS_GATEWAY_WORKER_POLL_SECONDS": "0.5", "LMS_GATEWAY_MAX_BODY_BYTES": "+2048"})
    assert (s.worker_in_process, s.log_level, s.trusted_proxies) == (False, "DEBUG", ("10.0.0.1", "192.168.0.0/16"))
    assert (s.worker_poll_seconds, s.max_body_bytes) == (0.5, 2048)


def test_toml_values_are_checked_and_named_by_file(tmp_path):
    config = tmp_path / "gw.toml"
    config.write_text('max_body_bytes = "big"\n')
    with pytest.raises(ConfigError, match=rf"max_body_bytes in {config}='big' is not accepted: a whole number"):
        Settings.load(environ={"LMS_GATEWAY_CONFIG": str(config)})
    config.write_text('max_body_byte = 5\n')
    with pytest.raises(ConfigError, match="did you mean max_body_bytes"):
        Settings.load(environ={"LMS_GATEWAY_CONFIG": str(config)})
    config.write_text('worker_in_process = false\nmax_body_bytes = 4096\ntrusted_proxies = ["10.0.0.0/8"]\n')
    s = Settings.load(environ={"LMS_GATEWAY_CONFIG": str(config)})
    assert (s.worker_in_process, s.max_body_bytes, s.trusted_proxies) == (False, 4096, ("10.0.0.0/8",))


@pytest.mark.parametrize("content", [None, "max_body_bytes = = 1\n"])
def test_a_missing_or_broken_toml_file_names_lms_gateway_config(tmp_path, content):
    config = tmp_path / "gw.toml"
    if content is not None:
        config.write_text(content)
    result = cli({"LMS_GATEWAY_CONFIG": str(config)}, "accounts", "list")
    assert result.exit_code == 2 and result.output.startswith("Error: LMS_GATEWAY_CONFIG=")
    assert len(result.output.strip().splitlines()) == 1


def test_an_unknown_variable_is_named_in_a_warning(tmp_path):
    result = cli({"LMS_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "LMS_GATEWAY_MAX_BODY": "5",
                  "LMS_GATEWAY_UPSTREAM_KEY": "k"}, "accounts", "list")
    assert result.exit_code == 0, result.output
    assert ("Warning: LMS_GATEWAY_MAX_BODY is not a setting of lms-gateway and is ignored "
            "(did you mean LMS_GATEWAY_MAX_BODY_BYTES?)") in result.output
    assert "LMS_GATEWAY_UPSTREAM_KEY" not in result.output  # an option's variable is read, by `call` and `proxy`


def test_an_unreachable_store_is_one_line_with_status_2():
    url = f"postgresql://postgres:topsecret@127.0.0.1:{free_port()}/gone"
    result = cli({"LMS_GATEWAY_DATABASE_URL": url}, "serve", "--port", str(free_port()))
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: LMS_GATEWAY_DATABASE_URL='postgresql://postgres:***@127.0.0.1") and "does not answer" in line
    assert "topsecret" not in line


def test_a_sqlite_file_in_a_missing_folder_is_one_line(tmp_path):
    result = cli({}, "--database-url", f"sqlite:///{tmp_path}/no/such/dir/s.db", "accounts", "list")
    assert result.exit_code == 2 and result.output.startswith("Error: --database-url=") and "does not answer" in result.output


def test_port_out_of_range_is_refused():
    result = cli({}, "serve", "--port", "70000")
    assert result.exit_code == 2 and "70000 is not in the range 1<=x<=65535" in result.output


def test_bad_setting_in_a_real_process_exits_2_without_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_GATEWAY_")}
    env.update(LMS_GATEWAY_DATABASE_URL=f"sqlite:///{tmp_path}/s.db", LMS_GATEWAY_WORKER_IN_PROCESS="sometimes")
    proc = subprocess.run([sys.executable, "-m", "gateway", "serve", "--port", str(free_port())], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("Error: LMS_GATEWAY_WORKER_IN_PROCESS='sometimes' is not accepted: "
                                   "one of 1, true, yes, on or 0, false, no, off")
    assert "Traceback" not in proc.stderr + proc.stdout


def test_version_comes_from_the_package_metadata():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"lms-gateway {metadata.version('lms-gateway')}"


def test_help_and_version_need_no_valid_settings():
    assert cli({"LMS_GATEWAY_MAX_BODY_BYTES": "x"}, "--version").exit_code == 0
    assert cli({"LMS_GATEWAY_MAX_BODY_BYTES": "x"}, "serve", "--help").exit_code == 0


def test_healthz_names_the_version(http):
    from tests.conftest import BASE_URL

    doc = http.get(f"{BASE_URL}/healthz").json()
    assert doc["status"] == "ok" and doc["version"] == metadata.version("lms-gateway")


def test_the_journal_file_is_a_sqlite_file_or_left_to_the_store():
    with pytest.raises(ConfigError, match="JOURNAL_DATABASE_URL.*empty \\(beside the store\\) or sqlite:///PATH") as refused:
        Settings.load(environ={"LMS_GATEWAY_JOURNAL_DATABASE_URL": "postgresql://u:pw-9f2@db/journal"})
    assert "pw-9f2" not in str(refused.value)
    assert Settings.load(environ={"LMS_GATEWAY_JOURNAL_DATABASE_URL": "sqlite:////tmp/j.db"}).journal_database_url == "sqlite:////tmp/j.db"
    assert Settings.load(environ={}).journal_database_url == ""
