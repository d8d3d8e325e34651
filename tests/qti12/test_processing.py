"""Each conditionvar operator, each setvar action, continue, clamping and the load-time errors."""
from __future__ import annotations

import pytest

from adapters import qti12
from gateway import assessments
from tests.qti12.helpers import item_doc, score

LID = ('<response_lid ident="R" rcardinality="{card}"><render_choice>'
       '<response_label ident="A"/><response_label ident="B"/><response_label ident="C"/></render_choice></response_lid>')
STR = '<response_str ident="S"><render_fib/></response_str>'
NUM = '<response_num ident="N"><render_fib fibtype="Decimal"/></response_num>'
XY = '<response_xy ident="P"><render_hotspot/></response_xy>'


def cond(conditions: str, setvar: str = '<setvar action="Set">1</setvar>', extra: str = "") -> str:
    return f"<respcondition{extra}><conditionvar>{conditions}</conditionvar>{setvar}</respcondition>"


def hit(presentation: str, conditions: str, responses: dict) -> bool:
    """Whether ``conditions`` hold for ``responses`` (the item scores 1 when they do)."""
    return score(item_doc(presentation, cond(conditions)), responses).score == 1


@pytest.mark.parametrize("conditions, responses, expected", [
    ('<varequal respident="R">B</varequal>', {"R": ["B"]}, True),
    ('<varequal respident="R">B</varequal>', {"R": ["b"]}, False),           # case="Yes" is the default
    ('<varequal respident="R" case="No">b</varequal>', {"R": ["B"]}, True),
    ('<varequal respident="R">B</varequal>', {"R": ["A", "B"]}, True),      # any value of a Multiple response
    ('<varequal respident="R" index="2">B</varequal>', {"R": ["A", "B"]}, True),
    ('<varequal respident="R" index="1">B</varequal>', {"R": ["A", "B"]}, False),
    ('<varequal respident="R" index="3">B</varequal>', {"R": ["A", "B"]}, False),
    ('<varequal respident="R">B</varequal>', {}, False),
    ('<varequal respident="R"></varequal>', {}, True),                       # equals "": unanswered
    ('<varequal respident="R"></varequal>', {"R": ["A"]}, False),
])
def test_varequal_on_choices(conditions, responses, expected):
    assert hit(LID.format(card="Multiple"), conditions, responses) is expected


@pytest.mark.parametrize("op, comparator, value, expected", [
    ("varequal", "42", "42.0", True), ("varequal", "42", "42.5", False), ("varequal", "42", "x", False),
    ("varlt", "10", "9.5", True), ("varlt", "10", "10", False), ("varlt", "10", "ten", False),
    ("varlte", "10", "10", True), ("varlte", "10", "10.01", False),
    ("vargt", "-1", "0", True), ("vargt", "-1", "-1", False),
    ("vargte", "2.5e1", "25", True), ("vargte", "25", "24.999", False),
])
def test_numeric_operators(op, comparator, value, expected):
    assert hit(NUM, f'<{op} respident="N">{comparator}</{op}>', {"N": [value]}) is expected


@pytest.mark.parametrize("conditions, values, expected", [
    ('<varsubset respident="R">A,B</varsubset>', ["B", "A"], True),          # Exact is the default
    ('<varsubset respident="R">A,B</varsubset>', ["A"], False),
    ('<varsubset respident="R">A, B</varsubset>', ["A", "B", "C"], False),
    ('<varsubset respident="R" setmatch="Partial">A,B</varsubset>', ["A"], True),
    ('<varsubset respident="R" setmatch="Partial">A,B</varsubset>', ["A", "C"], False),
    ('<varsubset respident="R" setmatch="Partial">A,B</varsubset>', [], False),
    ('<varsubset respident="R" index="2">B,C</varsubset>', ["A", "C"], True),
])
def test_varsubset(conditions, values, expected):
    assert hit(LID.format(card="Multiple"), conditions, {"R": values} if values else {}) is expected


@pytest.mark.parametrize("conditions, value, expected", [
    ('<varsubstring respident="S">chain</varsubstring>', "Loosen the CHAIN tensioner", True),  # case No by default
    ('<varsubstring respident="S" case="Yes">chain</varsubstring>', "Loosen the CHAIN tensioner", False),
    ('<varsubstring respident="S" case="Yes">chain</varsubstring>', "the chain", True),
    ('<varsubstring respident="S">chain</varsubstring>', "cha", False),
])
def test_varsubstring(conditions, value, expected):
    assert hit(STR, conditions, {"S": [value]}) is expected


@pytest.mark.parametrize("area, point, expected", [
    ('areatype="Rectangle">10,20,30,40', "50,50", True),      # x 10..50, y 20..50
    ('areatype="Rectangle">10,20,30,40', "51,50", False),
    ('areatype="Rectangle">10,20,30,40', "50,51", False),
    ('areatype="Ellipse">100,100,20,40', "119,100", True),    # centre 100,100; width 40, height 20
    ('areatype="Ellipse">100,100,20,40', "100,111", False),
    ('areatype="Ellipse">100,100,20,40', "100 109", True),
    ('areatype="Bounded">0,0,10,0,10,10,0,10', "5,5", True),
    ('areatype="Bounded">0,0,10,0,10,10,0,10', "10,5", True),  # on an edge
    ('areatype="Bounded">0,0,10,0,0,10', "6,6", False),        # outside the triangle's hypotenuse
    ('areatype="Bounded">0,0,10,0,10,10,0,10', "nowhere", False),
])
def test_varinside(area, point, expected):
    assert hit(XY, f'<varinside respident="P" {area}</varinside>', {"P": [point]}) is expected


def test_xy_varequal_compares_points():
    assert hit(XY, '<varequal respident="P">3,4</varequal>', {"P": ["3.0, 4"]})


@pytest.mark.parametrize("conditions, responses, expected", [
    ('<unanswered respident="S"/>', {}, True),
    ('<unanswered respident="S"/>', {"S": ["   "]}, True),
    ('<unanswered respident="S"/>', {"S": ["x"]}, False),
    ('<not><unanswered respident="S"/></not>', {"S": ["x"]}, True),
    ('<and><varsubstring respident="S">a</varsubstring><varsubstring respident="S">b</varsubstring></and>', {"S": ["ab"]}, True),
    ('<and><varsubstring respident="S">a</varsubstring><varsubstring respident="S">b</varsubstring></and>', {"S": ["a"]}, False),
    ('<or><varequal respident="S">x</varequal><varequal respident="S">y</varequal></or>', {"S": ["y"]}, True),
    ('<or><varequal respident="S">x</varequal><varequal respident="S">y</varequal></or>', {"S": ["z"]}, False),
    # consecutive conditions are ANDed
    ('<varsubstring respident="S">a</varsubstring><varsubstring respident="S">b</varsubstring>', {"S": ["ba"]}, True),
    ('<varsubstring respident="S">a</varsubstring><varsubstring respident="S">b</varsubstring>', {"S": ["bb"]}, False),
    ('<other/>', {}, True),
])
def test_logic_and_unanswered(conditions, responses, expected):
    assert hit(STR, conditions, responses) is expected


def test_other_is_the_else_branch():
    processing = (cond('<varequal respident="R">A</varequal>', '<setvar action="Set">5</setvar>', ' continue="Yes"')
                  + cond("<other/>", '<setvar action="Add">1</setvar>'))
    test = item_doc(LID.format(card="Single"), processing)
    assert score(test, {"R": ["A"]}).score == 5   # A fired, so other does not
    assert score(test, {"R": ["B"]}).score == 1   # nothing fired before: other does


@pytest.mark.parametrize("action, value, default, vartype, expected", [
    ("Set", "7", "3", "Integer", 7),
    ("Add", "7", "3", "Integer", 10),
    ("Subtract", "7", "3", "Integer", -4),
    ("Multiply", "7", "3", "Integer", 21),
    ("Divide", "2", "7", "Integer", 3),       # truncates, as Java does
    ("Divide", "2", "-7", "Integer", -3),     # toward zero
    ("Divide", "2", "7", "Decimal", 3.5),
    ("Add", "0.25", "1.5", "Decimal", 1.75),
])
def test_setvar_actions(action, value, default, vartype, expected):
    test = item_doc(STR, cond("<other/>", f'<setvar action="{action}">{value}</setvar>'),
                    decvar=f'<decvar vartype="{vartype}" defaultval="{default}"/>')
    assert score(test, {}).score == expected


def test_clamped_after_processing_not_during():
    processing = (cond("<other/>", '<setvar action="Add">50</setvar>', ' continue="Yes"')
                  + cond('<unanswered respident="S"/>', '<setvar action="Subtract">45</setvar>'))
    test = item_doc(STR, processing, decvar='<decvar minvalue="0" maxvalue="10"/>')
    s = score(test, {})
    assert (s.score, s.min, s.max) == (5, 0, 10)  # 0 + 50 - 45, not clamp(50) - 45
    s = score(test, {"S": ["x"]})
    assert s.score == 10  # 50 clamped
    low = item_doc(STR, cond("<other/>", '<setvar action="Set">-3</setvar>'), decvar='<decvar minvalue="0" maxvalue="10"/>')
    assert score(low, {}).score == 0


def test_continue_default_stops_and_switch_continues():
    processing = (cond('<varequal respident="S">a</varequal>', '<setvar action="Add">1</setvar><displayfeedback linkrefid="F1"/>')
                  + cond('<varsubstring respident="S">a</varsubstring>', '<setvar action="Add">2</setvar><displayfeedback linkrefid="F2"/>'))
    stop = item_doc(STR, processing)
    assert (score(stop, {"S": ["a"]}).score, score(stop, {"S": ["a"]}).feedback) == (1, ["F1"])
    go_on = item_doc(STR, processing, continue_yes=True)
    assert (score(go_on, {"S": ["a"]}).score, score(go_on, {"S": ["a"]}).feedback) == (3, ["F1", "F2"])
    explicit = item_doc(STR, processing.replace("<respcondition>", '<respcondition continue="No">', 1), continue_yes=True)
    assert score(explicit, {"S": ["a"]}).score == 1  # an explicit continue="No" wins over the switch
    assert go_on.items[0]._compiled.max == 3 and stop.items[0]._compiled.max == 2


def test_same_feedback_reported_once():
    processing = (cond("<other/>", '<setvar action="Add">0</setvar><displayfeedback linkrefid="F"/>', ' continue="Yes"')
                  + cond('<unanswered respident="S"/>', '<setvar action="Add">0</setvar><displayfeedback linkrefid="F"/>'))
    assert score(item_doc(STR, processing), {}).feedback == ["F"]


def test_other_variables_are_kept():
    decvar = '<decvar varname="SCORE"/><decvar varname="HINTS" vartype="Integer" defaultval="2"/><decvar varname="MOOD" vartype="String"/>'
    processing = cond("<other/>", '<setvar varname="HINTS" action="Subtract">1</setvar><setvar varname="MOOD">fine</setvar>')
    s = score(item_doc(STR, processing, decvar=decvar), {})
    assert s.variables == {"SCORE": 0, "HINTS": 1, "MOOD": "fine"}


def test_processing_is_compiled_once_and_reused():
    test = item_doc(STR, cond("<other/>"))
    compiled = test.items[0]._compiled
    assert compiled is not None
    qti12.score_attempt(test, {})
    assert test.items[0]._compiled is compiled
    assert qti12.compile_item(test.items[0]) is compiled


@pytest.mark.parametrize("processing, message", [
    (cond('<varequal respident="S">a</varequal>', '<setvar action="Divide">0</setvar>'), "by zero"),
    (cond('<varequal respident="S">a</varequal>', '<setvar varname="X">1</setvar>'), "no decvar declares"),
    (cond('<varequal respident="S">a</varequal>', '<setvar action="Power">2</setvar>'), "action 'Power'"),
    (cond('<varequal respident="S">a</varequal>', '<setvar>0.5</setvar>'), "not an Integer"),
    (cond("", ""), "conditionvar> is empty"),
    (cond('<durlt respident="S">PT1M</durlt>'), "not supported"),
    (cond('<var_extension/>'), "not supported"),
    (cond('<varequal respident="ZZ">a</varequal>'), "does not declare"),
    (cond('<varequal>a</varequal>'), "has no respident"),
    (cond('<varequal respident="S" case="maybe">a</varequal>'), "case='maybe'"),
    (cond('<varequal respident="S" index="0">a</varequal>'), "index='0'"),
    (cond('<varlt respident="S">ten</varlt>'), "not a number"),
    (cond('<varsubset respident="S" setmatch="Some">a</varsubset>'), "setmatch"),
    (cond('<varsubset respident="S"> , </varsubset>'), "empty set"),
    (cond('<varsubstring respident="S"> </varsubstring>'), "no text"),
    (cond('<varinside respident="S" areatype="Circle">1,2,3</varinside>'), "areatype='Circle'"),
    (cond('<varinside respident="S" areatype="Rectangle">1,2,3</varinside>'), "Rectangle needs"),
    (cond('<varinside respident="S" areatype="Ellipse">1,2,0,3</varinside>'), "Ellipse needs"),
    (cond('<varinside respident="S" areatype="Bounded">1,2,3,4</varinside>'), "three x,y pairs"),
    (cond('<not><other/><other/></not>'), "exactly one"),
    (cond('<and/>'), "is empty"),
    (cond('<bogus/>'), "not a conditionvar operator"),
    (cond('<other/>', '', ' continue="Maybe"'), "continue='Maybe'"),
    (cond('<other/>', '<displayfeedback/>'), "no linkrefid"),
])
def test_bad_processing_is_refused_at_load(processing, message):
    with pytest.raises(qti12.Qti12Error, match=message.replace("(", r"\(").replace("'", "'")):
        item_doc(STR, processing)


@pytest.mark.parametrize("decvar, message", [
    ('<decvar vartype="Float"/>', "vartype 'Float'"),
    ('<decvar minvalue="10" maxvalue="1"/>', "minvalue is above maxvalue"),
    ('<decvar maxvalue="lots"/>', "not a number"),
    ('<decvar/><decvar/>', "declared twice"),
])
def test_bad_decvars_are_refused(decvar, message):
    with pytest.raises(qti12.Qti12Error, match=message):
        item_doc(STR, cond("<other/>"), decvar=decvar)


@pytest.mark.parametrize("document, message", [
    (b"<assessment ident='1'/>", "expected <questestinterop>"),
    (b"<questestinterop/>", "holds no items"),
    (b"<questestinterop><item/></questestinterop>", "<item> has no ident"),
    (b"<questestinterop><item ident='a'/><item ident='a'/></questestinterop>", "occurs twice"),
    (b"<questestinterop><assessment ident='1'/><assessment ident='2'/></questestinterop>", "2 assessments"),
    (b"<questestinterop><assessment ident='1'><sectionref linkrefid='nope'/></assessment></questestinterop>", "names nothing"),
    (b"<questestinterop><assessment ident='1'><section ident='s'><sectionref linkrefid='s'/></section></assessment></questestinterop>", "includes itself"),
    (b"<questestinterop><item ident='i'><presentation><response_lid ident='r' rcardinality='Few'/></presentation></item></questestinterop>", "rcardinality 'Few'"),
    (b"<questestinterop><item ident='i'><presentation><response_str ident='r'/><response_str ident='r'/></presentation></item></questestinterop>", "declared twice"),
    (b"<questestinterop><item ident='i'><resprocessing/></item></questestinterop>", "has no <outcomes>"),
    (b"<questestinterop><assessment ident='1'><outcomes_processing scoremodel='BestKofN'/><section ident='s'><item ident='i'/></section></assessment></questestinterop>", "BestKofN"),
    (b"<!DOCTYPE q [<!ENTITY e 'x'>]><questestinterop/>", "not acceptable XML: entity"),
    (b"<questestinterop><item", "not acceptable XML"),
])
def test_bad_documents_are_refused(document, message):
    with pytest.raises(qti12.Qti12Error, match=message):
        assessments.load_qti12(document)


def test_itemref_and_sectionref_resolve_within_the_document():
    doc = b"""<questestinterop>
      <objectbank ident="bank"><item ident="pooled"/><section ident="extra"><item ident="x"/></section></objectbank>
      <assessment ident="9" title="T">
        <section ident="s1"><item ident="own"/><itemref linkrefid="pooled"/></section>
        <sectionref linkrefid="extra"/>
      </assessment></questestinterop>"""
    test = assessments.load_qti12(doc)
    assert [i.ident for i in test.items] == ["own", "pooled", "x"]
    assert [s.ident for s in test.sections] == ["s1", "extra"]


@pytest.mark.parametrize("responses, message", [
    ({"nope": {}}, "does not hold"),
    ({"I1": {"ZZ": ["a"]}}, "has no response 'ZZ'"),
    ({"I1": {"S": [1]}}, "list of strings"),
    ({"I1": {"S": ["a", "b"]}}, "takes one value"),
    ({"I1": {"S": ["nul\x00"]}}, "XML cannot carry"),
    ({"I1": ["S"]}, "must be an object"),
    ([], "must be an object"),
])
def test_bad_responses_are_refused(responses, message):
    test = item_doc(STR, cond("<other/>"))
    with pytest.raises(qti12.Qti12Error, match=message):
        qti12.score_attempt(test, responses)


def test_a_single_string_value_is_accepted_as_one_value():
    test = item_doc(STR, cond('<varequal respident="S">a</varequal>'))
    assert qti12.score_attempt(test, {"I1": {"S": "a"}}).score == 1


NUMBER_CORRECT = b"""<questestinterop><assessment ident="5" title="NC">
  <outcomes_processing scoremodel="NumberCorrect"><outcomes><decvar/></outcomes></outcomes_processing>
  <section ident="s">
    <item ident="a"><presentation><response_str ident="r"/></presentation><resprocessing><outcomes><decvar maxvalue="4"/></outcomes>
      <respcondition><conditionvar><varequal respident="r">x</varequal></conditionvar><setvar>4</setvar></respcondition></resprocessing></item>
    <item ident="b"><presentation><response_str ident="r"/></presentation><resprocessing><outcomes><decvar maxvalue="4" cutvalue="2"/></outcomes>
      <respcondition><conditionvar><varequal respident="r">x</varequal></conditionvar><setvar>2</setvar></respcondition></resprocessing></item>
    <item ident="c"/>
  </section></assessment></questestinterop>"""


def test_number_correct_scoremodel():
    test = assessments.load_qti12(NUMBER_CORRECT)
    assert test.scoremodel == "NumberCorrect"
    both = qti12.score_attempt(test, {"a": {"r": ["x"]}, "b": {"r": ["x"]}})
    assert (both.score, both.min, both.max) == (2, 0, 3)  # b reaches its cutvalue; c has nothing to get right
    one = qti12.score_attempt(test, {"a": {"r": ["x"]}})
    assert one.score == 1


def test_sum_of_scores_is_the_default():
    test = assessments.load_qti12(NUMBER_CORRECT.replace(b"NumberCorrect", b"SumofScores"))
    s = qti12.score_attempt(test, {"a": {"r": ["x"]}, "b": {"r": ["x"]}})
    assert (s.score, s.min, s.max) == (6, 0, 8)


def test_json_round_trip():
    test = assessments.load_qti12(NUMBER_CORRECT.replace(b"NumberCorrect", b"SumofScores"))
    s = qti12.score_attempt(test, {"a": {"r": ["x"]}})
    data = s.to_json()
    assert data == {"score": 4, "min": 0, "max": 8, "items": {
        "a": {"score": 4, "min": 0, "max": 4, "feedback": []},
        "b": {"score": 0, "min": 0, "max": 4, "feedback": []},
        "c": {"score": 0, "min": 0, "max": 0, "feedback": []}}}
    assert qti12.AttemptScore.from_json(data).to_json() == data
    with pytest.raises(qti12.Qti12Error):
        qti12.AttemptScore.from_json({"score": 1})
