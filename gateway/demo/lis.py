"""LIS demo data (DESIGN.md §11): under consumer key 49201 (loaded by ``accounts``), Turnitin
sourcedIds 49313814 and 49313826 answer the records of seed 003."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from adapters import lis_records, scores
from adapters.store import results as store_results
from adapters.store.models import Account
from adapters.store.results import ResultData
from gateway.config import Settings

LINE_ITEM = "20028310"
PERSONS = ("100012184", "100012195")


def _seed_record(sourced_id: str, person: str, date: datetime) -> ResultData:
    similarity = {"InternetSimilarity": "0", "PublicationSimilarity": "0", "StudentPaperSimilarity": "100"}
    return ResultData(
        sourced_id=sourced_id,
        line_item_sourced_id=LINE_ITEM,
        person_sourced_id=person,
        ref_agent_instance_id="Turnitin SRC12",
        date=date,
        value_label="TestDoc1.doc",
        score_language="en-US",
        score_text="100",
        score_maximum=scores.LIS_MAXIMUM,  # Turnitin's 0-100: LTI 1.1 reads this record as 1
        extension=lis_records.normalise_extension(
            (name, kind, similarity.get(name)) for name, kind in lis_records.TURNITIN_FIELDS
        ),
    )


RESULTS = (
    _seed_record("49313814", PERSONS[0], datetime(2012, 5, 22, 14, 41, 50, tzinfo=timezone.utc)),
    _seed_record("49313826", PERSONS[1], datetime(2012, 5, 22, 14, 44, 40, tzinfo=timezone.utc)),
)


def load(session: Session, account: Account, settings: Settings) -> list[str]:
    store_results.line_item(session, account.id, LINE_ITEM, label="TestDoc1.doc")
    for person in PERSONS:
        store_results.person(session, account.id, person)
    replaced = [record.sourced_id for record in RESULTS if not store_results.upsert_result(session, account.id, record)]
    return [f"LIS result(s) {', '.join(replaced)}"] if replaced else []
