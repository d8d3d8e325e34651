"""Plain objects for imported QTI 2.1 items and tests, and the base-type value parser.

Values in Python: ``identifier``/``string``/``uri`` -> str; ``integer`` -> int; ``float`` -> float;
``boolean`` -> bool; ``pair`` -> :class:`Pair` (unordered: ``A B`` equals ``B A``); ``directedPair`` ->
``(source, target)``; ``point`` -> ``(x, y)`` integers. A variable's value is None (NULL), one value
(single cardinality) or a tuple (multiple/ordered); an empty container or empty string is NULL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Union

from adapters.integers import IntegerError, parse_int
from adapters.qti21.errors import ResponseError

CARDINALITIES = ("single", "multiple", "ordered")
BASE_TYPES = ("identifier", "string", "integer", "float", "boolean", "pair", "directedPair", "point", "uri")


@dataclass(frozen=True, order=True)
class Pair:
    """An unordered pair, stored sorted so that equality and hashing ignore order."""

    first: str
    second: str

    @classmethod
    def of(cls, a: str, b: str) -> "Pair":
        return cls(*sorted((a, b)))

    def __str__(self) -> str:
        return f"{self.first} {self.second}"


Scalar = Union[str, int, float, bool, Pair, tuple]
Value = Union[None, Scalar, tuple]


def parse_value(base_type: str, text: str) -> Scalar:
    """One QTI 2.1 value written as text (``<value>``, ``mapKey``, a candidate's answer)."""
    if not isinstance(text, str):
        raise ResponseError(f"a {base_type} value must be text, not {type(text).__name__}")
    raw = text.strip()
    if base_type in ("identifier", "uri"):
        if not raw or any(c.isspace() for c in raw):
            raise ResponseError(f"{text!r} is not an identifier")
        return raw
    if base_type == "string":
        return text
    if base_type == "integer":
        try:
            return parse_int(raw, "integer")  # ASCII digits: int() would read "２" and "1_0"
        except IntegerError:
            raise ResponseError(f"{text!r} is not an integer") from None
    if base_type == "float":
        try:
            if not raw.isascii() or "_" in raw:  # float() reads "１.５" and "1_0.5" too
                raise ValueError(raw)
            number = float(raw)
        except ValueError:
            raise ResponseError(f"{text!r} is not a float") from None
        if math.isnan(number):
            raise ResponseError("NaN is not a score-able float")
        return number
    if base_type == "boolean":
        if raw in ("true", "1"):
            return True
        if raw in ("false", "0"):
            return False
        raise ResponseError(f"{text!r} is not a boolean")
    if base_type in ("pair", "directedPair"):
        parts = raw.split()
        if len(parts) != 2:
            raise ResponseError(f"{text!r} is not a {base_type} (two identifiers separated by a space)")
        return Pair.of(*parts) if base_type == "pair" else (parts[0], parts[1])
    if base_type == "point":
        parts = raw.replace(",", " ").split()
        try:
            if len(parts) != 2:
                raise ValueError
            return (int(parts[0]), int(parts[1]))
        except ValueError:
            raise ResponseError(f"{text!r} is not a point (two integers)") from None
    raise ResponseError(f"unknown baseType {base_type!r}")


def format_value(base_type: str, value: Scalar) -> str:
    if base_type == "directedPair" or base_type == "point":
        return f"{value[0]} {value[1]}"
    if base_type == "boolean":
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class MapEntry:
    key: Scalar
    value: float
    case_sensitive: bool = True


@dataclass(frozen=True)
class Mapping:
    entries: tuple[MapEntry, ...]
    default: float = 0.0
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Area:
    """An areaMapEntry or a hotspot: ``shape`` circle|rect|poly|ellipse|default, coords as numbers."""

    shape: str
    coords: tuple[float, ...]
    value: float = 0.0


@dataclass(frozen=True)
class AreaMapping:
    entries: tuple[Area, ...]
    default: float = 0.0
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class ResponseDeclaration:
    identifier: str
    cardinality: str
    base_type: str
    correct: tuple[Scalar, ...] = ()
    mapping: Mapping | None = None
    area_mapping: AreaMapping | None = None

    @property
    def correct_value(self) -> Value:
        if not self.correct:
            return None
        return self.correct[0] if self.cardinality == "single" else tuple(self.correct)


@dataclass(frozen=True)
class OutcomeDeclaration:
    identifier: str
    cardinality: str
    base_type: str | None
    default: Value = None
    normal_maximum: float | None = None
    normal_minimum: float | None = None


@dataclass(frozen=True)
class Choice:
    identifier: str
    text: str = ""
    kind: str = ""                     # the element's local name: simpleChoice, gapText, gap, hotspotChoice...
    match_max: int = 0
    shape: str | None = None           # hotspotChoice
    coords: tuple[float, ...] = ()


@dataclass(frozen=True)
class Interaction:
    kind: str
    response_identifier: str
    prompt: str = ""
    choices: tuple[Choice, ...] = ()   # every choice (choice, inline, hottext, hotspot; associate's)
    sources: tuple[Choice, ...] = ()   # match: first set; gapMatch: gapText/gapImg
    targets: tuple[Choice, ...] = ()   # match: second set; gapMatch: gap
    shuffle: bool = False
    max_choices: int = 0               # maxChoices / maxAssociations; 0 = unlimited
    min_choices: int = 0
    expected_length: int | None = None
    image: str | None = None           # graphic interactions: object@data
    image_type: str | None = None
    image_size: tuple[int, int] | None = None


@dataclass(frozen=True)
class TemplateProcessing:
    name: str                          # match_correct | map_response | map_response_point
    response: str                      # the response variable the template reads (RESPONSE)
    outcome: str = "SCORE"


@dataclass(frozen=True)
class RuleProcessing:
    rules: tuple                       # adapters.qti21.rules nodes


Processing = Union[TemplateProcessing, RuleProcessing, None]


@dataclass(frozen=True)
class Item:
    identifier: str
    title: str
    href: str
    responses: dict[str, ResponseDeclaration]
    outcomes: dict[str, OutcomeDeclaration]
    interactions: tuple[Interaction, ...]
    processing: Processing
    body_text: str = ""
    images: tuple[str, ...] = ()       # img@src / object@data as written (relative to the item)


@dataclass(frozen=True)
class TestItem:
    """An item placed in a test: ``ident`` is unique within the test (assessmentItemRef@identifier)."""

    __test__ = False  # not a pytest test class, whatever its name

    ident: str
    item: Item


@dataclass(frozen=True)
class ImportedTest:
    identifier: str
    title: str
    items: tuple[TestItem, ...]
    section_title: str = ""
    assets: tuple[str, ...] = field(default_factory=tuple)   # package paths of media the items use
