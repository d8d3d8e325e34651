"""How a stored result score maps to each protocol's scale: the ONE place that says so.

Pure functions over plain values (no store, no HTTP). The store keeps a result's score as

* ``score_text``: the text exactly as the writer sent it (``Result.score_text``, at most
  :data:`MAX_TEXT` characters), and
* ``score_maximum``: the top of the scale that text is on (``Result.score_maximum``), set by the
  writer's protocol: :data:`LIS_MAXIMUM` (100) for LIS OMS over SOAP, whose ``textString`` Turnitin
  writes as 0–100 (``<textString>100</textString>`` for the demo record 49313814);
  :data:`LTI_MAXIMUM` (1) for LTI 1.1 POX and the gateway's own published attempts; ``None`` when
  unknown (rows written before the scale was kept, CLI imports without one).

Rules, per protocol:

1. **LIS text score** (SOAP readResult/readResults): the stored text, unchanged. LIS OMS defines
   ``textString`` as free text with no range ("A", "Pass" and "100" are all scores), and a client
   reads back exactly what it wrote.
2. **LTI 1.1 fraction** (POX readResult): LTI 1.1 promises a decimal in 0.0–1.0, so a numeric score
   is divided by its scale's maximum and clamped to [0, 1] (a LIS score of 120 on the 0–100 scale
   reads 1). Text already on the 0–1 scale is answered as written ("0.92" stays "0.92"); a computed
   fraction is written in plain decimal notation without trailing zeros (100 of 100 -> "1",
   45 of 100 -> "0.45"). With an unknown maximum the value decides: 0–1 is a fraction, above 1 is
   read on LIS's 0–100 scale. A score that is not a plain decimal ("A", "Pass", "1e2") has no
   fraction: LTI answers it as no score (an empty ``textString``).
3. **WebEx points** (GetTestInformation ``score``, ``maxScore``): WebEx reports whole points: the
   attempt's score rounded half up (2.5 -> 3, never Python's half-to-even 2), clamped to the
   test's [minimum, maximum] when they are known.

4. **AGS** (LTI 1.3 Assignment and Grade Services) is one more writer and reader of the same pair:
   a score ``{"scoreGiven": g, "scoreMaximum": m}`` is stored as ``score_text`` = ``g`` in plain
   notation and ``score_maximum`` = ``m`` (its scale), so LIS readResult reads ``"g"`` (rule 1) and
   LTI 1.1 readResult ``g/m`` clamped (rule 2: 15 of 20 -> "0.75"). A score without ``scoreGiven``
   clears the score (AGS: no value means no score). AGS ``/results`` reads any result back as
   ``resultScore`` = the stored value, ``resultMaximum`` = its scale (an unknown scale as rule 2
   decides it from the value), so an AGS score reads back exactly as given and a LIS or LTI 1.1
   replaceResult shows on its own scale; a score that is not a plain decimal has no ``resultScore``.
5. **The bridge** carries a legacy write to an upstream AGS on the writer's scale (LTI 1.1: 1, LIS:
   :data:`LIS_MAXIMUM`): ``scoreGiven`` = the value, ``scoreMaximum`` = the scale; and reads an
   upstream result back as rule 2's fraction of ``resultScore``/``resultMaximum`` for LTI 1.1, and
   as that fraction on LIS's 0-100 scale for LIS.

What a writer may send:

* LTI 1.1 replaceResult: :func:`parse_lti_score`: plain decimal notation (``[+-]?digits[.digits]``,
  ASCII only, no exponent: ``0E-999999999`` and ``１`` are refused before ``Decimal`` sees them)
  within 0.0–1.0;
* any writer: :func:`text_fits` (the column holds :data:`MAX_TEXT` characters).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

#: The scale LIS OMS over SOAP writes on (Turnitin's 0-100).
LIS_MAXIMUM = 100.0
#: The scale LTI 1.1 Basic Outcomes reads and writes on.
LTI_MAXIMUM = 1.0
#: ``results.score_text`` is a String(255).
MAX_TEXT = 255

_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_UNSIGNED = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_ONE = Decimal(1)


def parse_decimal(text: str | None) -> Decimal | None:
    """``text`` (XML whitespace around it allowed) in plain decimal notation, or None.

    Exponents, ``NaN``/``Infinity``, underscores and non-ASCII digits are not plain notation.
    """
    if text is None:
        return None
    stripped = text.strip(" \t\r\n")
    if len(stripped) > MAX_TEXT or not _PLAIN_DECIMAL.fullmatch(stripped):
        return None
    return Decimal(stripped)


def parse_lti_score(text: str | None) -> Decimal | None:
    """An LTI 1.1 replaceResult score: a plain decimal in [0.0, 1.0], or None."""
    value = parse_decimal(text)
    if value is None or not 0 <= value <= 1:
        return None
    return value


def text_fits(text: str | None) -> bool:
    return text is None or len(text) <= MAX_TEXT


def lis_text(score_text: str | None, score_maximum: float | None = None) -> str | None:
    """Rule 1: what LIS SOAP answers in ``resultScore/textString`` (None: no resultScore)."""
    return score_text


def lti_fraction(score_text: str | None, score_maximum: float | None = None) -> str | None:
    """Rule 2: what LTI 1.1 readResult answers in ``textString``: a decimal in 0.0-1.0, or None
    (no score, or a score that is not a number)."""
    value = parse_decimal(score_text)
    if value is None:
        return None
    maximum = _maximum(value, score_maximum)
    written = score_text.strip(" \t\r\n")
    if maximum == _ONE and 0 <= value <= 1 and _UNSIGNED.fullmatch(written):
        return written  # already a fraction: answered as written
    fraction = min(max(value / maximum, Decimal(0)), _ONE)
    return _plain(fraction)


def webex_points(score: float | None, minimum: float | None = None, maximum: float | None = None) -> int:
    """Rule 3: whole WebEx points for an attempt's score (None scores 0)."""
    value = Decimal(repr(float(score or 0)))
    if maximum is not None:
        value = min(value, Decimal(repr(float(maximum))))
    if minimum is not None:
        value = max(value, Decimal(repr(float(minimum))))
    return int(value.quantize(_ONE, rounding=ROUND_HALF_UP))


def _maximum(value: Decimal, score_maximum: float | None) -> Decimal:
    if score_maximum is not None and score_maximum > 0:
        return Decimal(repr(float(score_maximum)))
    return _ONE if 0 <= value <= 1 else Decimal(repr(LIS_MAXIMUM))


def _plain(value: Decimal) -> str:
    """Plain notation, no exponent, no trailing zeros: 1 -> "1", 0.450 -> "0.45", 0 -> "0"."""
    if value == 0:
        return "0"  # never "-0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


# --- AGS (rules 4 and 5) -----------------------------------------------------------------------


def _number(value: float) -> str:
    return _plain(Decimal(repr(float(value))))


def ags_to_store(score_given: float | None, score_maximum: float | None) -> tuple[str | None, float | None]:
    """Rule 4: the stored (``score_text``, ``score_maximum``) of an AGS score."""
    if score_given is None:
        return None, None
    if score_maximum is None or score_maximum <= 0:
        raise ValueError("scoreMaximum must be a positive number when scoreGiven is given")
    return _number(score_given), float(score_maximum)


def store_to_ags(score_text: str | None, score_maximum: float | None, line_item_maximum: float | None = None
                 ) -> tuple[float | None, float]:
    """Rule 4: (``resultScore``, ``resultMaximum``) of a stored result for AGS ``/results``."""
    value = parse_decimal(score_text)
    if value is None:
        fallback = line_item_maximum if line_item_maximum and line_item_maximum > 0 else 1.0
        return None, float(score_maximum) if score_maximum and score_maximum > 0 else fallback
    return float(value), float(_maximum(value, score_maximum))


def legacy_to_ags(text: str | None, scale: float) -> tuple[float, float] | None:
    """Rule 5: (``scoreGiven``, ``scoreMaximum``) of a legacy write on ``scale``, or None when the
    text is not a plain decimal in 0..scale."""
    value = parse_decimal(text)
    if value is None or not 0 <= value <= Decimal(repr(float(scale))):
        return None
    return float(value), float(scale)


def upstream_fraction(result: dict) -> Decimal | None:
    """Rule 5: an upstream AGS result as a fraction in [0, 1], or None (no score)."""
    given, maximum = result.get("resultScore"), result.get("resultMaximum")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (given, maximum)) or maximum <= 0:
        return None
    return min(max(Decimal(repr(float(given))) / Decimal(repr(float(maximum))), Decimal(0)), _ONE)


def upstream_to_lti(result: dict) -> str | None:
    fraction = upstream_fraction(result)
    return None if fraction is None else _plain(fraction)


def upstream_to_lis(result: dict) -> str | None:
    fraction = upstream_fraction(result)
    return None if fraction is None else _plain(fraction * Decimal(repr(LIS_MAXIMUM)))
