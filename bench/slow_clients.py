"""Slow and idle clients against a real server (issue 12 item 1), and probes from another client.

Opens ``idle`` connections that send nothing, ``slow_body`` connections that declare a 1 MB body
and send it at 1 byte/s, and ``slow_head`` connections that send their request line at 1 byte/s;
while they are open, a separate client asks ``/healthz`` and a signed LIS readResult and times the
answers; then it waits for the server to close the slow connections and records when it did.

    python -m bench.slow_clients --target http://127.0.0.1:8080 [--idle 1000 --slow-body 64]

Everything stays on loopback, bounded in count and time; all sockets are closed at the end.
"""
from __future__ import annotations

import argparse
import contextlib
import resource
import select
import socket
import threading
import time
from dataclasses import dataclass, field

import requests
from requests_oauthlib import OAuth1

from bench import load

DECLARED_BODY = 1024 * 1024


@dataclass
class Slow:
    sock: socket.socket
    kind: str  # "body" or "head"
    opened: float
    closed_after: float | None = None  # seconds from opening until the server closed it
    answer: bytes = b""


@dataclass
class Siege:
    host: str
    port: int
    idle: list[socket.socket] = field(default_factory=list)
    slow: list[Slow] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def open(self, idle: int, slow_body: int, slow_head: int, path: str = load.LIS_PATH) -> None:
        _raise_fd_limit(idle + slow_body + slow_head + 256)
        for _ in range(idle):
            self.idle.append(socket.create_connection((self.host, self.port), timeout=10))
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: text/xml\r\n"
                f"Content-Length: {DECLARED_BODY}\r\n\r\n").encode()
        for _ in range(slow_body):
            sock = socket.create_connection((self.host, self.port), timeout=10)
            sock.sendall(head)
            self.slow.append(Slow(sock, "body", time.monotonic()))
        for _ in range(slow_head):
            sock = socket.create_connection((self.host, self.port), timeout=10)
            self.slow.append(Slow(sock, "head", time.monotonic()))
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        """One byte a second on every slow connection still open; notice when the server closes it."""
        sent = 0
        head = b"GET /healthz HTTP/1.1\r\n" + b"X-Slow: 1\r\n" * 4096  # never ends: no blank line
        while not self._stop.is_set():
            for slow in self.slow:
                if slow.closed_after is not None:
                    continue
                if _closed_by_peer(slow):
                    slow.closed_after = time.monotonic() - slow.opened
                    continue
                byte = b"x" if slow.kind == "body" else head[sent:sent + 1]
                try:
                    slow.sock.send(byte)
                except OSError:
                    slow.closed_after = time.monotonic() - slow.opened
            sent += 1
            self._stop.wait(1.0)

    def open_slow(self) -> int:
        return sum(1 for s in self.slow if s.closed_after is None)

    def idle_still_open(self) -> int:
        """Idle connections the server has not closed (a closed one reads as EOF)."""
        return sum(1 for sock in self.idle if not _readable(sock))

    def wait_slow_closed(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.open_slow() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.open_slow()

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for sock in [*self.idle, *(s.sock for s in self.slow)]:
            with contextlib.suppress(OSError):
                sock.close()


def _closed_by_peer(slow: Slow) -> bool:
    try:
        if not _readable(slow.sock):
            return False
        data = slow.sock.recv(4096)
    except OSError:
        return True
    slow.answer += data
    return not data or b"\r\n\r\n" in slow.answer  # EOF, or an answer (the 408) before the close


def _readable(sock: socket.socket) -> bool:
    """Data or EOF waiting (poll: select() cannot take descriptors past 1023)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(0))


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


@dataclass
class Probe:
    label: str
    seconds: float | None  # None: no answer within the timeout
    ok: bool
    detail: str = ""


def probe_healthz(base: str, timeout: float = 10) -> Probe:
    started = time.perf_counter()
    try:
        answer = requests.get(base + "/healthz", timeout=timeout)
    except requests.RequestException as exc:
        return Probe("healthz", None, False, type(exc).__name__)
    return Probe("healthz", time.perf_counter() - started, answer.status_code == 200, str(answer.status_code))


def probe_read_result(base: str, timeout: float = 10, sourced_id: str = load.DEMO_IDS[0]) -> Probe:
    """A LIS readResult signed with requests-oauthlib (body hash), as Turnitin's client sends it."""
    body = load.lis_read_result(sourced_id)
    headers = {"Content-Type": 'text/xml;charset="utf-8"', "SOAPAction": f'"{load.SOAP_ACTION}readResult"'}
    started = time.perf_counter()
    try:
        answer = requests.post(base + load.LIS_PATH, data=body, headers=headers, timeout=timeout,
                               auth=OAuth1(load.CONSUMER_KEY, load.SECRET, force_include_body=True))
    except requests.RequestException as exc:
        return Probe("readResult", None, False, type(exc).__name__)
    outcome = load.classify_lis(answer.status_code, answer.content)[0]
    return Probe("readResult", time.perf_counter() - started, outcome == "ok", outcome)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="base URL of a running server (loopback)")
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--slow-body", type=int, default=64)
    parser.add_argument("--slow-head", type=int, default=16)
    parser.add_argument("--probes", type=int, default=5)
    parser.add_argument("--wait", type=float, default=40, help="seconds to wait for the slow ones to be closed")
    args = parser.parse_args()
    host, port = args.target.removeprefix("http://").split(":")
    siege = Siege(host, int(port))
    try:
        siege.open(args.idle, args.slow_body, args.slow_head)
        time.sleep(1.5)
        for _ in range(args.probes):
            for p in (probe_healthz(args.target), probe_read_result(args.target)):
                shown = f"{p.seconds * 1000:8.1f} ms" if p.seconds is not None else "no answer"
                print(f"{p.label:<11} {shown}  {p.detail}")
        print(f"idle still open: {siege.idle_still_open()}/{len(siege.idle)}")
        left = siege.wait_slow_closed(args.wait)
        closed = sorted(s.closed_after for s in siege.slow if s.closed_after is not None)
        print(f"slow connections closed by the server: {len(closed)}/{len(siege.slow)} (still open {left});"
              + (f" after {closed[0]:.1f}-{closed[-1]:.1f} s" if closed else ""))
    finally:
        siege.close()


if __name__ == "__main__":
    main()
