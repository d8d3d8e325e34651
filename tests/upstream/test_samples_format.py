"""The sample format: every folder in samples/ loads; save/load round trip; clear refusals."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.upstream import samples

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_every_sample_folder_follows_the_one_format():
    folders = samples.discover([SAMPLES])
    assert {f.name for f in folders} >= {
        "webex-getimstestresult-207", "lis-readresult-49313814", "lis-readresults-49313814-49313826"}
    for folder in folders:
        sample = samples.load(folder)
        assert sample.request.body and sample.response.body
        assert "Authorization" not in sample.request.headers, folder
        meta = json.loads((folder / "meta.json").read_text())
        assert set(meta) == set(sample.meta()), f"{folder}: keys differ from the documented format"


def test_save_and_load_round_trip(tmp_path):
    sample = samples.Sample(
        name="x", protocol="lti-pox", operation="readResult",
        request=samples.RecordedRequest("POST", "/lti/outcomes?a=1", {"Content-Type": "application/xml"}, b"<r/>"),
        response=samples.RecordedResponse(200, {"Content-Type": "application/xml"}, b"<s/>"),
        recorded="2026-11-22T05:00:00Z", auth=samples.OAuthInfo("49201"), volatile=["imsx_messageIdentifier"])
    folder = samples.save(sample, tmp_path)
    again = samples.load(folder)
    assert again.request == sample.request and again.response == sample.response
    assert again.auth == sample.auth and again.volatile == sample.volatile and again.recorded == sample.recorded
    assert samples.discover([tmp_path]) == [folder] and samples.discover([folder]) == [folder]


@pytest.mark.parametrize("meta, message", [
    ({"protocol": "smtp", "request": {"path": "/"}, "response": {"status": 200}}, "protocol must be"),
    ({"protocol": "webex", "request": {"path": "x"}, "response": {"status": 200}}, "absolute path"),
    ({"protocol": "webex", "request": {"path": "/"}, "response": {}}, "response.status"),
    ({"protocol": "webex", "request": {"path": "/", "body": "../../etc/passwd"}, "response": {"status": 200}}, "outside"),
])
def test_bad_meta_is_refused_with_the_folder_named(tmp_path, meta, message):
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(samples.SampleError, match=message):
        samples.load(tmp_path)


def test_not_a_sample_folder(tmp_path):
    with pytest.raises(samples.SampleError, match="no meta.json"):
        samples.load(tmp_path)
    with pytest.raises(samples.SampleError):
        samples.discover([tmp_path / "nothing"])
