"""The QTI 1.2 ASI objects the engine works on (seed 002 §5.2–5.4), as plain dataclasses.

They are built by :func:`adapters.qti12.parse.load_assessment` and never touch a store or the
network. Material is kept as plain text (``mattext``/``matemtext`` content), never rendered.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

ResponseType = Literal["lid", "xy", "str", "num", "grp"]
Number = int | float


class Qti12Error(ValueError):
    """A QTI 1.2 document, or a response set, that the engine cannot process; the message says why."""


@dataclass(frozen=True)
class ResponseLabel:
    """``<response_label ident="357" rarea="Ellipse">77,115,16,16</response_label>``: one choice."""

    ident: str
    text: str = ""
    rarea: str | None = None


@dataclass
class ResponseDecl:
    """One ``response_lid|xy|str|num|grp`` with its rendering.

    ``cardinality`` is the ``rcardinality`` as written (Single, Multiple, Ordered); ``render_type`` is
    ``choice|hotspot|slider|fib|extension``; ``correct`` lists the values the response processing
    rewards (see :func:`adapters.qti12.processing.correct_values`), empty when it names none.
    """

    ident: str
    response_type: ResponseType
    cardinality: str = "Single"
    render_type: str = "extension"
    labels: tuple[ResponseLabel, ...] = ()
    correct: tuple[str, ...] = ()
    prompt: str = ""

    @property
    def label_idents(self) -> frozenset[str]:
        return frozenset(label.ident for label in self.labels)


@dataclass(frozen=True)
class DecVar:
    """``<decvar varname="SCORE" vartype="Integer" defaultval="0" minvalue="0" maxvalue="15"/>``."""

    varname: str = "SCORE"
    vartype: str = "Integer"
    defaultval: Any = 0
    minvalue: Number | None = None
    maxvalue: Number | None = None
    cutvalue: Number | None = None

    @property
    def numeric(self) -> bool:
        return self.vartype in ("Integer", "Decimal", "Scientific")


# Condition trees, as parsed: ("varequal", {attrs}, text) | ("not", child) | ("and"|"or", [children])
# | ("unanswered", respident) | ("other",). Compiled into closures by adapters.qti12.processing.
Condition = tuple


@dataclass(frozen=True)
class SetVar:
    """``<setvar action="Add" varname="SCORE">15</setvar>``; the value already typed for its variable."""

    varname: str
    action: str
    value: Any


@dataclass(frozen=True)
class DisplayFeedback:
    """``<displayfeedback feedbacktype="Response" linkrefid="Correct"/>``."""

    linkrefid: str
    feedbacktype: str = "Response"


@dataclass(frozen=True)
class RespCondition:
    title: str
    continue_: bool
    conditions: tuple[Condition, ...]
    setvars: tuple[SetVar, ...]
    feedback: tuple[DisplayFeedback, ...]


@dataclass(eq=False)
class Item:
    """An ``<item>``: its responses, outcome variables, response processing and feedback texts."""

    ident: str
    title: str = ""
    label: str = ""
    responses: tuple[ResponseDecl, ...] = ()
    decvars: tuple[DecVar, ...] = ()
    #: ``interpretvar`` text per varname ("" when the interpretvar names no variable)
    interpretations: dict[str, str] = field(default_factory=dict)
    respconditions: tuple[RespCondition, ...] = ()
    #: ``itemfeedback`` text per ident
    itemfeedback: dict[str, str] = field(default_factory=dict)
    #: the text of the presentation's material, in document order (kept, not rendered)
    material: tuple[str, ...] = ()
    scoremodel: str | None = None
    #: per-test compatibility switch: a respcondition without ``continue`` continues
    continue_yes: bool = False
    #: per-test switch: ``response_str`` values are compared exactly as given (QTI 2.1 imports)
    exact_strings: bool = False
    _compiled: Callable[..., Any] | None = field(default=None, repr=False)

    @property
    def score_var(self) -> DecVar | None:
        """The variable that is this item's score: SCORE if declared, else the first numeric decvar."""
        numeric = [d for d in self.decvars if d.numeric]
        for d in numeric:
            if d.varname == "SCORE":
                return d
        return numeric[0] if numeric else None

    @property
    def interpretation(self) -> str:
        """The ``outcomes/interpretvar`` text of the score variable (WebEx's score_interpretation)."""
        var = self.score_var
        if var is not None and var.varname in self.interpretations:
            return self.interpretations[var.varname]
        return self.interpretations.get("", "")

    def response(self, ident: str) -> ResponseDecl | None:
        for r in self.responses:
            if r.ident == ident:
                return r
        return None

    def feedback_type(self, linkrefid: str) -> str:
        """The ``feedbacktype`` this item's processing gives ``linkrefid`` (Response by default)."""
        for rc in self.respconditions:
            for fb in rc.feedback:
                if fb.linkrefid == linkrefid:
                    return fb.feedbacktype
        return "Response"


@dataclass
class Section:
    ident: str
    title: str = ""
    items: tuple[Item, ...] = ()
    sections: tuple["Section", ...] = ()


@dataclass
class Assessment:
    """A test: an ``<assessment>``, or an objectbank / bare items made into a one-section test."""

    ident: str
    title: str = ""
    description: str = ""
    sections: tuple[Section, ...] = ()
    #: every item, flattened in document order
    items: tuple[Item, ...] = ()
    #: outcomes_processing scoremodel (SumofScores unless the document says otherwise)
    scoremodel: str = "SumofScores"
    #: what the document was: "assessment", "objectbank" or "items"
    source: str = "assessment"
    continue_yes: bool = False
    exact_strings: bool = False
    duration: str | None = None

    def item(self, ident: str) -> Item | None:
        for it in self.items:
            if it.ident == ident:
                return it
        return None
