"""gateway/spyne_compat.py: spyne 2.14 imports and serves on every supported Python.

Each check runs in a fresh interpreter, because the interesting part is what happens at import.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

ECHO = """
import gateway  # installs the compatibility shim before spyne is imported
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.null import NullServer

class Echo(ServiceBase):
    @rpc(Unicode, _returns=Unicode)
    def echo(ctx, text):
        return text

app = Application([Echo], "urn:echo", in_protocol=Soap11(), out_protocol=Soap11())
print(NullServer(app).service.echo("hello"))
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_spyne_service_runs_with_the_shim():
    done = _run(ECHO)
    assert done.returncode == 0, done.stderr
    assert "hello" in done.stdout


@pytest.mark.skipif(sys.version_info < (3, 12), reason="spyne's vendored six works unpatched before 3.12")
def test_spyne_fails_without_the_shim():
    """If this starts passing, spyne (or Python) fixed the importer and the shim can go."""
    done = _run("import spyne")
    assert done.returncode != 0
    assert "spyne.util.six.moves" in done.stderr
