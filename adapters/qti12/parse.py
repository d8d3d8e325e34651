"""Read a parsed ``questestinterop`` into the model (seed 002 §5.1–5.4).

The caller parses the bytes with the hardened parser (``gateway.xmlsafe.parse``) and hands over
the root element; elements are matched by local name, so documents with the
``http://www.imsglobal.org/xsd/ims_qtiasiv1p2`` namespace and without any namespace read the same::

    <questestinterop>
      <assessment ident="207" title="Test1 (3)">
        <section ident="s1"><item ident="Q1">...</item></section>
      </assessment>
    </questestinterop>

An ``<objectbank>``, or a ``questestinterop`` holding bare ``<item>``/``<section>`` elements, becomes a
one-section assessment of its items.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from adapters.qti12 import processing
from adapters.qti12.model import (
    Assessment,
    DecVar,
    DisplayFeedback,
    Item,
    Qti12Error,
    RespCondition,
    ResponseDecl,
    ResponseLabel,
    Section,
    SetVar,
)

_RESPONSE_TAGS = {
    "response_lid": "lid",
    "response_xy": "xy",
    "response_str": "str",
    "response_num": "num",
    "response_grp": "grp",
}
_RENDER_TAGS = {
    "render_choice": "choice",
    "render_hotspot": "hotspot",
    "render_slider": "slider",
    "render_fib": "fib",
    "render_extension": "extension",
}
_VARTYPES = {"String", "Integer", "Decimal", "Scientific", "Boolean", "Enumerated", "Set"}
_ACTIONS = {"Set", "Add", "Subtract", "Multiply", "Divide"}
_CARDINALITIES = {"single": "Single", "multiple": "Multiple", "ordered": "Ordered"}
_SPACE = re.compile(r"\s+")


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def children(el: etree._Element, name: str | None = None) -> Iterator[etree._Element]:
    for child in el:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        if name is None or local(child) == name:
            yield child


def first(el: etree._Element, name: str) -> etree._Element | None:
    return next(children(el, name), None)


def text_of(el: etree._Element | None) -> str:
    """The material text inside ``el`` (mattext, matemtext, CDATA), whitespace collapsed."""
    if el is None:
        return ""
    parts = []
    for node in el.iter():
        if isinstance(node.tag, str) and local(node) in ("mattext", "matemtext") and node.text:
            parts.append(node.text)
    return _SPACE.sub(" ", " ".join(parts)).strip()


def _number(raw: str | None, what: str) -> int | float | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        raise Qti12Error(f"{what} {raw!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Qti12Error(f"{what} {raw!r} is not a finite number")
    return int(value) if value.is_integer() and "." not in raw and "e" not in raw.lower() else value


def typed_value(raw: str, vartype: str, what: str):
    """A decvar/setvar value typed for its variable: int for Integer, float for Decimal/Scientific."""
    raw = raw.strip()
    if vartype == "Integer":
        value = _number(raw, what)
        if value is None:
            raise Qti12Error(f"{what} is empty")
        if isinstance(value, float):
            if not value.is_integer():
                raise Qti12Error(f"{what} {raw!r} is not an Integer")
            value = int(value)
        return value
    if vartype in ("Decimal", "Scientific"):
        value = _number(raw, what)
        if value is None:
            raise Qti12Error(f"{what} is empty")
        return float(value)
    if vartype == "Boolean":
        if raw.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise Qti12Error(f"{what} {raw!r} is not a Boolean")
        return raw.lower() in ("true", "yes", "1")
    return raw


def load_assessment(root: etree._Element, *, continue_yes: bool = False, exact_strings: bool = False) -> Assessment:
    """The test in a parsed ``questestinterop`` (see the module docstring); raises Qti12Error."""
    if not isinstance(root, etree._Element) or not isinstance(root.tag, str):
        raise Qti12Error("expected a parsed questestinterop element")
    if local(root) != "questestinterop":
        raise Qti12Error(f"the root element is <{local(root)}>, expected <questestinterop>")
    reader = _Reader(root, continue_yes, exact_strings)
    assessments = list(children(root, "assessment"))
    if len(assessments) > 1:
        raise Qti12Error(f"the document holds {len(assessments)} assessments; import them one by one")
    if assessments:
        result = reader.assessment(assessments[0])
    else:
        result = reader.bank()
    if not result.items:
        raise Qti12Error("the document holds no items")
    seen: set[str] = set()
    for item in result.items:
        if item.ident in seen:
            raise Qti12Error(f"item ident {item.ident!r} occurs twice in the test")
        seen.add(item.ident)
    return result


class _Reader:
    def __init__(self, root: etree._Element, continue_yes: bool, exact_strings: bool = False):
        self.root = root
        self.continue_yes = continue_yes
        self.exact_strings = exact_strings
        # sections and items defined anywhere in the document, for sectionref/itemref
        self.sections_by_id = {s.get("ident"): s for s in root.iter() if isinstance(s.tag, str) and local(s) == "section"}
        self.items_by_id = {i.get("ident"): i for i in root.iter() if isinstance(i.tag, str) and local(i) == "item"}
        self.item_cache: dict[int, Item] = {}

    # -- containers -------------------------------------------------------------------------
    def assessment(self, el: etree._Element) -> Assessment:
        ident = _ident(el, "assessment")
        sections = []
        for child in children(el):
            tag = local(child)
            if tag == "section":
                sections.append(self.section(child, ()))
            elif tag == "sectionref":
                sections.append(self.section(self._ref(child, self.sections_by_id, "sectionref"), ()))
        scoremodel = "SumofScores"
        for op in children(el, "outcomes_processing"):
            scoremodel = (op.get("scoremodel") or "SumofScores").strip()
        if scoremodel not in ("SumofScores", "NumberCorrect"):
            raise Qti12Error(f"outcomes_processing scoremodel {scoremodel!r} is not supported (SumofScores, NumberCorrect)")
        duration = first(el, "duration")
        description = _description(el)
        return Assessment(
            ident=ident,
            title=el.get("title") or "",
            description=description,
            sections=tuple(sections),
            items=tuple(_flatten(sections)),
            scoremodel=scoremodel,
            source="assessment",
            continue_yes=self.continue_yes,
            exact_strings=self.exact_strings,
            duration=(duration.text or "").strip() if duration is not None else None,
        )

    def bank(self) -> Assessment:
        banks = list(children(self.root, "objectbank"))
        if len(banks) > 1:
            raise Qti12Error(f"the document holds {len(banks)} objectbanks; import them one by one")
        holder = banks[0] if banks else self.root
        items: list[Item] = []
        # every item in document order; sectionref/itemref are not followed here, because in a
        # bank they point at objects the bank already holds (following them would count items twice)
        for el in holder.iter():
            if isinstance(el.tag, str) and local(el) == "item":
                items.append(self.item(el))
        ident = holder.get("ident") if banks else (items[0].ident if len(items) == 1 else "questestinterop")
        title = holder.get("title") or (items[0].title if len(items) == 1 else "")
        section = Section(ident=ident or "section", title=title, items=tuple(items))
        return Assessment(
            ident=ident or "questestinterop",
            title=title,
            description=_description(holder),
            sections=(section,),
            items=tuple(items),
            source="objectbank" if banks else "items",
            continue_yes=self.continue_yes,
            exact_strings=self.exact_strings,
        )

    def section(self, el: etree._Element, trail: tuple[str, ...]) -> Section:
        ident = _ident(el, "section")
        if ident in trail:
            raise Qti12Error(f"section {ident!r} includes itself through sectionref")
        trail = (*trail, ident)
        items: list[Item] = []
        subs: list[Section] = []
        flat: list[Item] = []
        for child in children(el):
            tag = local(child)
            if tag == "item":
                item = self.item(child)
                items.append(item)
                flat.append(item)
            elif tag == "itemref":
                item = self.item(self._ref(child, self.items_by_id, "itemref"))
                items.append(item)
                flat.append(item)
            elif tag in ("section", "sectionref"):
                target = child if tag == "section" else self._ref(child, self.sections_by_id, "sectionref")
                sub = self.section(target, trail)
                subs.append(sub)
        return Section(ident=ident, title=el.get("title") or "", items=tuple(items), sections=tuple(subs))

    def _ref(self, el: etree._Element, table: dict, what: str) -> etree._Element:
        ref = (el.get("linkrefid") or "").strip()
        if not ref:
            raise Qti12Error(f"<{what}> has no linkrefid")
        if ref not in table:
            raise Qti12Error(f"<{what} linkrefid={ref!r}> names nothing in this document")
        return table[ref]

    # -- items ------------------------------------------------------------------------------
    def item(self, el: etree._Element) -> Item:
        key = id(el)
        if key in self.item_cache:
            return self.item_cache[key]
        ident = _ident(el, "item")
        where = f"item {ident!r}"
        responses: list[ResponseDecl] = []
        material: list[str] = []
        for pres in children(el, "presentation"):
            self._presentation(pres, responses, material, where)
        idents = [r.ident for r in responses]
        dupes = {i for i in idents if idents.count(i) > 1}
        if dupes:
            raise Qti12Error(f"{where}: response ident {sorted(dupes)[0]!r} is declared twice")
        decvars: list[DecVar] = []
        interpretations: dict[str, str] = {}
        conditions: list[RespCondition] = []
        scoremodel = None
        for rp in children(el, "resprocessing"):
            scoremodel = rp.get("scoremodel") or scoremodel
            outcomes = first(rp, "outcomes")
            if outcomes is None:
                raise Qti12Error(f"{where}: <resprocessing> has no <outcomes>")
            for dv in children(outcomes, "decvar"):
                decvars.append(_decvar(dv, where))
            for iv in children(outcomes, "interpretvar"):
                interpretations.setdefault((iv.get("varname") or "").strip(), text_of(iv))
            names = [d.varname for d in decvars]
            if len(set(names)) != len(names):
                raise Qti12Error(f"{where}: a variable is declared twice in {names}")
            by_name = {d.varname: d for d in decvars}
            for rc in children(rp, "respcondition"):
                conditions.append(self._respcondition(rc, by_name, {r.ident: r for r in responses}, where))
        feedback = {}
        for fb in children(el, "itemfeedback"):
            fid = (fb.get("ident") or "").strip()
            if fid:
                feedback.setdefault(fid, text_of(fb))
        item = Item(
            ident=ident,
            title=el.get("title") or "",
            label=el.get("label") or "",
            responses=tuple(responses),
            decvars=tuple(decvars),
            interpretations=interpretations,
            respconditions=tuple(conditions),
            itemfeedback=feedback,
            material=tuple(material),
            scoremodel=scoremodel,
            continue_yes=self.continue_yes,
            exact_strings=self.exact_strings,
        )
        # correct values are read off the processing once the whole item is known
        correct = processing.correct_values(item)
        for r in item.responses:
            r.correct = tuple(correct.get(r.ident, ()))
        processing.compile_item(item)  # compiled once here, evaluated for every attempt
        self.item_cache[key] = item
        return item

    def _presentation(self, el, responses: list[ResponseDecl], material: list[str], where: str) -> None:
        for child in children(el):
            tag = local(child)
            if tag in _RESPONSE_TAGS:
                responses.append(_response(child, _RESPONSE_TAGS[tag], where))
            elif tag in ("flow", "presentation"):
                self._presentation(child, responses, material, where)
            elif tag == "material":
                text = text_of(child)
                if text:
                    material.append(text)

    def _respcondition(self, el, decvars: dict[str, DecVar], responses: dict[str, ResponseDecl], where: str) -> RespCondition:
        raw_continue = el.get("continue")
        if raw_continue is None:
            cont = self.continue_yes
        elif raw_continue.strip() in ("Yes", "No"):
            cont = raw_continue.strip() == "Yes"
        else:
            raise Qti12Error(f"{where}: respcondition continue={raw_continue!r} (expected Yes or No)")
        cv = first(el, "conditionvar")
        if cv is None:
            raise Qti12Error(f"{where}: <respcondition> has no <conditionvar>")
        conds = tuple(_condition(c, responses, where) for c in children(cv) if local(c) != "qticomment")
        if not conds:
            raise Qti12Error(f"{where}: <conditionvar> is empty")
        setvars = []
        for sv in children(el, "setvar"):
            varname = (sv.get("varname") or "SCORE").strip()
            action = (sv.get("action") or "Set").strip()
            if action not in _ACTIONS:
                raise Qti12Error(f"{where}: setvar action {action!r} (expected one of {sorted(_ACTIONS)})")
            if varname not in decvars:
                raise Qti12Error(f"{where}: setvar names variable {varname!r}, which no decvar declares")
            var = decvars[varname]
            if not var.numeric and action != "Set":
                raise Qti12Error(f"{where}: setvar {action} on {var.vartype} variable {varname!r}")
            value = typed_value(sv.text or "", var.vartype, f"{where}: setvar value for {varname!r}")
            if action == "Divide" and value == 0:
                raise Qti12Error(f"{where}: setvar divides {varname!r} by zero")
            setvars.append(SetVar(varname=varname, action=action, value=value))
        feedback = tuple(
            DisplayFeedback(linkrefid=(fb.get("linkrefid") or "").strip(), feedbacktype=(fb.get("feedbacktype") or "Response").strip())
            for fb in children(el, "displayfeedback")
        )
        for fb in feedback:
            if not fb.linkrefid:
                raise Qti12Error(f"{where}: <displayfeedback> has no linkrefid")
        return RespCondition(
            title=el.get("title") or "", continue_=cont, conditions=conds, setvars=tuple(setvars), feedback=feedback
        )


def _ident(el: etree._Element, what: str) -> str:
    ident = (el.get("ident") or "").strip()
    if not ident:
        raise Qti12Error(f"<{what}> has no ident")
    return ident


def _description(el: etree._Element) -> str:
    """qtimetadata field ``description``, else rubric or presentation_material text, else the
    object's own ``qticomment`` (where WebEx's ASI subset, which has no rubric, keeps it)."""
    for field_ in el.iter():
        if isinstance(field_.tag, str) and local(field_) == "qtimetadatafield":
            label = first(field_, "fieldlabel")
            entry = first(field_, "fieldentry")
            if label is not None and (label.text or "").strip().lower() in ("description", "qmd_description"):
                return (entry.text or "").strip() if entry is not None else ""
    for tag in ("rubric", "presentation_material"):
        node = first(el, tag)
        if node is not None and text_of(node):
            return text_of(node)
    comment = first(el, "qticomment")
    return _SPACE.sub(" ", comment.text or "").strip() if comment is not None else ""


def _flatten(sections) -> Iterator[Item]:
    for s in sections:
        yield from s.items
        yield from _flatten(s.sections)


def _decvar(el, where: str) -> DecVar:
    varname = (el.get("varname") or "SCORE").strip()
    vartype = (el.get("vartype") or "Integer").strip()
    if vartype not in _VARTYPES:
        raise Qti12Error(f"{where}: decvar {varname!r} has vartype {vartype!r} (expected one of {sorted(_VARTYPES)})")
    what = f"{where}: decvar {varname!r}"
    numeric = vartype in ("Integer", "Decimal", "Scientific")
    raw_default = el.get("defaultval")
    if raw_default is None or (numeric and not raw_default.strip()):
        default = 0 if vartype == "Integer" else 0.0 if numeric else False if vartype == "Boolean" else ""
    else:
        default = typed_value(raw_default, vartype, f"{what} defaultval")
    bounds = {}
    for attr in ("minvalue", "maxvalue", "cutvalue"):
        bounds[attr] = _number(el.get(attr), f"{what} {attr}") if numeric else None
    if bounds["minvalue"] is not None and bounds["maxvalue"] is not None and bounds["minvalue"] > bounds["maxvalue"]:
        raise Qti12Error(f"{what}: minvalue is above maxvalue")
    return DecVar(varname=varname, vartype=vartype, defaultval=default, **bounds)


def _response(el, response_type: str, where: str) -> ResponseDecl:
    ident = _ident(el, f"response_{response_type}")
    raw_card = (el.get("rcardinality") or "Single").strip()
    cardinality = _CARDINALITIES.get(raw_card.lower())
    if cardinality is None:
        raise Qti12Error(f"{where}: response {ident!r} rcardinality {raw_card!r} (expected Single, Multiple or Ordered)")
    render_type = "extension"
    labels: list[ResponseLabel] = []
    prompt = text_of(first(el, "material"))
    for child in children(el):
        if local(child) in _RENDER_TAGS:
            render_type = _RENDER_TAGS[local(child)]
            for lab in child.iter():
                if isinstance(lab.tag, str) and local(lab) == "response_label":
                    lid = (lab.get("ident") or "").strip()
                    if not lid:
                        raise Qti12Error(f"{where}: a response_label of {ident!r} has no ident")
                    own = (lab.text or "").strip()
                    labels.append(ResponseLabel(ident=lid, text=own or text_of(lab), rarea=lab.get("rarea")))
            break
    return ResponseDecl(
        ident=ident,
        response_type=response_type,  # type: ignore[arg-type]
        cardinality=cardinality,
        render_type=render_type,
        labels=tuple(labels),
        prompt=prompt,
    )


_VAR_TESTS = {"varequal", "varlt", "varlte", "vargt", "vargte", "varsubset", "varsubstring", "varinside"}
_UNSUPPORTED = {"durequal", "durlt", "durlte", "durgt", "durgte", "var_extension"}


def _condition(el, responses: dict[str, ResponseDecl], where: str):
    """A conditionvar operator as a plain tuple tree; compiled by adapters.qti12.processing."""
    tag = local(el)
    if tag in _VAR_TESTS or tag == "unanswered":
        respident = (el.get("respident") or "").strip()
        if not respident:
            raise Qti12Error(f"{where}: <{tag}> has no respident")
        if respident not in responses:
            raise Qti12Error(f"{where}: <{tag}> tests response {respident!r}, which the item does not declare")
        if tag == "unanswered":
            return ("unanswered", respident)
        attrs = {k: v for k, v in el.attrib.items()}
        return (tag, respident, attrs, el.text or "")
    if tag == "other":
        return ("other",)
    if tag == "not":
        subs = [c for c in children(el) if local(c) != "qticomment"]
        if len(subs) != 1:
            raise Qti12Error(f"{where}: <not> must hold exactly one condition, it holds {len(subs)}")
        return ("not", _condition(subs[0], responses, where))
    if tag in ("and", "or"):
        subs = [_condition(c, responses, where) for c in children(el) if local(c) != "qticomment"]
        if not subs:
            raise Qti12Error(f"{where}: <{tag}> is empty")
        return (tag, tuple(subs))
    if tag in _UNSUPPORTED:
        raise Qti12Error(f"{where}: <{tag}> is not supported (response durations and extensions are not scored)")
    raise Qti12Error(f"{where}: <{tag}> is not a conditionvar operator")
