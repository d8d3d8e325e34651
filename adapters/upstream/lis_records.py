"""LIS ``resultRecord``s read back into the store's :class:`ResultData` (the reverse of
:mod:`adapters.lis_records`), from an upstream's answer: a zeep object (the LIS client) or a parsed
lxml element (the proxy). Pure: no session, no HTTP.

Reads, by local name so that any prefix (or none) works::

    <tns:resultRecord>
      <tns:sourcedGUID><tns:refAgentInstanceID>Turnitin SRC12</tns:refAgentInstanceID>
        <tns:sourcedId>49313814</tns:sourcedId></tns:sourcedGUID>
      <tns:result><tns:lineItemSourcedId>20028310</tns:lineItemSourcedId>
        <tns:personSourcedId>100012184</tns:personSourcedId><tns:date>2012-05-22T14:41:50Z</tns:date>
        <tns:resultValue><tns:label>TestDoc1.doc</tns:label></tns:resultValue>
        <tns:resultScore><tns:language>en-US</tns:language><tns:textString>100</tns:textString></tns:resultScore>
        <tns:extension>...<tns:extensionField><tns:fieldName>..</tns:fieldName>...</tns:extension>
      </tns:result>
    </tns:resultRecord>
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from lxml import etree

from adapters import lis_records, scores
from adapters.store.results import ResultData


class RecordError(ValueError):
    """A resultRecord without a sourcedId, or with a date that is not xs:dateTime."""


def parse_date(text: str | None) -> datetime | None:
    if not text or not text.strip():
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"result date {text!r} is not an xs:dateTime") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((c for c in parent if _local(c) == name), None)


def _text(parent: etree._Element | None, *path: str) -> str | None:
    for name in path:
        parent = _child(parent, name)
    if parent is None:
        return None
    return (parent.text or "").strip()


def from_element(record: etree._Element) -> ResultData:
    """A ``resultRecord`` element (any prefix) as :class:`ResultData`."""
    sourced_id = _text(record, "sourcedGUID", "sourcedId")
    if not sourced_id:
        raise RecordError("resultRecord has no sourcedGUID/sourcedId")
    result = _child(record, "result")
    extension = _child(result, "extension")
    ext: dict[str, Any] = {}
    if extension is not None:
        fields = [
            (_text(f, "fieldName") or "", _text(f, "fieldType") or None, _text(f, "fieldValue") or None)
            for f in extension
            if _local(f) == "extensionField"
        ]
        ext = lis_records.normalise_extension(
            fields, _text(extension, "extensionNameVocabulary") or None, _text(extension, "extensionValueVocabulary") or None
        )
    return ResultData(
        sourced_id=sourced_id,
        line_item_sourced_id=_text(result, "lineItemSourcedId") or None,
        person_sourced_id=_text(result, "personSourcedId") or None,
        ref_agent_instance_id=_text(record, "sourcedGUID", "refAgentInstanceID") or None,
        date=parse_date(_text(result, "date")),
        value_label=_text(result, "resultValue", "label"),
        score_language=_text(result, "resultScore", "language"),
        score_text=_text(result, "resultScore", "textString"),
        extension=ext,
        score_maximum=scores.LIS_MAXIMUM,
    )


def records_in(root: etree._Element) -> list[ResultData]:
    """Every ``resultRecord`` anywhere under ``root`` (readResult and readResults answers)."""
    return [from_element(el) for el in root.iter() if _local(el) == "resultRecord"]


def from_zeep(record: Any) -> ResultData:
    """A zeep ``ResultRecord.Type`` object as :class:`ResultData`."""
    guid = record.sourcedGUID
    result = record.result
    ext: dict[str, Any] = {}
    extension = getattr(result, "extension", None) if result is not None else None
    if extension is not None:
        ext = lis_records.normalise_extension(
            [(f.fieldName, f.fieldType, f.fieldValue) for f in (extension.extensionField or [])],
            extension.extensionNameVocabulary,
            extension.extensionValueVocabulary,
        )
    score = getattr(result, "resultScore", None) if result is not None else None
    value = getattr(result, "resultValue", None) if result is not None else None
    date = getattr(result, "date", None) if result is not None else None
    if isinstance(date, datetime) and date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    return ResultData(
        sourced_id=str(guid.sourcedId),
        line_item_sourced_id=getattr(result, "lineItemSourcedId", None) if result is not None else None,
        person_sourced_id=getattr(result, "personSourcedId", None) if result is not None else None,
        ref_agent_instance_id=getattr(guid, "refAgentInstanceID", None),
        date=date if isinstance(date, datetime) else parse_date(date),
        value_label=getattr(value, "label", None) if value is not None else None,
        score_language=getattr(score, "language", None) if score is not None else None,
        score_text=getattr(score, "textString", None) if score is not None else None,
        extension=ext,
        score_maximum=scores.LIS_MAXIMUM,
    )


def to_json(record: ResultData) -> dict[str, Any]:
    out = dict(record.__dict__)
    out["date"] = lis_records.lis_date(record.date) if record.date else None
    return out
