"""QTI 1.2 ASI engine (DESIGN.md §9): parse a test, score attempts, build WebEx's results report.

Pure code: no store, no HTTP, no globals. The semantic choices the spec leaves open are written
down once, in :mod:`adapters.qti12.processing`'s docstring.

    root = gateway.xmlsafe.parse(data)                 # the caller parses untrusted bytes
    test = load_assessment(root)                       # Qti12Error on bad structure
    scored = score_attempt(test, {"Q1": {"237": ["357"]}})
    scored.to_json()   # {"score": 15, "min": 0, "max": 100, "items": {...}}
    element = build_result(test, scored, responses, participant_name=..., participant_email=...,
                           started=..., duration=..., test_id=207)   # <qti:result>
"""
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
from adapters.qti12.outcomes import AttemptScore, ItemScore, normalise_responses, score_attempt, score_item
from adapters.qti12.parse import load_assessment
from adapters.qti12.processing import CompiledItem, compile_item
from adapters.qti12.report import build_result

__all__ = [
    "Assessment",
    "AttemptScore",
    "CompiledItem",
    "DecVar",
    "DisplayFeedback",
    "Item",
    "ItemScore",
    "Qti12Error",
    "RespCondition",
    "ResponseDecl",
    "ResponseLabel",
    "Section",
    "SetVar",
    "build_result",
    "compile_item",
    "load_assessment",
    "normalise_responses",
    "score_attempt",
    "score_item",
]
