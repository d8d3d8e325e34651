"""WebEx's QTI 1.2 results report: the demo attempt equals seed 000's qti:result, and validates
against WebEx's training_ims_qtiresv1p2.xsd except the seed's empty grade_value."""
from __future__ import annotations

import re
from datetime import datetime
from functools import cache

import pytest
from lxml import etree

from adapters import ns, qti12
from gateway import xmlsafe
from tests.qti12.helpers import ASI_XSD, GEORGE, ITEMS_V1P2, RES_XSD, SEED_000, demo_test, load_file


@cache
def res_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(RES_XSD)))


def seed_result() -> etree._Element:
    """The qti:result of the seed's sample GetIMStestResult response."""
    text = SEED_000.read_text()
    start = text.index("<?xml", text.index("Response"))
    end = text.index("</serv:message>", start) + len("</serv:message>")
    root = xmlsafe.parse(text[start:end].encode())
    [result] = root.iter(f"{{{ns.WEBEX_QTI}}}result")
    return result


def george_result() -> etree._Element:
    test = demo_test()
    scored = qti12.score_attempt(test, GEORGE["responses"])
    return qti12.build_result(
        test, scored, GEORGE["responses"],
        participant_name=GEORGE["participant"]["name"], participant_email=GEORGE["participant"]["email"],
        started=datetime.fromisoformat(GEORGE["started"]), duration=GEORGE["duration"], test_id=GEORGE["test"],
    )


def canonical(el: etree._Element) -> tuple:
    """Tag, attributes, whitespace-collapsed text and children, in order."""
    text = re.sub(r"\s+", " ", el.text or "").strip()
    return (el.tag, dict(el.attrib), text, [canonical(c) for c in el if isinstance(c.tag, str)])


def differences(a: tuple, b: tuple, path: str = "") -> list[str]:
    here = f"{path}/{etree.QName(a[0]).localname}"
    out = []
    if a[0] != b[0]:
        return [f"{here}: tag {a[0]} != {b[0]}"]
    if a[1] != b[1]:
        out.append(f"{here}: attributes {a[1]} != {b[1]}")
    if a[2] != b[2]:
        out.append(f"{here}: text {a[2]!r} != {b[2]!r}")
    if len(a[3]) != len(b[3]):
        out.append(f"{here}: {len(a[3])} children != {len(b[3])}")
    for i, (x, y) in enumerate(zip(a[3], b[3])):
        out.extend(differences(x, y, f"{here}#{i}"))
    return out


def test_demo_attempt_scores_as_the_seed():
    scored = qti12.score_attempt(demo_test(), GEORGE["responses"])
    assert scored.to_json() == {
        "score": 45, "min": 0, "max": 100,
        "items": {
            "236": {"score": 15, "min": 0, "max": 15, "feedback": ["Correct"]},
            "241": {"score": 15, "min": 0, "max": 15, "feedback": ["Correct"]},
            "246": {"score": 0, "min": 0, "max": 20, "feedback": ["Incorrect"]},
            "251": {"score": 0, "min": 0, "max": 20, "feedback": ["Incorrect"]},
            "261": {"score": 0, "min": 0, "max": 15, "feedback": ["Incorrect"]},
            "266": {"score": 15, "min": 0, "max": 15, "feedback": []},
        },
    }


def test_demo_report_equals_the_seed_result():
    ours, seed = canonical(george_result()), canonical(seed_result())
    assert differences(ours, seed) == []
    assert ours == seed


def test_the_comparison_notices_a_difference():
    result = george_result()
    result.find(f".//{{{ns.WEBEX_QTI}}}score_value").text = "46"
    [difference] = differences(canonical(result), canonical(seed_result()))
    assert difference.endswith("/score_value: text '46' != '45'")


def test_demo_report_validates_except_the_empty_grade_value():
    result = george_result()
    schema = res_schema()
    assert not schema.validate(result)
    assert [(e.type_name, "grade_value" in e.message) for e in schema.error_log] == [("SCHEMAV_CVC_MINLENGTH_VALID", True)]
    result.find(f".//{{{ns.WEBEX_QTI}}}grade_value").text = "B"
    assert schema.validate(result), schema.error_log


def test_report_uses_the_qti_prefix_and_xsd_order():
    result = george_result()
    assert result.tag == f"{{{ns.WEBEX_QTI}}}result" and result.prefix == "qti"
    ar = result[1]
    assert [etree.QName(c).localname for c in ar] == [
        "asi_description", "date", "duration", "outcomes", "num_sections", "section_result"]
    item = ar[5][0]
    assert [etree.QName(c).localname for c in item] == ["response", "outcomes", "feedback_displayed"]


# items without any response (empty.xml, objectbank.xml, ...) have no valid item_result: the XSD wants
# at least one response; they are reported with none, see test_items_without_responses_are_reported
WITH_RESPONSES = [p for p in sorted(ITEMS_V1P2.glob("*.xml")) if all(i.responses for i in load_file(p).items)]


def test_items_without_responses_are_reported():
    test = load_file(ITEMS_V1P2 / "empty.xml")
    result = qti12.build_result(test, qti12.score_attempt(test, {}), {}, participant_name="n", participant_email="e",
                                started=None, duration=None, test_id=3)
    [item] = result.iter(f"{{{ns.WEBEX_QTI}}}item_result")
    assert [etree.QName(c).localname for c in item] == ["outcomes"]
    assert len(WITH_RESPONSES) == 15


@pytest.mark.parametrize("path", WITH_RESPONSES, ids=lambda p: p.name)
def test_reports_of_reference_items_validate(path):
    test = load_file(path)
    responses = {}
    for item in test.items:
        for r in item.responses:
            if r.correct:
                responses.setdefault(item.ident, {})[r.ident] = list(r.correct[:1] if r.cardinality == "Single" else r.correct)
    scored = qti12.score_attempt(test, responses)
    result = qti12.build_result(test, scored, responses, participant_name="", participant_email="p@example.com",
                                started=None, duration=None, test_id=1)
    result.find(f".//{{{ns.WEBEX_QTI}}}grade_value").text = "n/a"
    schema = res_schema()
    assert schema.validate(result), schema.error_log
    assert result.findtext(f"{{{ns.WEBEX_QTI}}}context/{{{ns.WEBEX_QTI}}}name") == "p@example.com"


def test_unanswered_and_invalid_response_values():
    test = demo_test()
    responses = {"236": {"237": ["999"]}}
    scored = qti12.score_attempt(test, responses)
    result = qti12.build_result(test, scored, responses, participant_name="x", participant_email="x@y",
                                started=None, duration=None, test_id=207)
    values = [(v.get("response_status"), v.text) for v in result.iter(f"{{{ns.WEBEX_QTI}}}response_value")]
    assert values[0] == ("Invalid", "999")
    assert values[1:] == [("Null", None)] * 5


def test_demo_document_is_valid_webex_asi():
    """The demo test is written in WebEx's own ASI subset, so GetIMStestDetails can return it as is."""
    root = load_root()
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = f"{{{ns.WEBEX_QTIASI}}}{etree.QName(el).localname}"
    schema = etree.XMLSchema(etree.parse(str(ASI_XSD)))
    assert schema.validate(root), schema.error_log


def load_root():
    from gateway import assessments
    from gateway.demo.assessments import TEST_207

    return assessments.parse_qti12(TEST_207.read_bytes())
