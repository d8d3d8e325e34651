"""Imported QTI 2.1 test -> QTI 1.2 ASI, the gateway's internal test model (DESIGN.md §9).

The store keeps the XML this writes; :func:`adapters.qti12.load_assessment` reads it and
:func:`adapters.qti12.score_attempt` scores attempts on it, with responses shaped by
:func:`responses_to_qti12`. The round trip scores exactly what :mod:`adapters.qti21.scoring` does (the
tests check it item by item, and with hypothesis over arbitrary response sets). The document::

    <questestinterop>
      <assessment ident="TEST" title="Web Developer Website">
        <section ident="sectionquestion1" title="Electronics and Computer Science">
          <item ident="question1" title="Getting Started">
            <presentation><flow>
              <material><mattext texttype="text/plain">Question 1</mattext></material>
              <response_lid ident="RESPONSE" rcardinality="Single">
                <material><mattext texttype="text/plain">From what you have learned ...</mattext></material>
                <render_choice shuffle="Yes" maxnumber="1">
                  <response_label ident="ChoiceA"><material><mattext texttype="text/plain">.xml</mattext></material></response_label>
                  ...
            </flow></presentation>
            <resprocessing>
              <outcomes>
                <decvar varname="SCORE" vartype="Integer" defaultval="0" minvalue="0" maxvalue="1"/>
                <interpretvar varname="SCORE"><material><mattext>1 point if the answer is correct</mattext></material></interpretvar>
              </outcomes>
              <respcondition title="match_correct" continue="Yes">
                <conditionvar><varequal respident="RESPONSE" case="Yes">ChoiceC</varequal></conditionvar>
                <setvar varname="SCORE" action="Set">1</setvar>
              </respcondition>
            </resprocessing>
          </item>

Interactions -> responses (the response ident is the QTI 2.1 responseIdentifier; values as DESIGN.md §11):

==========================  =====================================================  ======================
QTI 2.1                     QTI 1.2                                                value
==========================  =====================================================  ======================
choice, inlineChoice,       ``response_lid`` + ``render_choice`` (shuffle, maxnumber)  choice identifier
hottext
order                       ``response_lid rcardinality="Ordered"`` + render_choice   identifiers in order
hotspot                     ``response_lid`` + ``render_hotspot`` (matimage, rarea)    choice identifier
textEntry, extendedText     ``response_str`` (``response_num`` for integer/float) +   the text / number
                            ``render_fib`` (columns = expectedLength; rows for
                            extendedText)
associate, match, gapMatch  ``response_grp rcardinality="Multiple"`` + render_choice   ``"A B"`` (pairs sorted,
                            (labels for every choice; match_group on sources)         directed pairs as
                                                                                       ``source target``)
selectPoint                 ``response_xy`` + ``render_hotspot`` (matimage)           ``"x,y"``
==========================  =====================================================  ======================

Response processing -> ``resprocessing`` with one ``decvar SCORE`` (Integer when every amount is whole,
else Decimal; minvalue/maxvalue = :func:`adapters.qti21.scoring.bounds`, sound bounds, so the engine's
clamp only ever applies the template's own lowerBound/upperBound) and respconditions, ALL written
``continue="Yes"`` and made mutually exclusive where QTI 2.1 takes the first match:

- match_correct: one respcondition, Set 1, whose condition is ``match``: single -> ``varequal``
  (``case="Yes"``; numbers and points compare as such on response_num/response_xy); multiple ->
  ``varsubset setmatch="Exact"`` (the engine's set equality); ordered -> ``varequal index="i"`` for each
  position and no value at position n+1.
- map_response: a closed universe (choices, pairs) -> for every possible value one respcondition
  ``varequal`` -> Add its mapped value (or defaultValue); an open one (text, numbers) -> entry i fires when
  it matches and no earlier entry does (``case`` from caseSensitive), defaultValue when answered and no entry
  matches. lowerBound/upperBound -> decvar minvalue/maxvalue.
- map_response_point (single point): area i fires when the point is inside it and in no earlier area
  (``varinside``: circle/ellipse -> Ellipse ``cx,cy,height,width`` diameters, rect -> Rectangle
  ``x0,y0,height,width``, poly -> Bounded, default -> any answer); defaultValue when in no area.
- response rules (:mod:`adapters.qti21.rules`): each branch becomes a respcondition whose condition is its
  own test AND NOT every earlier test of its chain (responseElse: NOT all of them), Set or Add.

What is lost (documented, never silently mis-scored):

- layout: the item body becomes plain text (``mattext``) and its images ``matimage``; MathML, tables and
  inline positions of gaps and inline choices are flattened; feedback (inline, block, modal) and rubrics
  are not carried;
- multiple responses are compared as sets (the engine's), so a response repeating a value counts it once
  also for ``match`` (QTI 2.1 compares multisets; no supported interaction can repeat a value);
- typed text (``response_str``) is compared exactly as given, as QTI 2.1 maps a string: the stored test
  is loaded with the QTI 1.2 engine's ``exact_strings`` switch (``gateway.assessments``), unless the
  test was imported with the trimming compatibility switch, which strips it on both scorers;
- a mapping whose lowerBound is above 0 (or upperBound below 0) also clamps the unanswered score, which
  QTI 2.1 leaves at 0;
- Ellipse diameters are widened by one part in 10^12, so integer points ON a circle, inside in QTI 2.1,
  stay inside under the engine's floating-point test (no integer point outside moves in).
"""
from __future__ import annotations

from collections.abc import Mapping as MappingABC
from copy import deepcopy

from lxml import etree

from adapters.qti21 import rules
from adapters.qti21.errors import ResponseError, unsupported
from adapters.qti21.model import (
    Area, ImportedTest, Interaction, Item, Pair, ResponseDeclaration, RuleProcessing, TestItem, Value,
)
from adapters.qti21.scoring import RawResponses, maps_to, score_default, bounds, typed_responses, value_universe

_WIDEN = 1 + 1e-12
_FIB = {"string": "String", "integer": "Integer", "float": "Decimal"}


# --- responses ------------------------------------------------------------------------------------

def format_12(declaration: ResponseDeclaration, value) -> str:
    """One typed QTI 2.1 value as the QTI 1.2 engine's response value (and condition text)."""
    base = declaration.base_type
    if base == "point":
        return f"{value[0]},{value[1]}"
    if base == "pair":
        return str(value if isinstance(value, Pair) else Pair.of(*value))
    if base == "directedPair":
        return f"{value[0]} {value[1]}"
    if base == "boolean":
        return "true" if value else "false"
    return str(value)


def item_responses_to_qti12(item: Item, responses: RawResponses, *, trim_strings: bool = False) -> dict[str, list[str]]:
    """One item's QTI 2.1 candidate responses as ``{response ident: [values]}`` (unanswered left out)."""
    out = {}
    for rid, value in typed_responses(item, responses, trim_strings=trim_strings).items():
        if value is None:
            continue
        d = item.responses[rid]
        values = (value,) if d.cardinality == "single" else value
        out[rid] = [format_12(d, v) for v in values]
    return out


def responses_to_qti12(test: ImportedTest, responses: MappingABC[str, RawResponses], *,
                       trim_strings: bool = False) -> dict[str, dict[str, list[str]]]:
    """``{item ident: {responseIdentifier: value(s)}}`` (QTI 2.1) -> ``{item ident: {response ident: [values]}}``,
    the shape of :func:`adapters.qti12.score_attempt` and DESIGN.md §11. Raises ResponseError on bad input."""
    if not isinstance(responses, MappingABC):
        raise ResponseError("responses must be a mapping {item ident: {responseIdentifier: value}}")
    by_ident = {t.ident: t.item for t in test.items}
    unknown = set(responses) - set(by_ident)
    if unknown:
        raise ResponseError(f"test {test.identifier} has no item {', '.join(sorted(map(str, unknown)))}")
    return {ident: item_responses_to_qti12(by_ident[ident], r, trim_strings=trim_strings) for ident, r in responses.items()}


# --- the document ---------------------------------------------------------------------------------

def to_qti12(test: ImportedTest) -> str:
    """The QTI 1.2 ``questestinterop`` text for ``test`` (UTF-8, with an XML declaration)."""
    return etree.tostring(to_qti12_element(test), xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def to_qti12_element(test: ImportedTest) -> etree._Element:
    root = etree.Element("questestinterop")
    assessment = etree.SubElement(root, "assessment", ident=test.identifier, title=test.title)
    section = etree.SubElement(assessment, "section", ident="S1", title=test.section_title or test.title)
    for placed in test.items:
        section.append(item_to_qti12(placed))
    return root


def item_to_qti12(placed: TestItem) -> etree._Element:
    item = placed.item
    element = etree.Element("item", ident=placed.ident, title=item.title or item.identifier)
    _presentation(etree.SubElement(element, "presentation", label=item.identifier), item)
    _Processing(item, placed.ident).write(element)
    return element


def _material(parent, text: str) -> None:
    material = etree.SubElement(parent, "material")
    etree.SubElement(material, "mattext", texttype="text/plain").text = text


def _presentation(presentation, item: Item) -> None:
    flow = etree.SubElement(presentation, "flow")
    if item.body_text:
        _material(flow, item.body_text)
    graphic = {i.image for i in item.interactions if i.image}
    for image in item.images:
        if image not in graphic:
            material = etree.SubElement(flow, "material")
            etree.SubElement(material, "matimage", uri=image, imagtype=_image_type(image))
    for interaction in item.interactions:
        _response(flow, interaction, item.responses[interaction.response_identifier])


def _image_type(uri: str) -> str:
    ext = uri.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
            "svg": "image/svg+xml"}.get(ext, "application/octet-stream")


def _response(flow, interaction: Interaction, d: ResponseDeclaration) -> None:
    kind = interaction.kind
    card = d.cardinality.capitalize()
    if kind in ("textEntryInteraction", "extendedTextInteraction"):
        tag = "response_str" if d.base_type == "string" else "response_num"
        attrs = {"ident": d.identifier, "rcardinality": card}
        if tag == "response_num":
            attrs["numtype"] = "Integer" if d.base_type == "integer" else "Decimal"
        response = etree.SubElement(flow, tag, **attrs)
        if interaction.prompt:
            _material(response, interaction.prompt)
        fib = {"fibtype": _FIB[d.base_type], "prompt": "Box"}
        if interaction.expected_length:
            fib["columns"] = str(interaction.expected_length)
        if kind == "extendedTextInteraction":
            fib["rows"] = "10"
        render = etree.SubElement(response, "render_fib", **fib)
        etree.SubElement(render, "response_label", ident=d.identifier)
        return
    if kind == "selectPointInteraction":
        response = etree.SubElement(flow, "response_xy", ident=d.identifier, rcardinality=card)
        if interaction.prompt:
            _material(response, interaction.prompt)
        render = etree.SubElement(response, "render_hotspot", **_max_number(interaction))
        _image(render, interaction)
        return
    if kind in ("associateInteraction", "matchInteraction", "gapMatchInteraction"):
        response = etree.SubElement(flow, "response_grp", ident=d.identifier, rcardinality=card)
        if interaction.prompt:
            _material(response, interaction.prompt)
        render = etree.SubElement(response, "render_choice", shuffle="Yes" if interaction.shuffle else "No",
                                  **_max_number(interaction))
        targets = ",".join(t.identifier for t in interaction.targets)
        for choice in interaction.choices:
            attrs = {"ident": choice.identifier}
            if choice.match_max:
                attrs["match_max"] = str(choice.match_max)
            if targets and choice in interaction.sources:
                attrs["match_group"] = targets
            label = etree.SubElement(render, "response_label", **attrs)
            _material(label, choice.text or (f"[{choice.identifier}]" if choice.kind == "gap" else choice.identifier))
        return
    response = etree.SubElement(flow, "response_lid", ident=d.identifier, rcardinality=card)
    if interaction.prompt:
        _material(response, interaction.prompt)
    if kind == "hotspotInteraction":
        render = etree.SubElement(response, "render_hotspot", **_max_number(interaction))
        _image(render, interaction)
        for choice in interaction.choices:
            rarea, coords = _rarea(Area(choice.shape or "default", choice.coords))
            etree.SubElement(render, "response_label", ident=choice.identifier, rarea=rarea).text = coords
        return
    render = etree.SubElement(response, "render_choice", shuffle="Yes" if interaction.shuffle else "No",
                              **_max_number(interaction))
    for choice in interaction.choices:
        label = etree.SubElement(render, "response_label", ident=choice.identifier)
        _material(label, choice.text)


def _max_number(interaction: Interaction) -> dict[str, str]:
    attrs = {}
    if interaction.max_choices:
        attrs["maxnumber"] = str(interaction.max_choices)
    if interaction.min_choices:
        attrs["minnumber"] = str(interaction.min_choices)
    return attrs


def _image(render, interaction: Interaction) -> None:
    if not interaction.image:
        return
    material = etree.SubElement(render, "material")
    attrs = {"uri": interaction.image, "imagtype": interaction.image_type or _image_type(interaction.image)}
    if interaction.image_size:
        attrs.update(x0="0", y0="0", width=str(interaction.image_size[0]), height=str(interaction.image_size[1]))
    etree.SubElement(material, "matimage", **attrs)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _rarea(area: Area) -> tuple[str, str]:
    """A QTI 2.1 shape as the engine's (areatype, coordinates): see adapters.qti12.processing._area."""
    c = area.coords
    if area.shape == "circle":
        d = 2 * c[2] * _WIDEN
        return "Ellipse", f"{_num(c[0])},{_num(c[1])},{d!r},{d!r}"
    if area.shape == "ellipse":
        return "Ellipse", f"{_num(c[0])},{_num(c[1])},{2 * c[3] * _WIDEN!r},{2 * c[2] * _WIDEN!r}"
    if area.shape == "rect":
        left, right = min(c[0], c[2]), max(c[0], c[2])
        top, bottom = min(c[1], c[3]), max(c[1], c[3])
        return "Rectangle", f"{_num(left)},{_num(top)},{_num(bottom - top)},{_num(right - left)}"
    if area.shape == "poly":
        return "Bounded", ",".join(_num(v) for v in c)
    return "Rectangle", "-1000000000,-1000000000,2000000000,2000000000"  # default: the whole plane


# --- response processing --------------------------------------------------------------------------

def _el(tag: str, *children, text: str | None = None, **attrs) -> etree._Element:
    element = etree.Element(tag, **attrs)
    element.extend(children)
    if text is not None:
        element.text = text
    return element


def _and(parts: list) -> etree._Element:
    return parts[0] if len(parts) == 1 else _el("and", *parts)


def _or(parts: list) -> etree._Element:
    return parts[0] if len(parts) == 1 else _el("or", *parts)


class _Processing:
    def __init__(self, item: Item, ident: str):
        self.item, self.ident = item, ident
        self.conditions: list[tuple[str, list, str, float]] = []  # (title, conditions, action, amount)

    def unsupported(self, detail: str):
        return unsupported(self.item.identifier, self.item.href, detail)

    # conditions as lists of elements (ANDed by conditionvar)

    def equal(self, d: ResponseDeclaration, value, **extra) -> etree._Element:
        return _el("varequal", respident=d.identifier, case="Yes", text=format_12(d, value), **extra)

    def answered(self, d: ResponseDeclaration) -> etree._Element:
        return _el("not", _el("unanswered", respident=d.identifier))

    def never(self, d: ResponseDeclaration) -> etree._Element:
        return _el("and", _el("unanswered", respident=d.identifier), self.answered(d))

    def match(self, d: ResponseDeclaration, value: Value) -> etree._Element:
        if value is None:
            return self.never(d)
        if d.cardinality == "single":
            return self.equal(d, value)
        if d.cardinality == "multiple":
            return _el("varsubset", respident=d.identifier, setmatch="Exact",
                       text=",".join(format_12(d, v) for v in value))
        positions = [self.equal(d, v, index=str(i)) for i, v in enumerate(value, 1)]
        universe = value_universe(self.item, d)
        if universe is None:
            raise self.unsupported(f"ordered response {d.identifier} without a closed set of choices")
        beyond = [self.equal(d, u, index=str(len(value) + 1)) for u in universe]
        if beyond:
            positions.append(_el("not", _or(beyond)))
        return _and(positions)

    def condition(self, node) -> etree._Element:
        r = self.item.responses
        if isinstance(node, rules.MatchCorrect):
            return self.match(r[node.response], r[node.response].correct_value)
        if isinstance(node, rules.MatchValue):
            return self.match(r[node.response], node.value)
        if isinstance(node, rules.IsNull):
            return _el("unanswered", respident=node.response)
        if isinstance(node, rules.Member):
            return self.equal(r[node.response], node.value)
        if isinstance(node, rules.And):
            return _and([self.condition(p) for p in node.parts])
        if isinstance(node, rules.Or):
            return _or([self.condition(p) for p in node.parts])
        if isinstance(node, rules.Not):
            return _el("not", self.condition(node.part))
        raise TypeError(node)

    def add(self, title: str, conditions: list, action: str, amount: float) -> None:
        self.conditions.append((title, conditions, action, amount))

    # the three templates and the rules

    def match_correct(self, d: ResponseDeclaration) -> None:
        if d.correct:
            self.add("match_correct", [self.match(d, d.correct_value)], "Set", 1.0)

    def map_response(self, d: ResponseDeclaration) -> None:
        mapping = d.mapping
        universe = value_universe(self.item, d)
        if universe is not None:
            for value in universe:
                amount = next((e.value for e in mapping.entries if maps_to(e.key, value, e.case_sensitive)), mapping.default)
                if amount:
                    self.add(f"map_response {format_12(d, value)}", [self.equal(d, value)], "Add", amount)
            return
        if d.cardinality != "single":
            raise self.unsupported(f"map_response on {d.cardinality} {d.base_type} response {d.identifier}")
        earlier = []
        for entry in mapping.entries:
            test = self.equal(d, entry.key) if entry.case_sensitive else _el(
                "varequal", respident=d.identifier, case="No", text=format_12(d, entry.key))
            guard = [_el("not", _or([_copy(e) for e in earlier]))] if earlier else []
            if entry.value:
                self.add(f"map_response {format_12(d, entry.key)}", [test, *guard], "Add", entry.value)
            earlier.append(test)
        if mapping.default:
            guard = [_el("not", _or([_copy(e) for e in earlier]))] if earlier else []
            self.add("map_response defaultValue", [self.answered(d), *guard], "Add", mapping.default)

    def map_response_point(self, d: ResponseDeclaration) -> None:
        mapping = d.area_mapping
        earlier = []
        for area in mapping.entries:
            if area.shape == "default":
                test = self.answered(d)
            else:
                areatype, coords = _rarea(area)
                test = _el("varinside", respident=d.identifier, areatype=areatype, text=coords)
            guard = [_el("not", _or([_copy(e) for e in earlier]))] if earlier else []
            if area.value:
                self.add(f"map_response_point {area.shape}", [test, *guard], "Add", area.value)
            earlier.append(test)
        if mapping.default:
            guard = [_el("not", _or([_copy(e) for e in earlier]))] if earlier else []
            self.add("map_response_point defaultValue", [self.answered(d), *guard], "Add", mapping.default)

    def rules(self, rule_list, guard: list) -> None:
        for rule in rule_list:
            if isinstance(rule, rules.SetScore):
                conditions = [_copy(g) for g in guard] or [self.always()]
                self.add("responseRule", conditions, "Add" if rule.add else "Set", rule.amount)
                continue
            earlier = []
            for branch in rule.branches:
                own = [self.condition(branch.condition)] if branch.condition is not None else []
                excluded = [_el("not", _or([_copy(e) for e in earlier]))] if earlier else []
                self.rules(branch.actions, [*(_copy(g) for g in guard), *own, *excluded])
                earlier.extend(own)

    def always(self) -> etree._Element:
        d = next(iter(self.item.responses.values()), None)
        if d is None:
            raise self.unsupported("response rules on an item without responses")
        return _el("or", _el("unanswered", respident=d.identifier), self.answered(d))

    def write(self, item_element) -> None:
        item, processing = self.item, self.item.processing
        if processing is None:
            pass
        elif isinstance(processing, RuleProcessing):
            self.rules(processing.rules, [])
        else:
            d = item.responses[processing.response]
            getattr(self, processing.name)(d)
        low, high = bounds(item)
        default = score_default(item) if isinstance(processing, RuleProcessing) or processing is None else 0.0
        if not self.conditions:
            # The DTD wants at least one respcondition: with nothing to score and nothing to report, write no
            # resprocessing (the engine scores such an item 0 of 0); else one that never fires keeps the range.
            if (low, high, default) == (0, 0, 0) or not item.responses:
                return
            d = next(iter(item.responses.values()))
            self.add("not scored automatically", [self.never(d)], "Add", 0.0)
        amounts = [a for *_, a in self.conditions] + [low, high, default]
        vartype = "Integer" if all(float(a).is_integer() for a in amounts) else "Decimal"
        rp = etree.SubElement(item_element, "resprocessing")
        outcomes = etree.SubElement(rp, "outcomes")
        etree.SubElement(outcomes, "decvar", varname="SCORE", vartype=vartype, defaultval=_num(default),
                         minvalue=_num(low), maxvalue=_num(high))
        interpret = etree.SubElement(outcomes, "interpretvar", varname="SCORE")
        _material(interpret, self.interpretation(low, high))
        for title, conditions, action, amount in self.conditions:
            rc = etree.SubElement(rp, "respcondition", title=title, attrib={"continue": "Yes"})
            etree.SubElement(rc, "conditionvar").extend(conditions)
            etree.SubElement(rc, "setvar", varname="SCORE", action=action).text = _num(amount)

    def interpretation(self, low: float, high: float) -> str:
        processing = self.item.processing
        if processing is None:
            return "Not scored automatically"
        if isinstance(processing, RuleProcessing):
            return f"{_num(low)} to {_num(high)} points by the item's response rules"
        if processing.name == "match_correct":
            return "1 point if the answer is correct"
        return f"{_num(low)} to {_num(high)} points, mapped per answer"


def _copy(element: etree._Element) -> etree._Element:
    return deepcopy(element)
