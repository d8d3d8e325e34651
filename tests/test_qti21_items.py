"""Official IMS QTI 2.1 example items: each supported one parses and scores correct, incorrect and partial
responses to hand-checked values, natively AND after conversion to QTI 1.2 through the QTI 1.2 engine;
the unsupported ones give the seed's "Unsupported functionality!" message."""
from __future__ import annotations

import pytest

from adapters import qti12
from adapters.qti21 import Code, ItemError, ResponseError, parse_item, score_item
from adapters.qti21.convert import responses_to_qti12, to_qti12
from adapters.qti21.model import ImportedTest, TestItem
from gateway.xmlsafe import parse
from tests.conftest import REFERENCE

ITEMS = REFERENCE / "qti" / "items-v2p1"


def load(name: str):
    return parse_item(parse((ITEMS / name).read_bytes()), href=name, resource_id=name.removesuffix(".xml"))


def converted(item):
    test = ImportedTest("T", "T", (TestItem("I", item),))
    return test, qti12.load_assessment(parse(to_qti12(test).encode()), exact_strings=True)


# (item file, responses, hand-checked score); every row also round-trips through QTI 1.2
CASES = [
    # choice: match_correct, correct ChoiceA
    ("choice.xml", {"RESPONSE": "ChoiceA"}, 1),
    ("choice.xml", {"RESPONSE": "ChoiceB"}, 0),
    ("choice.xml", {}, 0),
    ("choice_fixed.xml", {"RESPONSE": "ChoiceA"}, 1),
    ("choice_fixed.xml", {"RESPONSE": "ChoiceD"}, 0),
    ("orkney1.xml", {"RESPONSE": "T"}, 1),
    ("orkney1.xml", {"RESPONSE": "F"}, 0),
    ("orkney2.xml", {"RESPONSE": "F"}, 1),
    ("math.xml", {"RESPONSE": "E"}, 1),
    ("math.xml", {"RESPONSE": "N"}, 0),
    # choice_multiple: map_response H=1 O=1 Cl=-1, default -2, bounds [0, 2]
    ("choice_multiple.xml", {"RESPONSE": ["H", "O"]}, 2),
    ("choice_multiple.xml", {"RESPONSE": ["H"]}, 1),                  # partial
    ("choice_multiple.xml", {"RESPONSE": ["H", "O", "Cl"]}, 1),       # 1 + 1 - 1
    ("choice_multiple.xml", {"RESPONSE": ["H", "He"]}, 0),            # 1 - 2 = -1, clamped to 0
    ("choice_multiple.xml", {"RESPONSE": ["H", "O", "C", "N", "He", "Cl"]}, 0),
    ("choice_multiple.xml", {"RESPONSE": []}, 0),
    # chocolade: rules, two accepted exact sets
    ("choice_multiple_chocolade.xml", {"MR01": [f"C{n:02d}" for n in range(1, 11)]}, 1),
    ("choice_multiple_chocolade.xml", {"MR01": ["C11", "C05", "C06", "C07", "C08", "C12", "C13", "C14"]}, 1),
    ("choice_multiple_chocolade.xml", {"MR01": [f"C{n:02d}" for n in range(1, 10)]}, 0),   # one step missing
    ("choice_multiple_chocolade.xml", {"MR01": [f"C{n:02d}" for n in range(1, 12)]}, 0),   # one too many
    # feedbackInline / modalFeedback: rules, SCORE := MAXSCORE (10) when correct (true)
    ("feedbackInline.xml", {"RESPONSE": "true"}, 10),
    ("feedbackInline.xml", {"RESPONSE": "false"}, 0),
    ("modalFeedback.xml", {"RESPONSE": "true"}, 10),
    ("modalFeedback.xml", {"RESPONSE": "false"}, 0),
    # text_entry: map_response York=1, york=0.5 (case-sensitive keys), default 0
    ("text_entry.xml", {"RESPONSE": "York"}, 1),
    ("text_entry.xml", {"RESPONSE": "york"}, 0.5),                   # partial
    ("text_entry.xml", {"RESPONSE": "YORK"}, 0),
    ("text_entry.xml", {"RESPONSE": "Lancaster"}, 0),
    ("text_entry.xml", {"RESPONSE": "  York "}, 0),                  # QTI 2.1 maps the string as given
    ("text_entry.xml", {"RESPONSE": " York"}, 0),                    # (pyslet and QTIWorks score 0 too)
    ("text_entry.xml", {"RESPONSE": "York "}, 0),
    # inline_choice: match_correct Y
    ("inline_choice.xml", {"RESPONSE": "Y"}, 1),
    ("inline_choice.xml", {"RESPONSE": "G"}, 0),
    # hottext: match_correct B
    ("hottext.xml", {"RESPONSE": "B"}, 1),
    ("hottext.xml", {"RESPONSE": "E"}, 0),
    # order: match_correct DriverC DriverA DriverB
    ("order.xml", {"RESPONSE": ["DriverC", "DriverA", "DriverB"]}, 1),
    ("order.xml", {"RESPONSE": ["DriverA", "DriverC", "DriverB"]}, 0),
    ("order.xml", {"RESPONSE": ["DriverC", "DriverA"]}, 0),             # no partial credit in match_correct
    # associate: map_response A P=2, C M=1, D L=1 (pairs are unordered)
    ("associate.xml", {"RESPONSE": ["A P", "C M", "D L"]}, 4),
    ("associate.xml", {"RESPONSE": ["P A", "M C"]}, 3),                # partial, reversed pairs
    ("associate.xml", {"RESPONSE": ["A C", "D P"]}, 0),
    # match: map_response C R=1, D M=0.5, L M=0.5, P T=1 (directed)
    ("match.xml", {"RESPONSE": ["C R", "D M", "L M", "P T"]}, 3),
    ("match.xml", {"RESPONSE": ["C R", "D M"]}, 1.5),                  # partial
    ("match.xml", {"RESPONSE": ["C M", "P R"]}, 0),
    # gap_match: map_response W G1=1, Su G2=2, default -1, lowerBound 0
    ("gap_match.xml", {"RESPONSE": ["W G1", "Su G2"]}, 3),
    ("gap_match.xml", {"RESPONSE": ["W G1"]}, 1),                      # partial
    ("gap_match.xml", {"RESPONSE": ["Su G2", "Sp G1"]}, 1),            # 2 - 1
    ("gap_match.xml", {"RESPONSE": ["Sp G1", "A G2"]}, 0),             # -2 clamped to 0
    # hotspot: match_correct A
    ("hotspot.xml", {"RESPONSE": "A"}, 1),
    ("hotspot.xml", {"RESPONSE": "D"}, 0),
    # select_point: map_response_point circle (102,113) r 16 -> 1
    ("select_point.xml", {"RESPONSE": "102 113"}, 1),
    ("select_point.xml", {"RESPONSE": "110 120"}, 1),                  # 8^2 + 7^2 = 113 <= 256
    ("select_point.xml", {"RESPONSE": "118 113"}, 1),                  # on the circle
    ("select_point.xml", {"RESPONSE": "112 126"}, 0),                  # 10^2 + 13^2 = 269 > 256
    ("select_point.xml", {"RESPONSE": "0 0"}, 0),
    # extended text and likert: no response processing, scored by hand elsewhere
    ("extended_text.xml", {"RESPONSE": "Dear Sam, my town is small."}, 0),
    ("extended_text_rubric.xml", {"RESPONSE": "x"}, 0),
    ("nested_object.xml", {"RESPONSE": "x"}, 0),
    ("likert.xml", {"RESPONSE": "L4"}, 0),
]


@pytest.mark.parametrize(("name", "responses", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_official_item_scores_the_hand_checked_value_natively_and_through_qti12(name, responses, expected):
    item = load(name)
    native = score_item(item, responses)
    assert native.score == pytest.approx(expected)
    test, assessment = converted(item)
    scored = qti12.score_attempt(assessment, responses_to_qti12(test, {"I": responses}))
    assert scored.items["I"].score == pytest.approx(expected)
    assert (scored.items["I"].min, scored.items["I"].max) == pytest.approx((native.min, native.max))


BOUNDS = {
    "choice.xml": (0, 1), "choice_multiple.xml": (0, 2), "text_entry.xml": (0, 1), "associate.xml": (0, 4),
    "match.xml": (0, 3), "gap_match.xml": (0, 3), "order.xml": (0, 1), "select_point.xml": (0, 1),
    "choice_multiple_chocolade.xml": (0, 1), "modalFeedback.xml": (0, 10), "extended_text.xml": (0, 0),
}


@pytest.mark.parametrize(("name", "expected"), BOUNDS.items())
def test_item_score_range(name, expected):
    item = load(name)
    assert (score_item(item, {}).min, score_item(item, {}).max) == expected


UNSUPPORTED = {
    "adaptive.xml": "adaptive", "adaptive_template.xml": "adaptiveTemplate",
    "feedbackblock_adaptive.xml": "Example05-feedbackBlock-adaptive",
    "feedbackblock_solution_random.xml": "Example03-feedbackBlock-solution",
    "feedbackblock_templateblock.xml": "Example04-feedbackBlock-templateBlock",
    "graphic_associate.xml": "graphicAssociate", "graphic_gap_match.xml": "graphicGapfill",
    "graphic_order.xml": "graphicOrder", "mc_calc3.xml": "Divisors", "mc_calc5.xml": "Template_FIB_001",
    "mc_stat2.xml": "stat2", "multi-input.xml": "multi-input", "position_object.xml": "positionObjects",
    "slider.xml": "slider", "template.xml": "template",
}


@pytest.mark.parametrize(("name", "identifier"), UNSUPPORTED.items())
def test_unsupported_item_gives_the_seed_message(name, identifier):
    with pytest.raises(ItemError) as caught:
        load(name)
    assert caught.value.code == Code.UNSUPPORTED == "Test_Import_From_Qti_unsupported_functionality"
    assert caught.value.message == f'Unsupported functionality! Unable to import item "{identifier}" ({name})'


def test_every_official_item_is_either_supported_or_refused_with_the_seed_message():
    supported = {c[0] for c in CASES}
    names = {p.name for p in ITEMS.glob("*.xml")}
    assert names == supported | set(UNSUPPORTED)


@pytest.mark.parametrize(
    ("name", "responses"),
    [
        ("choice.xml", {"RESPONSE": ["ChoiceA", "ChoiceB"]}),   # two values for a single response
        ("choice.xml", {"RESPONSE": "ChoiceZ"}),                # not one of the choices
        ("choice.xml", {"NOPE": "ChoiceA"}),                    # undeclared response
        ("select_point.xml", {"RESPONSE": "ten twenty"}),       # not a point
        ("match.xml", {"RESPONSE": ["R C"]}),                   # directed pair the wrong way round
        ("associate.xml", {"RESPONSE": ["A"]}),                 # not a pair
        ("choice.xml", {"RESPONSE": 3}),                        # not text
    ],
)
def test_bad_responses_are_a_clean_error(name, responses):
    with pytest.raises(ResponseError):
        score_item(load(name), responses)
    item = load(name)
    with pytest.raises(ResponseError):
        responses_to_qti12(ImportedTest("T", "T", (TestItem("I", item),)), {"I": responses})


def test_template_is_recognised_by_short_name_too():
    text = (ITEMS / "choice.xml").read_bytes().replace(
        b"http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct", b"match_correct")
    item = parse_item(parse(text), href="choice.xml")
    assert score_item(item, {"RESPONSE": "ChoiceA"}).score == 1


def test_unknown_template_is_unsupported():
    text = (ITEMS / "choice.xml").read_bytes().replace(b"rptemplates/match_correct", b"rptemplates/cc2_match")
    with pytest.raises(ItemError) as caught:
        parse_item(parse(text), href="choice.xml")
    assert caught.value.code == Code.UNSUPPORTED


def test_interaction_bound_to_an_undeclared_response_is_a_read_error():
    text = (ITEMS / "choice.xml").read_bytes().replace(b'responseIdentifier="RESPONSE"', b'responseIdentifier="R2"')
    with pytest.raises(ItemError) as caught:
        parse_item(parse(text), href="choice.xml", resource_id="res1")
    assert caught.value.code == Code.ITEM_READ_ERROR
    assert caught.value.message == ('Error while reading assessment item (interaction type "choiceInteraction", '
                                    'resource identifier "res1" )')


def test_correct_value_that_does_not_parse_is_a_read_error():
    text = (ITEMS / "select_point.xml").read_bytes().replace(b"<value>102 113</value>", b"<value>north</value>")
    with pytest.raises(ItemError) as caught:
        parse_item(parse(text), href="select_point.xml", resource_id="sp")
    assert caught.value.message == ('Error while reading assessment item (interaction type "selectPointInteraction", '
                                    'resource identifier "sp" )')


@pytest.mark.parametrize(("uri", "name"), [
    ("http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct", "match_correct"),
    ("http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response.xml", "map_response"),
    ("http://www.imsglobal.org/question/qti_v2p0/rptemplates/map_response_point", "map_response_point"),
    ("rptemplates/match_correct.xml", "match_correct"),
    ("map_response", "map_response"),
    ("match_correct.xml", "match_correct"),
    ("http://example.org/rptemplates/match_correct", None),
    ("http://www.imsglobal.org/question/qti_v2p1/rptemplates/cc2_match_basic", None),
    ("", None),
])
def test_template_uris(uri, name):
    from adapters.qti21.registry import template_name
    assert template_name(uri) == name
