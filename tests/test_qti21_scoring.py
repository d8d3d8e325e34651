"""The three templates on crafted declarations: every cardinality and base type, mapping bounds and
case sensitivity, every areaMapping shape, response rules; each value hand-checked, natively and through
the QTI 1.2 conversion and engine."""
from __future__ import annotations

import pytest

from adapters import ns, qti12
from adapters.qti21 import Code, ItemError, parse_item, score_item
from adapters.qti21.convert import responses_to_qti12, to_qti12
from adapters.qti21.model import ImportedTest, TestItem
from gateway.xmlsafe import parse

RP = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"


def item(declaration: str, body: str, processing: str = "", outcome: str = "") -> str:
    return (f'<assessmentItem xmlns="{ns.QTI21}" identifier="x" title="x" adaptive="false" timeDependent="false">'
            f'{declaration}<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>{outcome}'
            f'<itemBody>{body}</itemBody>{processing}</assessmentItem>')


def template(name: str) -> str:
    return f'<responseProcessing template="{RP}{name}"/>'


def check(xml: str, cases: list[tuple[dict, float]]) -> None:
    parsed = parse_item(parse(xml.encode()), href="x.xml")
    test = ImportedTest("T", "T", (TestItem("I", parsed),))
    assessment = qti12.load_assessment(parse(to_qti12(test).encode()), exact_strings=True)
    for responses, expected in cases:
        native = score_item(parsed, responses)
        assert native.score == pytest.approx(expected), responses
        via_12 = qti12.score_attempt(assessment, responses_to_qti12(test, {"I": responses})).items["I"]
        assert via_12.score == pytest.approx(expected), responses
        assert (via_12.min, via_12.max) == pytest.approx((native.min, native.max))


CHOICES = "".join(f'<simpleChoice identifier="{c}">{c}</simpleChoice>' for c in "ABCD")


def test_match_correct_multiple_is_a_set_comparison():
    xml = item('<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
               '<correctResponse><value>A</value><value>C</value></correctResponse></responseDeclaration>',
               f'<choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">{CHOICES}</choiceInteraction>',
               template("match_correct"))
    check(xml, [({"RESPONSE": ["C", "A"]}, 1), ({"RESPONSE": ["A"]}, 0), ({"RESPONSE": ["A", "C", "D"]}, 0),
                ({}, 0)])


def test_match_correct_pairs_ignore_order_directed_pairs_do_not():
    choices = "".join(f'<simpleAssociableChoice identifier="{c}" matchMax="1">{c}</simpleAssociableChoice>' for c in "ABCD")
    pairs = item('<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="pair">'
                 '<correctResponse><value>A B</value><value>C D</value></correctResponse></responseDeclaration>',
                 f'<associateInteraction responseIdentifier="RESPONSE" maxAssociations="2">{choices}</associateInteraction>',
                 template("match_correct"))
    check(pairs, [({"RESPONSE": ["B A", "D C"]}, 1), ({"RESPONSE": ["A B"]}, 0), ({"RESPONSE": ["A C", "B D"]}, 0)])
    sets = ('<simpleMatchSet><simpleAssociableChoice identifier="A" matchMax="1">A</simpleAssociableChoice>'
            '<simpleAssociableChoice identifier="B" matchMax="1">B</simpleAssociableChoice></simpleMatchSet>'
            '<simpleMatchSet><simpleAssociableChoice identifier="X" matchMax="2">X</simpleAssociableChoice>'
            '<simpleAssociableChoice identifier="Y" matchMax="2">Y</simpleAssociableChoice></simpleMatchSet>')
    directed = item('<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="directedPair">'
                    '<correctResponse><value>A X</value><value>B Y</value></correctResponse></responseDeclaration>',
                    f'<matchInteraction responseIdentifier="RESPONSE" maxAssociations="2">{sets}</matchInteraction>',
                    template("match_correct"))
    check(directed, [({"RESPONSE": ["B Y", "A X"]}, 1), ({"RESPONSE": ["A Y", "B X"]}, 0)])


def test_match_correct_ordered_needs_every_position_and_nothing_more():
    xml = item('<responseDeclaration identifier="RESPONSE" cardinality="ordered" baseType="identifier">'
               '<correctResponse><value>B</value><value>A</value></correctResponse></responseDeclaration>',
               f'<orderInteraction responseIdentifier="RESPONSE">{CHOICES}</orderInteraction>',
               template("match_correct"))
    check(xml, [({"RESPONSE": ["B", "A"]}, 1), ({"RESPONSE": ["A", "B"]}, 0), ({"RESPONSE": ["B", "A", "C"]}, 0),
                ({"RESPONSE": ["B"]}, 0)])


def test_match_correct_on_numbers_compares_numerically():
    xml = item('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="float">'
               '<correctResponse><value>2.5</value></correctResponse></responseDeclaration>',
               '<p><textEntryInteraction responseIdentifier="RESPONSE"/></p>', template("match_correct"))
    check(xml, [({"RESPONSE": "2.50"}, 1), ({"RESPONSE": "25e-1"}, 1), ({"RESPONSE": "2.4"}, 0)])


def test_map_response_case_insensitive_entries_and_bounds():
    xml = item('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
               '<mapping defaultValue="-1" lowerBound="-0.5" upperBound="2">'
               '<mapEntry mapKey="Paris" mappedValue="3" caseSensitive="false"/>'
               '<mapEntry mapKey="paris" mappedValue="1"/>'          # never reached: the first entry wins
               '<mapEntry mapKey="Lyon" mappedValue="0.5" caseSensitive="true"/></mapping></responseDeclaration>',
               '<p><textEntryInteraction responseIdentifier="RESPONSE"/></p>', template("map_response"))
    check(xml, [({"RESPONSE": "PARIS"}, 2),      # 3 clamped to upperBound 2
                ({"RESPONSE": "paris"}, 2),
                ({"RESPONSE": "Lyon"}, 0.5), ({"RESPONSE": "lyon"}, -0.5),   # -1 clamped to lowerBound
                ({"RESPONSE": "Nice"}, -0.5), ({}, 0)])


def test_map_response_counts_each_distinct_value_once():
    xml = item('<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
               '<mapping defaultValue="0.25"><mapEntry mapKey="A" mappedValue="1"/><mapEntry mapKey="B" mappedValue="-0.5"/>'
               '</mapping></responseDeclaration>',
               f'<choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">{CHOICES}</choiceInteraction>',
               template("map_response"))
    check(xml, [({"RESPONSE": ["A", "B"]}, 0.5), ({"RESPONSE": ["A", "C", "D"]}, 1.5), ({"RESPONSE": ["C"]}, 0.25)])


def point_item(entries: str, default: str = "0", bounds: str = "") -> str:
    return item('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="point">'
                f'<areaMapping defaultValue="{default}" {bounds}>{entries}</areaMapping></responseDeclaration>',
                '<selectPointInteraction responseIdentifier="RESPONSE" maxChoices="1">'
                '<object type="image/png" width="200" height="200" data="map.png">map</object></selectPointInteraction>',
                template("map_response_point"))


def test_map_response_point_rect_poly_ellipse_and_default_with_first_area_priority():
    xml = point_item(
        '<areaMapEntry shape="rect" coords="10,10,50,30" mappedValue="1"/>'
        '<areaMapEntry shape="poly" coords="100,100,150,100,125,150" mappedValue="2"/>'
        '<areaMapEntry shape="ellipse" coords="40,100,20,10" mappedValue="3"/>'
        '<areaMapEntry shape="circle" coords="30,20,15" mappedValue="5"/>'   # overlaps the rect: rect wins there
        '<areaMapEntry shape="default" coords="" mappedValue="0.5"/>', default="-9")
    check(xml, [
        ({"RESPONSE": "10 10"}, 1), ({"RESPONSE": "50 30"}, 1),            # rect corners are inside
        ({"RESPONSE": "30 20"}, 1),                                        # rect and circle: the first area
        ({"RESPONSE": "125 110"}, 2), ({"RESPONSE": "125 150"}, 2),        # poly inside and on a vertex
        ({"RESPONSE": "60 100"}, 3), ({"RESPONSE": "40 110"}, 3),          # ellipse edge points (hr 20, vr 10)
        ({"RESPONSE": "40 111"}, 0.5),                                     # just outside: the default shape
        ({"RESPONSE": "30 34"}, 5),                                        # circle only (below the rect)
        ({}, 0),
    ])


def test_map_response_point_default_value_and_bounds():
    xml = point_item('<areaMapEntry shape="circle" coords="50,50,10" mappedValue="4"/>', default="-1",
                     bounds='lowerBound="0" upperBound="3"')
    check(xml, [({"RESPONSE": "50 50"}, 3), ({"RESPONSE": "0 0"}, 0), ({"RESPONSE": "60 50"}, 3)])


def test_rules_else_if_chains_become_exclusive_conditions():
    rp = """<responseProcessing>
      <responseCondition>
        <responseIf><match><variable identifier="RESPONSE"/><correct identifier="RESPONSE"/></match>
          <setOutcomeValue identifier="SCORE"><baseValue baseType="float">2</baseValue></setOutcomeValue></responseIf>
        <responseElseIf><member><baseValue baseType="identifier">A</baseValue><variable identifier="RESPONSE"/></member>
          <setOutcomeValue identifier="SCORE"><baseValue baseType="float">1</baseValue></setOutcomeValue></responseElseIf>
        <responseElseIf><isNull><variable identifier="RESPONSE"/></isNull>
          <setOutcomeValue identifier="SCORE"><baseValue baseType="float">-1</baseValue></setOutcomeValue></responseElseIf>
        <responseElse>
          <setOutcomeValue identifier="SCORE"><baseValue baseType="float">0.5</baseValue></setOutcomeValue></responseElse>
      </responseCondition>
      <responseCondition><responseIf><and><not><isNull><variable identifier="RESPONSE"/></isNull></not>
          <or><member><baseValue baseType="identifier">D</baseValue><variable identifier="RESPONSE"/></member>
              <match><variable identifier="RESPONSE"/><multiple><baseValue baseType="identifier">B</baseValue></multiple></match></or></and>
        <setOutcomeValue identifier="SCORE"><sum><variable identifier="SCORE"/><baseValue baseType="float">10</baseValue></sum></setOutcomeValue>
      </responseIf></responseCondition>
    </responseProcessing>"""
    xml = item('<responseDeclaration identifier="RESPONSE" cardinality="multiple" baseType="identifier">'
               '<correctResponse><value>A</value><value>B</value></correctResponse></responseDeclaration>',
               f'<choiceInteraction responseIdentifier="RESPONSE" maxChoices="0">{CHOICES}</choiceInteraction>', rp)
    check(xml, [({"RESPONSE": ["A", "B"]}, 2), ({"RESPONSE": ["A", "C"]}, 1), ({}, -1), ({"RESPONSE": ["C"]}, 0.5),
                ({"RESPONSE": ["B"]}, 10.5), ({"RESPONSE": ["A", "D"]}, 11)])


@pytest.mark.parametrize("rp", [
    # a condition on an outcome
    '<responseCondition><responseIf><match><variable identifier="SCORE"/><baseValue baseType="float">1</baseValue>'
    '</match><setOutcomeValue identifier="SCORE"><baseValue baseType="float">1</baseValue></setOutcomeValue>'
    '</responseIf></responseCondition>',
    # an operator outside the subset
    '<responseCondition><responseIf><gt><variable identifier="RESPONSE"/><baseValue baseType="float">1</baseValue>'
    '</gt><setOutcomeValue identifier="SCORE"><baseValue baseType="float">1</baseValue></setOutcomeValue>'
    '</responseIf></responseCondition>',
    # the score set to a product
    '<setOutcomeValue identifier="SCORE"><product><baseValue baseType="float">2</baseValue>'
    '<variable identifier="SCORE"/></product></setOutcomeValue>',
    # exitResponse
    '<exitResponse/>',
])
def test_rules_outside_the_subset_are_unsupported(rp):
    xml = item('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier"/>',
               f'<choiceInteraction responseIdentifier="RESPONSE">{CHOICES}</choiceInteraction>',
               f"<responseProcessing>{rp}</responseProcessing>")
    with pytest.raises(ItemError) as caught:
        parse_item(parse(xml.encode()), href="x.xml")
    assert caught.value.code == Code.UNSUPPORTED
    assert caught.value.message == 'Unsupported functionality! Unable to import item "x" (x.xml)'
