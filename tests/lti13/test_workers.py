"""A real `lms-gateway serve --workers 2`: a jti replayed on any worker is refused, and a token
issued by one worker is accepted by the other."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.lti13.conftest import ACCOUNT, CLIENT_ID, register
from tests.servers import running_gateway

pytestmark = pytest.mark.slow


def test_a_replayed_jti_is_refused_across_two_workers(store, store_url, tool_key):
    with running_gateway(store_url, "--workers", "2", "--threads", "4") as (base, _proc):
        tool = register(store, ACCOUNT, CLIENT_ID, tool_key)
        tool.base = base
        pids, verdicts = set(), []

        def send(form):
            with requests.Session() as s:  # own connection: the two workers share the load
                pids.add(s.get(base + "/healthz").json()["pid"])
                return s.post(tool.token_url, data=form, timeout=30)

        with ThreadPoolExecutor(8) as pool:
            for _ in range(10):
                form = tool.token_form()
                answers = list(pool.map(send, [form] * 4))
                verdicts.append(sorted(a.status_code for a in answers))
                refused = [a.json()["error"] for a in answers if a.status_code != 200]
                assert refused == ["invalid_client"] * 3
        print(f"jti replay across workers: {len(verdicts)} jtis x 4 concurrent posts, worker pids seen {len(pids)}")
        assert all(v == [200, 401, 401, 401] for v in verdicts), verdicts
        assert len(pids) == 2 and os.getpid() not in pids

        token = send(tool.token_form()).json()["access_token"]
        for _ in range(6):  # whichever worker answers knows the signing key from the store
            with requests.Session() as s:
                assert s.get(tool.lineitems_url(), headers={"Authorization": f"Bearer {token}"}).status_code == 200
