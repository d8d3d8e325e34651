"""A stored QTI 1.2 test as WebEx's restricted QTI 1.2 ASI (GetIMStestDetails).

WebEx publishes a much smaller ASI than IMS (``training_ims_qtiasiv1p2.xsd``): one section,
choice and fill-in-blank responses, plain text material, respconditions of ``varequal``/``not``
with one Set/Add ``setvar``. This projects any test onto that subset, in the schema's order::

    <qtiasi:assessment ident="207" title="Test1 (3)">
      <qtiasi:qticomment>basic ability test</qtiasi:qticomment>
      <qtiasi:section ident="207_1">
        <qtiasi:item ident="236">
          <qtiasi:presentation><qtiasi:flow>
            <qtiasi:material><qtiasi:mattext>Which protocol ...</qtiasi:mattext></qtiasi:material>
            <qtiasi:response_lid ident="237" rcardinality="Single"><qtiasi:render_choice>
              <qtiasi:response_label ident="357"><qtiasi:flow_mat><qtiasi:material>
                <qtiasi:mattext>HTTP</qtiasi:mattext></qtiasi:material></qtiasi:flow_mat></qtiasi:response_label> ...
          </qtiasi:flow></qtiasi:presentation>
          <qtiasi:resprocessing><qtiasi:outcomes><qtiasi:decvar .../></qtiasi:outcomes>
            <qtiasi:respcondition>...</qtiasi:respcondition></qtiasi:resprocessing>
          <qtiasi:itemfeedback ident="Correct"><qtiasi:flow_mat>...</qtiasi:flow_mat></qtiasi:itemfeedback>
        </qtiasi:item> ...

What the subset cannot say is left out, never approximated: responses other than lid/str (xy,
num, grp), respconditions using other operators or several setvars, non-integer decvar bounds,
images. The scoring the gateway reports is always the full test's, not this projection's.
"""
from __future__ import annotations

from lxml import etree

from adapters.ns import WEBEX_QTIASI

CARDINALITIES = ("Single", "Multiple", "Ordered")
FIB_TYPES = ("String", "Integer", "Decimal", "Scientific")
SET_ACTIONS = ("Set", "Add")


def A(tag: str) -> str:
    return f"{{{WEBEX_QTIASI}}}{tag}"


def to_webex_asi(root: etree._Element, *, test_id: int, wrapper: str, description: str | None = None) -> etree._Element:
    """``root`` is a stored ``questestinterop``; the answer is ``wrapper`` holding ``qtiasi:assessment``.

    ``description`` is the test's, as the engine read it (``Assessment.description``).
    """
    out = etree.Element(wrapper, nsmap={"qtiasi": WEBEX_QTIASI})
    source = _first(root, "assessment")
    assessment = etree.SubElement(out, A("assessment"), ident=str(test_id))
    if source is not None and source.get("title") is not None:
        assessment.set("title", source.get("title"))
    if description:
        _text(assessment, "qticomment", description)
    sections = list(_all(root, "section"))
    section = etree.SubElement(assessment, A("section"), ident=sections[0].get("ident", "1") if sections else "1")
    for item in _all(root, "item"):
        section.append(_item(item))
    return out


def _item(item: etree._Element) -> etree._Element:
    out = etree.Element(A("item"), ident=item.get("ident", ""))
    flow = etree.SubElement(etree.SubElement(out, A("presentation")), A("flow"))
    presentation = _first(item, "presentation")
    texts = [t for t in (_mattext(m) for m in _all(presentation, "material") if not _inside_label(m)) if t] if presentation is not None else []
    for text in texts or [""]:
        _material(flow, text)
    if presentation is not None:
        for response in _all(presentation, "response_lid"):
            flow.append(_response_lid(response))
        for response in _all(presentation, "response_str"):
            flow.append(_response_str(response))
    for resprocessing in _children(item, "resprocessing"):
        converted = _resprocessing(resprocessing)
        if converted is not None:
            out.append(converted)
    for feedback in _children(item, "itemfeedback"):
        el = etree.SubElement(out, A("itemfeedback"), ident=feedback.get("ident", ""))
        _material(etree.SubElement(el, A("flow_mat")), " ".join(_texts(feedback)))
    return out


def _response_lid(response: etree._Element) -> etree._Element:
    out = etree.Element(A("response_lid"), ident=response.get("ident", ""), rcardinality=_cardinality(response))
    render = etree.SubElement(out, A("render_choice"))
    source = _first(response, "render_choice")
    for name in ("minnumber", "maxnumber"):
        if source is not None and (source.get(name) or "").isdigit():
            render.set(name, source.get(name))
    for label in _all(response, "response_label"):
        el = etree.SubElement(render, A("response_label"), ident=label.get("ident", ""))
        text = " ".join(_texts(label))
        if text:
            _material(etree.SubElement(el, A("flow_mat")), text)
    if not len(render):  # the schema wants at least one label
        etree.SubElement(render, A("response_label"), ident="")
    return out


def _response_str(response: etree._Element) -> etree._Element:
    out = etree.Element(A("response_str"), ident=response.get("ident", ""), rcardinality=_cardinality(response))
    render = etree.SubElement(out, A("render_fib"))
    source = _first(response, "render_fib")
    if source is not None:
        if source.get("fibtype") in FIB_TYPES:
            render.set("fibtype", source.get("fibtype"))
        if (source.get("maxchars") or "").isdigit():
            render.set("maxchars", source.get("maxchars"))
    label = _first(response, "response_label")
    etree.SubElement(render, A("response_label"), ident=label.get("ident", "") if label is not None else response.get("ident", ""))
    return out


def _resprocessing(resprocessing: etree._Element) -> etree._Element | None:
    decvar = _first(resprocessing, "decvar")
    if decvar is None:
        return None
    out = etree.Element(A("resprocessing"))
    outcomes = etree.SubElement(out, A("outcomes"))
    dv = etree.SubElement(outcomes, A("decvar"))
    dv.text = decvar.text
    if decvar.get("vartype") in ("Integer", "String", "Decimal", "Boolean", "Enumerated"):
        dv.set("vartype", decvar.get("vartype"))
    for name in ("minvalue", "maxvalue"):
        if _is_integer(decvar.get(name)):
            dv.set(name, str(int(float(decvar.get(name)))))
    interpretvar = _first(resprocessing, "interpretvar")
    if interpretvar is not None:
        _material(etree.SubElement(outcomes, A("interpretvar")), " ".join(_texts(interpretvar)))
    for condition in _children(resprocessing, "respcondition"):
        converted = _respcondition(condition)
        if converted is not None:
            out.append(converted)
    return out


def _respcondition(condition: etree._Element) -> etree._Element | None:
    conditionvar = _first(condition, "conditionvar")
    setvars = list(_children(condition, "setvar"))
    if conditionvar is None or len(setvars) != 1 or setvars[0].get("action", "Set") not in SET_ACTIONS:
        return None
    tests = [c for c in conditionvar if isinstance(c.tag, str)]
    if not tests or not all(_expressible(t) for t in tests):
        return None
    out = etree.Element(A("respcondition"))
    cv = etree.SubElement(out, A("conditionvar"))
    for test in tests:
        cv.append(_copy(test))
    sv = etree.SubElement(out, A("setvar"), action=setvars[0].get("action", "Set"))
    sv.text = (setvars[0].text or "").strip()
    feedback = _first(condition, "displayfeedback")
    if feedback is not None and feedback.get("linkrefid"):
        df = etree.SubElement(out, A("displayfeedback"), linkrefid=feedback.get("linkrefid"))
        if feedback.get("feedbacktype") in ("Response", "Solution", "Hint"):
            df.set("feedbacktype", feedback.get("feedbacktype"))
    return out


def _expressible(test: etree._Element) -> bool:
    name = etree.QName(test).localname
    if name == "varequal":
        return True
    if name == "not":
        inner = [c for c in test if isinstance(c.tag, str)]
        return len(inner) == 1 and etree.QName(inner[0]).localname == "varequal"
    return False


def _copy(test: etree._Element) -> etree._Element:
    name = etree.QName(test).localname
    if name == "varequal":
        el = etree.Element(A("varequal"), respident=test.get("respident", ""))
        el.text = (test.text or "").strip()
        return el
    el = etree.Element(A("not"))
    el.append(_copy(next(c for c in test if isinstance(c.tag, str))))
    return el


def _cardinality(response: etree._Element) -> str:
    value = response.get("rcardinality", "Single")
    return value if value in CARDINALITIES else "Single"


def _material(parent: etree._Element, text: str) -> None:
    _text(etree.SubElement(parent, A("material")), "mattext", text)


def _text(parent: etree._Element, tag: str, text: str) -> None:
    etree.SubElement(parent, A(tag)).text = text


def _mattext(material: etree._Element) -> str:
    return " ".join(_texts(material))


def _texts(el: etree._Element) -> list[str]:
    return [(m.text or "").strip() for m in _all(el, "mattext") if (m.text or "").strip()]


def _inside_label(material: etree._Element) -> bool:
    return any(etree.QName(a).localname in ("response_label", "response_lid", "response_str", "response_xy",
                                           "response_num", "response_grp") for a in material.iterancestors())


def _is_integer(value: str | None) -> bool:
    try:
        return value is not None and float(value).is_integer()
    except ValueError:
        return False


def _all(el: etree._Element, name: str):
    return (d for d in el.iter() if isinstance(d.tag, str) and etree.QName(d).localname == name)


def _first(el: etree._Element, name: str) -> etree._Element | None:
    return next(_all(el, name), None)


def _children(el: etree._Element, name: str):
    return (c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == name)
