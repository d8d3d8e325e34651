"""Issue 12 item 11: QTI 2.1 maps a string response as given (" York" scores 0, as in pyslet and
QTIWorks); trimming is a per-test compatibility switch. Checked natively, through the QTI 1.2
conversion, and end to end through an itslearning import and a stored attempt."""
from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from adapters import qti12
from adapters.qti21 import parse_item
from adapters.qti21.convert import responses_to_qti12, to_qti12
from adapters.qti21.model import ImportedTest, TestItem
from adapters.qti21.scoring import score_item
from adapters.store import itslearning as store_its
from adapters.store import models
from gateway import assessments, demo, xmlsafe
from gateway.cli import main
from tests.conftest import REFERENCE

TEXT_ENTRY = REFERENCE / "qti" / "items-v2p1" / "text_entry.xml"
# text_entry.xml: map_response York=1, york=0.5 (case-sensitive keys), default 0
SPEC = [("York", 1), (" York", 0), ("York ", 0), ("  York\n", 0), ("york", 0.5), (" york", 0), ("Lancaster", 0)]
TRIMMED = [("York", 1), (" York", 1), ("York ", 1), ("  York\n", 1), ("york", 0.5), (" york", 0.5), ("Lancaster", 0)]


def item():
    return parse_item(xmlsafe.parse(TEXT_ENTRY.read_bytes()), href=TEXT_ENTRY.name, resource_id="text_entry")


def through_qti12(answer: str, trim: bool) -> float:
    test = ImportedTest("T", "T", (TestItem("I", item()),))
    assessment = qti12.load_assessment(xmlsafe.parse(to_qti12(test).encode()), exact_strings=not trim)
    responses = responses_to_qti12(test, {"I": {"RESPONSE": answer}}, trim_strings=trim)
    return qti12.score_attempt(assessment, responses).items["I"].score


@pytest.mark.parametrize("answer, expected", SPEC)
def test_strings_are_mapped_as_given_by_default(answer, expected):
    assert score_item(item(), {"RESPONSE": answer}).score == pytest.approx(expected)
    assert through_qti12(answer, trim=False) == pytest.approx(expected)


@pytest.mark.parametrize("answer, expected", TRIMMED)
def test_trimming_is_a_compatibility_switch(answer, expected):
    assert score_item(item(), {"RESPONSE": answer}, trim_strings=True).score == pytest.approx(expected)
    assert through_qti12(answer, trim=True) == pytest.approx(expected)


def test_an_empty_string_is_null_and_blank_is_an_answer():
    assert score_item(item(), {"RESPONSE": ""}).score == 0
    assert through_qti12("", trim=False) == 0
    assert through_qti12(" ", trim=False) == 0  # answered, and wrong


def test_qti12_tests_keep_their_documented_trimming():
    """QTI 1.2 (the WebEx tests) is untouched: its engine strips, as adapters/qti12/processing.py says."""
    root = xmlsafe.parse((REFERENCE / "qti" / "items-v1p2" / "fibs_ir_01.xml").read_bytes())
    assessment = qti12.load_assessment(root)
    [it] = assessment.items
    [response] = it.responses
    answer = next(iter(qti12.processing.correct_values(it).get(response.ident, [])), None)
    assert answer
    padded = qti12.score_attempt(assessment, {it.ident: {response.ident: [f"  {answer} "]}})
    exact = qti12.score_attempt(assessment, {it.ident: {response.ident: [answer]}})
    assert padded.score == exact.score > 0


def package() -> bytes:
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M"><organizations/><resources>
  <resource identifier="text_entry" type="imsqti_item_xmlv2p1" href="text_entry.xml"><file href="text_entry.xml"/></resource>
</resources></manifest>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("text_entry.xml", TEXT_ENTRY.read_bytes())
    return buffer.getvalue()


def imported_test(store) -> models.Test:
    with store.session() as s:
        element = s.scalar(select(models.ItsElement).where(models.ItsElement.kind == "test").order_by(models.ItsElement.id.desc()))
        return s.get(models.Test, element.test_id)


def score_of(store, test: models.Test, answer: str) -> float:
    item_ident = assessments.assessment_of(test).items[0].ident
    with store.session() as s:
        account = s.get(models.Account, test.account_id)
        _, _, scored = assessments.submit_attempt(s, account, {
            "test": test.webex_test_id, "participant": {"email": "candidate@example.com"},
            "responses": {item_ident: {"RESPONSE": [answer]}}})
    return scored.score


@pytest.fixture
def demo_store(store, settings):
    demo.load(store, settings)
    return store


def test_itslearning_import_scores_strings_as_given(demo_store, settings):
    from gateway.itslearning.worker import Worker

    with demo_store.session() as s:
        guid = store_its.add_asset(s, 1, 1, "york.zip", package(), 14).guid
        store_its.enqueue(s, 1, 1, 1, f'<Message xmlns="urn:message-schema"><CreateCourseElementTest><CourseId>1</CourseId>'
                                      f"<UserId>2</UserId><Title>York</Title></CreateCourseElementTest>"
                                      f"<Files><File>{guid}</File></Files></Message>")
    assert Worker(demo_store, settings).drain() == 1
    test = imported_test(demo_store)
    assert (test.meta or {}).get(assessments.EXACT_STRINGS) is True
    assert score_of(demo_store, test, " York") == 0
    assert score_of(demo_store, test, "York") == 1


def test_itslearning_import_with_trim_strings_switch(demo_store, store_url, tmp_path):
    path = tmp_path / "york.zip"
    path.write_bytes(package())
    result = CliRunner().invoke(main, ["--database-url", store_url, "itslearning", "import", str(path),
                                       "--course", "1", "--user", "2", "--trim-strings"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    test = imported_test(demo_store)
    assert (test.meta or {}).get(assessments.EXACT_STRINGS) is False
    assert score_of(demo_store, test, " York") == 1


@pytest.mark.parametrize("value", ["２", "1_0", "٣", "１.５", "1_0.5", str(2**70)])
def test_numbers_are_ascii_only(value):
    """Issue 12 item 10's rule in QTI 2.1 values: int()/float() would read these as numbers."""
    from adapters.qti21.errors import ResponseError
    from adapters.qti21.model import parse_value

    base = "float" if "." in value else "integer"
    with pytest.raises(ResponseError):
        parse_value(base, value)
