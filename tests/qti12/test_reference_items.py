"""Every IMS QTI 1.2 reference file parses, and each item scores as worked out by hand.

Expected values come from reading each file's resprocessing (see the comments), with the
semantics written in adapters/qti12/processing.py's docstring.
"""
from __future__ import annotations

import pytest

from adapters import qti12
from tests.qti12.helpers import ITEMS_V1P2, REFERENCE_FILES, load_file


def test_there_are_reference_files():
    assert len(REFERENCE_FILES) == 19


@pytest.mark.parametrize("path", REFERENCE_FILES, ids=lambda p: p.name)
def test_every_reference_file_parses(path):
    test = load_file(path)
    assert test.items
    # unanswered is always scorable, and lies within the item's bounds
    scored = qti12.score_attempt(test, {})
    for s in scored.items.values():
        assert s.min <= s.score <= s.max


def test_namespaced_and_plain_documents_read_the_same():
    plain = (ITEMS_V1P2 / "mchc_ir_03.xml").read_bytes()
    namespaced = plain.replace(b"<questestinterop>", b'<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">')
    from gateway import assessments

    a, b = assessments.load_qti12(plain), assessments.load_qti12(namespaced)
    responses = {"PYSLET_MCHC_IR_03": {"MC03": ["B"]}}
    assert qti12.score_attempt(a, responses).to_json() == qti12.score_attempt(b, responses).to_json()
    assert [r.correct for r in a.items[0].responses] == [r.correct for r in b.items[0].responses] == [("B",)]


# (file, case, responses of the file's only item, score, min, max, feedback)
CASES = [
    # mchc_ir_01: B sets SCORE to 1 (default 0)
    ("mchc_ir_01", "correct", {"MCb_01": ["B"]}, 1, 0, 1, ["Correct"]),
    ("mchc_ir_01", "incorrect", {"MCb_01": ["C"]}, 0, 0, 1, []),
    ("mchc_ir_01", "unanswered", {}, 0, 0, 1, []),
    # mchc_ir_02: SCORE1 default 1, D adds 10
    ("mchc_ir_02", "correct", {"MC02": ["D"]}, 11, 1, 11, ["Correct"]),
    ("mchc_ir_02", "incorrect", {"MC02": ["A"]}, 1, 1, 11, []),
    ("mchc_ir_02", "unanswered", {}, 1, 1, 11, []),
    # mchc_ir_03: SCORE1 default 10, B adds 5, A/C/D subtract 5
    ("mchc_ir_03", "correct", {"MC03": ["B"]}, 15, 5, 15, ["Correct"]),
    ("mchc_ir_03", "incorrect", {"MC03": ["C"]}, 5, 5, 15, ["Incorrect"]),
    ("mchc_ir_03", "unanswered", {}, 10, 5, 15, []),
    # mchc_ir_04: hot spot choice, <varequal> B </varequal> (spaces) adds 10 to 1
    ("mchc_ir_04", "correct", {"MC04": ["B"]}, 11, 1, 11, ["Correct"]),
    ("mchc_ir_04", "correct with spaces", {"MC04": [" B "]}, 11, 1, 11, ["Correct"]),
    ("mchc_ir_04", "incorrect", {"MC04": ["A"]}, 1, 1, 11, []),
    ("mchc_ir_04", "unanswered", {}, 1, 1, 11, []),
    # mchc_ir_05: slider choice, D adds 5; A, B, C or E show Incorrect without changing the score
    ("mchc_ir_05", "correct", {"MC05": ["D"]}, 5, 0, 5, ["Correct"]),
    ("mchc_ir_05", "incorrect", {"MC05": ["E"]}, 0, 0, 5, ["Incorrect"]),
    ("mchc_ir_05", "unanswered", {}, 0, 0, 5, []),
    # mrsp_ir_01: A, C and F and none of B, D, E adds 5 to 1
    ("mrsp_ir_01", "correct", {"MR01": ["A", "C", "F"]}, 6, 1, 6, ["Correct"]),
    ("mrsp_ir_01", "correct in another order", {"MR01": ["F", "A", "C"]}, 6, 1, 6, ["Correct"]),
    ("mrsp_ir_01", "partial", {"MR01": ["A", "C"]}, 1, 1, 6, []),
    ("mrsp_ir_01", "incorrect (one too many)", {"MR01": ["A", "C", "F", "B"]}, 1, 1, 6, []),
    ("mrsp_ir_01", "unanswered", {}, 1, 1, 6, []),
    # mrsp_ir_02: A and E adds 1; otherwise the solution is shown (Add 0)
    ("mrsp_ir_02", "correct", {"MR02": ["A", "E"]}, 1, 0, 1, ["Correct"]),
    ("mrsp_ir_02", "correct plus an extra (not excluded)", {"MR02": ["A", "E", "B"]}, 1, 0, 1, ["Correct"]),
    ("mrsp_ir_02", "partial", {"MR02": ["A"]}, 0, 0, 1, ["CorrectSoln"]),
    ("mrsp_ir_02", "incorrect", {"MR02": ["B", "C"]}, 0, 0, 1, ["CorrectSoln"]),
    ("mrsp_ir_02", "unanswered", {}, 0, 0, 1, ["CorrectSoln"]),
    # fibs_ir_01: "S", case sensitive, adds 1
    ("fibs_ir_01", "correct", {"FIB01": ["S"]}, 1, 0, 1, ["Correct"]),
    ("fibs_ir_01", "incorrect (case)", {"FIB01": ["s"]}, 0, 0, 1, []),
    ("fibs_ir_01", "unanswered", {}, 0, 0, 1, []),
    # fibs_ir_02: all three blanks add 3; otherwise the first wrong blank's feedback (continue No)
    ("fibs_ir_02", "correct", {"FIB01": ["stage"], "FIB02": ["players"], "FIB03": ["seven"]}, 3, 0, 3, ["AllCorrect"]),
    ("fibs_ir_02", "partial", {"FIB01": ["stage"], "FIB02": ["players"], "FIB03": ["eight"]}, 0, 0, 3, ["InCorrect3"]),
    ("fibs_ir_02", "incorrect", {"FIB01": ["Stage"], "FIB02": ["actors"], "FIB03": ["seven"]}, 0, 0, 3, ["InCorrect1"]),
    ("fibs_ir_02", "unanswered", {}, 0, 0, 3, ["InCorrect1"]),
    # fibs_ir_03: human-rated essay; TechnicalScore (0..5) is never set by processing
    ("fibs_ir_03", "answered", {"FIB91": ["Loosen the axle nuts", "pull the wheel back"]}, 0, 0, 5, []),
    ("fibs_ir_03", "unanswered", {}, 0, 0, 5, []),
    # fibi_ir_01: slider, 340 adds 9 to 1 (numbers compare as numbers)
    ("fibi_ir_01", "correct", {"NUM04": ["340"]}, 10, 1, 10, ["Correct"]),
    ("fibi_ir_01", "correct written as a decimal", {"NUM04": ["340.0"]}, 10, 1, 10, ["Correct"]),
    ("fibi_ir_01", "incorrect", {"NUM04": ["350"]}, 1, 1, 10, []),
    ("fibi_ir_01", "unanswered", {}, 1, 1, 10, []),
    # fibi_ir_02: 42 adds 1, anything else subtracts 1
    ("fibi_ir_02", "correct", {"NUM02": ["42"]}, 1, -1, 1, ["Correct"]),
    ("fibi_ir_02", "incorrect", {"NUM02": ["54"]}, -1, -1, 1, ["Incorrect"]),
    ("fibi_ir_02", "not a number", {"NUM02": ["forty-two"]}, -1, -1, 1, ["Incorrect"]),
    ("fibi_ir_02", "unanswered", {}, -1, -1, 1, ["Incorrect"]),
    # fibn_ir_01: 12.559 <= x <= 12.561 adds 1, otherwise subtracts 1
    ("fibn_ir_01", "correct", {"NUM01": ["12.56"]}, 1, -1, 1, ["Correct"]),
    ("fibn_ir_01", "correct on the boundary", {"NUM01": ["12.559"]}, 1, -1, 1, ["Correct"]),
    ("fibn_ir_01", "incorrect", {"NUM01": ["12.57"]}, -1, -1, 1, ["Incorrect"]),
    ("fibn_ir_01", "unanswered", {}, -1, -1, 1, ["Incorrect"]),
    # ihsp_ir_01: Rectangle 140,90,65,50 = x 140..190, y 90..155; inside adds 1 to 1, outside subtracts 1
    ("ihsp_ir_01", "correct", {"IHS01": ["150,100"]}, 2, 0, 2, ["Correct"]),
    ("ihsp_ir_01", "correct at the far corner", {"IHS01": ["190,155"]}, 2, 0, 2, ["Correct"]),
    ("ihsp_ir_01", "incorrect (just right of it)", {"IHS01": ["191,100"]}, 0, 0, 2, ["Incorrect"]),
    ("ihsp_ir_01", "incorrect (not a point)", {"IHS01": ["here"]}, 0, 0, 2, ["Incorrect"]),
    ("ihsp_ir_01", "unanswered", {}, 0, 0, 2, ["Incorrect"]),
    # full: SCORE 3 (0..10); R1A sets 8 and stops; R1B sets 1 and continues
    ("full", "correct", {"R1": ["R1A"]}, 8, 0, 10, []),
    ("full", "partial (both: the first condition stops)", {"R1": ["R1B", "R1A"]}, 8, 0, 10, []),
    ("full", "incorrect", {"R1": ["R1B"]}, 1, 0, 10, []),
    ("full", "a choice no condition tests", {"R1": ["R1C"]}, 3, 0, 10, []),
    ("full", "unanswered", {}, 3, 0, 10, []),
    # items without response processing score 0 of 0
    ("empty", "unanswered", {}, 0, 0, 0, []),
    ("metadata_new_style", "unanswered", {}, 0, 0, 0, []),
    ("qmdextensions", "unanswered", {}, 0, 0, 0, []),
]


@pytest.mark.parametrize("name, case, responses, expected, lo, hi, feedback", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_reference_item_scores(name, case, responses, expected, lo, hi, feedback):
    test = load_file(ITEMS_V1P2 / f"{name}.xml")
    [item] = test.items
    scored = qti12.score_attempt(test, {item.ident: responses} if responses else {})
    s = scored.items[item.ident]
    assert (s.score, s.min, s.max, s.feedback) == (expected, lo, hi, feedback)
    assert (scored.score, scored.min, scored.max) == (expected, lo, hi)


def test_every_scorable_reference_item_has_all_four_cases():
    cases = {}
    for name, case, *_ in CASES:
        cases.setdefault(name, set()).add(case.split(" ")[0])
    for name, seen in cases.items():
        if name in ("empty", "metadata_new_style", "qmdextensions"):
            continue
        assert "unanswered" in seen and ("correct" in seen or "answered" in seen), name


def test_continue_yes_switch_shows_every_wrong_blank():
    test = load_file(ITEMS_V1P2 / "fibs_ir_02.xml", continue_yes=True)
    wrong = {"PYSLET_FIBS_IR_02": {"FIB01": ["stage"], "FIB02": ["actors"], "FIB03": ["eight"]}}
    s = qti12.score_attempt(test, wrong).items["PYSLET_FIBS_IR_02"]
    assert (s.score, s.feedback) == (0, ["InCorrect2", "InCorrect3"])
    right = {"PYSLET_FIBS_IR_02": {"FIB01": ["stage"], "FIB02": ["players"], "FIB03": ["seven"]}}
    assert qti12.score_attempt(test, right).items["PYSLET_FIBS_IR_02"].feedback == ["AllCorrect"]


def test_feedback_types_are_reported():
    test = load_file(ITEMS_V1P2 / "mrsp_ir_02.xml")
    s = qti12.score_attempt(test, {"PYSLET_MRSP_IR_02": {"MR02": ["A"]}}).items["PYSLET_MRSP_IR_02"]
    assert (s.feedback, s.feedback_types) == (["CorrectSoln"], ["Solution"])


def test_objectbank_becomes_a_one_section_test():
    test = load_file(ITEMS_V1P2 / "objectbank.xml")
    assert (test.ident, test.source, len(test.sections)) == ("bank", "objectbank", 1)
    assert [i.ident for i in test.items] == ["bank1", "bank2"]
    assert qti12.score_attempt(test, {}).to_json() == {
        "score": 0, "min": 0, "max": 0,
        "items": {"bank1": {"score": 0, "min": 0, "max": 0, "feedback": []},
                  "bank2": {"score": 0, "min": 0, "max": 0, "feedback": []}},
    }


def test_response_declarations_of_reference_items():
    full = load_file(ITEMS_V1P2 / "full.xml").items[0]
    [r1] = full.responses
    assert (r1.ident, r1.response_type, r1.cardinality, r1.render_type, r1.correct) == ("R1", "lid", "Multiple", "choice", ("R1A",))
    assert [label.ident for label in r1.labels] == ["R1A", "R1B", "R1C"]
    assert full.interpretation == "Your SCORE on this question."
    hotspot = load_file(ITEMS_V1P2 / "ihsp_ir_01.xml").items[0].responses[0]
    assert (hotspot.response_type, hotspot.render_type, hotspot.correct) == ("xy", "hotspot", ())
    slider = load_file(ITEMS_V1P2 / "fibi_ir_01.xml").items[0].responses[0]
    assert (slider.response_type, slider.render_type, slider.correct) == ("num", "slider", ("340",))
    essay = load_file(ITEMS_V1P2 / "fibs_ir_03.xml").items[0]
    assert essay.responses[0].cardinality == "Ordered"
    assert "technical tasks" in essay.interpretation


def test_element_declarations_are_tolerated_only_for_qti_and_entities_never():
    from gateway import xmlsafe

    essay = (ITEMS_V1P2 / "fibs_ir_03.xml").read_bytes()
    with pytest.raises(xmlsafe.UnsafeXMLError):
        xmlsafe.parse(essay)  # the default stays strict
    assert xmlsafe.parse(essay, allow_element_declarations=True).tag == "questestinterop"
    for bomb in (b'<!DOCTYPE q [<!ELEMENT q ANY><!ENTITY a "aaaa">]><q>&a;</q>',
                 b'<!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><q>&x;</q>'):
        with pytest.raises(xmlsafe.UnsafeXMLError):
            xmlsafe.parse(bomb, allow_element_declarations=True)
    defaults = xmlsafe.parse(b'<!DOCTYPE q [<!ELEMENT q ANY><!ATTLIST q injected CDATA "yes">]><q/>',
                             allow_element_declarations=True)
    assert defaults.attrib == {}  # declared attribute defaults never reach the tree
