"""QTI 1.2 item response processing (seed 002 §4.16, §5.2–5.4, §5.8–5.9): compiled once, run often.

:func:`compile_item` turns an item's ``resprocessing`` into a tree of closures, cached on the item;
every attempt then runs that tree (:meth:`CompiledItem.evaluate`) without looking at XML again::

    <respcondition title="Correct" continue="No">
      <conditionvar><varequal respident="237">357</varequal></conditionvar>
      <setvar action="Set" varname="SCORE">15</setvar>
      <displayfeedback feedbacktype="Response" linkrefid="Correct"/>
    </respcondition>

THE SEMANTIC CHOICES THE SPECIFICATION LEAVES OPEN (the one place they are written down):

- ``continue``: a respcondition without the attribute stops processing when it fires
  (``continue="No"`` is the default of §7.15). Some exporters wrote their tests assuming the
  opposite; load such a test with ``continue_yes=True`` (a per-test switch, stored with the test)
  and a missing ``continue`` then means Yes. An explicit ``continue`` attribute always wins.
- Conditions: the operators directly inside ``conditionvar`` are ANDed (§5.4). An empty
  ``conditionvar``, ``and`` or ``or``, and a ``not`` that does not hold exactly one operator, are
  refused at load time (Qti12Error), as are ``durequal``/``durlt``/... ("for further study", we have
  no response timings) and ``var_extension``: refusing is better than scoring them silently wrong.
- ``other`` is true when no earlier respcondition of the item has fired: it is the "else" branch.
- ``unanswered`` is true when the response is missing from the attempt or every value given for it
  is empty or blank. A ``varequal`` with empty text tests the same thing (an unanswered response
  equals ""), which is how WebEx's ASI subset, which has no ``unanswered``, says "answered":
  ``<not><varequal respident="267"></varequal></not>``.
- Values are compared after stripping surrounding whitespace, on both sides (authors write
  ``<varequal> B </varequal>``). Tests imported from QTI 2.1 are loaded with ``exact_strings=True``
  (a per-test switch, stored with the test): there ``response_str`` values and the text they are
  compared with are taken exactly as given, as QTI 2.1 maps a string (only ``""`` is no value), so
  ``" York"`` does not equal ``York``. Other response types are stripped either way. ``varequal`` is case sensitive unless ``case="No"`` (§7.24's
  default is Yes); ``varsubstring`` is case insensitive unless ``case="Yes"`` (§5.4.7.3's default
  is No). Case folding uses :meth:`str.casefold`.
- ``varequal`` on a ``response_num`` compares numbers when both sides are numbers (``"42.0"``
  equals ``42``), on a ``response_xy`` it compares points; otherwise strings. On a Multiple or
  Ordered response it is true when any given value matches; with ``index="n"`` only the n-th value
  (1-based) is tested. ``varlt``/``varlte``/``vargt``/``vargte`` compare numbers; a value that is not
  a number makes them false, never an error.
- ``varsubset`` (comma separated set): ``setmatch="Exact"`` (the default) is true when the set of
  values given equals the set; ``Partial`` when at least one value is given and all of them are in
  the set.
- ``varsubstring`` is true when its text occurs within the value the participant gave (the
  "contains" test authoring tools offer; the spec's wording can be read the other way round).
- ``varinside``: a point is ``"x,y"``. ``Rectangle`` is ``x0,y0,height,width`` with (x0,y0) the top
  left corner; ``Ellipse`` is ``x,y,height,width`` with (x,y) the centre and height/width the
  diameters (the 1.2.1 errata reading); ``Bounded`` is ``x1,y1,...,xk,yk``. Points on the edge are
  inside.
- ``setvar``: values are typed by the variable's ``vartype`` at load time (an Integer variable set to
  ``0.5`` is refused). Integer ``Divide`` truncates toward zero, as Java (WebEx) does; dividing by
  zero is refused at load. Add/Subtract/Multiply/Divide on a String or Boolean variable is refused.
- Clamping: after all respconditions ran, every numeric variable is clamped to its ``minvalue`` /
  ``maxvalue`` (§5.2.4 "applies ... after all of the item processing has been completed"), never in
  between.
- Feedback: ``displayfeedback`` linkrefids are collected in firing order; the same linkrefid is
  reported once.
- The item's score is the variable ``SCORE`` when declared, else the first numeric decvar (real
  items call it SCORE1, INTSCORE, FIBSCORE...). An item with no numeric variable scores 0 of 0.
- Its minimum and maximum are the decvar's ``minvalue``/``maxvalue`` when declared; otherwise they
  are derived from the processing, treating every respcondition as able to fire or not (interval
  arithmetic over the setvars in order, honouring ``continue``). That is exact for the usual items
  and never narrower than the truth. ``qmd_maximumscore`` metadata is not used.
- Correct values (WebEx's ``correct_response``) are the values that positive ``varequal`` and
  ``varsubset`` tests name in the respconditions that raise the score (Set above the default, Add or
  Multiply up); items that name none (essays, numeric ranges, hot spots) have none.
- Responses: an item or response left out of an attempt is unanswered. A response ident the item
  does not declare, more than one value for a Single response, or a value that is not a string, is
  a Qti12Error (bad input is reported, not guessed at).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.qti12.model import DisplayFeedback, Qti12Error, ResponseDecl

if TYPE_CHECKING:
    from adapters.qti12.model import Item

#: responses of one item, normalised: {response ident: (stripped, non-empty values, ...)}
Responses = Mapping[str, Sequence[str]]
Test = Callable[[Responses, bool], bool]

_NUMBERS = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def to_number(raw: str) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def to_point(raw: str) -> tuple[float, float] | None:
    parts = [p for p in re.split(r"[,\s]+", raw.strip()) if p]
    if len(parts) != 2:
        return None
    x, y = to_number(parts[0]), to_number(parts[1])
    if x is None or y is None:
        return None
    return x, y


@dataclass
class CompiledItem:
    """An item's processing as closures, plus what is known before any attempt."""

    run: Callable[[Responses], tuple[dict[str, Any], list[DisplayFeedback]]]
    score_var: str | None
    min: float | int
    max: float | int

    def evaluate(self, responses: Responses) -> tuple[dict[str, Any], list[DisplayFeedback]]:
        return self.run(responses)


def compile_item(item: "Item") -> CompiledItem:
    """Compile (once) and cache on the item; raises Qti12Error for processing it cannot run."""
    if item._compiled is not None:
        return item._compiled
    decls = {r.ident: r for r in item.responses}
    where = f"item {item.ident!r}"
    steps = []
    for rc in item.respconditions:
        tests = [_compile(c, decls, where, item.exact_strings) for c in rc.conditions]
        test = tests[0] if len(tests) == 1 else _all(tests)
        actions = tuple(_action(sv, item) for sv in rc.setvars)
        steps.append((test, actions, rc.feedback, rc.continue_))
    steps_t = tuple(steps)
    defaults = {d.varname: d.defaultval for d in item.decvars}
    clamps = tuple((d.varname, d.minvalue, d.maxvalue) for d in item.decvars if d.numeric and (d.minvalue is not None or d.maxvalue is not None))

    def run(responses: Responses) -> tuple[dict[str, Any], list[DisplayFeedback]]:
        variables = dict(defaults)
        shown: list[DisplayFeedback] = []
        fired = False
        for test, actions, feedback, cont in steps_t:
            if test(responses, fired):
                fired = True
                for act in actions:
                    act(variables)
                if feedback:
                    shown.extend(feedback)
                if not cont:
                    break
        for name, lo, hi in clamps:
            value = variables[name]
            if lo is not None and value < lo:
                variables[name] = lo
            elif hi is not None and value > hi:
                variables[name] = hi
        if len(shown) > 1:
            seen: set[str] = set()
            shown = [f for f in shown if not (f.linkrefid in seen or seen.add(f.linkrefid))]
        return variables, shown

    var = item.score_var
    lo, hi = _bounds(item) if var is not None else (0, 0)
    compiled = CompiledItem(run=run, score_var=var.varname if var else None, min=lo, max=hi)
    item._compiled = compiled
    return compiled


# -- conditions ---------------------------------------------------------------------------------

def _all(tests: list[Test]) -> Test:
    tests_t = tuple(tests)
    return lambda r, fired: all(t(r, fired) for t in tests_t)


def _yes_no(attrs: dict, name: str, default: str, where: str) -> bool:
    raw = (attrs.get(name) or default).strip()
    if raw not in ("Yes", "No"):
        raise Qti12Error(f"{where}: {name}={raw!r} (expected Yes or No)")
    return raw == "Yes"


def _index(attrs: dict, where: str) -> int | None:
    raw = attrs.get("index")
    if raw is None or not raw.strip():
        return None
    if not raw.strip().isdigit() or int(raw) < 1:
        raise Qti12Error(f"{where}: index={raw!r} (expected 1, 2, ...)")
    return int(raw)


def _over_values(rid: str, index: int | None, match: Callable[[str], bool]) -> Test:
    if index is None:
        return lambda r, fired: any(match(v) for v in r.get(rid, ()))
    i = index - 1

    def test(r: Responses, fired: bool) -> bool:
        values = r.get(rid, ())
        return len(values) > i and match(values[i])

    return test


def _compile(cond: tuple, decls: dict[str, ResponseDecl], where: str, exact_strings: bool = False) -> Test:
    op = cond[0]
    if op == "other":
        return lambda r, fired: not fired
    if op == "unanswered":
        rid = cond[1]
        return lambda r, fired: not r.get(rid)
    if op == "not":
        inner = _compile(cond[1], decls, where, exact_strings)
        return lambda r, fired: not inner(r, fired)
    if op == "and":
        return _all([_compile(c, decls, where, exact_strings) for c in cond[1]])
    if op == "or":
        subs = tuple(_compile(c, decls, where, exact_strings) for c in cond[1])
        return lambda r, fired: any(t(r, fired) for t in subs)
    _, rid, attrs, raw = cond
    rtype = decls[rid].response_type
    # exact strings: the condition's text is compared as written too (a QTI 2.1 mapKey " York")
    text = raw if exact_strings and rtype == "str" and raw.strip() else raw.strip()
    here = f"{where}: <{op} respident={rid!r}>"
    index = _index(attrs, here)
    if op == "varequal":
        case = _yes_no(attrs, "case", "Yes", here)
        if not text:  # equals "": unanswered (values are stripped and empty ones dropped)
            if index is None:
                return lambda r, fired: not r.get(rid)
            return lambda r, fired: len(r.get(rid, ())) < index
        target_n = to_number(text) if rtype == "num" else None
        target_p = to_point(text) if rtype == "xy" else None
        if target_n is not None:
            return _over_values(rid, index, lambda v: to_number(v) == target_n)
        if target_p is not None:
            return _over_values(rid, index, lambda v: to_point(v) == target_p)
        if not case:
            folded = text.casefold()
            return _over_values(rid, index, lambda v: v.casefold() == folded)
        if index is None:  # the hot path for choices: a tuple membership test
            return lambda r, fired: text in r.get(rid, ())
        return _over_values(rid, index, lambda v: v == text)
    if op in ("varlt", "varlte", "vargt", "vargte"):
        target = to_number(text)
        if target is None:
            raise Qti12Error(f"{here} compares with {text!r}, which is not a number")
        compare = {
            "varlt": lambda x: x < target,
            "varlte": lambda x: x <= target,
            "vargt": lambda x: x > target,
            "vargte": lambda x: x >= target,
        }[op]

        def numeric(v: str) -> bool:
            x = to_number(v)
            return x is not None and compare(x)

        return _over_values(rid, index, numeric)
    if op == "varsubset":
        members = frozenset(m.strip() for m in text.split(",") if m.strip())
        if not members:
            raise Qti12Error(f"{here} names an empty set")
        raw_match = (attrs.get("setmatch") or "Exact").strip()
        if raw_match not in ("Exact", "Partial"):
            raise Qti12Error(f"{here} setmatch={raw_match!r} (expected Exact or Partial)")
        if index is not None:
            return _over_values(rid, index, lambda v: v in members)
        if raw_match == "Exact":
            return lambda r, fired: frozenset(r.get(rid, ())) == members
        return lambda r, fired: bool(r.get(rid)) and members.issuperset(r.get(rid, ()))
    if op == "varsubstring":
        if not text:
            raise Qti12Error(f"{here} has no text to look for")
        if _yes_no(attrs, "case", "No", here):
            return _over_values(rid, index, lambda v: text in v)
        folded = text.casefold()
        return _over_values(rid, index, lambda v: folded in v.casefold())
    if op == "varinside":
        inside = _area(attrs.get("areatype"), text, here)

        def in_area(v: str) -> bool:
            point = to_point(v)
            return point is not None and inside(point)

        return _over_values(rid, index, in_area)
    raise Qti12Error(f"{where}: <{op}> is not a conditionvar operator")  # pragma: no cover - parse filters


def _area(areatype: str | None, text: str, where: str) -> Callable[[tuple[float, float]], bool]:
    kind = (areatype or "").strip()
    coords = [float(n) for n in _NUMBERS.findall(text)]
    if kind == "Rectangle":
        if len(coords) != 4:
            raise Qti12Error(f"{where}: a Rectangle needs x0,y0,height,width, got {text.strip()!r}")
        x0, y0, height, width = coords
        return lambda p: x0 <= p[0] <= x0 + width and y0 <= p[1] <= y0 + height
    if kind == "Ellipse":
        if len(coords) != 4 or coords[2] <= 0 or coords[3] <= 0:
            raise Qti12Error(f"{where}: an Ellipse needs x,y,height,width (positive), got {text.strip()!r}")
        cx, cy, height, width = coords
        rx, ry = width / 2, height / 2
        return lambda p: ((p[0] - cx) / rx) ** 2 + ((p[1] - cy) / ry) ** 2 <= 1.0
    if kind == "Bounded":
        if len(coords) < 6 or len(coords) % 2:
            raise Qti12Error(f"{where}: a Bounded area needs at least three x,y pairs, got {text.strip()!r}")
        pts = tuple(zip(coords[0::2], coords[1::2]))
        return lambda p: _in_polygon(p, pts)
    raise Qti12Error(f"{where}: areatype={areatype!r} (expected Ellipse, Rectangle or Bounded)")


def _in_polygon(p: tuple[float, float], pts: tuple[tuple[float, float], ...]) -> bool:
    x, y = p
    inside = False
    n = len(pts)
    for i in range(n):
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % n]
        # on an edge counts as inside
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if cross == 0 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return True
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


# -- actions ------------------------------------------------------------------------------------

def _action(sv, item: "Item") -> Callable[[dict[str, Any]], None]:
    name, value = sv.varname, sv.value
    integer = next(d.vartype == "Integer" for d in item.decvars if d.varname == name)
    if sv.action == "Set":
        def act(vs):
            vs[name] = value
    elif sv.action == "Add":
        def act(vs):
            vs[name] += value
    elif sv.action == "Subtract":
        def act(vs):
            vs[name] -= value
    elif sv.action == "Multiply":
        def act(vs):
            vs[name] *= value
    elif integer:  # Divide, Java's integer division truncates toward zero
        def act(vs):
            vs[name] = int(vs[name] / value)
    else:
        def act(vs):
            vs[name] /= value
    return act


def _apply_interval(action: str, value, lo, hi, integer: bool):
    if action == "Set":
        return value, value
    if action == "Add":
        return lo + value, hi + value
    if action == "Subtract":
        return lo - value, hi - value
    if action == "Multiply":
        a, b = lo * value, hi * value
    else:
        a, b = lo / value, hi / value
        if integer:
            a, b = int(a), int(b)
    return min(a, b), max(a, b)


def _bounds(item: "Item") -> tuple[float | int, float | int]:
    """Score min and max: declared minvalue/maxvalue, else derived (see the module docstring)."""
    var = item.score_var
    assert var is not None
    integer = var.vartype == "Integer"
    d = var.defaultval
    going = (d, d)  # range of the variable on paths still running
    done: tuple | None = None  # range on paths that stopped at a continue="No" condition
    for rc in item.respconditions:
        lo, hi = going
        for sv in rc.setvars:
            if sv.varname == var.varname:
                lo, hi = _apply_interval(sv.action, sv.value, lo, hi, integer)
        if rc.continue_:
            going = (min(going[0], lo), max(going[1], hi))
        else:
            done = (lo, hi) if done is None else (min(done[0], lo), max(done[1], hi))
    lo, hi = going if done is None else (min(going[0], done[0]), max(going[1], done[1]))
    if var.minvalue is not None:
        lo = var.minvalue
    elif var.maxvalue is not None:
        lo = min(lo, var.maxvalue)
    if var.maxvalue is not None:
        hi = var.maxvalue
    elif var.minvalue is not None:
        hi = max(hi, var.minvalue)
    return lo, hi


# -- correct values -----------------------------------------------------------------------------

def correct_values(item: "Item") -> dict[str, list[str]]:
    """{response ident: values that the score-raising respconditions test for}, in document order."""
    var = item.score_var
    found: dict[str, list[str]] = {}
    if var is None:
        return found
    for rc in item.respconditions:
        if not any(_raises(sv, var.defaultval) for sv in rc.setvars if sv.varname == var.varname):
            continue
        for cond in rc.conditions:
            _collect(cond, True, found)
    return found


def _raises(sv, default) -> bool:
    if sv.action == "Set":
        return sv.value > default
    if sv.action == "Add":
        return sv.value > 0
    if sv.action == "Subtract":
        return sv.value < 0
    if sv.action == "Multiply":
        return sv.value > 1
    return False


def _collect(cond: tuple, positive: bool, found: dict[str, list[str]]) -> None:
    op = cond[0]
    if op == "not":
        _collect(cond[1], not positive, found)
    elif op in ("and", "or"):
        for c in cond[1]:
            _collect(c, positive, found)
    elif positive and op in ("varequal", "varsubset"):
        _, rid, _attrs, raw = cond
        values = [raw.strip()] if op == "varequal" else [m.strip() for m in raw.split(",") if m.strip()]
        bucket = found.setdefault(rid, [])
        for v in values:
            if v and v not in bucket:
                bucket.append(v)
