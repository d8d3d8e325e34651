"""Property tests for the XML-aware diff: any document equals itself however it is spelled (prefixes,
attribute order, indentation), and any one changed text is found, at the right path."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.upstream.compare import diff_trees
from gateway import xmlsafe

NS = "urn:example:ns"
names = st.sampled_from(["a", "b", "c", "item"])
texts = st.text(alphabet="xyz019 -", max_size=6)
trees = st.recursive(
    st.tuples(names, st.dictionaries(st.sampled_from(["p", "q", "r"]), texts, max_size=3), texts, st.just(())),
    lambda kids: st.tuples(names, st.dictionaries(st.sampled_from(["p", "q", "r"]), texts, max_size=3), st.just(""),
                           st.lists(kids, max_size=4).map(tuple)),
    max_leaves=12,
)


def build(tree, prefix: str | None, reverse_attrs: bool) -> etree._Element:
    def make(node, parent):
        name, attrs, text, kids = node
        tag = f"{{{NS}}}{name}"
        el = etree.Element(tag, nsmap={prefix: NS}) if parent is None else etree.SubElement(parent, tag)
        for key in sorted(attrs, reverse=reverse_attrs):
            el.set(key, attrs[key])
        el.text = text or None
        for kid in kids:
            make(kid, el)
        return el
    return make(tree, None)


def spell(el: etree._Element, indent: bool) -> etree._Element:
    if indent:
        etree.indent(el)
    return xmlsafe.parse(etree.tostring(el))


@settings(max_examples=150, deadline=None)
@given(trees, st.sampled_from([None, "t", "ns1"]), st.booleans(), st.booleans())
def test_a_document_equals_itself_however_spelled(tree, prefix, reverse, indent):
    expected = spell(build(tree, "tns", False), False)
    actual = spell(build(tree, prefix, reverse), indent)
    assert diff_trees(expected, actual) == []


@settings(max_examples=150, deadline=None)
@given(trees, st.data())
def test_one_changed_text_is_found_at_its_path(tree, data):
    expected = spell(build(tree, "tns", False), False)
    actual = spell(build(tree, None, False), True)
    target = data.draw(st.sampled_from(list(actual.iter())))
    old = (target.text or "").strip()
    target.text = old + "CHANGED"
    assert [(d.path, d.what, d.expected, d.actual) for d in diff_trees(expected, actual)] == [
        (path_of(target), "text", old, old + "CHANGED")]


def path_of(el: etree._Element) -> str:
    """The path as the diff words it: expected document's prefix, [n] among same-named siblings."""
    steps = []
    for node in [*reversed(list(el.iterancestors())), el]:
        parent = node.getparent()
        same = [c for c in parent if c.tag == node.tag] if parent is not None else [node]
        steps.append(f"tns:{etree.QName(node).localname}" + (f"[{same.index(node) + 1}]" if len(same) > 1 else ""))
    return "/" + "/".join(steps)
