"""Store results -> LIS OMS v1.0 ``resultRecord`` elements, with Turnitin's extension (DESIGN.md §5).

Pure: plain objects in, lxml elements out; no session, no HTTP, no globals. What it writes (the
seed's record; whitespace between elements as in the seed)::

    <tns:resultRecord>
    <tns:sourcedGUID>
    <tns:refAgentInstanceID>Turnitin SRC12</tns:refAgentInstanceID>
    <tns:sourcedId>49313814</tns:sourcedId>
    </tns:sourcedGUID>
    <tns:result>
    <tns:lineItemSourcedId>20028310</tns:lineItemSourcedId>
    <tns:personSourcedId>100012184</tns:personSourcedId>
    <tns:date>2012-05-22T14:41:50Z</tns:date>
    <tns:resultValue>
    <tns:label>TestDoc1.doc</tns:label>
    </tns:resultValue>
    <tns:resultScore>
    <tns:language>en-US</tns:language>
    <tns:textString>100</tns:textString>
    </tns:resultScore>
    <tns:extension>
    <tns:extensionNameVocabulary>https://www.turnitin.com/static/resources/files/turnitinvocabularyv1p0.xml</tns:extensionNameVocabulary>
    <tns:extensionValueVocabulary>http://www.imsglobal.org/vdex/lis/pmsv2p0/extensionvocabularyv1p0.xml</tns:extensionValueVocabulary>
    <tns:extensionField>
    <tns:fieldName>GradeMark</tns:fieldName>
    <tns:fieldType>Integer</tns:fieldType>
    <tns:fieldValue/>
    </tns:extensionField>
    ... (the nine Turnitin fields, always, in this order)
    </tns:extension>
    </tns:result>
    </tns:resultRecord>

The extension is always written with all nine Turnitin fields (Turnitin's own client breaks
without it); a field with no value is ``<tns:fieldValue/>``. Fields stored beyond those nine follow them.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

from lxml import etree

from adapters.ns import LIS_OMS

TURNITIN_NAME_VOCABULARY = "https://www.turnitin.com/static/resources/files/turnitinvocabularyv1p0.xml"
EXTENSION_VALUE_VOCABULARY = "http://www.imsglobal.org/vdex/lis/pmsv2p0/extensionvocabularyv1p0.xml"
#: (fieldName, fieldType) in the order Turnitin sends them.
TURNITIN_FIELDS: tuple[tuple[str, str], ...] = (
    ("GradeMark", "Integer"),
    ("InternetSimilarity", "Integer"),
    ("PublicationSimilarity", "Integer"),
    ("StudentPaperSimilarity", "Integer"),
    ("TranslatedOverallSimilarity", "Integer"),
    ("TranslatedInternetSimilarity", "Integer"),
    ("TranslatedPublicationSimilarity", "Integer"),
    ("TranslatedStudentPaperSimilarity", "Integer"),
    ("StudentViewLast", "DateTime"),
)
DEFAULT_LANGUAGE = "en-US"
NSMAP = {"tns": LIS_OMS}


class ResultLike(Protocol):
    sourced_id: str
    line_item_sourced_id: str | None
    person_sourced_id: str | None
    ref_agent_instance_id: str | None
    date: datetime | None
    value_label: str | None
    score_language: str | None
    score_text: str | None
    extension: Mapping[str, Any]


def lis_date(value: datetime) -> str:
    """xs:dateTime in UTC with a ``Z``, as Turnitin writes it: ``2012-05-22T14:41:50Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def extension_fields(extension: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(name, type, value) for every field to write: the Turnitin nine first, then the others stored."""
    stored: dict[str, Mapping[str, Any]] = {}
    for f in extension.get("fields", ()):
        if isinstance(f, Mapping):
            stored[str(f.get("name"))] = f
    out = []
    for name, kind in TURNITIN_FIELDS:
        field = stored.pop(name, None)
        if field is None:
            out.append((name, kind, ""))
        else:
            out.append((name, str(field.get("type") or kind), _text(field.get("value"))))
    out.extend((name, str(f.get("type") or "String"), _text(f.get("value"))) for name, f in stored.items())
    return out


def normalise_extension(
    fields: Iterable[tuple[str, str | None, str | None]],
    name_vocabulary: str | None = None,
    value_vocabulary: str | None = None,
) -> dict[str, Any]:
    """The stored form of an extension (``Result.extension``) from (name, type, value) triples."""
    return {
        "name_vocabulary": name_vocabulary or TURNITIN_NAME_VOCABULARY,
        "value_vocabulary": value_vocabulary or EXTENSION_VALUE_VOCABULARY,
        "fields": [{"name": n, "type": t, "value": v} for n, t, v in fields if n],
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def result_record(result: ResultLike, tag: str = "resultRecord") -> etree._Element:
    """One ``<tns:resultRecord>`` (or another element of ResultRecord.Type named ``tag``)."""
    q = f"{{{LIS_OMS}}}"
    record = etree.Element(q + tag, nsmap=NSMAP)
    record.text = "\n"
    guid = _child(record, q + "sourcedGUID", None)
    guid.text = "\n"
    if result.ref_agent_instance_id:
        _child(guid, q + "refAgentInstanceID", result.ref_agent_instance_id)
    _child(guid, q + "sourcedId", result.sourced_id)
    body = _child(record, q + "result", None)
    body.text = "\n"
    _child(body, q + "lineItemSourcedId", result.line_item_sourced_id or "")
    if result.person_sourced_id:
        _child(body, q + "personSourcedId", result.person_sourced_id)
    if result.date is not None:
        _child(body, q + "date", lis_date(result.date))
    if result.value_label is not None:
        value = _child(body, q + "resultValue", None)
        value.text = "\n"
        _child(value, q + "label", result.value_label)
    if result.score_text is not None:
        score = _child(body, q + "resultScore", None)
        score.text = "\n"
        _child(score, q + "language", result.score_language or DEFAULT_LANGUAGE)
        _child(score, q + "textString", result.score_text)
    ext = result.extension or {}
    extension = _child(body, q + "extension", None)
    extension.text = "\n"
    _child(extension, q + "extensionNameVocabulary", ext.get("name_vocabulary") or TURNITIN_NAME_VOCABULARY)
    _child(extension, q + "extensionValueVocabulary", ext.get("value_vocabulary") or EXTENSION_VALUE_VOCABULARY)
    for name, kind, value in extension_fields(ext):
        field = _child(extension, q + "extensionField", None)
        field.text = "\n"
        _child(field, q + "fieldName", name)
        _child(field, q + "fieldType", kind)
        _child(field, q + "fieldValue", value or None)  # None -> <tns:fieldValue/>
    return record


def _child(parent: etree._Element, tag: str, text: str | None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None and text != "":
        el.text = clean_text(text)
    el.tail = "\n"
    return el


# Characters XML 1.0 cannot carry (lxml refuses them); a stored value holding one is written without it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def clean_text(text: str) -> str:
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _el(name: str, text: str | None) -> str:
    if not text:
        return f"<tns:{name}/>\n"
    if _SPECIAL.search(text):  # rare: most values need no escaping, and one search decides it
        text = clean_text(text).translate(_ESCAPES)
    return f"<tns:{name}>{text}</tns:{name}>\n"


@functools.lru_cache(maxsize=4096)
def _field_head(name: str, kind: str) -> str:
    """Name and type of an extension field: the same few pairs in every record."""
    return "<tns:extensionField>\n" + _el("fieldName", name) + _el("fieldType", kind)


@functools.lru_cache(maxsize=256)
def _extension_head(name_vocabulary: str, value_vocabulary: str) -> str:
    return ("<tns:extension>\n" + _el("extensionNameVocabulary", name_vocabulary)
            + _el("extensionValueVocabulary", value_vocabulary))


def result_record_xml(result: ResultLike) -> str:
    """The serialised form of :func:`result_record`, character for character, without building a
    tree: readResults writes up to 500 records, and 51 lxml calls per record cost ~50 ms there.

    It is only valid inside an element that declares ``xmlns:tns`` (the operation's response element).
    A test keeps the two writers identical.
    """
    parts = ["<tns:resultRecord>\n<tns:sourcedGUID>\n"]
    if result.ref_agent_instance_id:
        parts.append(_el("refAgentInstanceID", result.ref_agent_instance_id))
    parts.append(_el("sourcedId", result.sourced_id))
    parts.append("</tns:sourcedGUID>\n<tns:result>\n")
    parts.append(_el("lineItemSourcedId", result.line_item_sourced_id))
    if result.person_sourced_id:
        parts.append(_el("personSourcedId", result.person_sourced_id))
    if result.date is not None:
        parts.append(_el("date", lis_date(result.date)))
    if result.value_label is not None:
        parts.append("<tns:resultValue>\n" + _el("label", result.value_label) + "</tns:resultValue>\n")
    if result.score_text is not None:
        parts.append("<tns:resultScore>\n" + _el("language", result.score_language or DEFAULT_LANGUAGE)
                     + _el("textString", result.score_text) + "</tns:resultScore>\n")
    ext = result.extension or {}
    parts.append(_extension_head(ext.get("name_vocabulary") or TURNITIN_NAME_VOCABULARY,
                                 ext.get("value_vocabulary") or EXTENSION_VALUE_VOCABULARY))
    for name, kind, value in extension_fields(ext):
        parts.append(_field_head(name, kind) + _el("fieldValue", value) + "</tns:extensionField>\n")
    parts.append("</tns:extension>\n</tns:result>\n</tns:resultRecord>")
    return "".join(parts)


def sourced_id_set(ids: Iterable[str], tag: str = "sourcedIdSet") -> etree._Element:
    """``<tns:sourcedIdSet><tns:sourcedId>..</tns:sourcedId>...</tns:sourcedIdSet>`` (GUIDSet.Type)."""
    q = f"{{{LIS_OMS}}}"
    container = etree.Element(q + tag, nsmap=NSMAP)
    container.text = "\n"
    for sourced_id in ids:
        _child(container, q + "sourcedId", sourced_id)
    return container
