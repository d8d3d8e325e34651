"""Managing the store from the command line (SQLite and PostgreSQL): results, attempts, accounts,
itslearning sites/courses/users, and what ``demo load`` replaces."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from adapters.store import Store
from adapters.store import manage
from adapters.store.models import Account, Attempt, ItsCourse, Result
from adapters.store.models import Test as StoredTest
from gateway.cli import main
from gateway.demo.itslearning import package_bytes


def run(store_url: str, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--database-url", store_url, *args], input=input)


def ok(store_url: str, *args: str) -> str:
    result = run(store_url, *args)
    assert result.exit_code == 0, result.output
    return result.output


def count(store_url: str, model) -> int:
    with Store(store_url).session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_new_account_can_import_through_itslearning(store_url, tmp_path):
    package = tmp_path / "quiz.zip"
    package.write_bytes(package_bytes())
    ok(store_url, "accounts", "add", "acme", "--itslearning-username", "acme-its", "--itslearning-password", "pw",
       "--itslearning-site-id", "7")
    # before it has users, the import fails as the issue reported
    ok(store_url, "itslearning", "courses", "add", "Maths", "--account", "acme", "--sync-key", "maths")
    refused = run(store_url, "itslearning", "import", str(package), "--course", "maths", "--user", "teacher",
                  "--username", "acme-its")
    assert refused.exit_code == 1 and "User with specified UserId/UserSyncKey is not valid." in refused.output
    ok(store_url, "itslearning", "users", "add", "Tea Cher", "--account", "acme", "--sync-key", "teacher")
    done = run(store_url, "itslearning", "import", str(package), "--course", "maths", "--user", "teacher",
               "--username", "acme-its")
    assert done.exit_code == 0 and "Info" in done.output and "created" in done.output, done.output
    sites = json.loads(ok(store_url, "itslearning", "sites", "list", "--account", "acme", "--json"))
    assert sites == [{"site": 7, "usernames": ["acme-its"], "courses": 1, "users": 1}]
    [course] = json.loads(ok(store_url, "itslearning", "courses", "list", "--account", "acme", "--json"))
    assert (course["site"], course["syncKey"], course["title"], course["state"]) == (7, "maths", "Maths", "active")
    [user] = json.loads(ok(store_url, "itslearning", "users", "list", "--account", "acme", "--json"))
    assert (user["site"], user["syncKey"], user["name"], user["state"]) == (7, "teacher", "Tea Cher", "valid")


def test_itslearning_rows_refuse_duplicates_and_unknown_accounts(store_url):
    ok(store_url, "accounts", "add", "acme", "--itslearning-username", "u1", "--itslearning-password", "pw")
    ok(store_url, "itslearning", "sites", "add", "3", "--account", "acme", "--username", "u3", "--password", "pw")
    two_sites = run(store_url, "itslearning", "courses", "add", "C", "--account", "acme")
    assert two_sites.exit_code == 2 and "has 2 itslearning sites: name one with --site" in two_sites.output
    ok(store_url, "itslearning", "courses", "add", "C", "--account", "acme", "--site", "3", "--sync-key", "c", "--id", "40")
    again = run(store_url, "itslearning", "courses", "add", "D", "--account", "acme", "--site", "3", "--sync-key", "c")
    assert again.exit_code == 1 and again.output == "Error: the account already has an itslearning course with sync key 'c'\n"
    taken = run(store_url, "itslearning", "courses", "add", "D", "--account", "acme", "--site", "3", "--id", "40")
    assert taken.exit_code == 1 and "itslearning course id 40 is taken" in taken.output
    nobody = run(store_url, "itslearning", "users", "add", "X", "--account", "nobody")
    assert nobody.exit_code == 1 and "no account 'nobody' (create it with `lms-gateway accounts add nobody`)" in nobody.output
    assert [c["id"] for c in json.loads(ok(store_url, "itslearning", "courses", "list", "--account", "acme", "--site", "3",
                                           "--json"))] == [40]


def test_results_list_and_show(store_url):
    ok(store_url, "demo", "load")
    rows = json.loads(ok(store_url, "results", "list", "--line-item", "20028310", "--json"))
    assert [r["sourcedId"] for r in rows] == ["49313814", "49313826"]
    assert rows[0]["personSourcedId"] == "100012184" and rows[0]["extension"]["StudentPaperSimilarity"] == "100"
    one = json.loads(ok(store_url, "results", "show", "49313826", "--json"))
    assert one == rows[1]
    assert "score: 100" in ok(store_url, "results", "show", "49313814")
    missing = run(store_url, "results", "show", "nope")
    assert missing.exit_code == 1 and missing.output == "Error: no result with sourcedId 'nope' in account 'demo'\n"
    assert "49313814" in ok(store_url, "results", "list")


def test_attempts_list(store_url):
    ok(store_url, "demo", "load")
    rows = json.loads(ok(store_url, "attempts", "list", "--json"))
    assert [(r["test"], r["email"], r["score"], r["max"]) for r in rows] == [
        (207, "georgew@sz.webex.com", 45, 100), (102, "amyl@sz.webex.com", 55, 100)]
    only = json.loads(ok(store_url, "attempts", "list", "--test-id", "207", "--json"))
    assert [r["email"] for r in only] == ["georgew@sz.webex.com"]
    assert json.loads(ok(store_url, "attempts", "list", "--participant", "AMYL@sz.webex.com", "--json"))[0]["test"] == 102
    assert "georgew@sz.webex.com" in ok(store_url, "attempts", "list")


def test_accounts_remove_takes_everything_of_that_account_only(store_url, tmp_path):
    ok(store_url, "demo", "load")
    ok(store_url, "accounts", "add", "other")
    csv = tmp_path / "r.csv"
    csv.write_text("sourcedId,lineItemSourcedId,score\nX1,L,1\n")
    ok(store_url, "results", "import", str(csv), "--account", "other")
    asked = run(store_url, "accounts", "remove", "demo", input="n\n")
    assert asked.exit_code == 1 and count(store_url, StoredTest) == 2  # declined: nothing removed
    out = ok(store_url, "accounts", "remove", "demo", "--yes")
    assert "account demo removed (1 consumer keys, 1 webex hosts, 1 itslearning users, 2 tests, 2 attempts" in out
    assert (count(store_url, StoredTest), count(store_url, Attempt), count(store_url, ItsCourse)) == (0, 0, 0)
    with Store(store_url).session() as s:
        assert list(s.scalars(select(Account.name))) == ["other"]
        assert list(s.scalars(select(Result.sourced_id))) == ["X1"]
    gone = run(store_url, "accounts", "remove", "demo", "--yes")
    assert gone.exit_code == 1 and "no account 'demo'" in gone.output


def test_results_import_refuses_an_unknown_account(store_url, tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("sourcedId,lineItemSourcedId\nA,L\n")
    result = run(store_url, "results", "import", str(csv), "--account", "typo")
    assert result.exit_code == 1
    assert result.output == "Error: no account 'typo' (create it with `lms-gateway accounts add typo`)\n"
    with Store(store_url).session() as s:
        assert manage.list_results(s, 1) == [] and s.scalar(select(func.count()).select_from(Account)) == 0


def test_results_import_reports_every_bad_row(store_url, tmp_path):
    ok(store_url, "accounts", "add", "school")
    csv = tmp_path / "r.csv"
    csv.write_text("sourcedId,lineItemSourcedId,date\nA1,L,\n,L,\nA3,,\nA4,L,yesterday\n")
    result = run(store_url, "results", "import", str(csv), "--account", "school")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: {csv}, line 3: sourcedId is required",
        f"Error: {csv}, line 4: lineItemSourcedId is required",
        f"Error: {csv}, line 5: date 'yesterday' is not an ISO 8601 date-time; 3 bad row(s), nothing was imported",
    ]
    assert count(store_url, Result) == 0


def test_demo_load_says_what_it_replaces_and_leaves_other_accounts_alone(store_url, tmp_path):
    first = ok(store_url, "demo", "load")
    assert first == "demo data loaded into account demo (nothing replaced)\n"
    ok(store_url, "accounts", "add", "other", "--consumer-key", "k2", "--secret", "s2")
    csv = tmp_path / "r.csv"
    csv.write_text("sourcedId,lineItemSourcedId,score\n49313814,20028310,7\n")  # the demo's ids, another account
    ok(store_url, "results", "import", str(csv), "--account", "other")
    second = ok(store_url, "demo", "load")
    assert "replaced: LIS result(s) 49313814, 49313826" in second
    assert "replaced: test 207 (its QTI document and host)" in second
    assert "replaced: the latest attempt of georgew@sz.webex.com at test 207" in second
    with Store(store_url).session() as s:
        other = manage.account_id(s, "other")
        assert manage.show_result(s, other, "49313814")["score"] == "7"


@pytest.mark.parametrize(("setup", "message"), [
    ([["accounts", "add", "first", "--itslearning-username", "f", "--itslearning-password", "pw"],
      ["itslearning", "courses", "add", "Mine", "--account", "first", "--id", "1"]],
     "Error: itslearning course id 1 belongs to another account; the demo data needs it "
     "(remove that account, or use another store)"),
    ([["accounts", "add", "first", "--consumer-key", "49201", "--secret", "mine"]],
     "Error: consumer key '49201' already belongs to another account; the demo data needs it "
     "(remove that account, or use another store)"),
])
def test_demo_load_refuses_ids_another_account_holds(store_url, setup, message):
    for command in setup:
        ok(store_url, *command)
    for command in (["demo", "load"], ["replay", "samples", "--demo"]):
        result = run(store_url, *command)
        assert result.exit_code == 1, result.output
        assert result.output.splitlines()[-1] == message
    with Store(store_url).session() as s:  # nothing of the demo was written, nothing of "first" changed
        assert list(s.scalars(select(Account.name))) == ["first"]
        assert count(store_url, StoredTest) == 0
    if len(setup) == 2:
        with Store(store_url).session() as s:
            assert s.get(ItsCourse, 1).title == "Mine"
