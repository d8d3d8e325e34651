"""The journal and fault rules are shared by every worker: a real ``serve --workers 2``."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from requests_oauthlib import OAuth1

from tests.admin.conftest import SOAP_HEADERS, read_result
from tests.servers import running_gateway

pytestmark = pytest.mark.slow


def _fresh(method: str, url: str, **kwargs) -> requests.Response:
    """On a new connection each time, so that either worker may take it."""
    with requests.Session() as session:
        return session.request(method, url, headers={"Connection": "close", **kwargs.pop("headers", {})}, **kwargs)


def test_an_entry_written_by_one_worker_is_listed_by_the_other(store_url, monkeypatch):
    monkeypatch.setenv("LMS_GATEWAY_FAULT_RULES_REFRESH_SECONDS", "0.2")
    with running_gateway(store_url, "--workers", "2", "--demo") as (base, _):
        auth = OAuth1("49201", "secret", force_include_body=True)
        # Concurrent calls on fresh connections: each worker's event loop accepts while its threads
        # work, so sequential calls may all land on one worker.
        def write(_):
            answer = _fresh("POST", f"{base}/api/soap/1p0/lis-result", data=read_result(), headers=SOAP_HEADERS, auth=auth)
            assert answer.status_code == 200

        writers: set[int] = set()
        crossed = False
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            for _ in range(10):
                list(pool.map(write, range(12)))
                sent += 12
                listing = _fresh("GET", f"{base}/__admin/requests", params={"protocol": "lis", "limit": 1000})
                writers |= {e["worker"] for e in listing.json()["requests"]}
                if len(writers) == 2:
                    break
        for _ in range(60):
            listing = _fresh("GET", f"{base}/__admin/requests", params={"protocol": "lis", "limit": 1000})
            assert listing.status_code == 200
            doc = listing.json()
            lister = doc["served_by"]
            writers |= {e["worker"] for e in doc["requests"]}
            if any(e["worker"] != lister for e in doc["requests"]) and len(doc["requests"]) == sent:
                crossed = True
                break
        assert len(writers) == 2, f"one worker took every call: {writers}"
        assert crossed, "no listing showed an entry another worker wrote"

        # a fault rule added through one worker is obeyed by both, for exactly its count
        rule = _fresh("POST", f"{base}/__admin/faults",
                      json={"protocol": "lis", "times": 4, "code_minor": "targetisbusy"}).json()
        time.sleep(0.5)  # the other worker re-reads its rules every 0.2 s here
        busy = 0
        for _ in range(8):
            answer = _fresh("POST", f"{base}/api/soap/1p0/lis-result", data=read_result(), headers=SOAP_HEADERS, auth=auth)
            busy += "targetisbusy" in answer.text
        assert busy == 4
        answered = _fresh("GET", f"{base}/__admin/requests", params={"fault_rule": rule["id"]}).json()["requests"]
        print(f"fault rule answered by workers {sorted({e['worker'] for e in answered})}")


def test_a_drop_rule_closes_the_connection_of_a_real_server(store_url):
    """serve's event-loop workers abort the connection: no status line, no 500."""
    with running_gateway(store_url, "--workers", "1", "--demo") as (base, _):
        auth = OAuth1("49201", "secret", force_include_body=True)
        rule = _fresh("POST", f"{base}/__admin/faults", json={"protocol": "lis", "times": 1, "action": "drop"})
        assert rule.status_code in (200, 201), rule.text
        with pytest.raises(requests.ConnectionError):
            _fresh("POST", f"{base}/api/soap/1p0/lis-result", data=read_result(), headers=SOAP_HEADERS, auth=auth)
        after = _fresh("POST", f"{base}/api/soap/1p0/lis-result", data=read_result(), headers=SOAP_HEADERS, auth=auth)
        assert after.status_code == 200 and "success" in after.text
        entries = _fresh("GET", f"{base}/__admin/requests", params={"protocol": "lis"}).json()["requests"]
        assert [e["outcome"] for e in entries][-1] == "dropped"


def test_delayed_answers_hold_no_thread_of_a_real_server(store_url):
    """serve holds a delayed answer back on its event loop: more delayed calls than the worker has
    threads do not keep another caller waiting, and each arrives after its delay."""
    with running_gateway(store_url, "--workers", "1", "--threads", "2", "--demo") as (base, _):
        auth = OAuth1("49201", "secret", force_include_body=True)
        rule = _fresh("POST", f"{base}/__admin/faults", json={"protocol": "lis", "times": 4, "action": "delay", "ms": 6000})
        assert rule.status_code in (200, 201), rule.text

        def delayed(_):
            started = time.monotonic()
            answer = _fresh("POST", f"{base}/api/soap/1p0/lis-result", data=read_result(), headers=SOAP_HEADERS, auth=auth)
            return answer, time.monotonic() - started

        with ThreadPoolExecutor(4) as pool:
            calls = [pool.submit(delayed, n) for n in range(4)]
            time.sleep(1.0)  # all four have reached the delay
            started = time.monotonic()
            listing = _fresh("GET", f"{base}/__admin/requests", params={"protocol": "lis"})
            waited = time.monotonic() - started
            early = [call.done() for call in calls]
            results = [call.result() for call in calls]
        # with four calls asleep on two threads, the listing would have waited for the delays to end
        assert waited < 3.0, f"another caller waited {waited:.1f} s behind the delayed calls"
        assert listing.status_code == 200 and not any(early), "a delayed answer came early"
        for answer, took in results:
            assert answer.status_code == 200 and "success" in answer.text
            assert took >= 6.0
        durations = [e["duration_ms"] for e in _fresh("GET", f"{base}/__admin/requests",
                                                      params={"fault_rule": rule.json()["id"]}).json()["requests"]]
        assert len(durations) == 4 and all(d >= 6000 for d in durations), durations
