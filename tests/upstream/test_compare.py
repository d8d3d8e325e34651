"""The XML-aware diff: what it ignores, what it reports, and how it words it."""
from __future__ import annotations

from gateway import xmlsafe
from adapters.upstream.compare import Rules, diff_trees

LIS = "http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0"


def diff(expected: str, actual: str, volatile=(), equivalents=None):
    return diff_trees(xmlsafe.parse(expected.encode()), xmlsafe.parse(actual.encode()), Rules.of(volatile, equivalents))


def test_prefixes_declarations_attribute_order_and_whitespace_do_not_count():
    expected = f'<tns:a xmlns:tns="{LIS}" x="1" y="2"><tns:b> 100 </tns:b><tns:c/></tns:a>'
    actual = f'<a xmlns="{LIS}" y="2" x="1">\n  <b>100</b>\n  <c></c>\n</a>'
    assert diff(expected, actual) == []


def test_a_different_namespace_is_a_different_element():
    [d] = diff(f'<a xmlns="{LIS}"/>', '<a xmlns="urn:other"/>')
    assert d.what == "element" and d.expected == f"{{{LIS}}}a" and d.actual == "{urn:other}a"


def test_text_difference_names_the_path_in_the_expected_prefixes():
    [d] = diff(f'<t:r xmlns:t="{LIS}"><t:s><t:v>100</t:v></t:s></t:r>', f'<r xmlns="{LIS}"><s><v>90</v></s></r>')
    assert str(d) == "/t:r/t:s/t:v: text expected '100', got '90'"


def test_repeated_siblings_are_numbered_and_an_insertion_is_one_difference():
    expected = "<r><i>1</i><i>2</i><i>3</i></r>"
    actual = "<r><i>1</i><x/><i>2</i><i>3</i></r>"
    assert [str(d) for d in diff(expected, actual)] == ["/r/x: unexpected element"]
    assert [str(d) for d in diff(actual, expected)] == ["/r/x: missing element"]
    [d] = diff(expected, "<r><i>1</i><i>two</i><i>3</i></r>")
    assert d.path == "/r/i[2]"


def test_volatile_elements_must_exist_but_their_text_is_not_compared():
    expected = "<h><info><imsx_messageIdentifier>A</imsx_messageIdentifier><ref>1</ref></info></h>"
    assert diff(expected, expected.replace(">A<", ">B<"), volatile=["imsx_messageIdentifier"]) == []
    # a suffix path only matches there
    assert diff(expected, expected.replace(">1<", ">2<"), volatile=["other/ref"]) != []
    assert diff(expected, expected.replace(">1<", ">2<"), volatile=["info/ref"]) == []
    missing = diff(expected, "<h><info><ref>1</ref></info></h>", volatile=["imsx_messageIdentifier"])
    assert [d.what for d in missing] == ["missing element"]


def test_volatile_attributes_and_attribute_differences():
    assert diff('<d when="1"/>', '<d when="2"/>', volatile=["d/@when"]) == []
    [d] = diff('<d when="1"/>', '<d when="2"/>')
    assert str(d) == "/d/@when: attribute expected '1', got '2'"
    [d] = diff('<d a="1"/>', "<d/>")
    assert d.expected == "1" and d.actual is None and "got nothing" in str(d)


def test_xsi_type_is_compared_by_namespace_not_prefix_and_equivalents_apply():
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    expected = f'<c {xsi} xmlns:train="urn:t" xsi:type="train:GetIMStestResultResponse"/>'
    actual = f'<c {xsi} xmlns:t="urn:t" xsi:type="t:getIMStestResultResponse"/>'
    [d] = diff(expected, actual)
    assert d.path == "/c/@xsi:type"
    assert diff(expected, actual.replace("t:get", "t:Get")) == []  # same QName, other prefix
    equivalents = {"train:GetIMStestResultResponse": "train:getIMStestResultResponse"}
    assert diff(expected, actual.replace('xmlns:t=', 'xmlns:train=').replace('"t:', '"train:'), equivalents=equivalents) == []


def test_one_changed_score_among_500_records_is_one_difference():
    import copy
    from pathlib import Path
    raw = (Path(__file__).resolve().parents[2] / "samples" / "lis-readresults-49313814-49313826" / "response.xml").read_bytes()
    expected = xmlsafe.parse(raw)
    record_set = expected.find(".//{*}resultRecordSet")
    first = copy.deepcopy(record_set[0])
    for child in list(record_set):
        record_set.remove(child)
    for i in range(500):
        record = copy.deepcopy(first)
        record.find(".//{*}sourcedId").text = str(i)
        record_set.append(record)
    actual = copy.deepcopy(expected)
    actual.findall(".//{*}textString")[321].text = "90"
    [d] = diff_trees(expected, actual, Rules.of(["imsx_messageIdentifier"]))
    assert d.path.endswith("/tns:resultRecordSet/tns:resultRecord[322]/tns:result/tns:resultScore/tns:textString")
    assert (d.expected, d.actual) == ("100", "90")
