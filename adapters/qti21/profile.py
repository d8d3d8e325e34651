"""The seed-004 ``contentProfile`` of what the QTI 2.1 importer supports (DESIGN.md §9).

Seed 004 (QTI v2.0 Conformance Guide, 5.1) defines the class, not an XML binding; we bind it the plain
way: one element per "Contains" field, named as the seed names it, in the seed's order, booleans as
``true``/``false``, repeated fields repeated, no namespace::

    <contentProfile>
      <composite>true</composite>
      <adaptive>false</adaptive>
      ...
      <objectType>image/png</objectType>
      ...
      <interactionType>choiceInteraction</interactionType>
      ...
      <responseRules>false</responseRules>
      <rpTemplate>http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct</rpTemplate>
      ...
      <metadataProfile><imsmd>false</imsmd><lomMetadata>false</lomMetadata><imsqtimd>false</imsqtimd></metadataProfile>
    </contentProfile>

Everything in it comes from :mod:`adapters.qti21.registry`, the registry the item parser consults, so the
profile says exactly what an import accepts. QTI-Lite (choiceInteraction + match_correct) is contained.
"""
from __future__ import annotations

from lxml import etree

from adapters.qti21 import registry

#: The seed's fields in its order; lists name the registry collection they are drawn from.
FIELDS = (
    "composite", "adaptive", "timeDependent", "templates", "textElements", "listElements", "objectElements",
    "objectType", "presentationElements", "tableElements", "imageElement", "imageType", "hypertextElement",
    "mathElement", "mathVariable", "feedbackIntegrated", "feedbackModal", "rubric", "printedVariables",
    "interactionType", "responseRules", "rpTemplate", "rounding", "regexp", "metadataProfile",
)

_LISTS = {
    "objectType": lambda: registry.OBJECT_TYPES,
    "imageType": lambda: registry.IMAGE_TYPES,
    "interactionType": lambda: tuple(registry.INTERACTIONS),
    "rpTemplate": lambda: tuple(registry.TEMPLATES),
}


def _bool(value: bool) -> str:
    return "true" if value else "false"


def content_profile_element() -> etree._Element:
    root = etree.Element("contentProfile")
    for name in FIELDS:
        if name in _LISTS:
            for value in _LISTS[name]():
                etree.SubElement(root, name).text = value
        elif name == "metadataProfile":
            meta = etree.SubElement(root, name)
            for key, value in registry.METADATA.items():
                etree.SubElement(meta, key).text = _bool(value)
        else:
            etree.SubElement(root, name).text = _bool(registry.FEATURES[name])
    return root


def content_profile() -> bytes:
    """The contentProfile document, UTF-8 with an XML declaration."""
    return etree.tostring(content_profile_element(), xml_declaration=True, encoding="UTF-8", pretty_print=True)
