"""The ASGI bridge of ``serve`` (gateway/serving/bridge.py), fed ASGI messages as uvicorn feeds it."""
from __future__ import annotations

import asyncio
import threading
import time

from gateway.routing import DELAY_ANSWER
from gateway.serving.bridge import LOOP_BODY_BYTES, BufferedWSGI

SCOPE = {"type": "http", "method": "POST", "path": "/x", "query_string": b"", "http_version": "1.1",
         "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000), "headers": []}


def run(app: BufferedWSGI, messages: list[dict], headers=()) -> list[dict]:
    """Feed ``messages`` then block like a client that sends nothing more; return what was sent."""
    sent: list[dict] = []

    async def main():
        queue = list(messages)

        async def receive():
            if queue:
                return queue.pop(0)
            await asyncio.sleep(3600)

        async def send(message):
            sent.append(message)

        await app({**SCOPE, "headers": list(headers)}, receive, send)

    asyncio.run(main())
    return sent


def echo_app(seen: list[dict]):
    def app(environ, start_response):
        seen.append(environ)
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]
    return app


def test_the_app_gets_the_whole_body_in_one_piece():
    seen: list[dict] = []
    bridge = BufferedWSGI(echo_app(seen), 2, read_timeout=5, body_cap=lambda p: 1000, spool_bytes=4)
    sent = run(bridge, [{"type": "http.request", "body": b"abc", "more_body": True},
                        {"type": "http.request", "body": b"defgh", "more_body": False}])
    assert sent[0]["status"] == 200 and (b"content-length", b"8") in sent[0]["headers"]
    assert sent[1]["body"] == b"abcdefgh"


def test_a_body_that_stops_arriving_gets_408_and_close_without_reaching_the_app():
    seen: list[dict] = []
    bridge = BufferedWSGI(echo_app(seen), 2, read_timeout=0.3, body_cap=lambda p: 1000)
    sent = run(bridge, [{"type": "http.request", "body": b"a", "more_body": True}])
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert seen == []


def test_a_body_declared_past_the_cap_is_not_read_and_the_connection_closes():
    seen: list[dict] = []
    bridge = BufferedWSGI(echo_app(seen), 2, read_timeout=0.3, body_cap=lambda p: 10)
    sent = run(bridge, [], headers=[(b"content-length", b"5000")])  # receive would block: never called
    assert seen[0]["CONTENT_LENGTH"] == "5000"
    assert sent[0]["status"] == 200 and (b"connection", b"close") in sent[0]["headers"]


def test_a_client_that_leaves_never_reaches_the_app():
    seen: list[dict] = []
    bridge = BufferedWSGI(echo_app(seen), 2, read_timeout=5, body_cap=lambda p: 1000)
    assert run(bridge, [{"type": "http.disconnect"}]) == []
    assert seen == []


def test_a_delayed_answer_waits_on_the_event_loop_not_on_a_thread():
    def app(environ, start_response):
        environ[DELAY_ANSWER](0.3)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"late"]

    bridge = BufferedWSGI(app, 1, read_timeout=5, body_cap=lambda p: 1000)

    async def main():
        async def one() -> list[tuple[float, dict]]:
            sent: list[tuple[float, dict]] = []

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message):
                sent.append((time.monotonic(), message))

            await bridge(dict(SCOPE), receive, send)
            return sent

        return time.monotonic(), await asyncio.gather(*(one() for _ in range(3)))

    started, results = asyncio.run(main())
    for sent in results:
        assert sent[1][1]["body"] == b"late" and sent[0][0] - started >= 0.3
    # three answers held back one after another on the one thread would take 0.9 s
    assert max(sent[-1][0] for sent in results) - started < 0.9


def thread_of_app(on_loop: bool, body: bytes) -> str:
    """The name of the thread the app ran on, fed ``body`` in one message."""
    names: list[str] = []

    def app(environ, start_response):
        names.append(threading.current_thread().name)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    bridge = BufferedWSGI(app, 1, read_timeout=5, body_cap=lambda p: 1 << 20, on_loop=lambda path: on_loop)
    sent = run(bridge, [{"type": "http.request", "body": body, "more_body": False}])
    assert sent[1]["body"] == b"ok"
    return names[0]


def test_a_small_request_the_app_allows_runs_on_the_event_loop():
    assert thread_of_app(True, b"x" * LOOP_BODY_BYTES) == threading.main_thread().name  # asyncio.run's thread


def test_a_request_goes_to_a_thread_when_the_app_does_not_allow_the_loop_or_its_body_is_large():
    assert thread_of_app(False, b"x").startswith("wsgi")
    assert thread_of_app(True, b"x" * (LOOP_BODY_BYTES + 1)).startswith("wsgi")


def test_answers_of_requests_run_on_the_loop_together_leave_together():
    """Each request that was ready with another runs before either answer is written, as answers
    from threads do: written one by one, each woke an idle client on another core."""
    events: list[str] = []

    def app(environ, start_response):
        events.append("run " + environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    bridge = BufferedWSGI(app, 1, read_timeout=5, body_cap=lambda p: 1 << 20, on_loop=lambda path: True)

    async def call(path: str):
        async def receive():
            return {"type": "http.request", "body": b"x", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                events.append("answer " + path)

        await bridge({**SCOPE, "path": path}, receive, send)

    async def main():
        await asyncio.gather(call("/a"), call("/b"))

    asyncio.run(main())
    assert events == ["run /a", "run /b", "answer /a", "answer /b"]
