"""UploadFile read from the stream: authentication before the file (issue 12 item 2), the quota
and Windows file names at upload time (item 9)."""
from __future__ import annotations

import base64
import io
import random
import re

import pytest
import zeep.exceptions
from hypothesis import example, given, settings as hsettings, strategies as st
from sqlalchemy import func, select

from adapters.store import models
from gateway.demo.itslearning import PACKAGE_GUID
from gateway.itslearning.services import FILE_PATH
from tests.conftest import BASE_URL
from tests.itslearning.conftest import client
from tests.itslearning.test_services import in_process

HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://tempuri.org/IFileService/UploadFile"'}


def envelope(content: bytes | str, name: str = "a.zip", password: str = "secret", header: str | None = None) -> bytes:
    text = content if isinstance(content, str) else base64.b64encode(content).decode()
    header = header if header is not None else (
        '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
        f"<wsse:UsernameToken><wsse:Username>itslearning-demo</wsse:Username><wsse:Password>{password}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>")
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>' + header + "</s:Header>"
        '<s:Body><UploadFile xmlns="http://tempuri.org/"><fileMessage '
        'xmlns:a="http://schemas.datacontract.org/2004/07/Itslearning.Integration.ContentImport.Services.Entities">'
        f"<a:Content>{text}</a:Content><a:Name>{name}</a:Name></fileMessage></UploadFile></s:Body></s:Envelope>"
    ).encode()


def post(http, body: bytes):
    return http.post(BASE_URL + FILE_PATH, data=body, headers=HEADERS)


def assets(store) -> int:
    """Uploads besides the demo package."""
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(models.ItsAsset).where(models.ItsAsset.guid != PACKAGE_GUID))


def quota_leaving(store, free: int) -> int:
    """A quota that leaves ``free`` bytes beside the demo package."""
    with store.session() as s:
        return free + s.scalar(select(func.sum(models.ItsAsset.size)))


# --- authentication before the file -----------------------------------------------------------


def test_a_wrong_password_is_answered_before_the_content_is_decoded(http, demo_store):
    """Content that is not base64: decoding it before authenticating (the old order) answered that."""
    response = post(http, envelope("QUJDRA" * 100_000 + "Q", password="wrong"))
    assert response.status_code == 500
    assert b"Client.FailedAuthentication" in response.content and b"base64" not in response.content


def test_a_wrong_password_is_answered_before_the_file_is_looked_at(demo_store, settings):
    """Too large, refused name: the old order answered those to anyone, before the password."""
    http = in_process(settings.replace(itslearning_max_file_bytes=10), demo_store)
    for body in (envelope(b"x" * 11, password="wrong"), envelope(b"x", name="evil.exe", password="wrong")):
        response = post(http, body)
        assert b"Client.FailedAuthentication" in response.content, response.text


def test_a_missing_header_is_answered_before_the_content_is_decoded(http, demo_store):
    body = re.sub(rb"<s:Header>.*</s:Header>", b"", envelope("%%%%" * 1000))
    response = post(http, body)
    assert b"could not be validated" in response.content


def test_an_oversized_header_is_refused(http, demo_store):
    from gateway.itslearning import upload_reader

    header = "<x:Pad xmlns:x='urn:pad'>" + "p" * (upload_reader.MAX_HEADER_BYTES + 1) + "</x:Pad>"
    response = post(http, envelope(b"PK", header=header))
    assert response.status_code == 500 and b"header is larger than" in response.content


def test_a_doctype_is_refused(http, demo_store):
    response = post(http, b'<!DOCTYPE s [<!ENTITY x "y">]>' + envelope(b"PK"))
    assert response.status_code == 500 and b"DOCTYPE" in response.content
    assert assets(demo_store) == 0


def test_a_repeated_member_or_a_second_body_is_refused(http, demo_store):
    twice = envelope(b"PK").replace(b"<a:Name>", b"<a:Content>UEs=</a:Content><a:Name>")
    assert b"more than one Content" in post(http, twice).content
    second_body = envelope(b"PK").replace(b"</s:Body>", b"</s:Body><s:Body/>")
    assert b"after the SOAP Body" in post(http, second_body).content
    assert assets(demo_store) == 0


def test_content_that_is_not_base64_is_a_client_fault(http, demo_store):
    for content in ("QUJD!", "QUJDRA", "QQ==QUJD", "Ã©Ã©"):
        response = post(http, envelope(content))
        assert response.status_code == 500 and b"<faultcode>SOAP-ENV:Client</faultcode>" in response.content, content
        assert b"not base64" in response.content
    assert assets(demo_store) == 0


def test_the_file_is_stored_as_sent_with_line_broken_base64(http, demo_store):
    content = bytes(random.Random(1).getrandbits(8) for _ in range(200_000))
    wrapped = "\n".join(base64.encodebytes(content).decode().splitlines())
    response = post(http, envelope(wrapped))
    assert response.status_code == 200, response.text
    guid = response.text.split("<UploadFileResult>")[1].split("<")[0]
    with demo_store.session() as s:
        assert s.get(models.ItsAsset, guid).content == content


@hsettings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=40))
def test_streaming_base64_decodes_any_split(data, cuts):
    from gateway.itslearning import upload_reader

    text = base64.b64encode(data).decode()
    out = io.BytesIO()
    sink = upload_reader._Base64Sink(out, limit=len(data))
    position = 0
    for cut in cuts:
        sink.write(text[position:position + cut])
        position += cut
    sink.write(text[position:])
    sink.close()
    assert out.getvalue() == data


def test_streaming_base64_stops_at_its_limit():
    from gateway.itslearning import upload_reader

    sink = upload_reader._Base64Sink(io.BytesIO(), limit=10)
    with pytest.raises(upload_reader.FileTooLarge):
        sink.write(base64.b64encode(b"x" * 11).decode())


# --- quota and names at UploadFile (item 9) -------------------------------------------------


def test_the_quota_is_enforced_at_upload(demo_store, settings):
    http = in_process(settings.replace(itslearning_file_quota_bytes=quota_leaving(demo_store, 300 * 1024)), demo_store)
    files = client(http, FILE_PATH)
    accepted, refused = [], []
    for i in range(5):
        try:
            accepted.append(files.service.UploadFile(fileMessage={"Content": b"P" * 200 * 1024, "Name": f"p{i}.zip"}))
        except zeep.exceptions.Fault as fault:
            refused.append(fault.message)
    assert len(accepted) == 1 and len(refused) == 4
    assert all(m.startswith("File quota was been exceeded.") for m in refused)
    assert assets(demo_store) == 1


def test_a_file_that_fits_the_rest_of_the_quota_is_accepted(demo_store, settings):
    http = in_process(settings.replace(itslearning_file_quota_bytes=quota_leaving(demo_store, 300 * 1024)), demo_store)
    files = client(http, FILE_PATH)
    files.service.UploadFile(fileMessage={"Content": b"P" * 200 * 1024, "Name": "a.zip"})
    assert files.service.UploadFile(fileMessage={"Content": b"P" * 100 * 1024, "Name": "b.zip"})


@pytest.mark.parametrize("name", ["evil.exe.", "evil.exe::$DATA", "evil.exe   ", "EVIL.ExE", "evil.exe. . ",
                                  "evil.exe:hidden:$DATA", r"C:\temp\evil.exe.", "evil.js::$DATA", "noext.", "a<b.zip"])
def test_names_windows_would_store_as_refused_ones_are_refused(files, demo_store, name):
    with pytest.raises(zeep.exceptions.Fault, match="not accepted|not a valid file name"):
        files.service.UploadFile(fileMessage={"Content": b"PK", "Name": name})
    assert assets(demo_store) == 0


def test_the_name_is_stored_as_windows_would_store_it(files, demo_store):
    guid = files.service.UploadFile(fileMessage={"Content": b"PK", "Name": r"C:\exports\Test 1.ZIP. "})
    with demo_store.session() as s:
        assert s.get(models.ItsAsset, guid).name == "Test 1.ZIP"


@hsettings(max_examples=150, deadline=None)
@example(envelope(b"PK\x03\x04")[:535] + b":" + envelope(b"PK\x03\x04")[535:])  # once a ValueError (":a:Name")
@given(st.one_of(st.binary(max_size=600),
                 st.tuples(st.integers(min_value=0, max_value=900), st.binary(max_size=40)).map(
                     lambda cut: envelope(b"PK\x03\x04")[:cut[0]] + cut[1] + envelope(b"PK\x03\x04")[cut[0]:])))
def test_the_upload_reader_answers_any_bytes_with_a_result_or_a_clean_error(raw):
    from gateway.itslearning import upload_reader

    try:
        upload = upload_reader.read(io.BytesIO(raw), lambda header: 1000)
    except (upload_reader.UploadInputError, upload_reader.FileTooLarge):
        return
    upload.file.close()
