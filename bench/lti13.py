"""An AGS score POST through the full path — HTTP (`serve`'s server), the Bearer token's RS256 signature
and scope check, JSON validation, the line item lookup and the LIS result write — against the
floor measured in the same run.

    python -m bench.lti13 [--requests 2000] [--workers 2] [--database-url URL]

Two runs per concurrency: scores for new users (a person and a LIS result are created) and then
later scores for the same users (the result is updated). One access token serves every request,
as a tool reuses its token; obtaining it (the client-assertion check) is timed separately.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from adapters.store import Store, schema
from adapters.store import accounts as store_accounts
from adapters.store import ags as store_ags
from adapters.store import lti13 as store_lti13
from bench import harness

ACCOUNT, CLIENT_ID, CONTEXT = "bench", "bench-tool", "course-1"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def prepare(url: str, key: RSAKey) -> str:
    """Schema, a tool, a line item; returns the line item's sourcedId."""
    store = Store(url)
    schema.upgrade(store)
    with store.session() as s:
        account = store_accounts.get_or_create_account(s, ACCOUNT)
        store_lti13.register_tool(s, account.id, CLIENT_ID, deployment_ids=["d"], jwks={"keys": [key.as_dict(private=False)]})
        item = store_ags.create_line_item(s, account.id, CONTEXT, store_ags.LineItemFields("Bench", 100))
        sourced_id = item.sourced_id
    store.dispose()
    return sourced_id


def get_token(base: str, key: RSAKey) -> tuple[str, float]:
    token_url = f"{base}/lti13/{ACCOUNT}/token"
    now = int(time.time())
    assertion = jwt.encode({"alg": "RS256", "kid": key.kid},
                           {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": token_url, "iat": now, "exp": now + 60,
                            "jti": uuid.uuid4().hex}, key)
    started = time.perf_counter()
    response = requests.post(token_url, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": store_lti13.SCOPE_SCORE,
    }, timeout=30)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return response.json()["access_token"], elapsed


def scores(item_path: str, token: str, users: list[str], when: datetime) -> list[harness.Request]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE}
    stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [
        ("POST", item_path + "/scores", headers, json.dumps({
            "userId": user, "scoreGiven": 7, "scoreMaximum": 10, "activityProgress": "Completed",
            "gradingProgress": "FullyGraded", "timestamp": stamp}).encode())
        for user in users
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    key = RSAKey.generate_key(2048, parameters={"kid": "bench", "alg": "RS256", "use": "sig"}, private=True)

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        item = prepare(url, key)
        item_path = f"/lti13/{ACCOUNT}/contexts/{CONTEXT}/lineitems/{item}"

        floor = harness.measure_floor(args.workers, args.requests)

        created, updated, token_ms = {}, {}, []
        with harness.gateway_server(harness.free_port(), args.workers, url) as base:
            for _ in range(5):
                token, seconds = get_token(base, key)
                token_ms.append(seconds * 1000)
            when = datetime.now(timezone.utc)
            harness.drive("warm-up", base, scores(item_path, token, [f"warm-{i}" for i in range(args.requests // 10)], when), 4)
            for c in (1, 8):
                users = [f"c{c}-u{i}" for i in range(args.requests)]
                created[c] = harness.drive("AGS score POST (new)", base, scores(item_path, token, users, when), c)
                updated[c] = harness.drive("AGS score POST (update)", base,
                                           scores(item_path, token, users, when + timedelta(seconds=1)), c)

    print(f"server: serve's, {args.workers} worker(s) x 4 threads; store {url.split(':', 1)[0]}")
    print(f"token endpoint (client assertion check, jti stored, token signed): "
          f"median {sorted(token_ms)[len(token_ms) // 2]:.1f} ms over {len(token_ms)} sequential requests")
    for c in (1, 8):
        print(floor[c].line())
        print(created[c].line(floor[c]))
        print(updated[c].line(floor[c]))


if __name__ == "__main__":
    main()
