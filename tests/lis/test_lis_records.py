"""adapters.lis_records (pure) and the store's result queries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lxml import etree
from sqlalchemy import event

from adapters import lis_records
from adapters.ns import LIS_OMS
from adapters.store import accounts as store_accounts
from adapters.store import results as store_results
from adapters.store.results import ResultData
from tests.lis.conftest import lis_schema

T = f"{{{LIS_OMS}}}"


def fields_of(record: etree._Element) -> list[tuple[str, str, str | None]]:
    return [
        (f.findtext(T + "fieldName"), f.findtext(T + "fieldType"), f.find(T + "fieldValue").text)
        for f in record.iter(T + "extensionField")
    ]


def test_bare_result_still_carries_the_turnitin_extension_with_empty_values():
    record = lis_records.result_record(ResultData(sourced_id="7", line_item_sourced_id="1"))
    assert fields_of(record) == [(n, t, None) for n, t in lis_records.TURNITIN_FIELDS]
    raw = etree.tostring(record)
    assert raw.count(b"<tns:fieldValue/>") == 9
    assert record.findtext(f"{T}result/{T}extension/{T}extensionNameVocabulary") == lis_records.TURNITIN_NAME_VOCABULARY
    lis_schema().assertValid(etree.ElementTree(record))


def test_stored_values_fill_turnitin_fields_and_extra_fields_follow():
    ext = lis_records.normalise_extension([("StudentPaperSimilarity", "Integer", "100"), ("Custom", "String", "x"), ("GradeMark", None, "87")])
    record = lis_records.result_record(ResultData(sourced_id="7", line_item_sourced_id="1", extension=ext))
    got = fields_of(record)
    assert got[0] == ("GradeMark", "Integer", "87")
    assert got[3] == ("StudentPaperSimilarity", "Integer", "100")
    assert got[9:] == [("Custom", "String", "x")]


def test_dates_are_utc_with_z():
    cest = timezone(timedelta(hours=2))
    assert lis_records.lis_date(datetime(2012, 5, 22, 16, 41, 50, tzinfo=cest)) == "2012-05-22T14:41:50Z"
    assert lis_records.lis_date(datetime(2012, 5, 22, 14, 41, 50)) == "2012-05-22T14:41:50Z"


def test_score_without_language_defaults_and_order_follows_the_schema():
    record = lis_records.result_record(ResultData(
        sourced_id="7", line_item_sourced_id="1", person_sourced_id="p", date=datetime(2020, 1, 1), value_label="a.doc", score_text="55"))
    names = [etree.QName(c).localname for c in record.find(T + "result")]
    assert names == ["lineItemSourcedId", "personSourcedId", "date", "resultValue", "resultScore", "extension"]
    assert record.findtext(f"{T}result/{T}resultScore/{T}language") == "en-US"
    lis_schema().assertValid(etree.ElementTree(record))


def test_find_results_is_one_query_and_account_scoped(store):
    with store.session() as s:
        mine = store_accounts.get_or_create_account(s, "mine")
        other = store_accounts.get_or_create_account(s, "other")
        for i in range(600):
            store_results.create_result(s, mine.id, ResultData(sourced_id=str(i), line_item_sourced_id="L", person_sourced_id=f"p{i % 7}"))
        store_results.create_result(s, other.id, ResultData(sourced_id="secret-1", line_item_sourced_id="L"))
        mine_id = mine.id
    statements = []
    listener = lambda conn, cursor, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(store.engine, "before_cursor_execute", listener)
    try:
        with store.session() as s:
            found = store_results.find_results(s, mine_id, [str(i) for i in range(500)] + ["secret-1"])
    finally:
        event.remove(store.engine, "before_cursor_execute", listener)
    assert len(found) == 500 and "secret-1" not in found
    assert found["12"].person_sourced_id == "p5" and found["12"].line_item_sourced_id == "L"
    assert len([s for s in statements if "results" in s]) == 1


def test_id_listings(store):
    with store.session() as s:
        acct = store_accounts.get_or_create_account(s, "a")
        for sid, li, p in (("1", "L1", "P1"), ("2", "L1", "P2"), ("3", "L2", "P1")):
            store_results.create_result(s, acct.id, ResultData(sourced_id=sid, line_item_sourced_id=li, person_sourced_id=p))
        assert store_results.result_ids_for_line_item(s, acct.id, "L1") == ["1", "2"]
        assert store_results.result_ids_for_person(s, acct.id, "P1") == ["1", "3"]
        assert store_results.result_ids_for_line_item(s, acct.id, "nope") is None
        assert store_results.all_result_ids(s, acct.id) == ["1", "2", "3"]
        assert not store_results.create_result(s, acct.id, ResultData(sourced_id="1", line_item_sourced_id="L1"))
        assert store_results.update_result(s, acct.id, ResultData(sourced_id="1", score_text="9"))
        assert store_results.find_result(s, acct.id, "1").line_item_sourced_id == "L1"  # untouched by a partial update
        assert store_results.delete_result(s, acct.id, "1") and not store_results.delete_result(s, acct.id, "1")


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_maybe = st.one_of(st.none(), _text)


@hsettings(max_examples=200, deadline=None)
@given(
    sourced_id=_text.filter(bool), line_item=_maybe, person=_maybe, ref=_maybe, label=_maybe, language=_maybe, score=_maybe,
    date=st.one_of(st.none(), st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1))),
    fields=st.lists(st.tuples(_text, _maybe, _maybe), max_size=4),
)
def test_string_writer_equals_the_tree_writer(sourced_id, line_item, person, ref, label, language, score, date, fields):
    """result_record_xml (readResults' fast path) writes exactly what result_record's tree serialises to,
    whatever the stored text holds (markup characters, control characters, CRs)."""
    data = ResultData(
        sourced_id=sourced_id, line_item_sourced_id=line_item, person_sourced_id=person, ref_agent_instance_id=ref,
        date=date, value_label=label, score_language=language, score_text=score,
        extension=lis_records.normalise_extension(fields),
    )
    tree = etree.tostring(lis_records.result_record(data), encoding="unicode")
    assert tree.replace(f' xmlns:tns="{LIS_OMS}"', "", 1) == lis_records.result_record_xml(data)
