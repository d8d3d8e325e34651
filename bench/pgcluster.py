"""A private, throw-away PostgreSQL cluster that a test or benchmark may stop and start at will.

The shared PostgreSQL other people's tests use must never be stopped; store-outage runs get their
own cluster instead: ``initdb`` into a temporary directory, ``pg_ctl start`` on a free loopback
port (socket in the same directory), ``pg_ctl stop -m fast`` for the outage, start again, and the
directory removed at the end. ``initdb`` refuses to run as root, so as root (CI) the commands run
as the ``postgres`` OS user, which owns the directory.

    with PrivatePostgres() as pg:
        url = pg.url            # postgresql://postgres@127.0.0.1:PORT/postgres (trust auth, loopback only)
        pg.stop(); pg.start()
"""
from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.harness import free_port


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries on this machine (or initdb failed); the caller decides whether to skip."""


def bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` live: ``pg_config --bindir``, else the newest /usr/lib/postgresql/*/bin."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out:
            candidates.append(Path(out))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)]
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise PostgresUnavailable("initdb/pg_ctl not found (pg_config --bindir, /usr/lib/postgresql/*/bin)")


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


class PrivatePostgres:
    def __init__(self, port: int | None = None):
        self.bin = bindir()
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lmsgw-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("running as root but there is no postgres OS user for initdb") from exc
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.root.chmod(0o700)
        self.running = False
        try:
            self._run(
                [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"],
                "initdb",
            )
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start"], "start")
        self.running = True

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut off, as in a real database restart or crash-over."""
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"], "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            try:
                self.stop()
            except PostgresUnavailable:
                self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"], "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, cmd: list[str], what: str, check: bool = True) -> None:
        if self._as_postgres:
            # runuser/su need one command line; every part here is a path or an option we built.
            cmd = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=self.root)
        if check and done.returncode != 0:
            log_tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(f"pg {what} failed ({done.returncode}): {done.stderr.strip()}\n{log_tail}")

    def __enter__(self) -> "PrivatePostgres":
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

