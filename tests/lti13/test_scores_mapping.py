"""adapters/scores.py, the AGS rules (4 and 5) beside the LIS and LTI 1.1 ones."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import scores


@pytest.mark.parametrize("given_, maximum, text", [(7, 10, "7"), (2.5, 4, "2.5"), (0, 10, "0"), (12, 10, "12")])
def test_an_ags_score_is_stored_as_its_value_on_its_scale(given_, maximum, text):
    assert scores.ags_to_store(given_, maximum) == (text, float(maximum))


def test_no_score_given_clears():
    assert scores.ags_to_store(None, 10) == (None, None)
    with pytest.raises(ValueError):
        scores.ags_to_store(5, None)


def test_each_protocol_reads_an_ags_score():
    text, scale = scores.ags_to_store(15, 20)
    assert scores.lis_text(text, scale) == "15"
    assert scores.lti_fraction(text, scale) == "0.75"
    assert scores.store_to_ags(text, scale, 100) == (15.0, 20.0)


def test_ags_reads_legacy_scores_on_their_own_scale():
    assert scores.store_to_ags("0.4", scores.LTI_MAXIMUM, 20) == (0.4, 1.0)
    assert scores.store_to_ags("85", scores.LIS_MAXIMUM, 20) == (85.0, 100.0)
    assert scores.store_to_ags("85", None, 20) == (85.0, 100.0)  # unknown scale: decided by the value
    assert scores.store_to_ags("A", None, 20) == (None, 20)
    assert scores.store_to_ags(None, None, None) == (None, 1.0)


def test_the_bridge_carries_scores_on_the_writers_scale():
    assert scores.legacy_to_ags("0.8", scores.LTI_MAXIMUM) == (0.8, 1.0)
    assert scores.legacy_to_ags("85", scores.LIS_MAXIMUM) == (85.0, 100.0)
    assert scores.legacy_to_ags("1.5", scores.LTI_MAXIMUM) is None
    assert scores.legacy_to_ags("Pass", scores.LIS_MAXIMUM) is None
    upstream = {"resultScore": 15, "resultMaximum": 20}
    assert (scores.upstream_to_lti(upstream), scores.upstream_to_lis(upstream)) == ("0.75", "75")
    assert scores.upstream_to_lti({"resultScore": 15}) is None
    assert scores.upstream_to_lti({"resultScore": 30, "resultMaximum": 20}) == "1"


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_every_ags_score_round_trips(g, m):
    text, scale = scores.ags_to_store(g, m)
    assert "e" not in text.lower()
    assert scores.store_to_ags(text, scale, 50) == (g, m)
    assert scores.lti_fraction(text, scale) is not None
