"""Data at run time over the admin API: the same store code as the CLI, refusals in JSON."""
from __future__ import annotations

from adapters.store import itslearning as store_its
from adapters.store import results as store_results
from adapters.store.accounts import find_consumer
from tests.admin.conftest import ADMIN


def test_accounts_results_and_their_refusals(http, store):
    created = http.post(f"{ADMIN}/accounts", json={"name": "acme", "consumer_key": "k-acme", "secret": "s-acme-123",
                                                   "webex_id": "host9", "webex_password": "pw-9",
                                                   "itslearning_username": "its9", "itslearning_password": "pw-its"})
    assert created.status_code == 201, created.text
    listing = http.get(f"{ADMIN}/accounts").json()["accounts"]
    acme = next(a for a in listing if a["name"] == "acme")
    assert acme["consumer_keys"] == ["k-acme"] and acme["webex_ids"] == ["host9"]
    assert "s-acme-123" not in str(listing) and "pw-9" not in str(listing)
    assert http.post(f"{ADMIN}/accounts", json={"name": "x", "consumer_key": "only"}).status_code == 400

    loaded = http.post(f"{ADMIN}/results", json={"consumer_key": "k-acme", "results": [
        {"sourcedId": "r1", "lineItemSourcedId": "l1", "score": "0.3"}, {"sourcedId": "r2", "lineItemSourcedId": "l1"}]})
    assert loaded.json() == {"created": 2, "replaced": 0}
    with store.session() as session:
        account_id = find_consumer(session, "k-acme").account_id
        assert store_results.find_result(session, account_id, "r1").score_text == "0.3"
    bad = http.post(f"{ADMIN}/results", json={"account": "acme", "results": [{"sourcedId": "r3"}]})
    assert bad.status_code == 400 and "lineItemSourcedId is required" in bad.json()["error"]
    assert http.post(f"{ADMIN}/results", json={"consumer_key": "nobody", "results": [{"sourcedId": "a", "lineItemSourcedId": "b"}]}).status_code == 404
    assert http.delete(f"{ADMIN}/results/r2", params={"account": "acme"}).status_code == 200
    assert http.delete(f"{ADMIN}/results/r2", params={"account": "acme"}).status_code == 404
    assert http.delete(f"{ADMIN}/accounts/acme").status_code == 200
    assert http.get(f"{ADMIN}/accounts").json()["accounts"] == [a for a in listing if a["name"] != "acme"]


def test_tests_attempts_and_itslearning_rows(http, store):
    bad = http.post(f"{ADMIN}/tests", params={"account": "demo"}, data=b"<not-qti/>")
    assert bad.status_code == 400 and bad.json()["error"].startswith("QTI 1.2")
    attempt = http.post(f"{ADMIN}/attempts", json={"account": "demo", "attempt": {"test": 207, "participant": {
        "email": "new@x.y", "name": "New Person"}, "responses": {}}})
    assert attempt.status_code == 201 and attempt.json()["max"] == 100
    assert http.post(f"{ADMIN}/attempts", json={"account": "demo", "attempt": {"test": 99999}}).status_code == 400
    course = http.post(f"{ADMIN}/itslearning/courses", json={"account": "demo", "id": 7, "title": "Archived one",
                                                             "sync_key": "c-7", "state": "archived"})
    assert course.status_code == 201
    user = http.post(f"{ADMIN}/itslearning/users", json={"account": "demo", "id": 9, "sync_key": "u-9", "name": "U"})
    assert user.status_code == 201
    with store.session() as session:
        from adapters.store.accounts import list_accounts

        demo_id = next(a.id for a in list_accounts(session) if a.name == "demo")
        assert store_its.course(session, demo_id, 1, sync_key="c-7").state == "archived"
        assert store_its.user(session, demo_id, 1, user_id=9).sync_key == "u-9"
