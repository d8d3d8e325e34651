"""Property tests: any response set, and any generated response processing, yields a score within
the item's bounds or a clean Qti12Error, never another exception."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import qti12
from gateway import assessments
from tests.qti12.helpers import REFERENCE_FILES, demo_test, load_file

TESTS = [load_file(p) for p in REFERENCE_FILES] + [demo_test()]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
number = st.one_of(st.integers(-1000, 1000).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str))
point = st.tuples(st.integers(-50, 500), st.integers(-50, 500)).map(lambda p: f"{p[0]},{p[1]}")
value = st.one_of(text, number, point, st.sampled_from(["A", "B", "C", "D", "E", "F", "357", "382", "hello", " 42 ", ""]))
junk = st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2), st.dictionaries(text, text, max_size=1))


@st.composite
def response_sets(draw):
    test = draw(st.sampled_from(TESTS))
    responses = {}
    for item in test.items:
        if draw(st.booleans()):
            continue
        by_response = {}
        for r in item.responses:
            if draw(st.integers(0, 3)) == 0:
                continue
            by_response[r.ident] = draw(st.lists(value, max_size=4))
        if draw(st.integers(0, 15)) == 0:
            by_response[draw(text)] = draw(st.lists(value, max_size=2))
        if draw(st.integers(0, 15)) == 0:
            by_response[draw(st.sampled_from([r.ident for r in item.responses] or ["x"]))] = draw(junk)
        responses[item.ident] = by_response
    if draw(st.integers(0, 15)) == 0:
        responses[draw(text)] = {}
    return test, responses


@SETTINGS
@given(response_sets())
def test_any_response_set_scores_within_bounds_or_fails_cleanly(case):
    test, responses = case
    try:
        scored = qti12.score_attempt(test, responses)
    except qti12.Qti12Error as exc:
        assert str(exc)
        return
    for s in scored.items.values():
        assert s.min <= s.score <= s.max
    assert scored.min <= scored.score <= scored.max
    assert qti12.AttemptScore.from_json(scored.to_json()).to_json() == scored.to_json()
    result = qti12.build_result(test, scored, responses, participant_name="p", participant_email="p@x",
                                started=None, duration=None, test_id=1)
    assert len(list(result.iter("{*}item_result"))) == len(test.items)


# -- generated items ----------------------------------------------------------------------------

RESPONSES = ('<response_lid ident="L" rcardinality="Multiple"><render_choice><response_label ident="A"/>'
             '<response_label ident="B"/><response_label ident="C"/></render_choice></response_lid>'
             '<response_num ident="N"><render_fib/></response_num>'
             '<response_str ident="S"><render_fib/></response_str>'
             '<response_xy ident="P"><render_hotspot/></response_xy>')
respident = st.sampled_from(["L", "N", "S", "P", "L", "Q"])
operand = st.one_of(st.sampled_from(["A", "B", "C", "1", "2.5", "-3", "x", "A,B", "0,0,10,10", "5,5,4,4,0,9", ""]), text)


def leaf():
    simple = st.tuples(
        st.sampled_from(["varequal", "varlt", "varlte", "vargt", "vargte", "varsubset", "varsubstring", "varinside"]),
        respident,
        st.dictionaries(st.sampled_from(["case", "index", "setmatch", "areatype"]),
                        st.sampled_from(["Yes", "No", "1", "2", "0", "Exact", "Partial", "Rectangle", "Ellipse", "Bounded", "Odd"]),
                        max_size=2),
        operand,
    ).map(lambda t: f"<{t[0]} respident={quoteattr(t[1])} {' '.join(f'{k}={quoteattr(v)}' for k, v in t[2].items())}>{escape(t[3])}</{t[0]}>")
    return st.one_of(simple, respident.map(lambda r: f'<unanswered respident="{r}"/>'), st.just("<other/>"))


conditions = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        inner.map(lambda c: f"<not>{c}</not>"),
        st.lists(inner, min_size=1, max_size=3).map(lambda cs: f"<and>{''.join(cs)}</and>"),
        st.lists(inner, min_size=1, max_size=3).map(lambda cs: f"<or>{''.join(cs)}</or>"),
    ),
    max_leaves=6,
)
setvar = st.tuples(st.sampled_from(["Set", "Add", "Subtract", "Multiply", "Divide"]),
                   st.sampled_from(["0", "1", "2", "-3", "10", "0.5"])).map(
    lambda t: f'<setvar action="{t[0]}">{t[1]}</setvar>')
FEEDBACK = '<displayfeedback linkrefid="F"/>'
respcondition = st.tuples(
    st.lists(conditions, min_size=1, max_size=3), st.lists(setvar, max_size=2),
    st.sampled_from(["", ' continue="Yes"', ' continue="No"']), st.booleans(),
).map(lambda t: f"<respcondition{t[2]}><conditionvar>{''.join(t[0])}</conditionvar>{''.join(t[1])}"
                f"{FEEDBACK if t[3] else ''}</respcondition>")
decvar = st.tuples(
    st.sampled_from(["Integer", "Decimal"]), st.sampled_from(["", ' defaultval="0"', ' defaultval="5"', ' defaultval="-2"']),
    st.sampled_from(["", ' minvalue="0"', ' minvalue="-5"']), st.sampled_from(["", ' maxvalue="10"', ' maxvalue="3"']),
).map(lambda t: f'<decvar vartype="{t[0]}"{t[1]}{t[2]}{t[3]}/>')


@SETTINGS
@given(decvar, st.lists(respcondition, max_size=4), st.booleans(),
       st.dictionaries(st.sampled_from(["L", "N", "S", "P"]), st.lists(value, max_size=3), max_size=4))
def test_generated_processing_compiles_and_scores_within_bounds_or_fails_cleanly(dv, rcs, continue_yes, responses):
    document = (f'<questestinterop><item ident="G"><presentation><flow>{RESPONSES}</flow></presentation>'
                f"<resprocessing><outcomes>{dv}</outcomes>{''.join(rcs)}</resprocessing></item></questestinterop>")
    try:
        test = assessments.load_qti12(document.encode(), continue_yes=continue_yes)
    except qti12.Qti12Error as exc:
        assert str(exc)
        return
    responses = {k: (v[:1] if k != "L" else v) for k, v in responses.items()}
    try:
        s = qti12.score_attempt(test, {"G": responses}).items["G"]
    except qti12.Qti12Error as exc:
        assert str(exc)
        return
    assert s.min <= s.score <= s.max
