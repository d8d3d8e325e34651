"""Read a QTI 2.1 ``assessmentItem`` into :class:`~adapters.qti21.model.Item`.

What is read: ``responseDeclaration`` (cardinality, baseType, correctResponse, mapping with
lowerBound/upperBound/defaultValue and per-entry caseSensitive, areaMapping), ``outcomeDeclaration``
(defaultValue, normalMaximum/Minimum), the interactions of :data:`~adapters.qti21.registry.INTERACTIONS`
anywhere in ``itemBody``, and ``responseProcessing`` as a built-in template (by URI, see
:func:`~adapters.qti21.registry.template_name`) or the rule subset of :mod:`adapters.qti21.rules`.

Refused with the seed's "Unsupported functionality!" (:func:`~adapters.qti21.errors.unsupported`):
another interaction (slider, graphic*, positionObject, media, drawing, upload, custom, endAttempt),
``adaptive="true"``, ``timeDependent="true"``, template variables, record cardinality, a template we do not
build in (or ``templateLocation``), custom rules outside the subset.
Reported as "Error while reading assessment item" (:func:`~adapters.qti21.errors.unreadable_item`): a
declaration or interaction that contradicts the spec (a missing identifier, a value that does not parse
as its baseType, an interaction bound to an undeclared response or one of the wrong baseType).
"""
from __future__ import annotations

import re

from lxml import etree

from adapters import ns
from adapters.qti21 import registry, rules
from adapters.qti21.errors import ItemError, ResponseError, unreadable_item, unsupported
from adapters.qti21.model import (
    BASE_TYPES, Area, AreaMapping, Choice, Interaction, Item, MapEntry, Mapping, OutcomeDeclaration,
    ResponseDeclaration, TemplateProcessing, parse_value,
)

Q = f"{{{ns.QTI21}}}"
_SPACE = re.compile(r"\s+")
SHAPES = ("circle", "rect", "poly", "ellipse", "default")


def is_identifier(value: str | None) -> bool:
    """QTI 2.1's ``identifier.Type`` is an ``xs:NCName``; lxml's element-name check is exactly that test.
    An attribute of blanks (a tab or line break normalised to a space) is not one either."""
    if not value:
        return False
    try:
        etree.QName(value)
    except ValueError:
        return False
    return True


def parse_item(root: etree._Element, *, href: str = "", resource_id: str = "") -> Item:
    """Parse an ``assessmentItem`` element (already checked to be in the QTI 2.1 namespace)."""
    item_id = root.get("identifier") or resource_id or href
    reader = _Reader(root, item_id, href, resource_id or item_id)
    return reader.item()


class _Reader:
    def __init__(self, root: etree._Element, item_id: str, href: str, resource_id: str):
        self.root, self.item_id, self.href, self.resource_id = root, item_id, href, resource_id
        self.bound: dict[str, str] = {}   # responseIdentifier -> interaction name, for error messages

    def unsupported(self, detail: str) -> ItemError:
        return unsupported(self.item_id, self.href, detail)

    def unreadable(self, detail: str, interaction: str = "") -> ItemError:
        return unreadable_item(interaction, self.resource_id, f"{self.href or self.item_id}: {detail}")

    def item(self) -> Item:
        root = self.root
        if etree.QName(root).localname != "assessmentItem":
            raise self.unreadable(f"root element is {etree.QName(root).localname}, not assessmentItem")
        if not is_identifier(root.get("identifier")):
            raise self.unreadable(f"assessmentItem identifier {root.get('identifier')!r} is not an identifier")
        for flag in ("adaptive", "timeDependent"):
            if root.get(flag, "false").strip() in ("true", "1") and not registry.FEATURES[flag]:
                raise self.unsupported(f"{flag} items are not supported")
        for element in root.iter(etree.Element):
            local = etree.QName(element).localname
            if local in registry.REFUSED_ITEM_ELEMENTS:
                raise self.unsupported(f"{local} is not supported")
        body = root.find(f"{Q}itemBody")
        interactions_xml = self._interaction_elements(body)
        for element in interactions_xml:
            self.bound.setdefault(element.get("responseIdentifier", ""), etree.QName(element).localname)

        responses = {}
        for element in root.findall(f"{Q}responseDeclaration"):
            declaration = self.response_declaration(element)
            if declaration.identifier in responses:
                raise self.unreadable(f"response {declaration.identifier} is declared twice")
            responses[declaration.identifier] = declaration
        outcomes = {}
        for element in root.findall(f"{Q}outcomeDeclaration"):
            declaration = self.outcome_declaration(element)
            outcomes[declaration.identifier] = declaration

        interactions = tuple(self.interaction(e, responses) for e in interactions_xml)
        processing = self.processing(root.find(f"{Q}responseProcessing"), responses, outcomes)
        return Item(
            identifier=root.get("identifier"),
            title=root.get("title", ""),
            href=self.href,
            responses=responses,
            outcomes=outcomes,
            interactions=interactions,
            processing=processing,
            body_text=_body_text(body) if body is not None else "",
            images=tuple(_images(body)) if body is not None else (),
        )

    # --- declarations ---------------------------------------------------------------------------

    def response_declaration(self, element: etree._Element) -> ResponseDeclaration:
        identifier = element.get("identifier")
        if not is_identifier(identifier):
            raise self.unreadable(f"a responseDeclaration identifier {identifier!r} is not an identifier")
        interaction = self.bound.get(identifier, "")
        cardinality = element.get("cardinality", "")
        base_type = element.get("baseType", "")
        if cardinality == "record":
            raise self.unsupported(f"response {identifier} has record cardinality")
        if cardinality not in ("single", "multiple", "ordered"):
            raise self.unreadable(f"response {identifier} has cardinality {cardinality!r}", interaction)
        if base_type not in BASE_TYPES:
            raise self.unreadable(f"response {identifier} has baseType {base_type!r}", interaction)
        try:
            correct = tuple(parse_value(base_type, v.text or "")
                            for v in element.findall(f"{Q}correctResponse/{Q}value"))
            mapping = self.mapping(element.find(f"{Q}mapping"), base_type)
            area_mapping = self.area_mapping(element.find(f"{Q}areaMapping"))
        except (ResponseError, ValueError) as exc:
            raise self.unreadable(f"response {identifier}: {exc}", interaction) from None
        if cardinality == "single" and len(correct) > 1:
            raise self.unreadable(f"response {identifier} is single but has {len(correct)} correct values", interaction)
        return ResponseDeclaration(identifier, cardinality, base_type, correct, mapping, area_mapping)

    def mapping(self, element: etree._Element | None, base_type: str) -> Mapping | None:
        if element is None:
            return None
        entries = tuple(
            MapEntry(parse_value(base_type, e.get("mapKey", "")), float(e.get("mappedValue", "")),
                     e.get("caseSensitive", "true").strip() in ("true", "1"))
            for e in element.findall(f"{Q}mapEntry")
        )
        return Mapping(entries, float(element.get("defaultValue", "0")), _opt_float(element.get("lowerBound")),
                       _opt_float(element.get("upperBound")))

    def area_mapping(self, element: etree._Element | None) -> AreaMapping | None:
        if element is None:
            return None
        entries = tuple(
            _area(e.get("shape", ""), e.get("coords", ""), float(e.get("mappedValue", "")))
            for e in element.findall(f"{Q}areaMapEntry")
        )
        return AreaMapping(entries, float(element.get("defaultValue", "0")), _opt_float(element.get("lowerBound")),
                           _opt_float(element.get("upperBound")))

    def outcome_declaration(self, element: etree._Element) -> OutcomeDeclaration:
        identifier = element.get("identifier")
        if not is_identifier(identifier):
            raise self.unreadable(f"an outcomeDeclaration identifier {identifier!r} is not an identifier")
        cardinality = element.get("cardinality", "single")
        base_type = element.get("baseType")
        values = [v.text or "" for v in element.findall(f"{Q}defaultValue/{Q}value")]
        default = None
        if values and base_type in BASE_TYPES:
            try:
                parsed = tuple(parse_value(base_type, v) for v in values)
            except ResponseError as exc:
                raise self.unreadable(f"outcome {identifier}: {exc}") from None
            default = parsed[0] if cardinality == "single" else parsed
        try:
            return OutcomeDeclaration(identifier, cardinality, base_type, default,
                                      _opt_float(element.get("normalMaximum")), _opt_float(element.get("normalMinimum")))
        except ValueError as exc:
            raise self.unreadable(f"outcome {identifier}: {exc}") from None

    # --- interactions ---------------------------------------------------------------------------

    def _interaction_elements(self, body: etree._Element | None) -> list[etree._Element]:
        if body is None:
            return []
        found = []
        for element in body.iter(etree.Element):
            local = etree.QName(element).localname
            if local in registry.INTERACTIONS:
                found.append(element)
            elif local in registry.ALL_INTERACTIONS:
                raise self.unsupported(f"{local} is not supported")
        return found

    def interaction(self, element: etree._Element, responses: dict[str, ResponseDeclaration]) -> Interaction:
        kind = etree.QName(element).localname
        spec = registry.INTERACTIONS[kind]
        response_id = element.get("responseIdentifier")
        if not response_id:
            raise self.unreadable("an interaction has no responseIdentifier", kind)
        declaration = responses.get(response_id)
        if declaration is None:
            raise self.unreadable(f"response {response_id} is not declared", kind)
        if declaration.base_type not in spec.base_types or declaration.cardinality not in spec.cardinalities:
            raise self.unreadable(
                f"response {response_id} is {declaration.cardinality} {declaration.base_type}, which {kind} cannot give",
                kind)
        try:
            return self._interaction(kind, spec, element, response_id)
        except (ValueError, ResponseError) as exc:
            raise self.unreadable(str(exc), kind) from None

    def _interaction(self, kind, spec, element, response_id) -> Interaction:
        prompt_element = element.find(f"{Q}prompt")
        prompt = _text(prompt_element) if prompt_element is not None else ""
        choices, sources, targets = [], [], []
        if kind == "matchInteraction":
            sets = element.findall(f"{Q}simpleMatchSet")
            if len(sets) != 2:
                raise ValueError("matchInteraction needs two simpleMatchSets")
            sources = [_choice(c) for c in sets[0].iter(f"{Q}simpleAssociableChoice")]
            targets = [_choice(c) for c in sets[1].iter(f"{Q}simpleAssociableChoice")]
            choices = sources + targets
        elif kind == "gapMatchInteraction":
            sources = [_choice(c) for c in element if isinstance(c.tag, str)
                       and etree.QName(c).localname in ("gapText", "gapImg")]
            targets = [_choice(c) for c in element.iter(f"{Q}gap")]
            choices = sources + targets
        else:
            names = {f"{Q}{n}" for n in spec.choices}
            choices = [_choice(c) for c in element.iter(*names)] if names else []
        seen = set()
        for c in choices:
            if c.identifier in seen:
                raise ValueError(f"choice identifier {c.identifier} is used twice")
            seen.add(c.identifier)
        default_max = 0 if kind in ("gapMatchInteraction", "orderInteraction") else 1
        max_attr = "maxAssociations" if kind in ("associateInteraction", "matchInteraction") else "maxChoices"
        image = element.find(f"{Q}object")
        size = None
        if image is not None and image.get("width") and image.get("height"):
            size = (int(float(image.get("width"))), int(float(image.get("height"))))
        expected = element.get("expectedLength")
        return Interaction(
            kind=kind,
            response_identifier=response_id,
            prompt=prompt,
            choices=tuple(choices),
            sources=tuple(sources),
            targets=tuple(targets),
            shuffle=element.get("shuffle", "false").strip() in ("true", "1"),
            max_choices=int(element.get(max_attr, default_max)),
            min_choices=int(element.get("minChoices", element.get("minAssociations", "0"))),
            expected_length=int(expected) if expected else None,
            image=image.get("data") if image is not None else None,
            image_type=image.get("type") if image is not None else None,
            image_size=size,
        )

    # --- response processing ----------------------------------------------------------------------

    def processing(self, element, responses, outcomes):
        if element is None:
            return None
        uri = element.get("template")
        has_rules = any(isinstance(c.tag, str) for c in element)
        if uri and not has_rules:
            name = registry.template_name(uri)
            if name is None:
                raise self.unsupported(f"response processing template {uri} is not built in")
            return self.template(name, responses)
        if not uri and not has_rules:
            if element.get("templateLocation"):
                raise self.unsupported("responseProcessing@templateLocation (a fetched template) is not supported")
            return None
        try:
            return rules.parse_rules(element, responses, outcomes)
        except rules.RuleUnsupported as exc:
            raise self.unsupported(f"responseProcessing: {exc}") from None
        except (ResponseError, ValueError) as exc:
            raise self.unreadable(f"responseProcessing: {exc}") from None

    def template(self, name: str, responses: dict[str, ResponseDeclaration]) -> TemplateProcessing:
        if "RESPONSE" in responses:
            response = responses["RESPONSE"]
        elif len(responses) == 1:
            # Not what the template says (it reads RESPONSE), but what such exports mean.
            response = next(iter(responses.values()))
        else:
            raise self.unsupported(f"template {name} reads RESPONSE, which this item does not declare")
        interaction = self.bound.get(response.identifier, "")
        if name == "map_response" and response.mapping is None:
            raise self.unreadable(f"map_response needs a mapping on {response.identifier}", interaction)
        if name == "map_response" and response.cardinality == "ordered":
            raise self.unsupported("map_response on an ordered response is not supported")
        if name == "map_response_point" and (response.area_mapping is None or response.base_type != "point"):
            raise self.unreadable("map_response_point needs a point response with an areaMapping", interaction)
        return TemplateProcessing(name, response.identifier)


def _opt_float(text: str | None) -> float | None:
    return None if text is None or not text.strip() else float(text)


def _area(shape: str, coords: str, value: float = 0.0) -> Area:
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}")
    numbers = tuple(float(c) for c in coords.replace(" ", "").split(",") if c) if coords.strip() else ()
    needed = {"circle": 3, "rect": 4, "ellipse": 4}.get(shape)
    if needed is not None and len(numbers) != needed:
        raise ValueError(f"a {shape} needs {needed} coordinates, not {coords!r}")
    if shape == "poly" and (len(numbers) < 6 or len(numbers) % 2):
        raise ValueError(f"a poly needs at least three x,y points, not {coords!r}")
    return Area(shape, numbers, value)


def _choice(element: etree._Element) -> Choice:
    identifier = element.get("identifier")
    if not is_identifier(identifier):
        raise ValueError(f"a {etree.QName(element).localname} identifier {identifier!r} is not an identifier")
    shape = element.get("shape")
    coords = _area(shape, element.get("coords", "")).coords if shape else ()
    return Choice(identifier, _text(element), etree.QName(element).localname, int(element.get("matchMax", "0")),
                  shape, coords)


#: Not carried into the converted text (contentProfile rubric/feedback*/math* false).
_DROPPED = frozenset({"rubricBlock", "feedbackBlock", "feedbackInline", "modalFeedback", "templateBlock",
                      "templateInline", "printedVariable"})


def _text(element: etree._Element, skip: frozenset[str] = _DROPPED) -> str:
    """The element's text, whitespace collapsed, without dropped content (feedback, rubrics, MathML)."""
    parts: list[str] = []

    def walk(node):
        qname = etree.QName(node)
        if qname.localname in skip or qname.namespace == ns.MATHML:
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    return _SPACE.sub(" ", "".join(parts)).strip()


def _body_text(body: etree._Element) -> str:
    """The item body's text, interactions left out (they become QTI 1.2 responses of their own)."""
    return _text(body, _DROPPED | registry.INTERACTIONS.keys())


def _images(body: etree._Element) -> list[str]:
    found = []
    for element in body.iter(f"{Q}img", f"{Q}object"):
        ref = element.get("src") if etree.QName(element).localname == "img" else element.get("data")
        if ref:
            found.append(ref)
    return found
