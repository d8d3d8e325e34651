"""The XML-aware diff a replay judges an answer by. Pure: trees in, differences out.

Two documents are the same when their elements have the same namespace URIs and local names in the
same order, the same attributes (in any order), and the same text once leading and trailing
whitespace is stripped. So these do NOT count:

- namespace prefixes and where namespaces are declared (``tns:`` vs ``ns1:``), also inside
  ``xsi:type`` values, which are compared as (namespace URI, local name);
- attribute order, and whitespace between elements or around a text value;
- the text of *volatile* elements and attributes (message identifiers, dates, nonces), which must
  still be present: ``imsx_messageIdentifier`` matches that element anywhere,
  ``imsx_statusInfo/imsx_messageRefIdentifier`` only under ``imsx_statusInfo``, ``date/@when``
  names an attribute;
- values declared equivalent (the seed's ``train:GetIMStestResultResponse`` for WebEx's
  ``train:getIMStestResultResponse``), mapped before comparing.

Children with the same names in the same order are compared position by position; otherwise they
are aligned with :class:`difflib.SequenceMatcher` on their names (and a leaf's text), so one missing
element is reported as missing rather than as every following sibling being different. Each difference
names the path to the element, in the expected document's prefixes, with the expected and actual
values::

    /SOAP-ENV:Envelope/SOAP-ENV:Body/tns:readResultResponse/tns:resultRecord/tns:result/tns:resultScore/tns:textString:
      text expected '100', got '90'

Why not the ``xmldiff`` package: it computes a minimal edit script by fuzzy node matching, which is
meant for patching, not for judging. Its actions carry XPath positions and only the new value
(``UpdateTextIn(node, text)``), so "expected X, got Y" needs a second walk anyway; it compares
``xsi:type`` QName values as text (a prefix change is a difference); it has no notion of volatile
fields or equivalent values; and its matching cost grows quadratically with the document, which a
500-record readResults answer would feel. The comparison needed here is an ordered tree walk.
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from adapters.ns import XSI

_XSI_TYPE = f"{{{XSI}}}type"


@dataclass(frozen=True)
class Difference:
    path: str
    what: str
    expected: str | None = None
    actual: str | None = None

    def __str__(self) -> str:
        if self.expected is None and self.actual is None:
            return f"{self.path}: {self.what}"
        return f"{self.path}: {self.what} expected {_show(self.expected)}, got {_show(self.actual)}"


def _show(value: str | None) -> str:
    if value is None:
        return "nothing"
    return repr(value if len(value) <= 200 else value[:197] + "...")


@dataclass(frozen=True)
class Rules:
    volatile: tuple[tuple[str, ...], ...] = ()
    equivalents: Mapping[str, str] | None = None

    @classmethod
    def of(cls, volatile: Sequence[str] = (), equivalents: Mapping[str, str] | None = None) -> "Rules":
        return cls(tuple(tuple(p for p in v.strip("/").split("/") if p) for v in volatile), dict(equivalents or {}))

    def is_volatile(self, names: tuple[str, ...]) -> bool:
        return any(len(v) <= len(names) and names[len(names) - len(v) :] == v for v in self.volatile)

    def map(self, value: str) -> str:
        return (self.equivalents or {}).get(value, value)


def _local(tag: str) -> str:
    return etree.QName(tag).localname


def _label(el: etree._Element) -> str:
    return f"{el.prefix}:{_local(el.tag)}" if el.prefix else _local(el.tag)


def _elements(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _text(el: etree._Element) -> str:
    """The element's own character data: its text and its children's tails, stripped."""
    parts = [el.text or ""] + [c.tail or "" for c in el]
    return "".join(parts).strip()


def _qname_value(el: etree._Element, value: str) -> str:
    """``prefix:local`` resolved against the element's in-scope namespaces, as ``{uri}local``."""
    prefix, sep, local = value.rpartition(":")
    uri = el.nsmap.get(prefix if sep else None)
    return f"{{{uri}}}{local}" if uri is not None and not value.startswith("java:") else value


def diff_trees(expected: etree._Element, actual: etree._Element, rules: Rules | None = None) -> list[Difference]:
    rules = rules or Rules()
    out: list[Difference] = []
    _walk(expected, actual, "/" + _label(expected), (_local(expected.tag),), rules, out)
    return out


def _walk(exp: etree._Element, act: etree._Element, path: str, names: tuple[str, ...], rules: Rules, out: list) -> None:
    if exp.tag != act.tag:
        out.append(Difference(path, "element", etree.QName(exp).text, etree.QName(act).text))
        return
    _attributes(exp, act, path, names, rules, out)
    if not rules.is_volatile(names):
        e_text, a_text = rules.map(_text(exp)), rules.map(_text(act))
        if e_text != a_text:
            out.append(Difference(path, "text", e_text, a_text))
    e_kids, a_kids = _elements(exp), _elements(act)
    if [k.tag for k in e_kids] == [k.tag for k in a_kids]:
        # the same structure (every replay that merely has other values): compare position by position
        opcodes = [("equal", 0, len(e_kids), 0, len(a_kids))]
    else:
        matcher = difflib.SequenceMatcher(None, [_key(k, rules) for k in e_kids], [_key(k, rules) for k in a_kids],
                                          autojunk=False)
        opcodes = matcher.get_opcodes()
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for e, a in zip(e_kids[i1:i2], a_kids[j1:j2]):
                _walk(e, a, _child_path(path, exp, e), (*names, _local(e.tag)), rules, out)
            continue
        for e in e_kids[i1:i2]:
            out.append(Difference(_child_path(path, exp, e), "missing element"))
        for a in a_kids[j1:j2]:
            out.append(Difference(_child_path(path, act, a, exp), "unexpected element"))


def _key(el: etree._Element, rules: Rules) -> tuple:
    """What siblings are aligned by: the name, and for a leaf its text too, so that among
    ``<i>1</i><i>2</i>`` an inserted element lines up where it was inserted. A leaf whose text
    changed is then a same-length "replace", compared pairwise and reported as a text difference."""
    if len(el):
        return (el.tag,)
    return (el.tag, rules.map((el.text or "").strip()))


def _child_path(path: str, parent: etree._Element, child: etree._Element, words: etree._Element | None = None) -> str:
    """``path/prefix:name[n]``; ``words`` is the expected element whose prefixes name an actual child."""
    same = [c for c in parent if c.tag == child.tag]
    suffix = f"[{same.index(child) + 1}]" if len(same) > 1 else ""
    label = _label(child)
    if words is not None:
        namespace = etree.QName(child).namespace
        prefix = next((p for p, uri in words.nsmap.items() if uri == namespace), child.prefix)
        label = f"{prefix}:{_local(child.tag)}" if prefix else _local(child.tag)
    return f"{path}/{label}{suffix}"


def _attributes(exp, act, path: str, names: tuple[str, ...], rules: Rules, out: list) -> None:
    for key in sorted(set(exp.attrib) | set(act.attrib)):
        label = f"{path}/@{_attr_label(exp if key in exp.attrib else act, key)}"
        if rules.is_volatile((*names, "@" + _local(key))):
            if key not in exp.attrib or key not in act.attrib:
                out.append(Difference(label, "attribute", exp.get(key), act.get(key)))
            continue
        e_value, a_value = exp.get(key), act.get(key)
        if e_value is not None:
            e_value = rules.map(e_value)
        if a_value is not None:
            a_value = rules.map(a_value)
        if key == _XSI_TYPE and e_value is not None and a_value is not None:
            if _qname_value(exp, e_value) == _qname_value(act, a_value):
                continue
        if e_value != a_value:
            out.append(Difference(label, "attribute", e_value, a_value))


def _attr_label(el: etree._Element, key: str) -> str:
    q = etree.QName(key)
    if q.namespace is None:
        return q.localname
    prefix = next((p for p, uri in el.nsmap.items() if uri == q.namespace and p), None)
    return f"{prefix}:{q.localname}" if prefix else q.text
