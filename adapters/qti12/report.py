"""WebEx's QTI 1.2 results report for one attempt (DESIGN.md §4, seed 000, training_ims_qtiresv1p2.xsd).

:func:`build_result` returns the ``qti:result`` element; the WebEx protocol layer puts it inside
``train:qti_result_report``. Element order is the XSD's::

    <qti:result xmlns:qti="http://www.webex.com/schemas/2002/06/service/trainingsessionqti">
      <qti:context>
        <qti:name>java java</qti:name>
        <qti:generic_identifier>
          <qti:type_label>Participant Email</qti:type_label>
          <qti:identifier_string>georgew@sz.webex.com</qti:identifier_string>
        </qti:generic_identifier>
      </qti:context>
      <qti:assessment_result asi_title="Test1 (3)" ident_ref="207">
        <qti:asi_description>basic ability test</qti:asi_description>
        <qti:date><qti:type_label>Start Time</qti:type_label><qti:datetime>2003-12-12T16:17:11</qti:datetime></qti:date>
        <qti:duration>P0Y0M0DT0H30M</qti:duration>
        <qti:outcomes>
          <qti:score varname="SCORE" vartype="Integer">
            <qti:score_value>45</qti:score_value><qti:score_min>0</qti:score_min><qti:score_max>100</qti:score_max>
          </qti:score>
          <qti:grade varname="GRADE" members=""><qti:grade_value/></qti:grade>
        </qti:outcomes>
        <qti:num_sections>6</qti:num_sections>
        <qti:section_result>
          <qti:item_result>
            <qti:response ident_ref="237">
              <qti:response_form cardinality="single" response_type="lid" render_type="choice">
                <qti:correct_response>357</qti:correct_response>
              </qti:response_form>
              <qti:response_value response_status="Valid">357</qti:response_value>
            </qti:response>
            <qti:outcomes><qti:score varname="SCORE" vartype="Integer">
              <qti:score_value>15</qti:score_value>
              <qti:score_interpretation>15 points if answer is correct</qti:score_interpretation>
              <qti:score_min>0</qti:score_min><qti:score_max>15</qti:score_max>
            </qti:score></qti:outcomes>
            <qti:feedback_displayed ident="Correct">Response</qti:feedback_displayed>
          </qti:item_result>
          ...

Where WebEx put surprising values we do the same: ``num_sections`` carries the number of questions,
with all of them in one ``section_result``; the grade is the empty ``grade_value`` of a test without
a grading scheme (the one known deviation from the XSD). The XSD allows one ``feedback_displayed``
per item: the first feedback that fired is reported. A response with no value is reported as one
empty ``response_value`` with ``response_status="Null"``; a choice value that is not one of the
response's labels has ``response_status="Invalid"``.
"""
from __future__ import annotations

from datetime import datetime

from lxml import etree

from adapters.ns import WEBEX_QTI
from adapters.qti12.model import Assessment, Item
from adapters.qti12.outcomes import AttemptScore, ItemScore, ResponseSet, _num, normalise_responses

NSMAP = {"qti": WEBEX_QTI}
_VARTYPE = {"Integer": "Integer", "Decimal": "Decimal", "Scientific": "Decimal"}


def _q(name: str) -> str:
    return f"{{{WEBEX_QTI}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _q(name), attrs)
    if text is not None:
        el.text = text
    return el


def _fmt(value) -> str:
    return str(_num(value))


def build_result(
    assessment: Assessment,
    score: AttemptScore,
    responses: ResponseSet,
    *,
    participant_name: str,
    participant_email: str,
    started: datetime | None,
    duration: str | None,
    test_id: int | str,
) -> etree._Element:
    """The ``qti:result`` element of one participant's attempt (see the module docstring)."""
    clean = normalise_responses(assessment, responses)
    result = etree.Element(_q("result"), nsmap=NSMAP)

    context = _sub(result, "context")
    _sub(context, "name", participant_name or participant_email)
    ident = _sub(context, "generic_identifier")
    _sub(ident, "type_label", "Participant Email")
    _sub(ident, "identifier_string", participant_email)

    ar = _sub(result, "assessment_result", asi_title=assessment.title, ident_ref=str(test_id))
    if assessment.description:
        _sub(ar, "asi_description", assessment.description)
    date = _sub(ar, "date")
    _sub(date, "type_label", "Start Time")
    _sub(date, "datetime", started.replace(tzinfo=None).isoformat(timespec="seconds") if started else "")
    _sub(ar, "duration", duration or "")
    outcomes = _sub(ar, "outcomes")
    integral = all(isinstance(_num(v), int) for v in (score.score, score.min, score.max))
    total = _sub(outcomes, "score", varname="SCORE", vartype="Integer" if integral else "Decimal")
    _sub(total, "score_value", _fmt(score.score))
    _sub(total, "score_min", _fmt(score.min))
    _sub(total, "score_max", _fmt(score.max))
    grade = _sub(outcomes, "grade", varname="GRADE", members="")
    _sub(grade, "grade_value")
    _sub(ar, "num_sections", str(len(assessment.items)))
    section = _sub(ar, "section_result")
    for item in assessment.items:
        item_score = score.items.get(item.ident) or ItemScore(score=0, min=0, max=0)
        _item_result(section, item, item_score, clean.get(item.ident, {}))
    return result


def _item_result(section: etree._Element, item: Item, s: ItemScore, given: dict[str, tuple[str, ...]]) -> None:
    ir = _sub(section, "item_result")
    for decl in item.responses:
        resp = _sub(ir, "response", ident_ref=decl.ident)
        form = _sub(
            resp, "response_form",
            cardinality=decl.cardinality.lower(), response_type=decl.response_type, render_type=decl.render_type,
        )
        for value in decl.correct or ("",):
            _sub(form, "correct_response", value or None)
        values = given.get(decl.ident, ())
        labels = decl.label_idents if decl.response_type == "lid" else frozenset()
        for value in values:
            status = "Invalid" if labels and value not in labels else "Valid"
            _sub(resp, "response_value", value, response_status=status)
        if not values:
            _sub(resp, "response_value", response_status="Null")
    var = item.score_var
    outcomes = _sub(ir, "outcomes")
    sc = _sub(outcomes, "score", varname=var.varname if var else "SCORE",
              vartype=_VARTYPE.get(var.vartype, "Integer") if var else "Integer")
    _sub(sc, "score_value", _fmt(s.score))
    _sub(sc, "score_interpretation", item.interpretation)
    _sub(sc, "score_min", _fmt(s.min))
    _sub(sc, "score_max", _fmt(s.max))
    if s.feedback:
        first = s.feedback[0]
        _sub(ir, "feedback_displayed", item.feedback_type(first), ident=first)
