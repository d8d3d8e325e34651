"""Every recorded LIS exchange in samples/ replays against the in-process gateway (DESIGN.md §11).

The request goes out with its recorded headers, re-signed with the demo secret (the recorded
signature was made with Turnitin's secret at a 2012 timestamp); the answer must equal the recorded
one element by element, ignoring the texts meta.json names volatile (message identifiers).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from adapters.upstream.compare import Rules, diff_trees
from gateway import xmlsafe
from gateway.security.oauth import authorization_header
from tests.conftest import BASE_URL
from tests.lis.conftest import lis_schema

SAMPLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "samples").glob("lis-*") if p.is_dir())


def test_there_are_lis_samples():
    assert {p.name for p in SAMPLES} >= {"lis-readresult-49313814", "lis-readresults-49313814-49313826"}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_replays(sample, http, demo_data, settings):
    meta = json.loads((sample / "meta.json").read_text())
    body = (sample / "request.xml").read_bytes()
    url = BASE_URL + meta["request"]["path"]
    headers = dict(meta["request"]["headers"])
    assert "Authorization" not in headers  # samples/README.md: recorded signatures are never kept
    headers["Authorization"] = authorization_header(
        url, body, meta["auth"]["consumer_key"], settings.demo_secret, content_type=headers["Content-Type"]
    )
    r = http.request(meta["request"]["method"], url, data=body, headers=headers)
    assert r.status_code == meta["response"]["status"]
    assert r.headers["Content-Type"] == meta["response"]["headers"]["Content-Type"]
    got = xmlsafe.parse(r.content)
    expected = xmlsafe.parse((sample / "response.xml").read_bytes())
    # samples/README.md: volatile entries are local-name paths, judged by the one XML-aware diff
    rules = Rules.of(meta["volatile"], meta.get("equivalent_values"))
    assert [str(d) for d in diff_trees(expected, got, rules)] == []
    # prefixes and declarations as recorded, not merely the same names
    assert r.content.splitlines()[:3] == (sample / "response.xml").read_bytes().splitlines()[:3]
    schema = lis_schema()
    for entry in (*got.find("{*}Header"), *got.find("{*}Body")):
        schema.assertValid(etree.ElementTree(entry))
