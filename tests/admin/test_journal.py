"""The request journal (DESIGN.md §13): what one exchange of each protocol files, the OAuth verdict
and base string, retention, the off switch."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import make_url

from adapters.store import journal as store_journal
from adapters.store.models import JournalEntry
from gateway.admin import journal as journal_module
from gateway.app import create_app
from gateway.config import Settings
from tests.admin.conftest import (
    ADMIN, POX_URL, SOAP_HEADERS, SOAP_URL, WEBEX_PASSWORD, WEBEX_URL, entries, pox, read_result, session_on, training,
    webex_message,
)


def test_lis_read_result_is_filed_with_its_keys_verdict_and_outcome(signed):
    answer = signed.post(SOAP_URL, data=read_result("49313814", "msg-1"), headers={**SOAP_HEADERS, "SOAPAction": '"r"'})
    assert answer.status_code == 200
    [entry] = entries(signed)
    assert entry["protocol"] == "lis" and entry["operation"] == "readResult"
    assert entry["keys"] == {"sourcedId": ["49313814"]}
    assert entry["account"] == "49201"
    assert entry["oauth"] == {"verdict": "accepted", "consumer_key": "49201"}
    assert entry["status"] == 200 and entry["outcome"] == "success/fullsuccess"
    assert entry["request_id"] == answer.headers["X-Request-Id"]
    one = signed.get(f"{ADMIN}/requests/{entry['id']}").json()
    assert "msg-1" in one["request_body"] and "49313814" in one["response_body"]
    assert "Authorization" not in one["request_headers"]
    assert "request header Authorization" in one["redacted"]
    # named as HTTP spells them; the transfer's own headers left out
    assert one["request_headers"]["SOAPAction"] == '"r"'
    assert one["request_headers"]["Content-Type"].startswith("text/xml")
    assert not {"Host", "Content-Length", "Connection"} & set(one["request_headers"])


def test_bad_signature_files_the_base_string_the_gateway_computed(http):
    from requests_oauthlib import OAuth1

    wrong = OAuth1("49201", "not-the-secret", force_include_body=True)
    answer = http.post(SOAP_URL + "?lang=en_us", data=read_result(), headers=SOAP_HEADERS, auth=wrong)
    assert answer.status_code == 500 and "Authentication Fault" in answer.text
    [entry] = entries(http)
    assert entry["oauth"]["verdict"] == "refused" and entry["oauth"]["check"] == "signature"
    base = entry["oauth"]["base_string"]
    assert base.startswith("POST&http%3A%2F%2Fgateway.test%2Fapi%2Fsoap%2F1p0%2Flis-result&")
    assert "lang%3Den_us" in base and "oauth_body_hash" in base and "oauth_signature%3D" not in base
    assert entry["outcome"] == "fault Authentication Fault"


def test_pox_webex_and_filters(signed):
    signed.post(POX_URL, data=pox("replaceResult", "49313826", "0.5"), headers={"Content-Type": "application/xml"})
    signed.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"),
                                              "<testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail>"))
    signed.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"), "<testID>999</testID>"
                                              "<participantEmail>x@y.z</participantEmail>"))
    lti = entries(signed, protocol="lti")
    assert [(e["operation"], e["outcome"], e["keys"]) for e in lti] == [
        ("replaceResult", "success", {"sourcedId": ["49313826"]})]
    webex = entries(signed, protocol="webex")
    assert [(e["operation"], e["account"], e["outcome"]) for e in webex] == [
        ("GetIMStestResult", "hostid", "FAILURE 000015"), ("GetIMStestResult", "hostid", "SUCCESS")]
    assert webex[1]["keys"] == {"testID": ["207"], "participantEmail": ["georgew@sz.webex.com"]}
    assert [e["keys"]["testID"] for e in entries(signed, key="207")] == [["207"]]
    assert entries(signed, key="20") == []  # whole keys only
    assert len(entries(signed, limit=1)) == 1
    assert entries(signed, status=500) == []
    count = signed.post(f"{ADMIN}/requests/count", json={"protocol": "webex", "operation": "GetIMStestResult"})
    assert count.json() == {"count": 2}
    later = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
    assert signed.post(f"{ADMIN}/requests/count", json={"since": later}).json() == {"count": 0}
    assert signed.delete(f"{ADMIN}/requests").json() == {"deleted": 3}
    assert entries(signed) == []


def test_bad_filters_are_refused_in_json(http):
    for query in ({"status": "abc"}, {"since": "yesterday"}, {"colour": "red"}):
        answer = http.get(f"{ADMIN}/requests", params=query)
        assert answer.status_code == 400 and answer.headers["Content-Type"] == "application/json"
        assert answer.json()["error"]
    assert http.post(f"{ADMIN}/requests/count", data=b"{not json").status_code == 400
    assert http.get(f"{ADMIN}/requests/999").status_code == 404
    assert http.get(f"{ADMIN}/nothing").json()["error"].startswith("No admin endpoint")


def test_health_metrics_and_admin_are_not_journaled(http):
    http.get(f"{ADMIN}/requests")
    http.get(ADMIN.replace("/__admin", "/healthz"))
    http.get(ADMIN.replace("/__admin", "/metrics"))
    assert entries(http) == []


def test_wsdl_fetch_is_filed_as_wsdl(http):
    http.get(SOAP_URL + "?wsdl")
    assert [(e["protocol"], e["operation"]) for e in entries(http)] == [("lis", "wsdl")]


def test_journal_off(store, settings, demo_data):
    off = Settings.load(environ={"LMS_GATEWAY_JOURNAL": "off"}, database_url=settings.database_url)
    http = session_on(create_app(off, store))
    http.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"), "<testID>207</testID>"))
    listing = http.get(f"{ADMIN}/requests").json()
    assert listing["requests"] == [] and listing["journal"] == "off"


def test_retention_by_count_and_age(store, settings, demo_data):
    app = create_app(settings.replace(journal_max_entries=3, journal_max_age_seconds=3600), store)
    http = session_on(app)
    for test_id in range(5):
        http.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"), f"<testID>{test_id}</testID>"))
    app.tap.flush()
    app.tap.journal.prune()  # (the writer may have pruned already; the outcome is the same)
    assert [e["keys"]["testID"][0] for e in entries(http)] == ["4", "3", "2"]
    with app.tap.journal_store.session() as session:  # entry 3 is two hours old
        [three] = store_journal.entries(session, store_journal.Filter(key="3"))
        session.execute(update(JournalEntry).where(JournalEntry.id == three["id"])
                        .values(at=datetime.now(timezone.utc) - timedelta(hours=2)))
    assert app.tap.journal.prune() == 1
    assert [e["keys"]["testID"][0] for e in entries(http)] == ["4", "2"]


def test_pruning_keeps_the_connections_own_secure_delete(store):
    # the prune lets SQLite leave freed journal pages unzeroed; every other table keeps the setting
    if store.dialect != "sqlite":
        return
    with store.transaction() as connection:
        before = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
        store_journal.prune(connection, 1, 3600)
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == before


def test_disposing_the_store_writes_what_is_queued_first(store_url, settings, demo_data):
    # a writer still holding entries when its store was disposed opened a connection nobody closed
    # (on PostgreSQL, a test run ran out of connections)
    from adapters.store import Store

    store = Store(store_url)
    app = create_app(settings, store)
    http = session_on(app)
    http.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"), "<testID>207</testID>"))
    store.dispose()
    assert store.engine.pool.checkedout() == 0 and app.tap.journal_store.engine.pool.checkedout() == 0
    main = Store(store_url)
    check = store_journal.open_store(main)
    with check.session() as session:
        assert store_journal.count(session, store_journal.Filter(protocol="webex")) == 1
    main.dispose()  # (and the journal's store with it)


def test_a_long_body_is_cut_where_a_tag_begins_and_the_cut_is_marked(store, settings, demo_data):
    from gateway.admin.journal import CUT_MARK

    app = create_app(settings.replace(journal_max_body_bytes=600), store)
    http = session_on(app)
    sent = webex_message(training("GetIMStestResult"), "<testID>207</testID>" + "<x>filler</x>" * 200)
    http.post(WEBEX_URL, data=sent)
    [entry] = entries(http)
    body = http.get(f"{ADMIN}/requests/{entry['id']}").json()["request_body"].encode()
    assert body.endswith(CUT_MARK)
    kept = body[: -len(CUT_MARK)]
    assert len(kept) <= 600 and kept.endswith(b"</x>") and WEBEX_PASSWORD.encode() not in kept


def test_a_backlog_is_bounded_in_bytes_and_what_does_not_fit_is_dropped(store, settings, demo_data, monkeypatch, caplog):
    # a writer that cannot keep up (a store that stopped answering) must not hold every body it is given
    from gateway.admin import journal

    monkeypatch.setattr(journal, "MAX_QUEUED_BYTES", 3 * 1024 * 1024)
    app = create_app(settings.replace(journal_max_body_bytes=512 * 1024), store)
    stalled = __import__("threading").Event()
    real_write = app.tap.journal._write
    monkeypatch.setattr(app.tap.journal, "_write", lambda batch: (stalled.wait(10), real_write(batch)))
    http = session_on(app)
    for i in range(10):  # each 1 MB body is kept as 512 KB: 3 fit in 3 MB, with their answers
        http.post(WEBEX_URL, data=webex_message(training("GetIMStestResult"), f"<testID>{i}</testID><!--{'x' * (1 << 20)}-->"))
    assert app.tap.journal._queued_bytes <= journal.MAX_QUEUED_BYTES
    assert caplog.text.count("request journal backlog full") >= 4
    stalled.set()
    assert app.tap.flush() is None and app.tap.journal._queued_bytes == 0
    kept = entries(http)
    assert 1 <= len(kept) <= 6


def test_background_writes_leave_the_checkpoint_to_the_end_and_put_it_back(store):
    if store.dialect != "sqlite":
        return
    with store.background_writes() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        connection.commit()
        used = connection.connection.dbapi_connection
    with store.engine.connect() as connection:  # the same pooled connection, as a request gets it
        assert connection.connection.dbapi_connection is used
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000


def test_a_background_write_leaves_the_database_file_alone_until_a_checkpoint_is_asked_for(store):
    if store.dialect != "sqlite":
        return
    path = Path(make_url(store.url).database)
    for checkpoint in (False, True):
        before = path.stat().st_size
        with store.background_writes(checkpoint) as connection, connection.begin():
            store_journal.write_many(connection, [_row(response_body=b"x" * 200_000)])
        assert (path.stat().st_size > before) is checkpoint  # the log copied into the file, or not yet


def test_the_journal_asks_for_a_checkpoint_at_most_once_an_interval(app, monkeypatch):
    monkeypatch.setattr(journal_module, "CHECKPOINT_SECONDS", 3600)
    journal = app.tap.journal
    assert [journal._checkpoint_due() for _ in range(3)] == [True, False, False]
    journal._next_checkpoint = 0.0  # as if the interval had passed
    assert journal._checkpoint_due()


def _row(**changes) -> dict:
    row = {"at": datetime(2026, 12, 1, 3, 4, 5, 123, tzinfo=timezone.utc), "request_id": "r-1", "protocol": "lis",
           "operation": "readResult", "account": None, "keys": {"sourcedId": ["a|b", "é"]}, "oauth": None,
           "method": "POST", "path": "/lis?x=1", "status": 200, "outcome": "success", "duration_ms": 1.25,
           "fault_rule": None, "worker": 7, "request_headers": {"Content-Type": 'text/xml; a="b"', "Ü": "x"},
           "request_body": b"<a>\x00\xff</a>", "response_headers": {}, "response_body": b"", "redacted": ["header Authorization"]}
    return {**row, **changes}


def test_a_row_reads_back_as_it_was_written(store):
    # SQLite rows take a path of their own (their values made without SQLAlchemy's processors)
    rows = [_row(), _row(request_id="r-2", oauth={"verdict": "ok", "score": 0.5, "valid": True}, account="k")]
    with store.transaction() as connection:
        store_journal.write_many(connection, [dict(r) for r in rows])
    with store.session() as session:
        read = [store_journal.entry(session, e["id"]) for e in reversed(store_journal.entries(session, store_journal.Filter()))]
    for written, back in zip(rows, read, strict=True):
        assert back["at"].replace(tzinfo=timezone.utc) == written["at"]
        assert {k: back[k] for k in written if k != "at"} == {k: v for k, v in written.items() if k != "at"}
        assert back["key_index"] == "|a/b|é|"
    with store.session() as session:
        assert store_journal.count(session, store_journal.Filter(key="é")) == 2


def test_many_rows_are_written_whole_and_in_order_past_one_statement(store):
    # SQLite takes them in multi-row statements of fixed sizes; 2 * 32 + 31 leaves every smaller shape
    count = 2 * store_journal.ROWS_PER_STATEMENT + store_journal.ROWS_PER_STATEMENT - 1
    rows = [_row(request_id=f"r-{i}", status=200 + i, request_body=f"<n>{i}</n>".encode()) for i in range(count)]
    with store.transaction() as connection:
        store_journal.write_many(connection, [dict(r) for r in rows])
    with store.session() as session:
        found = list(reversed(store_journal.entries(session, store_journal.Filter(), limit=count + 1)))
        first, last = (store_journal.entry(session, found[i]["id"]) for i in (0, -1))
    assert [(e["request_id"], e["status"]) for e in found] == [(f"r-{i}", 200 + i) for i in range(count)]
    assert (first["request_body"], last["request_body"]) == (b"<n>0</n>", f"<n>{count - 1}</n>".encode())


def test_statement_sizes_cover_every_count_with_few_shapes():
    shapes = set()
    for count in range(1, 200):
        sizes = store_journal._statement_sizes(count)
        assert sum(sizes) == count
        shapes.update(sizes)
    assert shapes == {32, 16, 8, 4, 2, 1}


def test_sqlite_rows_are_stored_as_sqlalchemy_would_store_them(store):
    if store.dialect != "sqlite":
        return
    row = _row(oauth={"verdict": "bad signature", "base_string": "POST&x"})
    with store.transaction() as connection:
        store_journal.write_many(connection, [dict(row)])
        connection.execute(store_journal._INSERT, [{**row, "key_index": store_journal.key_index(row["keys"])}])
        columns = ", ".join(f"typeof({name}), {name}" for name in store_journal._COLUMNS)
        ours, theirs = connection.exec_driver_sql(f"SELECT {columns} FROM journal_entries ORDER BY id").all()
    for name, a_type, a, b_type, b in zip(store_journal._COLUMNS, ours[::2], ours[1::2], theirs[::2], theirs[1::2]):
        assert a_type == b_type, name
        assert (json.loads(a) == json.loads(b)) if name in store_journal._JSON_COLUMNS else (a == b), name


def test_a_sqlite_store_keeps_its_journal_in_a_file_of_its_own(app, store, signed):
    signed.post(SOAP_URL, data=read_result("49313814", "msg-1"), headers={**SOAP_HEADERS, "SOAPAction": '"r"'})
    app.tap.flush()
    journal = app.tap.journal_store
    with journal.session() as session:
        assert store_journal.count(session, store_journal.Filter(protocol="lis")) == 1
    if store.dialect == "sqlite":  # beside the store, and nothing in the store's own table
        assert journal.url == store.url.removesuffix(".db") + "-journal.db"
        with store.session() as session:
            assert store_journal.count(session, store_journal.Filter()) == 0
    else:
        assert journal is store


def test_where_the_journal_file_is():
    assert store_journal.file_url("sqlite:////data/gw.db") == "sqlite:////data/gw-journal.db"
    assert store_journal.file_url("sqlite:///./lms-gateway.db") == "sqlite:///./lms-gateway-journal.db"
    assert store_journal.file_url("sqlite:////data.d/store") == "sqlite:////data.d/store-journal"
    assert store_journal.file_url("sqlite:////data/gw.db", "sqlite:////fast/j.db") == "sqlite:////fast/j.db"
    for in_the_store in ("sqlite://", "sqlite:///:memory:", "postgresql://u:p@db/gw"):
        assert store_journal.file_url(in_the_store) is None


def test_a_journal_file_of_another_table_version_is_made_anew(tmp_path):
    import sqlite3

    from adapters.store import Store

    path = tmp_path / "old-journal.db"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE journal_entries (id INTEGER PRIMARY KEY, what TEXT)")
    old.execute("INSERT INTO journal_entries (what) VALUES ('from an older gateway')")
    old.execute("PRAGMA user_version=7")
    old.commit()
    old.close()
    main = Store(f"sqlite:///{tmp_path}/store.db")
    journal = store_journal.open_store(main, f"sqlite:///{path}")
    with journal.transaction() as connection:
        store_journal.write_many(connection, [_row()])
    again = store_journal.open_store(main, f"sqlite:///{path}")  # same version: kept as it is
    with again.session() as session:
        [entry] = store_journal.entries(session, store_journal.Filter())
        assert entry["request_id"] == "r-1"
    main.dispose()
    assert journal.engine.pool.checkedin() == again.engine.pool.checkedin() == 0  # disposed with the store
    # the store's own file, however spelled, is the store (its journal table is the migrations')
    assert store_journal.open_store(main, f"sqlite:///{tmp_path}/../{tmp_path.name}/store.db") is main


def test_the_journal_files_table_version_does_not_depend_on_the_order_of_its_indexes():
    # a table's indexes are a set, ordered by object ids: a checksum that followed their order could
    # change from one start to the next and empty the journal each time
    indexes = list(JournalEntry.__table__.indexes)
    assert len(indexes) == 2
    assert store_journal._file_ddl(indexes) == store_journal._file_ddl(indexes[::-1]) == store_journal._FILE_DDL
