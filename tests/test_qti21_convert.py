"""WebDeveloperTest1 converted to QTI 1.2 round-trips: the QTI 1.2 engine scores every attempt as the
native QTI 2.1 scorer does, and the document is valid against the QTI 1.2.1 ASI DTD."""
from __future__ import annotations

import pytest
from lxml import etree

from adapters import qti12
from adapters.qti21 import import_package, parse_item, score_test
from adapters.qti21.convert import responses_to_qti12, to_qti12
from adapters.qti21.model import ImportedTest, TestItem
from gateway.xmlsafe import parse
from tests.conftest import REFERENCE

PACKAGE = REFERENCE / "qti" / "packages" / "WebDeveloperTest1.zip"
DTD = REFERENCE / "qti" / "items-v1p2" / "ims_qtiasiv1p2p1.dtd"
ITEMS = REFERENCE / "qti" / "items-v2p1"

ALL_CORRECT = {
    "question1": {"RESPONSE": "ChoiceC"}, "question2": {"RESPONSE": "ChoiceA"}, "question3": {"RESPONSE": "ChoiceC"},
    "question4": {"RESPONSE": "ChoiceD"}, "question5": {"RESPONSE": ["ChoiceB", "ChoiceE"]},
    "question6": {"RESPONSE": "ChoiceD"}, "question7": {"RESPONSE": "ChoiceA"},
    "question8": {"RESPONSE1": "ChoiceB", "RESPONSE2": "Choice2"}, "question9": {"RESPONSE": ["ChoiceA", "ChoiceB"]},
}
ALL_WRONG = {
    "question1": {"RESPONSE": "ChoiceA"}, "question2": {"RESPONSE": "ChoiceB"}, "question3": {"RESPONSE": "ChoiceA"},
    "question4": {"RESPONSE": "ChoiceA"}, "question5": {"RESPONSE": ["ChoiceA", "ChoiceC"]},
    "question6": {"RESPONSE": "ChoiceA"}, "question7": {"RESPONSE": "ChoiceB"},
    "question8": {"RESPONSE1": "ChoiceA", "RESPONSE2": "Choice1"}, "question9": {"RESPONSE": ["ChoiceC", "ChoiceD"]},
}
PARTIAL = {
    "question1": {"RESPONSE": "ChoiceC"},                      # 1
    "question5": {"RESPONSE": ["ChoiceB"]},                    # 1 (of 2)
    "question8": {"RESPONSE1": "ChoiceA", "RESPONSE2": "Choice2"},  # 0 + 1: the rule adds to the default 0
    "question9": {"RESPONSE": ["ChoiceA", "ChoiceB", "ChoiceC"]},  # 1 + 1 - 2 = 0
}


@pytest.fixture(scope="module")
def imported():
    return import_package(PACKAGE.read_bytes(), parse)


@pytest.fixture(scope="module")
def assessment(imported):
    return qti12.load_assessment(parse(to_qti12(imported).encode()), exact_strings=True)


def test_converted_test_keeps_identity_order_and_ranges(imported, assessment):
    assert (assessment.ident, assessment.title) == ("TEST", "Web Developer Website")
    assert [i.ident for i in assessment.items] == [f"question{n}" for n in range(1, 10)]
    assert [i.title for i in assessment.items] == ["Getting Started"] * 9
    empty = qti12.score_attempt(assessment, {})
    assert (empty.score, empty.min, empty.max) == (0, 0, 12)  # the test's own feedback: "out of 12"


@pytest.mark.parametrize(("responses", "expected"), [(ALL_CORRECT, 12), (ALL_WRONG, 0), (PARTIAL, 3), ({}, 0)])
def test_web_developer_test_round_trips(imported, assessment, responses, expected):
    native = score_test(imported, responses)
    scored = qti12.score_attempt(assessment, responses_to_qti12(imported, responses))
    assert native.score == expected
    assert scored.score == pytest.approx(expected)
    for ident, item_score in native.items.items():
        assert scored.items[ident].score == pytest.approx(item_score.score), ident
        assert (scored.items[ident].min, scored.items[ident].max) == pytest.approx((item_score.min, item_score.max))


def test_responses_take_the_qti12_engine_shape(imported):
    shaped = responses_to_qti12(imported, {"question5": {"RESPONSE": ["ChoiceB", "ChoiceE"]},
                                           "question8": {"RESPONSE1": "ChoiceB"}, "question1": {}})
    assert shaped == {"question5": {"RESPONSE": ["ChoiceB", "ChoiceE"]}, "question8": {"RESPONSE1": ["ChoiceB"]},
                      "question1": {}}


def test_value_shapes_for_pairs_and_points():
    def one(name):
        item = parse_item(parse((ITEMS / name).read_bytes()), href=name)
        return ImportedTest("T", "T", (TestItem("I", item),))

    assert responses_to_qti12(one("associate.xml"), {"I": {"RESPONSE": ["P A"]}}) == {"I": {"RESPONSE": ["A P"]}}
    assert responses_to_qti12(one("match.xml"), {"I": {"RESPONSE": ["C  R"]}}) == {"I": {"RESPONSE": ["C R"]}}
    assert responses_to_qti12(one("select_point.xml"), {"I": {"RESPONSE": "102 113"}}) == {"I": {"RESPONSE": ["102,113"]}}


def test_converted_documents_are_valid_qti_1_2(imported):
    dtd = etree.DTD(str(DTD))
    items = [TestItem(t.ident, t.item) for t in imported.items]
    for path in sorted(ITEMS.glob("*.xml")):
        try:
            items.append(TestItem(path.stem.replace("-", "_"), parse_item(parse(path.read_bytes()), href=path.name)))
        except Exception:  # the unsupported ones: covered in test_qti21_items
            continue
    document = parse(to_qti12(ImportedTest("ALL", "All supported items", tuple(items))).encode())
    assert dtd.validate(document), dtd.error_log.filter_from_errors()
    assert len(document.findall(".//item")) == len(items) > 30


def test_interpretation_and_correct_values_reach_the_engine(assessment):
    q1 = assessment.item("question1")
    assert q1.interpretations["SCORE"] == "1 point if the answer is correct"
    assert q1.response("RESPONSE").correct == ("ChoiceC",)
    assert assessment.item("question5").response("RESPONSE").correct == ("ChoiceB", "ChoiceE")
