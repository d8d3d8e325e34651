"""LIS OMS readResult and readResults(500) through the full path — HTTP (`serve`'s server), OAuth 1.0 with
body hash and a stored nonce per request, spyne dispatch, one store query, lxml answer — against
the floor measured in the same run.

    python -m bench.lis [--results 100000] [--requests 3000] [--workers 2] [--database-url URL]

Targets (issue 3): readResult throughput >= 0.5 x floor; readResults(500) in one store query and
under 50 ms of server time (reported as the in-process median and the HTTP p50 at concurrency 1).
Every request is signed before timing starts, each with its own nonce (a replay would be refused).
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import event, insert

from adapters import lis_records
from adapters.ns import LIS_OMS
from adapters.store import Store, schema
from adapters.store.accounts import find_consumer
from adapters.store.models import LineItem, Person, Result
from bench import harness
from gateway import demo
from gateway.config import Settings
from gateway.demo.accounts import LIS_CONSUMER_KEY
from gateway.security.oauth import authorization_header

PATH = "/api/soap/1p0/lis-result"
CONTENT_TYPE = 'text/xml;charset="utf-8"'
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="{LIS_OMS}">\n'
    "<SOAP-ENV:Header>\n<ns1:imsx_syncRequestHeaderInfo>\n<ns1:imsx_version>V1.0</ns1:imsx_version>\n"
    "<ns1:imsx_messageIdentifier>{mid}</ns1:imsx_messageIdentifier>\n</ns1:imsx_syncRequestHeaderInfo>\n"
    "</SOAP-ENV:Header>\n<SOAP-ENV:Body>\n{body}\n</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"
)


def read_result(sourced_id: str) -> bytes:
    body = f"<ns1:readResultRequest>\n<ns1:sourcedId>{sourced_id}</ns1:sourcedId>\n</ns1:readResultRequest>"
    return _ENVELOPE.format(mid=uuid.uuid4(), body=body).encode()


def read_results(ids: list[str]) -> bytes:
    inner = "".join(f"<ns1:sourcedId>{i}</ns1:sourcedId>\n" for i in ids)
    body = f"<ns1:readResultsRequest>\n<ns1:sourcedIdSet>\n{inner}</ns1:sourcedIdSet>\n</ns1:readResultsRequest>"
    return _ENVELOPE.format(mid=uuid.uuid4(), body=body).encode()


def load_store(url: str, count: int) -> int:
    """Schema, demo account (consumer key 49201) and ``count`` results in bulk; returns the account id."""
    store = Store(url)
    schema.upgrade(store)
    settings = Settings.load(environ={}, database_url=url)
    demo.load(store, settings)
    started = time.perf_counter()
    with store.session() as s:
        account_id = find_consumer(s, LIS_CONSUMER_KEY).account_id
        items = [{"account_id": account_id, "sourced_id": f"LI{i}", "label": f"Assignment {i}"} for i in range(1000)]
        people = [{"account_id": account_id, "sourced_id": f"P{i}"} for i in range(10_000)]
        s.execute(insert(LineItem), items)
        s.execute(insert(Person), people)
        s.flush()
        item_ids = [r[0] for r in s.execute(LineItem.__table__.select().with_only_columns(LineItem.id).where(LineItem.account_id == account_id))]
        person_ids = [r[0] for r in s.execute(Person.__table__.select().with_only_columns(Person.id).where(Person.account_id == account_id))]
        extension = lis_records.normalise_extension(
            (n, t, v) for (n, t), v in zip(lis_records.TURNITIN_FIELDS, ("", "3", "0", "41", "", "", "", "", ""))
        )
        date = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
        batch = []
        for i in range(count):
            batch.append({
                "account_id": account_id, "sourced_id": str(60_000_000 + i), "ref_agent_instance_id": "Turnitin SRC12",
                "line_item_id": item_ids[i % len(item_ids)], "person_id": person_ids[i % len(person_ids)], "date": date,
                "value_label": f"paper-{i}.docx", "score_language": "en-US", "score_text": str(i % 101),
                "extension": extension, "updated_at": date,
            })
            if len(batch) == 10_000:
                s.execute(insert(Result), batch)
                batch = []
        if batch:
            s.execute(insert(Result), batch)
    with store.engine.connect() as conn:  # planner statistics, as any bulk load should be followed by
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    print(f"store: {count} results loaded in {time.perf_counter() - started:.1f} s ({store.dialect})")
    store.dispose()
    return account_id


def signed(base: str, body: bytes, secret: str) -> harness.Request:
    auth = authorization_header(base + PATH, body, LIS_CONSUMER_KEY, secret, content_type=CONTENT_TYPE)
    headers = {"Content-Type": CONTENT_TYPE, "Authorization": auth,
               "SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/readResult"'}
    return ("POST", PATH, headers, body)


def in_process(url: str, ids: list[str], secret: str, repeat: int = 30) -> tuple[float, int]:
    """Median server time of readResults(len(ids)) through the WSGI app (no HTTP), and the number of
    statements that touched the results table in one call."""
    import requests
    from wsgiadapter import WSGIAdapter

    from gateway.app import create_app

    settings = Settings.load(environ={}, database_url=url)
    store = Store(url)
    app = create_app(settings, store)
    session = requests.Session()
    session.mount("http://bench.local", WSGIAdapter(app))
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda c, cur, st, *a: statements.append(st))
    times = []
    for _ in range(repeat):
        body = read_results(ids)
        auth = authorization_header("http://bench.local" + PATH, body, LIS_CONSUMER_KEY, secret, content_type=CONTENT_TYPE)
        statements.clear()
        t0 = time.perf_counter()
        r = session.post("http://bench.local" + PATH, data=body, headers={"Content-Type": CONTENT_TYPE, "Authorization": auth})
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200 and b"fullsuccess" in r.content, r.content[:500]
    store.dispose()
    return statistics.median(times) * 1000, sum(1 for s in statements if "FROM results" in s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args()
    secret = Settings.load(environ={}).demo_secret

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        load_store(url, args.results)
        rng = random.Random(3)
        all_ids = [str(60_000_000 + i) for i in range(args.results)]
        batch_ids = rng.sample(all_ids, 500)
        server_ms, result_queries = in_process(url, batch_ids, secret)

        port = harness.free_port()
        floor = harness.measure_floor(args.workers, args.requests)

        with harness.gateway_server(port, args.workers, url) as base:
            def one(n: int) -> list[harness.Request]:
                return [signed(base, read_result(rng.choice(all_ids)), secret) for _ in range(n)]

            harness.drive("warm-up", base, one(args.requests // 10), 4)
            figures = {c: harness.drive("readResult", base, one(args.requests), c) for c in (1, 8)}
            many_n = max(50, args.requests // 20)
            many = {c: harness.drive("readResults(500)", base,
                                     [signed(base, read_results(rng.sample(all_ids, 500)), secret) for _ in range(many_n)], c)
                    for c in (1, 8)}

    print(f"server: gunicorn arbiter + uvicorn event-loop workers, {args.workers} worker(s) x 4 threads; store {url.split(':', 1)[0]} with {args.results} results")
    for c in (1, 8):
        print(floor[c].line())
        print(figures[c].line(floor[c]))
        print(many[c].line(floor[c]))
    ratio = figures[8].rps / floor[8].rps
    print(f"readResult throughput at c=8: {ratio:.2f} x floor (target >= 0.50: {'met' if ratio >= 0.5 else 'MISSED'})")
    print(f"readResults(500): {result_queries} query on results; server time {server_ms:.1f} ms in process, "
          f"HTTP p50 {many[1].p50_ms:.1f} ms at c=1 (target < 50 ms: {'met' if max(server_ms, many[1].p50_ms) < 50 else 'MISSED'})")


if __name__ == "__main__":
    main()
