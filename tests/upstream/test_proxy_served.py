"""`lms-gateway proxy` as a real gunicorn server in front of a real gateway process standing in for
the vendor: zeep through the proxy, re-signed per hop, recorded, and the recording replayed over
HTTP with `replay --target`."""
from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from adapters.upstream import lis as lis_client
from bench import harness
from adapters.upstream import samples
from gateway.cli import main
from gateway.lis.wsdl import WSDL_FILE
from tests.servers import free_port, running_gateway

LMS_KEY, LMS_SECRET = "lms-1", "lms-secret-123"


def running_proxy(database_url: str, *args: str, startup_seconds: float = 30):
    port = free_port()
    cmd = [sys.executable, "-m", "gateway", "--database-url", database_url, "proxy", "--port", str(port), *args]
    return harness.server(cmd, port, timeout=startup_seconds)


@pytest.mark.slow
def test_served_proxy_between_zeep_and_a_real_upstream(tmp_path):
    vendor_db, proxy_db = f"sqlite:///{tmp_path}/vendor.db", f"sqlite:///{tmp_path}/proxy.db"
    record = tmp_path / "recorded"
    added = CliRunner().invoke(main, ["--database-url", proxy_db, "accounts", "add", "lms", "--consumer-key", LMS_KEY,
                                      "--secret", LMS_SECRET])
    assert added.exit_code == 0, added.output
    with running_gateway(vendor_db, "--demo") as (vendor, _), \
            running_proxy(proxy_db, "--upstream", vendor, "--record", str(record), "--upstream-key", "49201",
                          "--upstream-secret", "secret") as proxy:
        client = lis_client.LisClient(WSDL_FILE, proxy + "/api/soap/1p0/lis-result", LMS_KEY, LMS_SECRET)
        answer = client.read_results(["49313814", "49313826"])
        assert answer.ok and [r.sourced_id for r in answer.records] == ["49313814", "49313826"]
        # a caller the proxy does not know is refused by the proxy itself
        with pytest.raises(lis_client.LisError, match="Authentication Fault"):
            lis_client.LisClient(WSDL_FILE, proxy + "/api/soap/1p0/lis-result", "49201", "secret").read_result("1")
        [folder] = samples.discover([record])
        assert samples.load(folder).auth.consumer_key == LMS_KEY
        # no --secret: the configured store (the proxy's) knows the secret of the recorded consumer key
        replayed = CliRunner().invoke(main, ["--database-url", proxy_db, "replay", "--target", proxy, str(record)],
                                      catch_exceptions=False)
        assert replayed.exit_code == 0, replayed.output
        assert "1/1 samples replayed cleanly" in replayed.output
