"""adapters/scores.py: the one mapping of a stored score to each protocol's scale (issue 12 item 12)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from adapters import scores


@pytest.mark.parametrize("text, maximum, expected", [
    ("100", scores.LIS_MAXIMUM, "1"), ("0", scores.LIS_MAXIMUM, "0"), ("45", scores.LIS_MAXIMUM, "0.45"),
    ("100.5", scores.LIS_MAXIMUM, "1"), ("-1", scores.LIS_MAXIMUM, "0"), ("1", scores.LIS_MAXIMUM, "0.01"),
    ("0.92", scores.LTI_MAXIMUM, "0.92"), ("1", scores.LTI_MAXIMUM, "1"), ("0", scores.LTI_MAXIMUM, "0"),
    ("1.0", scores.LTI_MAXIMUM, "1.0"), (".5", scores.LTI_MAXIMUM, "0.5"), ("-0", scores.LTI_MAXIMUM, "0"),
    ("8", 10.0, "0.8"), ("12.5", 12.5, "1"),
    # unknown scale (rows written before it was kept): the value decides
    ("0.92", None, "0.92"), ("100", None, "1"), ("45", None, "0.45"), ("250", None, "1"),
    # no number, no LTI score
    (None, scores.LTI_MAXIMUM, None), ("", scores.LIS_MAXIMUM, None), ("A", scores.LIS_MAXIMUM, None),
    ("0E-999999999", scores.LTI_MAXIMUM, None), ("NaN", None, None), ("１", None, None),
])
def test_lti_fraction(text, maximum, expected):
    assert scores.lti_fraction(text, maximum) == expected


def test_lis_text_is_the_text_as_written():
    assert scores.lis_text("100", scores.LIS_MAXIMUM) == "100"
    assert scores.lis_text("A", None) == "A"
    assert scores.lis_text("0.92", scores.LTI_MAXIMUM) == "0.92"


@pytest.mark.parametrize("score, low, high, points", [
    (45.0, 0, 100, 45), (2.5, None, None, 3), (3.5, None, None, 4), (44.49, 0, 100, 44), (None, 0, 100, 0),
    (120.0, 0, 100, 100), (-3.0, 0, 100, 0), (-2.5, None, None, -3),
])
def test_webex_points_round_half_up_within_the_tests_range(score, low, high, points):
    assert scores.webex_points(score, low, high) == points


@pytest.mark.parametrize("text, value", [
    ("0", Decimal(0)), ("1", Decimal(1)), ("1.0", Decimal("1.0")), (" 0.25\n", Decimal("0.25")), (".5", Decimal("0.5")),
    ("1.5", None), ("-0.1", None), ("0E-999999999", None), ("1e0", None), ("NaN", None), ("Infinity", None),
    ("０.５", None), ("0_5", None), ("", None), ("0." + "0" * 300, None),
])
def test_parse_lti_score_is_plain_decimal_notation_in_0_to_1(text, value):
    assert scores.parse_lti_score(text) == value


@given(st.text(max_size=30), st.one_of(st.none(), st.floats(min_value=0.001, max_value=1e6)))
def test_any_stored_text_reads_within_lti_range(text, maximum):
    fraction = scores.lti_fraction(text, maximum)
    assert fraction is None or (scores.parse_decimal(fraction) is not None and 0 <= Decimal(fraction) <= 1)
