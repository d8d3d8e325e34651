"""AGS 2.0 media types, ``Accept`` negotiation and the JSON field checks shared by the endpoints."""
from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone

from gateway.lti13.errors import Refusal

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
RESULT_CONTAINER = "application/vnd.ims.lis.v2.resultcontainer+json"

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def negotiate(environ: dict, media_type: str) -> str:
    """The Content-Type to answer with: ``media_type`` when Accept allows it (or is absent),
    ``application/json`` when only that is accepted; otherwise 406."""
    header = str(environ.get("HTTP_ACCEPT", "")).strip()
    if not header:
        return media_type
    json_ok = False
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        mime = fields[0].lower()
        q = next((f.split("=", 1)[1] for f in fields[1:] if f.lower().startswith("q=")), "1")
        try:
            if float(q) <= 0:
                continue
        except ValueError:
            continue
        if mime in (media_type, "*/*", "application/*"):
            return media_type
        json_ok = json_ok or mime == "application/json"
    if json_ok:
        return "application/json"
    raise Refusal(406, "not_acceptable", f"This resource is {media_type}; the Accept header {header!r} does not allow it")


def json_body(environ: dict, raw: bytes, media_type: str) -> dict:
    """The request's JSON object, sent as exactly ``media_type`` (parameters such as charset aside)."""
    sent = str(environ.get("CONTENT_TYPE", "")).split(";", 1)[0].strip().lower()
    if sent != media_type:
        raise Refusal(415, "unsupported_media_type", f"Send {media_type}, not {sent or 'no Content-Type'}")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refusal(400, "invalid_request", f"The body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise Refusal(400, "invalid_request", "The body must be a JSON object")
    return doc


def number(doc: dict, name: str, *, required: bool, positive: bool = False) -> float | None:
    value = doc.get(name)
    if value is None:
        if required:
            raise Refusal(400, "invalid_request", f"{name} is required")
        return None
    try:
        # an int too large for a float (JSON allows 1 followed by 400 zeros) is no score either
        finite = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    except OverflowError:
        finite = False
    if not finite:
        raise Refusal(400, "invalid_request", f"{name} must be a finite number")
    if positive and value <= 0:
        raise Refusal(400, "invalid_request", f"{name} must be greater than 0")
    if value < 0:
        raise Refusal(400, "invalid_request", f"{name} must not be negative")
    return float(value)


def string(doc: dict, name: str, *, required: bool, max_length: int = 255) -> str | None:
    value = doc.get(name)
    if value is None:
        if required:
            raise Refusal(400, "invalid_request", f"{name} is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise Refusal(400, "invalid_request", f"{name} must be a non-empty string")
    if len(value) > max_length:
        raise Refusal(400, "invalid_request", f"{name} is longer than {max_length} characters")
    return value


def timestamp(doc: dict, name: str, *, required: bool) -> datetime | None:
    """An RFC 3339 date-time with its offset (``2026-11-30T16:01:02.123Z``)."""
    value = string(doc, name, required=required, max_length=64)
    if value is None:
        return None
    if not _RFC3339.match(value):
        raise Refusal(400, "invalid_request", f"{name} must be an RFC 3339 date-time with an offset, not {value!r}")
    text = value.upper().replace("Z", "+00:00")
    head, _, rest = text.partition(".")
    if rest:  # fromisoformat takes at most microseconds
        digits = re.match(r"\d+", rest).group(0)
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits):]}"
    try:
        # In UTC: SQLite keeps no offset, so a stored +01:00 would read back as UTC otherwise.
        return datetime.fromisoformat(text).astimezone(timezone.utc)
    except ValueError:
        raise Refusal(400, "invalid_request", f"{name} is not a valid date-time: {value!r}") from None


def rfc3339(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")
