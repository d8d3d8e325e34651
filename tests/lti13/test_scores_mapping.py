"""adapters/scores.py, the AGS side: AGS score ↔ LIS text score ↔ LTI 1.1 fraction (rules 1-3)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import scores


@pytest.mark.parametrize(
    "given_, maximum, text",
    [(7, 10, "0.7"), (10, 10, "1"), (0, 10, "0"), (1, 3, "0.3333333333333333333333333333"), (12, 10, "1.2"), (2.5, 4, "0.625")],
)
def test_ags_to_text(given_, maximum, text):
    assert scores.ags_to_text(given_, maximum) == text


def test_no_score_given_clears():
    assert scores.ags_to_text(None, 10) is None
    with pytest.raises(ValueError):
        scores.ags_to_text(5, None)


def test_an_ags_score_reads_back_exactly():
    assert scores.text_to_ags(scores.ags_to_text(1, 3), 1, 3, 100) == (1, 3)


def test_a_legacy_score_reads_on_the_line_item_scale():
    # stored 1/3 over AGS, then an LTI 1.1 replaceResult wrote 0.4
    assert scores.text_to_ags("0.4", 1, 3, 20) == (8.0, 20)
    assert scores.text_to_ags("0.4", None, None, None) == (0.4, 1.0)
    assert scores.text_to_ags("100", None, None, 20) == (None, 20)  # a LIS free-text score
    assert scores.text_to_ags("abc", None, None, 20) == (None, 20)
    assert scores.text_to_ags(None, None, None, 20) == (None, 20)


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_every_ags_score_round_trips_through_the_text(g, m):
    text = scores.ags_to_text(g, m)
    assert "e" not in text.lower()
    assert scores.text_to_ags(text, g, m, 50) == (g, m)
    if g <= m:
        assert scores.fraction(text) is not None
