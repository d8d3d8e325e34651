"""Score candidate responses to imported QTI 2.1 items, natively (the reference the QTI 1.2 conversion
is tested against).

Responses are ``{responseIdentifier: value}``, each value as text the way QTI 2.1 writes it: a string for
single cardinality (``"ChoiceA"``, ``"York"``, ``"A P"`` for a pair, ``"102 113"`` for a point), a list of
strings for multiple/ordered (``["H", "O"]``); a one-element list is accepted for single, and an absent
identifier, ``None``, ``""`` or ``[]`` is NULL (unanswered). Strings are taken exactly as typed (the
spec's behaviour); ``trim_strings=True`` is the per-test compatibility switch that strips them first. A value that does not fit its declaration
raises :class:`~adapters.qti21.errors.ResponseError`.

The built-in templates (the IMS rptemplates, never fetched), with the outcome SCORE:

- match_correct: ``SCORE = 1`` if ``match(RESPONSE, correct(RESPONSE))`` else ``0``;
- map_response: ``SCORE = 0`` if ``isNull(RESPONSE)`` else ``mapResponse(RESPONSE)``;
- map_response_point: ``SCORE = 0`` if ``isNull(RESPONSE)`` else ``mapResponsePoint(RESPONSE)``.

``match``: single values equal per baseType (strings case-sensitively, numbers numerically, pairs
unordered, directed pairs and points exactly); multiple containers equal as multisets; ordered equal as
sequences; NULL matches nothing. ``mapResponse``: each DISTINCT value is mapped once, by the first entry
that matches it (string keys compared case-insensitively when the entry says ``caseSensitive="false"``),
values no entry maps count ``defaultValue``; the sum is clamped to lowerBound/upperBound.
``mapResponsePoint``: each point counts the value of the first area containing it, every area at most
once, points in no area count ``defaultValue``; clamped likewise. Shapes: circle ``cx,cy,r``; rect
``left,top,right,bottom``; ellipse ``cx,cy,hr,vr``; poly ``x1,y1,...`` (even-odd rule); default (the
whole image). Boundaries are inside.

An item without responseProcessing keeps its SCORE default (0): it is scored by hand elsewhere.
Rules items (:mod:`adapters.qti21.rules`) start from the SCORE default (0 when none is declared: the
spec's NULL would make ``sum(1, SCORE)`` NULL, which no author of such an item means).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass

from adapters.qti21 import rules
from adapters.qti21.errors import ResponseError
from adapters.qti21.model import (
    Area, AreaMapping, ImportedTest, Item, Mapping, ResponseDeclaration, RuleProcessing,
    Value, parse_value,
)

RawResponses = MappingABC[str, object]


@dataclass(frozen=True)
class ItemScore:
    score: float
    min: float
    max: float


@dataclass(frozen=True)
class TestScore:
    score: float
    min: float
    max: float
    items: dict[str, ItemScore]


# --- responses ------------------------------------------------------------------------------------

def response_value(declaration: ResponseDeclaration, raw: object, *, trim_strings: bool = False) -> Value:
    """The typed value of one raw candidate response (None for NULL).

    A string is the text as typed (QTI 2.1 maps a string as given; pyslet and QTIWorks agree:
    ``" York"`` is not ``"York"``); only ``""`` is NULL. ``trim_strings`` is the per-test
    compatibility switch for content written for engines that strip typed text."""
    if raw is None:
        return None
    if isinstance(raw, (str, bytes)):
        texts = [raw]
    elif isinstance(raw, (list, tuple)):
        texts = list(raw)
    else:
        raise ResponseError(f"response {declaration.identifier}: {type(raw).__name__} is not text or a list of text")
    for text in texts:
        if not isinstance(text, str):
            raise ResponseError(f"response {declaration.identifier}: values must be text")
    if declaration.base_type == "string" and not trim_strings:
        texts = [t for t in texts if t]
    else:
        # other base types are read leniently (surrounding whitespace is not part of a number or an
        # identifier); a blank value is no value
        texts = [t.strip() for t in texts if t.strip()]
    try:
        values = tuple(parse_value(declaration.base_type, t) for t in texts)
    except ResponseError as exc:
        raise ResponseError(f"response {declaration.identifier}: {exc}") from None
    if not values:
        return None
    if declaration.cardinality == "single":
        if len(values) > 1:
            raise ResponseError(f"response {declaration.identifier} takes one value, not {len(values)}")
        return values[0]
    return values


def typed_responses(item: Item, raw: RawResponses, *, trim_strings: bool = False) -> dict[str, Value]:
    """Every declared response typed (None when unanswered); choices must be the interaction's own."""
    if not isinstance(raw, MappingABC):
        raise ResponseError(f"responses to item {item.identifier} must be a mapping {{responseIdentifier: value}}")
    unknown = set(raw) - set(item.responses)
    if unknown:
        raise ResponseError(f"item {item.identifier} declares no response {', '.join(sorted(map(str, unknown)))}")
    values = {}
    for rid, declaration in item.responses.items():
        value = response_value(declaration, raw.get(rid), trim_strings=trim_strings)
        universe = value_universe(item, declaration)
        if value is not None and universe is not None:
            allowed = set(universe)
            for v in (value,) if declaration.cardinality == "single" else value:
                if v not in allowed:
                    raise ResponseError(f"response {rid}: {v} is not one of the interaction's choices")
        values[rid] = value
    return values


# --- the operators ----------------------------------------------------------------------------------

def match(declaration: ResponseDeclaration, value: Value, other: Value) -> bool:
    if value is None or other is None:
        return False
    if declaration.cardinality == "single":
        return _equal(value, other)
    if declaration.cardinality == "ordered":
        return len(value) == len(other) and all(_equal(a, b) for a, b in zip(value, other))
    return Counter(_key(v) for v in value) == Counter(_key(v) for v in other)


def _key(value):
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _equal(a, b) -> bool:
    return _key(a) == _key(b)


def map_response(declaration: ResponseDeclaration, mapping: Mapping, value: Value) -> float:
    values = _distinct((value,) if declaration.cardinality == "single" else value)
    total = 0.0
    for v in values:
        for entry in mapping.entries:
            if maps_to(entry.key, v, entry.case_sensitive):
                total += entry.value
                break
        else:
            total += mapping.default
    return _clamp(total, mapping.lower, mapping.upper)


def maps_to(key, value, case_sensitive: bool) -> bool:
    if isinstance(key, str) and isinstance(value, str) and not case_sensitive:
        return key.casefold() == value.casefold()
    return _equal(key, value)


def map_response_point(declaration: ResponseDeclaration, mapping: AreaMapping, value: Value) -> float:
    points = _distinct((value,) if declaration.cardinality == "single" else value)
    total, used = 0.0, set()
    for point in points:
        for index, area in enumerate(mapping.entries):
            if inside(area, point):
                if index not in used:
                    used.add(index)
                    total += area.value
                break
        else:
            total += mapping.default
    return _clamp(total, mapping.lower, mapping.upper)


def inside(area: Area, point: tuple[int, int]) -> bool:
    x, y = point
    c = area.coords
    if area.shape == "default":
        return True
    if area.shape == "circle":
        return (x - c[0]) ** 2 + (y - c[1]) ** 2 <= c[2] ** 2
    if area.shape == "rect":
        return min(c[0], c[2]) <= x <= max(c[0], c[2]) and min(c[1], c[3]) <= y <= max(c[1], c[3])
    if area.shape == "ellipse":
        if c[2] <= 0 or c[3] <= 0:
            return False
        return ((x - c[0]) / c[2]) ** 2 + ((y - c[1]) / c[3]) ** 2 <= 1.0
    if area.shape == "poly":
        return _in_polygon(x, y, list(zip(c[0::2], c[1::2])))
    return False


def _in_polygon(x: float, y: float, vertices: list[tuple[float, float]]) -> bool:
    if len(vertices) > 1 and vertices[0] == vertices[-1]:
        vertices = vertices[:-1]
    n = len(vertices)
    crossing = False
    for i in range(n):
        (x1, y1), (x2, y2) = vertices[i], vertices[(i + 1) % n]
        # on an edge counts as inside
        if min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2) \
                and (x2 - x1) * (y - y1) == (y2 - y1) * (x - x1):
            return True
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            crossing = not crossing
    return crossing


def _distinct(values) -> list:
    seen, out = set(), []
    for v in values:
        k = _key(v)
        if k not in seen:
            seen.add(k)
            out.append(v)
    return out


def _clamp(value: float, lower: float | None, upper: float | None) -> float:
    if lower is not None and value < lower:
        value = lower
    if upper is not None and value > upper:
        value = upper
    return value


# --- rules ----------------------------------------------------------------------------------------

def holds(condition, item: Item, values: dict[str, Value]) -> bool:
    if isinstance(condition, rules.MatchCorrect):
        d = item.responses[condition.response]
        return match(d, values[condition.response], d.correct_value)
    if isinstance(condition, rules.MatchValue):
        return match(item.responses[condition.response], values[condition.response], condition.value)
    if isinstance(condition, rules.IsNull):
        return values[condition.response] is None
    if isinstance(condition, rules.Member):
        value = values[condition.response]
        return value is not None and any(_equal(v, condition.value) for v in value)
    if isinstance(condition, rules.And):
        return all(holds(p, item, values) for p in condition.parts)
    if isinstance(condition, rules.Or):
        return any(holds(p, item, values) for p in condition.parts)
    if isinstance(condition, rules.Not):
        return not holds(condition.part, item, values)
    raise TypeError(f"not a condition: {condition!r}")


def _run(rule_list, item: Item, values: dict[str, Value], score: float) -> float:
    for rule in rule_list:
        if isinstance(rule, rules.SetScore):
            score = score + rule.amount if rule.add else rule.amount
        else:
            for branch in rule.branches:
                if branch.condition is None or holds(branch.condition, item, values):
                    score = _run(branch.actions, item, values, score)
                    break
    return score


def score_default(item: Item) -> float:
    outcome = item.outcomes.get(rules.score_outcome(item.outcomes))
    if outcome is not None and isinstance(outcome.default, (int, float)) and not isinstance(outcome.default, bool):
        return float(outcome.default)
    return 0.0


# --- items and tests ------------------------------------------------------------------------------

def score_item(item: Item, responses: RawResponses, *, trim_strings: bool = False) -> ItemScore:
    values = typed_responses(item, responses, trim_strings=trim_strings)
    low, high = bounds(item)
    processing = item.processing
    if processing is None:
        score = score_default(item)
    elif isinstance(processing, RuleProcessing):
        score = _run(processing.rules, item, values, score_default(item))
    else:
        d = item.responses[processing.response]
        value = values[processing.response]
        if processing.name == "match_correct":
            score = 1.0 if match(d, value, d.correct_value) else 0.0
        elif value is None:
            score = 0.0
        elif processing.name == "map_response":
            score = map_response(d, d.mapping, value)
        else:
            score = map_response_point(d, d.area_mapping, value)
    return ItemScore(score, low, high)


def score_test(test: ImportedTest, responses: MappingABC[str, RawResponses], *, trim_strings: bool = False) -> TestScore:
    """Sum of item scores (the test's outcomeProcessing is not run: every test we import sums SCORE)."""
    unknown = set(responses) - {t.ident for t in test.items}
    if unknown:
        raise ResponseError(f"test {test.identifier} has no item {', '.join(sorted(map(str, unknown)))}")
    scores = {t.ident: score_item(t.item, responses.get(t.ident, {}), trim_strings=trim_strings) for t in test.items}
    return TestScore(sum(s.score for s in scores.values()), sum(s.min for s in scores.values()),
                     sum(s.max for s in scores.values()), scores)


def bounds(item: Item) -> tuple[float, float]:
    """The least and greatest score the item can give (sound, and exact for the templates)."""
    processing = item.processing
    if processing is None:
        default = score_default(item)
        outcome = item.outcomes.get(rules.score_outcome(item.outcomes))
        high = outcome.normal_maximum if outcome is not None and outcome.normal_maximum is not None else default
        return min(default, high), max(default, high)
    if isinstance(processing, RuleProcessing):
        return _rule_bounds(processing.rules, (score_default(item),) * 2)
    if processing.name == "match_correct":
        return 0.0, 1.0
    d = item.responses[processing.response]
    if processing.name == "map_response":
        mapping = d.mapping
        universe = value_universe(item, d)
        per_value = _per_value_contributions(d, mapping, universe)
        lower, upper = mapping.lower, mapping.upper
    else:
        mapping = d.area_mapping
        per_value = [a.value for a in mapping.entries] + [mapping.default]
        lower, upper = mapping.lower, mapping.upper
        if d.cardinality == "single":
            per_value = per_value
    if d.cardinality == "single":
        low, high = min(per_value), max(per_value)
    else:
        low = sum(v for v in per_value if v < 0)
        high = sum(v for v in per_value if v > 0)
    low, high = _clamp(low, lower, upper), _clamp(high, lower, upper)
    return float(min(low, 0.0)), float(max(high, 0.0))  # unanswered scores 0


def _per_value_contributions(d: ResponseDeclaration, mapping: Mapping, universe) -> list[float]:
    if universe is None:  # free text / numbers: any mapped value, or the default for anything else
        return [e.value for e in mapping.entries] + [mapping.default]
    out = []
    for value in universe:
        for entry in mapping.entries:
            if maps_to(entry.key, value, entry.case_sensitive):
                out.append(entry.value)
                break
        else:
            out.append(mapping.default)
    return out


def value_universe(item: Item, d: ResponseDeclaration) -> list | None:
    """Every value the interaction bound to ``d`` can produce, or None when that is open (text, points)."""
    interaction = next((i for i in item.interactions if i.response_identifier == d.identifier), None)
    if interaction is None or d.base_type in ("string", "integer", "float", "point"):
        return None
    if d.base_type == "identifier":
        return [c.identifier for c in interaction.choices]
    if d.base_type == "directedPair":
        return [(s.identifier, t.identifier) for s in interaction.sources for t in interaction.targets]
    if d.base_type == "pair":
        ids = [c.identifier for c in interaction.choices]
        return [parse_value("pair", f"{a} {b}") for i, a in enumerate(ids) for b in ids[i + 1:]]
    return None


def _rule_bounds(rule_list, interval: tuple[float, float]) -> tuple[float, float]:
    low, high = interval
    for rule in rule_list:
        if isinstance(rule, rules.SetScore):
            low, high = (low + rule.amount, high + rule.amount) if rule.add else (rule.amount, rule.amount)
        else:
            outcomes = [_rule_bounds(b.actions, (low, high)) for b in rule.branches]
            if not any(b.condition is None for b in rule.branches):
                outcomes.append((low, high))
            low, high = min(o[0] for o in outcomes), max(o[1] for o in outcomes)
    return low, high
