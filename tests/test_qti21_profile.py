"""The seed-004 contentProfile: well-formed, the seed's structure, derived from the importer's registry,
served at GET /qti/contentProfile and printed by `lms-gateway qti profile`."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from adapters.qti21 import ItemError, parse_item, registry
from adapters.qti21.profile import content_profile
from gateway.cli import main
from gateway.xmlsafe import parse
from tests.conftest import BASE_URL, REFERENCE, SEEDS

SEED = SEEDS / "004_6e9f111e26037ebf.txt"
ITEMS = REFERENCE / "qti" / "items-v2p1"


def seed_fields(klass: str) -> list[tuple[str, str]]:
    """(name, multiplicity) of each "Contains" field of a class in seed 004."""
    text = SEED.read_text()
    start = text.index(f"Class : {klass}")
    end = text.index("Class :", start + 1)
    return re.findall(r"Contains : (\w+)[^\[\n]*\[([1*])\]", text[start:end])


@pytest.fixture(scope="module")
def profile():
    return parse(content_profile())


def test_profile_is_well_formed_and_follows_the_seed_field_order(profile):
    assert profile.tag == "contentProfile"
    fields = seed_fields("contentProfile")
    names = [name for name, _ in fields]
    seen = []
    for child in profile:
        if not seen or seen[-1] != child.tag:
            seen.append(child.tag)
    assert seen == names
    for name, multiplicity in fields:
        found = profile.findall(name)
        if multiplicity == "1":
            assert len(found) == 1, name
    meta = [name for name, _ in seed_fields("metadataProfile")]
    assert [c.tag for c in profile.find("metadataProfile")] == meta


def test_booleans_are_xml_schema_booleans(profile):
    for child in profile.iter():
        if len(child) == 0 and child.tag not in ("objectType", "imageType", "interactionType", "rpTemplate"):
            assert child.text in ("true", "false"), child.tag


def test_profile_lists_exactly_the_registry(profile):
    assert [e.text for e in profile.findall("interactionType")] == list(registry.INTERACTIONS)
    assert [e.text for e in profile.findall("rpTemplate")] == list(registry.TEMPLATES)
    assert profile.findtext("adaptive") == "false" and profile.findtext("templates") == "false"


def test_qti_lite_is_the_floor(profile):
    assert "choiceInteraction" in [e.text for e in profile.findall("interactionType")]
    assert "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct" in [
        e.text for e in profile.findall("rpTemplate")]


def test_interaction_requirements_of_seed_section_5_1_1(profile):
    interactions = {e.text for e in profile.findall("interactionType")}
    if interactions & {"gapMatchInteraction", "inlineChoiceInteraction", "textEntryInteraction", "hottextInteraction"}:
        assert profile.findtext("textElements") == "true"
    if interactions & {"hotspotInteraction", "selectPointInteraction"}:
        assert profile.findtext("objectElements") == "true"
        assert profile.findall("objectType")


def test_profile_matches_what_the_parser_does(profile):
    """Every official item whose interactions are all listed imports; every other one is refused."""
    listed = {e.text for e in profile.findall("interactionType")}
    adaptive_ok = profile.findtext("adaptive") == "true"
    for path in ITEMS.glob("*.xml"):
        root = parse(path.read_bytes())
        used = {el.tag.split("}")[1] for el in root.iter() if isinstance(el.tag, str)
                and el.tag.split("}")[-1] in registry.ALL_INTERACTIONS}
        if not used <= listed or (root.get("adaptive") == "true" and not adaptive_ok):
            with pytest.raises(ItemError):
                parse_item(root, href=path.name)


def test_served_at_get_qti_content_profile(http):
    response = http.get(f"{BASE_URL}/qti/contentProfile")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert response.content == content_profile()
    assert http.post(f"{BASE_URL}/qti/contentProfile", data=b"x").status_code == 405


def test_cli_prints_the_same_document():
    result = CliRunner().invoke(main, ["qti", "profile"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.encode() == content_profile()
