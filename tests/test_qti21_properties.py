"""Property tests: any response set scores (within the item's range, and the same through QTI 1.2) or
raises a clean ResponseError; any damaged package or item is accepted or refused with a seed message."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from adapters import qti12
from adapters.qti21 import QtiImportError, ResponseError, import_package, open_package, parse_item, score_item
from adapters.qti21.convert import responses_to_qti12, to_qti12
from adapters.qti21.model import ImportedTest, TestItem, format_value
from adapters.qti21.scoring import value_universe
from gateway.xmlsafe import parse
from tests.conftest import REFERENCE

ITEMS = REFERENCE / "qti" / "items-v2p1"
PACKAGE = (REFERENCE / "qti" / "packages" / "WebDeveloperTest1.zip").read_bytes()
SUPPORTED = [
    "choice.xml", "choice_multiple.xml", "choice_multiple_chocolade.xml", "text_entry.xml", "associate.xml",
    "match.xml", "gap_match.xml", "order.xml", "hottext.xml", "inline_choice.xml", "hotspot.xml",
    "select_point.xml", "extended_text.xml", "modalFeedback.xml", "feedbackInline.xml",
]


def _items():
    items = [parse_item(parse((ITEMS / n).read_bytes()), href=n) for n in SUPPORTED]
    items += [t.item for t in import_package(PACKAGE, parse).items]
    return items


ALL_ITEMS = _items()
CONVERTED = []
for _item in ALL_ITEMS:
    _test = ImportedTest("T", "T", (TestItem("I", _item),))
    CONVERTED.append((_test, qti12.load_assessment(parse(to_qti12(_test).encode()), exact_strings=True)))

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@st.composite
def response_sets(draw, item):
    """Mostly well-formed answers built from the item's own choices, mapping keys and areas, some junk."""
    responses = {}
    for rid, d in item.responses.items():
        universe = value_universe(item, d)
        if universe is not None:
            pool = [format_value(d.base_type, v) for v in universe]
            if d.base_type == "pair":
                pool += [" ".join(reversed(p.split())) for p in pool]
        elif d.base_type == "point":
            pool = [f"{draw(st.integers(-5, 300))} {draw(st.integers(-5, 300))}" for _ in range(3)]
            if d.correct:
                pool.append(format_value("point", d.correct[0]))
        else:
            keys = [format_value(d.base_type, e.key) for e in (d.mapping.entries if d.mapping else ())]
            pool = keys + [k.upper() for k in keys] + [k.lower() for k in keys] + [draw(text)]
        kind = draw(st.sampled_from(["omit", "none", "valid", "valid", "valid", "junk"]))
        if kind == "omit":
            continue
        if kind == "none":
            responses[rid] = draw(st.sampled_from([None, "", []]))
        elif kind == "junk":
            responses[rid] = draw(st.one_of(text, st.lists(text, max_size=3), st.integers()))
        elif d.cardinality == "single":
            responses[rid] = draw(st.sampled_from(pool)) if pool else draw(text)
        elif d.cardinality == "ordered":
            responses[rid] = draw(st.permutations(pool))[: draw(st.integers(0, len(pool)))]
        else:
            responses[rid] = draw(st.lists(st.sampled_from(pool), unique=True, max_size=len(pool))) if pool else []
    if draw(st.integers(0, 20)) == 0:
        responses[draw(text)] = draw(text)
    return responses


@st.composite
def item_and_responses(draw):
    index = draw(st.integers(0, len(ALL_ITEMS) - 1))
    return index, draw(response_sets(ALL_ITEMS[index]))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item_and_responses())
def test_any_response_set_scores_in_range_and_the_same_through_qti12_or_is_a_clean_error(case):
    index, responses = case
    item = ALL_ITEMS[index]
    try:
        native = score_item(item, responses)
    except ResponseError:
        with pytest.raises(ResponseError):
            responses_to_qti12(CONVERTED[index][0], {"I": responses})
        return
    assert native.min <= native.score <= native.max
    test, assessment = CONVERTED[index]
    scored = qti12.score_attempt(assessment, responses_to_qti12(test, {"I": responses}))
    assert scored.items["I"].score == pytest.approx(native.score)
    assert (scored.items["I"].min, scored.items["I"].max) == pytest.approx((native.min, native.max))


# --- damaged packages and items -------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_damaged_package_is_accepted_or_refused_with_a_seed_message(data):
    raw = bytearray(PACKAGE)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    try:
        import_package(bytes(raw), parse)
    except QtiImportError as exc:
        assert exc.message and exc.code


def _rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return out.getvalue()


FILES = {i.filename: zipfile.ZipFile(io.BytesIO(PACKAGE)).read(i) for i in zipfile.ZipFile(io.BytesIO(PACKAGE)).infolist()}
ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_an_item_with_any_attribute_value_imports_or_is_refused_with_a_seed_message(data):
    """Replace attribute values in the items (cardinality, baseType, maxChoices, identifiers, hrefs...)."""
    files = dict(FILES)
    name = data.draw(st.sampled_from(sorted(n for n in files if n.endswith(".xml"))))
    content = files[name]
    spots = list(ATTRIBUTE.finditer(content))
    for _ in range(data.draw(st.integers(1, 3))):
        spot = data.draw(st.sampled_from(spots))
        value = data.draw(st.one_of(
            st.sampled_from([b"", b"single", b"multiple", b"ordered", b"record", b"pair", b"float", b"point", b"-1",
                             b"x y", b"true", b"../x.xml", b"missing.xml", b"http://example.org/t"]),
            st.binary(max_size=6).filter(lambda b: b'"' not in b and b"<" not in b and b"&" not in b)))
        content = content[: spot.start(2)] + value + content[spot.end(2):]
        spots = list(ATTRIBUTE.finditer(content)) or spots
    files[name] = content
    try:
        test = import_package(_rezip(files), parse)
    except QtiImportError as exc:
        assert exc.message and exc.code
        return
    for placed in test.items:
        score_item(placed.item, {})
    qti12.load_assessment(parse(to_qti12(test).encode()), exact_strings=True)


@pytest.mark.parametrize("value", [b"\r", b" ", b"\t", b"1st", b"a b", b"a:b"])
def test_an_identifier_that_is_not_an_ncname_is_refused_with_a_seed_message(value):
    """CI found a choice identifier of a line break (normalised to a blank) imported, then refused by the
    QTI 1.2 engine it converts to with a bare Qti12Error: identifiers are checked where they are read."""
    files = dict(FILES)
    files["question8.xml"] = files["question8.xml"].replace(b'identifier="Choice4"', b'identifier="' + value + b'"')
    with pytest.raises(QtiImportError) as refused:
        import_package(_rezip(files), parse)
    assert "is not an identifier" in refused.value.detail


@pytest.mark.parametrize("value", [b"\r", b" ", b""])
def test_a_blank_test_identifier_gives_way_to_the_manifest_s(value):
    """CI found a test identifier of a line break (normalised to a blank) converted to a QTI 1.2
    assessment whose ident the QTI 1.2 reader refused with a bare Qti12Error."""
    files = dict(FILES)
    files["template_test1.xml"] = files["template_test1.xml"].replace(b'identifier="TEST"', b'identifier="' + value + b'"')
    test = import_package(_rezip(files), parse)
    assert test.identifier == "assessment"  # the test's resource identifier in imsmanifest.xml
    qti12.load_assessment(parse(to_qti12(test).encode()), exact_strings=True)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_cleanly(raw):
    with pytest.raises(QtiImportError):
        open_package(raw, parse)


# --- generated declarations: the conversion agrees with the native scorer on any mapping -------------------

def _check_round_trip(xml: str, responses: dict) -> None:
    parsed = parse_item(parse(xml.encode()), href="x.xml")
    test = ImportedTest("T", "T", (TestItem("I", parsed),))
    assessment = qti12.load_assessment(parse(to_qti12(test).encode()), exact_strings=True)
    native = score_item(parsed, responses)
    via_12 = qti12.score_attempt(assessment, responses_to_qti12(test, {"I": responses})).items["I"]
    assert native.min <= native.score <= native.max
    assert via_12.score == pytest.approx(native.score)
    assert (via_12.min, via_12.max) == pytest.approx((native.min, native.max))


def _xml(declaration: str, body: str, template: str) -> str:
    return ('<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x" title="x" '
            f'adaptive="false" timeDependent="false">{declaration}'
            '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
            f'<itemBody>{body}</itemBody><responseProcessing template="http://www.imsglobal.org/question/'
            f'qti_v2p1/rptemplates/{template}"/></assessmentItem>')


values = st.sampled_from([-2, -1, -0.5, 0, 0.25, 1, 2, 3])
bounds = st.one_of(st.none(), values)


def _bounds_attrs(lower, upper) -> str:
    if lower is not None and upper is not None and lower > upper:
        lower, upper = upper, lower
    return (f' lowerBound="{lower}"' if lower is not None else "") + (f' upperBound="{upper}"' if upper is not None else "")


@st.composite
def areas(draw):
    shape = draw(st.sampled_from(["circle", "rect", "ellipse", "poly", "default"]))
    c = lambda: draw(st.integers(0, 60))  # noqa: E731
    if shape == "circle":
        coords = f"{c()},{c()},{draw(st.integers(1, 30))}"
    elif shape == "rect":
        coords = f"{c()},{c()},{c()},{c()}"
    elif shape == "ellipse":
        coords = f"{c()},{c()},{draw(st.integers(1, 30))},{draw(st.integers(1, 30))}"
    elif shape == "poly":
        coords = ",".join(str(c()) for _ in range(2 * draw(st.integers(3, 5))))
    else:
        coords = ""
    return f'<areaMapEntry shape="{shape}" coords="{coords}" mappedValue="{draw(values)}"/>'


@settings(max_examples=400, deadline=None)
@given(st.lists(areas(), min_size=1, max_size=4), values, bounds, bounds,
       st.one_of(st.none(), st.tuples(st.integers(-5, 70), st.integers(-5, 70))))
def test_map_response_point_converts_faithfully(entries, default, lower, upper, point):
    declaration = ('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="point">'
                   f'<areaMapping defaultValue="{default}"{_bounds_attrs(lower, upper)}>{"".join(entries)}'
                   '</areaMapping></responseDeclaration>')
    body = ('<selectPointInteraction responseIdentifier="RESPONSE" maxChoices="1"><object type="image/png" '
            'data="m.png">m</object></selectPointInteraction>')
    if (lower or 0) > 0 or (upper if upper is not None else 0) < 0:
        return  # documented loss: such bounds also clamp the unanswered 0
    _check_round_trip(_xml(declaration, body, "map_response_point"),
                      {} if point is None else {"RESPONSE": f"{point[0]} {point[1]}"})


words = st.sampled_from(["York", "york", "YORK", "Lancaster", "lancaster", "1", "01", "x y"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(words, values, st.booleans()), max_size=4), values, bounds, bounds,
       st.one_of(st.none(), words))
def test_map_response_on_text_converts_faithfully(entries, default, lower, upper, answer):
    mapping = "".join(f'<mapEntry mapKey="{k}" mappedValue="{v}" caseSensitive="{str(cs).lower()}"/>'
                      for k, v, cs in entries)
    declaration = ('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
                   f'<mapping defaultValue="{default}"{_bounds_attrs(lower, upper)}>{mapping}</mapping>'
                   '</responseDeclaration>')
    if (lower or 0) > 0 or (upper if upper is not None else 0) < 0:
        return  # documented loss: such bounds also clamp the unanswered 0
    _check_round_trip(_xml(declaration, '<p><textEntryInteraction responseIdentifier="RESPONSE"/></p>', "map_response"),
                      {} if answer is None else {"RESPONSE": answer})


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDE"), values, max_size=5), values, bounds, bounds,
       st.lists(st.sampled_from("ABCDE"), unique=True, max_size=5))
def test_map_response_on_choices_converts_faithfully(entries, default, lower, upper, answer):
    mapping = "".join(f'<mapEntry mapKey="{k}" mappedValue="{v}"/>' for k, v in entries.items())
    declaration = ('<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
                   f'<mapping defaultValue="{default}"{_bounds_attrs(lower, upper)}>{mapping}</mapping>'
                   '</responseDeclaration>')
    choices = "".join(f'<simpleChoice identifier="{c}">{c}</simpleChoice>' for c in "ABCDE")
    if (lower or 0) > 0 or (upper if upper is not None else 0) < 0:
        return  # documented loss: such bounds also clamp the unanswered 0
    _check_round_trip(_xml(declaration, f'<choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">{choices}'
                                        '</choiceInteraction>', "map_response"), {"RESPONSE": answer})
