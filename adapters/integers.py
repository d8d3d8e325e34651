"""Integer fields from the wire (testID, messageId, CourseId, ...): the ONE reader for them.

Python's ``int()`` is generous in ways a protocol must not be: it reads ``"２０７"`` (full-width
digits), ``"2_07"`` (underscores) and ``"\\u00a0207"`` as 207, and any size at all, which the store
then refuses with an OverflowError (SQLite) or a DataError (PostgreSQL) deep inside a request.
Here an integer is what XML Schema's ``xs:integer`` allows, in ASCII::

    [+-]?[0-9]+        surrounded by XML whitespace (space, tab, CR, LF) at most

and it must fit the column it is looked up in (:data:`INT32` for ``Integer`` ids, which PostgreSQL
stores in 32 bits; :data:`INT64` for ``BigInteger``). Callers turn :class:`IntegerError` into their
protocol's client error, or an id that cannot exist into "not found".
"""
from __future__ import annotations

import re

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 40  # far beyond 64 bits; int() of longer text costs time for nothing
_XML_SPACE = " \t\r\n"


class IntegerError(ValueError):
    """``str()`` is a message for the client, naming the field and the value."""


def parse_int(text: str | None, field: str = "value", bounds: tuple[int, int] = INT64) -> int:
    """``text`` as an int, or IntegerError ("testID '２０７' is not an integer (ASCII digits only)")."""
    raw = "" if text is None else str(text)
    stripped = raw.strip(_XML_SPACE)
    if not _INTEGER.fullmatch(stripped):
        raise IntegerError(f"{field} {_shown(raw)} is not an integer (ASCII digits only)")
    low, high = bounds
    if len(stripped) > _MAX_DIGITS or not low <= int(stripped) <= high:
        raise IntegerError(f"{field} {_shown(raw)} is out of range ({low} to {high})")
    return int(stripped)


def in_range(value: int, bounds: tuple[int, int] = INT32) -> bool:
    """Whether an already-parsed integer can be an id of a column of that size."""
    return bounds[0] <= value <= bounds[1]


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "...")
