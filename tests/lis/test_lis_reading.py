"""The LIS SOAP reader's shortcut for plain-text request elements (the header, readResult,
deleteResult) reads exactly what spyne's generic reader reads, whatever the element holds."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from lxml import etree

from adapters.ns import LIS_OMS
from gateway.lis import models
from gateway.lis.soap import LisSoap11, _plain_fields

PROTOCOL = LisSoap11()
TYPES = [models.ImsxRequestHeaderInfo, models.REQUESTS["readResult"], models.REQUESTS["deleteResult"]]
names = st.sampled_from(["imsx_version", "imsx_messageIdentifier", "sourcedId", "other", "sourcedid"])
namespaces = st.sampled_from([LIS_OMS, "", "urn:other"])
texts = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8))


@st.composite
def elements(draw):
    element = etree.Element(f"{{{LIS_OMS}}}request")
    for _ in range(draw(st.integers(0, 4))):
        ns, name = draw(namespaces), draw(names)
        child = etree.SubElement(element, f"{{{ns}}}{name}" if ns else name)
        child.text = draw(texts)
        if draw(st.integers(0, 9)) == 0:
            etree.SubElement(child, "nested").text = "x"
        if draw(st.integers(0, 9)) == 0:
            child.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
    return element


def _fields(instance, cls):
    return {name: getattr(instance, name, None) for name in cls._type_info} if instance is not None else None


def test_only_plain_text_models_take_the_shortcut():
    assert all(_plain_fields(cls) for cls in TYPES)
    assert _plain_fields(models.REQUESTS["replaceResult"]) is None  # a nested resultRecord
    assert _plain_fields(models.GUIDSet) is None  # a repeated sourcedId


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TYPES), elements())
def test_the_shortcut_reads_what_spyne_reads(cls, element):
    generic = super(LisSoap11, PROTOCOL).from_element(None, cls, element)
    assert _fields(PROTOCOL.from_element(None, cls, element), cls) == _fields(generic, cls)
