"""Scoring an attempt: every item's compiled processing, then the assessment's scoremodel.

The JSON form is DESIGN.md §11's::

    {"score": 45, "min": 0, "max": 100,
     "items": {"Q1": {"score": 15, "min": 0, "max": 15, "feedback": ["Correct"]}}}

Scoremodels (``outcomes_processing scoremodel``): ``SumofScores`` (the default) sums item scores,
minima and maxima; ``NumberCorrect`` counts the items whose score reaches their ``cutvalue`` when the
score variable declares one, else their maximum (items whose maximum equals their minimum never
count), out of the number of items.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.qti12.model import Assessment, Item, Qti12Error
from adapters.qti12.processing import compile_item

#: {item ident: {response ident: [values]}} as in DESIGN.md §11
ResponseSet = Mapping[str, Mapping[str, list[str]]]

#: characters XML 1.0 cannot carry (a value with one could never be reported)
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _num(value: Any) -> int | float:
    """JSON/report number: an int when integral (45, not 45.0)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class ItemScore:
    score: int | float
    min: int | float
    max: int | float
    #: the displayfeedback linkrefids that fired, in order
    feedback: list[str] = field(default_factory=list)
    #: their feedbacktype (Response, Solution, Hint), parallel to ``feedback``
    feedback_types: list[str] = field(default_factory=list)
    #: every outcome variable after processing (SCORE and any others the item declares)
    variables: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"score": _num(self.score), "min": _num(self.min), "max": _num(self.max), "feedback": list(self.feedback)}


@dataclass
class AttemptScore:
    score: int | float
    min: int | float
    max: int | float
    items: dict[str, ItemScore] = field(default_factory=dict)
    scoremodel: str = "SumofScores"

    def to_json(self) -> dict[str, Any]:
        return {
            "score": _num(self.score),
            "min": _num(self.min),
            "max": _num(self.max),
            "items": {ident: s.to_json() for ident, s in self.items.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "AttemptScore":
        """Reverse of :meth:`to_json` (feedback types are not part of it: the report reads them off the item)."""
        try:
            items = {
                str(ident): ItemScore(
                    score=_num(v["score"]), min=_num(v["min"]), max=_num(v["max"]),
                    feedback=[str(f) for f in v.get("feedback", [])],
                )
                for ident, v in dict(data.get("items", {})).items()
            }
            return cls(score=_num(data["score"]), min=_num(data["min"]), max=_num(data["max"]), items=items)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise Qti12Error(f"not a scored attempt: {exc!r}") from None


def normalise_responses(assessment: Assessment, responses: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    """Check the shape of a response set and strip its values; empty values are dropped."""
    if responses is None:
        return {}
    if not isinstance(responses, Mapping):
        raise Qti12Error("responses must be an object {item ident: {response ident: [values]}}")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for item_ident, by_response in responses.items():
        item = assessment.item(item_ident) if isinstance(item_ident, str) else None
        if item is None:
            raise Qti12Error(f"responses name item {item_ident!r}, which the test does not hold")
        if not isinstance(by_response, Mapping):
            raise Qti12Error(f"responses for item {item_ident!r} must be an object {{response ident: [values]}}")
        clean: dict[str, tuple[str, ...]] = {}
        for rid, values in by_response.items():
            decl = item.response(rid) if isinstance(rid, str) else None
            if decl is None:
                raise Qti12Error(f"item {item_ident!r} has no response {rid!r}")
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
                raise Qti12Error(f"item {item_ident!r} response {rid!r}: values must be a list of strings")
            if any(NOT_XML.search(v) for v in values):
                raise Qti12Error(f"item {item_ident!r} response {rid!r}: a value holds a character XML cannot carry")
            if assessment.exact_strings and decl.response_type == "str":
                kept = tuple(v for v in values if v)  # as typed; only "" is no value (QTI 2.1 NULL)
            else:
                kept = tuple(v.strip() for v in values if v.strip())
            if decl.cardinality == "Single" and len(kept) > 1:
                raise Qti12Error(f"item {item_ident!r} response {rid!r} takes one value (rcardinality Single), got {len(kept)}")
            if kept:
                clean[rid] = kept
        out[item_ident] = clean
    return out


def score_item(item: Item, responses: Mapping[str, tuple[str, ...]]) -> ItemScore:
    compiled = item._compiled or compile_item(item)
    variables, shown = compiled.run(responses)
    score = variables[compiled.score_var] if compiled.score_var else 0
    return ItemScore(
        score=_num(score),
        min=_num(compiled.min),
        max=_num(compiled.max),
        feedback=[f.linkrefid for f in shown],
        feedback_types=[f.feedbacktype for f in shown],
        variables=variables,
    )


_EMPTY: dict[str, tuple[str, ...]] = {}


def score_attempt(assessment: Assessment, responses: ResponseSet) -> AttemptScore:
    """Score every item of ``assessment`` for ``responses`` (missing = unanswered); Qti12Error on bad input."""
    clean = normalise_responses(assessment, responses)
    items = {item.ident: score_item(item, clean.get(item.ident, _EMPTY)) for item in assessment.items}
    if assessment.scoremodel == "NumberCorrect":
        correct = 0
        for item in assessment.items:
            s = items[item.ident]
            var = item.score_var
            cut = var.cutvalue if var is not None and var.cutvalue is not None else None
            if cut is not None:
                correct += s.score >= cut
            elif s.max > s.min:
                correct += s.score >= s.max
        return AttemptScore(score=correct, min=0, max=len(assessment.items), items=items, scoremodel="NumberCorrect")
    return AttemptScore(
        score=_num(sum(s.score for s in items.values())),
        min=_num(sum(s.min for s in items.values())),
        max=_num(sum(s.max for s in items.values())),
        items=items,
    )
