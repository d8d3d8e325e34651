"""FileService and DataService through zeep with WS-Security, and the queue they feed."""
from __future__ import annotations

import pytest
import zeep.exceptions
from lxml import etree
from sqlalchemy import func, select

from adapters.store import models
from gateway.demo.itslearning import PACKAGE_GUID
from gateway.itslearning import wsdl as itslearning_wsdl
from gateway.itslearning.services import DATA_PATH, FILE_PATH
from tests.conftest import BASE_URL, REFERENCE
from tests.itslearning.conftest import client

EXAMPLE = (REFERENCE / "itslearning" / "CreateCourseElementTest-example.xml").read_text()
PACKAGES = REFERENCE / "qti" / "packages"


def result_of(data, message_id):
    result = data.service.GetMessageResult(messageId=message_id)
    details = [(d.Type, d.Message) for d in (result.StatusDetails.DataMessageStatusDetail if result.StatusDetails else [])]
    return result.Status, details


def test_seed_example_imports(data, worker, demo_store):
    added = data.service.AddMessage(dataMessage={"Data": EXAMPLE, "Type": 1})
    assert added.Status == "InQueue" and added.MessageId > 0
    assert result_of(data, added.MessageId) == ("InQueue", [])
    assert worker.drain() == 1
    status, details = result_of(data, added.MessageId)
    assert status == "Finished"
    assert [t for t, _ in details] == ["Info"]
    assert 'Test "My Imported Test" created' in details[0][1] and "3 question(s)" in details[0][1]
    with demo_store.session() as s:
        element = s.scalar(select(models.ItsElement).where(models.ItsElement.message_id == added.MessageId))
        assert (element.kind, element.course_id, element.created_by, element.title) == ("test", 1, 2, "My Imported Test")
        assert element.settings["ShowResults"] == "AfterEach" and element.settings["Assessment"] == 1
        test = s.get(models.Test, element.test_id)
        assert test.title == "My Imported Test" and "<questestinterop" in test.qti_xml


def test_upload_then_import_reference_package(files, data, worker):
    content = (PACKAGES / "WebDeveloperTest1.zip").read_bytes()
    guid = files.service.UploadFile(fileMessage={"Content": content, "Name": "WebDeveloperTest1.zip"})
    assert len(guid) == 36
    message = EXAMPLE.replace(PACKAGE_GUID, guid)
    added = data.service.AddMessage(dataMessage={"Data": message, "Type": 1})
    worker.drain()
    status, details = result_of(data, added.MessageId)
    assert status == "Finished" and details[0][0] == "Info" and "9 question(s)" in details[0][1]


@pytest.mark.parametrize("name", ["virus.exe", "script.JS", "noextension", "run.bat"])
def test_refused_extensions(files, name):
    with pytest.raises(zeep.exceptions.Fault, match="not accepted"):
        files.service.UploadFile(fileMessage={"Content": b"x", "Name": name})


def test_upload_over_the_size_limit(demo_store, settings):
    http = in_process(settings.replace(itslearning_max_file_bytes=10), demo_store)
    with pytest.raises(zeep.exceptions.Fault, match="the limit is 10 bytes"):
        client(http, FILE_PATH).service.UploadFile(fileMessage={"Content": b"x" * 11, "Name": "a.zip"})
    assert client(http, FILE_PATH).service.UploadFile(fileMessage={"Content": b"x" * 10, "Name": "a.zip"})


def in_process(settings, store):
    from gateway.app import create_app
    from wsgiadapter import WSGIAdapter
    import requests

    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(create_app(settings, store)))
    return session


def test_wrong_password_is_an_authentication_fault(http, demo_store):
    bad = client(http, DATA_PATH, password="wrong")
    with pytest.raises(zeep.exceptions.Fault) as fault:
        bad.service.GetMessageTypes()
    assert fault.value.message == "At least one security token in the message could not be validated."
    assert "FailedAuthentication" in fault.value.code


def test_missing_security_header(http, demo_store):
    envelope = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        '<GetMessageTypes xmlns="http://tempuri.org/"/></s:Body></s:Envelope>'
    )
    response = http.post(BASE_URL + DATA_PATH, data=envelope, headers={"Content-Type": "text/xml",
                         "SOAPAction": '"http://tempuri.org/IDataService/GetMessageTypes"'})
    assert response.status_code == 500
    assert b"could not be validated" in response.content


def test_get_message_types(data):
    types = data.service.GetMessageTypes()
    assert [(t.Id, t.Name) for t in types] == [(1, "Create.Course.Element.Test")]


def test_unknown_message_type_is_refused_before_queueing(data, demo_store):
    with pytest.raises(zeep.exceptions.Fault, match="Message type 99 is not supported"):
        data.service.AddMessage(dataMessage={"Data": EXAMPLE, "Type": 99})
    with demo_store.session() as s:
        assert s.scalar(select(func.count()).select_from(models.ItsMessage)) == 0


def test_unknown_message_id(data):
    with pytest.raises(zeep.exceptions.Fault, match="Message 424242 does not exist"):
        data.service.GetMessageResult(messageId=424242)


def test_wcf_style_raw_request_with_cdata(http, demo_store, worker):
    """What real clients post: prefixed tempuri/entities elements and the message in CDATA."""
    envelope = f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
        xmlns:its="http://schemas.datacontract.org/2004/07/Itslearning.Integration.ContentImport.Services.Entities">
      <s:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
        <wsse:UsernameToken><wsse:Username>itslearning-demo</wsse:Username>
        <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-username-token-profile-1.0#PasswordText">secret</wsse:Password>
        </wsse:UsernameToken></wsse:Security></s:Header>
      <s:Body><tem:AddMessage><tem:dataMessage><its:Data><![CDATA[{EXAMPLE}]]></its:Data><its:Type>1</its:Type>
      </tem:dataMessage></tem:AddMessage></s:Body></s:Envelope>"""
    response = http.post(BASE_URL + DATA_PATH, data=envelope.encode(), headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://tempuri.org/IDataService/AddMessage"'})
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    ns = {"its": "http://schemas.datacontract.org/2004/07/Itslearning.Integration.ContentImport.Services.Entities"}
    assert root.findtext(".//its:Status", namespaces=ns) == "InQueue"
    assert worker.drain() == 1


def test_oversized_data_message_is_a_soap_fault(http, demo_store, settings):
    from gateway.app import create_app
    from wsgiadapter import WSGIAdapter
    import requests

    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(create_app(settings.replace(max_body_bytes=50), demo_store)))
    response = session.post(BASE_URL + DATA_PATH, data=b"<x>" + b"y" * 100 + b"</x>", headers={"Content-Type": "text/xml"})
    assert response.status_code == 413
    assert b"<faultcode>SOAP-ENV:Client</faultcode>" in response.content and b"exceeds the limit" in response.content


@pytest.mark.parametrize("wsdl", [itslearning_wsdl.FILE_SERVICE, itslearning_wsdl.DATA_SERVICE], ids=["file", "data"])
def test_wsdl_files_match_the_services(wsdl):
    assert wsdl.path.read_bytes() == wsdl.generate(), "run: python -m gateway.itslearning.wsdl"


def test_served_wsdl_points_at_the_gateway_with_wcf_soap_actions(http, demo_store):
    text = http.get(BASE_URL + DATA_PATH + "?wsdl").text
    assert f'location="{BASE_URL}{DATA_PATH}"' in text
    assert 'soapAction="http://tempuri.org/IDataService/AddMessage"' in text
    service = client(http, DATA_PATH).service
    assert service._binding_options["address"] == BASE_URL + DATA_PATH


def test_upload_larger_than_libxml2s_text_limit(files, demo_store):
    """A 12 MB package is one 16 MB base64 text node: past libxml2's default 10 MB limit."""
    content = b"PK" + bytes(range(256)) * (12 * 4096)
    guid = files.service.UploadFile(fileMessage={"Content": content, "Name": "big.zip"})
    with demo_store.session() as s:
        assert s.get(models.ItsAsset, guid).size == len(content)
