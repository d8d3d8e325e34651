"""The custom ``responseProcessing`` subset the importer evaluates and converts to QTI 1.2.

Hand-written items (WebDeveloperTest1's question8, modalFeedback.xml) score with rules like::

    <responseCondition>
      <responseIf>
        <match><variable identifier="RESPONSE1"/><correct identifier="RESPONSE1"/></match>
        <setOutcomeValue identifier="SCORE"><baseValue baseType="integer">1</baseValue></setOutcomeValue>
      </responseIf>
    </responseCondition>
    <responseCondition>
      <responseIf>
        <match><variable identifier="RESPONSE2"/><correct identifier="RESPONSE2"/></match>
        <setOutcomeValue identifier="SCORE">
          <sum><baseValue baseType="integer">1</baseValue><variable identifier="SCORE"/></sum>
        </setOutcomeValue>
      </responseIf>
    </responseCondition>

Accepted (everything else is "Unsupported functionality!"):

- rules: ``responseCondition`` (``responseIf``, ``responseElseIf``*, ``responseElse``?) and ``setOutcomeValue``;
- conditions over RESPONSE variables only (so they cannot change while rules run, which is what lets an
  else-if chain become independent QTI 1.2 respconditions): ``match`` of a response with its ``correct`` or
  with constants (``baseValue``, ``multiple``/``ordered`` of baseValues), ``isNull``, ``member`` of a
  constant in a response, ``and``, ``or``, ``not``;
- assignments to the score outcome (SCORE, or the only numeric outcome) of a constant, of an outcome that
  is never assigned (its default, e.g. MAXSCORE), or of ``sum`` of constants and the score itself
  (an increment). Assignments to other outcomes (FEEDBACK...) are dropped when nothing reads them:
  feedback is not imported (contentProfile feedbackIntegrated/feedbackModal false).

One reading the spec does not give: a ``baseValue baseType="identifier"`` holding several
whitespace-separated identifiers compared with a multiple response (choice_multiple_chocolade.xml does
this) is read as the container of those identifiers, the only reading under which the item can score.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from adapters import ns
from adapters.qti21.model import OutcomeDeclaration, ResponseDeclaration, RuleProcessing, Scalar, parse_value

Q = f"{{{ns.QTI21}}}"
NUMERIC = ("integer", "float")


class RuleUnsupported(Exception):
    """A rule outside the subset."""


# --- conditions (over responses only) ------------------------------------------------------------

@dataclass(frozen=True)
class MatchCorrect:
    response: str


@dataclass(frozen=True)
class MatchValue:
    response: str
    value: object          # a scalar (single) or tuple (multiple/ordered), as the response would hold


@dataclass(frozen=True)
class IsNull:
    response: str


@dataclass(frozen=True)
class Member:
    response: str
    value: Scalar


@dataclass(frozen=True)
class And:
    parts: tuple


@dataclass(frozen=True)
class Or:
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


# --- actions and rules ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SetScore:
    amount: float
    add: bool = False      # True: SCORE := SCORE + amount


@dataclass(frozen=True)
class Branch:
    condition: object | None   # None: responseElse
    actions: tuple


@dataclass(frozen=True)
class Condition:
    branches: tuple[Branch, ...]


def parse_rules(element: etree._Element, responses: dict[str, ResponseDeclaration],
                outcomes: dict[str, OutcomeDeclaration]) -> RuleProcessing:
    return RuleProcessing(_Parser(responses, outcomes).rules(element))


class _Parser:
    def __init__(self, responses, outcomes):
        self.responses: dict[str, ResponseDeclaration] = responses
        self.outcomes: dict[str, OutcomeDeclaration] = outcomes
        self.score = score_outcome(outcomes)
        self.assigned: set[str] = set()

    def rules(self, element) -> tuple:
        children = _children(element)
        # Outcomes that any rule assigns: those cannot stand for constants.
        for child in element.iter(f"{Q}setOutcomeValue"):
            self.assigned.add(child.get("identifier", ""))
        self.read_outcomes: set[str] = set()
        for child in element.iter(f"{Q}variable"):
            self.read_outcomes.add(child.get("identifier", ""))
        parsed = []
        for child in children:
            rule = self.rule(child)
            if rule is not None:
                parsed.append(rule)
        return tuple(parsed)

    def rule(self, element):
        local = etree.QName(element).localname
        if local == "setOutcomeValue":
            return self.set_outcome(element)
        if local == "responseCondition":
            branches = []
            for part in _children(element):
                kind = etree.QName(part).localname
                if kind not in ("responseIf", "responseElseIf", "responseElse"):
                    raise RuleUnsupported(f"{kind} inside responseCondition")
                body = _children(part)
                if kind == "responseElse":
                    condition, actions = None, body
                else:
                    if not body:
                        raise ValueError(f"{kind} without a condition")
                    condition, actions = self.condition(body[0]), body[1:]
                branches.append(Branch(condition, tuple(a for a in (self.rule(x) for x in actions) if a is not None)))
            return Condition(tuple(branches))
        raise RuleUnsupported(f"the rule {local}")

    def set_outcome(self, element):
        target = element.get("identifier", "")
        expression = _children(element)
        if len(expression) != 1:
            raise ValueError("setOutcomeValue needs one expression")
        if target != self.score:
            if target in self.read_outcomes:
                raise RuleUnsupported(f"outcome {target} is both set and read")
            return None  # feedback and other outcomes are not imported
        return self.score_expression(expression[0])

    def score_expression(self, element) -> SetScore:
        local = etree.QName(element).localname
        constant = self.constant(element)
        if constant is not None:
            return SetScore(constant)
        if local == "sum":
            total, itself = 0.0, 0
            for term in _children(element):
                value = self.constant(term)
                if value is not None:
                    total += value
                elif etree.QName(term).localname == "variable" and term.get("identifier") == self.score:
                    itself += 1
                else:
                    raise RuleUnsupported("a sum other than constants and the score itself")
            if itself > 1:
                raise RuleUnsupported("a sum that uses the score twice")
            return SetScore(total, add=bool(itself))
        raise RuleUnsupported(f"setting {self.score} to a {local}")

    def constant(self, element) -> float | None:
        local = etree.QName(element).localname
        if local == "baseValue" and element.get("baseType") in NUMERIC:
            return float(parse_value(element.get("baseType"), element.text or ""))
        if local == "variable":
            outcome = self.outcomes.get(element.get("identifier", ""))
            if outcome is not None and outcome.identifier not in self.assigned and outcome.base_type in NUMERIC:
                return float(outcome.default) if isinstance(outcome.default, (int, float)) else 0.0
        return None

    def condition(self, element):
        local = etree.QName(element).localname
        parts = _children(element)
        if local in ("and", "or"):
            if not parts:
                raise ValueError(f"{local} without operands")
            inner = tuple(self.condition(p) for p in parts)
            return And(inner) if local == "and" else Or(inner)
        if local == "not":
            if len(parts) != 1:
                raise ValueError("not needs one operand")
            return Not(self.condition(parts[0]))
        if local == "isNull":
            return IsNull(self.response_variable(parts[0]).identifier)
        if local == "match":
            if len(parts) != 2:
                raise ValueError("match needs two operands")
            variable, other = parts
            if etree.QName(variable).localname != "variable":
                variable, other = other, variable
            response = self.response_variable(variable)
            other_local = etree.QName(other).localname
            if other_local == "correct":
                if other.get("identifier") != response.identifier:
                    raise RuleUnsupported("matching a response with another response's correct value")
                return MatchCorrect(response.identifier)
            return MatchValue(response.identifier, self.literal(other, response))
        if local == "member":
            if len(parts) != 2:
                raise ValueError("member needs two operands")
            response = self.response_variable(parts[1])
            if response.cardinality == "single":
                raise ValueError("member needs a multiple or ordered response")
            value = self.literal(parts[0], response, single=True)
            return Member(response.identifier, value)
        raise RuleUnsupported(f"the condition {local}")

    def response_variable(self, element) -> ResponseDeclaration:
        if etree.QName(element).localname != "variable":
            raise RuleUnsupported(f"a condition on {etree.QName(element).localname}")
        declaration = self.responses.get(element.get("identifier", ""))
        if declaration is None:
            raise RuleUnsupported(f"a condition on {element.get('identifier')!r}, which is not a response")
        return declaration

    def literal(self, element, response: ResponseDeclaration, single: bool = False):
        local = etree.QName(element).localname
        if local == "baseValue":
            base_type = element.get("baseType", response.base_type)
            if base_type != response.base_type and not (base_type in NUMERIC and response.base_type in NUMERIC):
                raise ValueError(f"a {base_type} compared with the {response.base_type} response {response.identifier}")
            text = element.text or ""
            if (not single and response.cardinality != "single" and base_type == "identifier"
                    and len(text.split()) > 1):
                return tuple(parse_value(base_type, t) for t in text.split())
            value = parse_value(response.base_type, text)
            return value if single or response.cardinality == "single" else (value,)
        if local in ("multiple", "ordered") and not single and response.cardinality != "single":
            return tuple(self.literal(p, response, single=True) for p in _children(element))
        raise RuleUnsupported(f"comparing a response with {local}")


def score_outcome(outcomes: dict[str, OutcomeDeclaration]) -> str:
    """The outcome that carries the item's score: SCORE, or the only numeric outcome."""
    if "SCORE" in outcomes or not outcomes:
        return "SCORE"
    numeric = [o.identifier for o in outcomes.values() if o.base_type in NUMERIC and o.cardinality == "single"]
    return numeric[0] if len(numeric) == 1 else "SCORE"


def _children(element) -> list:
    return [c for c in element if isinstance(c.tag, str)]
