"""Issue 12 items 6 and 10 on itslearning: a site's credential reaches only its own site's uploads,
courses, users, folders and messages; ids beyond 64 bits or outside ASCII digits answer a fault or
the seed's "does not exist" text, never an internal error."""
from __future__ import annotations

import pytest
import zeep.exceptions
from lxml import etree
from sqlalchemy import func, select

from adapters.store import accounts
from adapters.store import itslearning as store_its
from adapters.store import models
from gateway.demo.itslearning import PACKAGE_GUID, package_bytes
from gateway.itslearning.errors import MessageError
from gateway.itslearning.services import DATA_PATH
from gateway.security.passwords import hash_password
from tests.conftest import BASE_URL
from tests.itslearning.conftest import client

SITE2_USER, SITE2_PASSWORD = "site-two", "pw-site-two"
ENTITIES = "http://schemas.datacontract.org/2004/07/Itslearning.Integration.ContentImport.Services.Entities"


def message(course: str = "<CourseId>1</CourseId>", user: str = "<UserId>2</UserId>", file: str = PACKAGE_GUID,
            parent: str = "") -> str:
    return (f'<Message xmlns="urn:message-schema"><CreateCourseElementTest>{course}{parent}{user}<Title>T</Title>'
            f"</CreateCourseElementTest><Files><File>{file}</File></Files></Message>")


@pytest.fixture
def site2(http, demo_store):
    """A second site in the demo account with its own credential, user 40, course 41, folder 42 and upload."""
    with demo_store.session() as s:
        account = accounts.get_or_create_account(s, "demo")
        accounts.set_itslearning_credential(s, account, username=SITE2_USER, password_hash=hash_password(SITE2_PASSWORD),
                                            site_id=2)
        store_its.ensure_row(s, models.ItsUser, 40, account_id=account.id, site_id=2, name="Site 2 teacher")
        store_its.ensure_row(s, models.ItsCourse, 41, account_id=account.id, site_id=2, title="Site 2 course")
        store_its.ensure_row(s, models.ItsElement, 42, account_id=account.id, course_id=41, kind="folder", title="f2",
                             sync_key="site2-folder")
        guid = store_its.add_asset(s, account.id, 2, "site2.zip", package_bytes(), 14).guid
    data = client(http, DATA_PATH, SITE2_USER, SITE2_PASSWORD)
    data.upload_guid = guid
    return data


def run(data, worker, text: str) -> list[tuple[str, str]]:
    added = data.service.AddMessage(dataMessage={"Data": text, "Type": 1})
    worker.drain()
    result = data.service.GetMessageResult(messageId=added.MessageId)
    assert result.Status == "Finished"
    return [(d.Type, d.Message) for d in result.StatusDetails.DataMessageStatusDetail]


def elements(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(models.ItsElement).where(models.ItsElement.kind == "test"))


@pytest.mark.parametrize("text, error", [
    # the seed's message, as site 1 would send it: site 1's user is not valid in site 2
    (message(), MessageError.USER_NOT_VALID),
    (message(user="<UserSyncKey>demo-teacher</UserSyncKey>"), MessageError.USER_NOT_VALID),
    # site 2's user, site 1's course
    (message(user="<UserId>40</UserId>"), MessageError.COURSE_MISSING),
    (message(user="<UserId>40</UserId>", course="<CourseSyncKey>demo-course</CourseSyncKey>"), MessageError.COURSE_MISSING),
    # site 2's user and course, site 1's upload
    (message(user="<UserId>40</UserId>", course="<CourseId>41</CourseId>"), MessageError.UNKNOWN_FILE),
])
def test_site_two_cannot_use_site_ones_user_course_or_upload(site2, worker, demo_store, text, error):
    assert run(site2, worker, text) == [("Error", error.text())]
    assert elements(demo_store) == 0


def test_site_two_imports_with_its_own_user_course_folder_and_upload(site2, worker, demo_store):
    text = message(user="<UserId>40</UserId>", course="<CourseId>41</CourseId>", file=site2.upload_guid,
                   parent="<ParentId>42</ParentId>")
    [(kind, _)] = run(site2, worker, text)
    assert kind == "Info" and elements(demo_store) == 1


def test_site_ones_folder_is_not_in_site_twos_course(site2, worker, demo_store):
    with demo_store.session() as s:
        store_its.ensure_row(s, models.ItsElement, 43, account_id=1, course_id=1, kind="folder", title="f1", sync_key="site1-folder")
    for parent in ("<ParentId>43</ParentId>", "<ParentSyncKey>site1-folder</ParentSyncKey>"):
        text = message(user="<UserId>40</UserId>", course="<CourseId>41</CourseId>", file=site2.upload_guid, parent=parent)
        assert run(site2, worker, text)[0][0] == "Error"
    assert run(site2, worker, message(user="<UserId>40</UserId>", course="<CourseId>41</CourseId>", file=site2.upload_guid,
                                      parent="<ParentSyncKey>site1-folder</ParentSyncKey>")) == [
        ("Error", MessageError.PARENT_SYNC_KEY_UNKNOWN.text())]  # the same as a key that does not exist
    assert elements(demo_store) == 0


def test_site_two_cannot_read_site_ones_messages(site2, data, worker):
    mine = data.service.AddMessage(dataMessage={"Data": message(), "Type": 1}).MessageId  # site 1's
    worker.drain()
    assert data.service.GetMessageResult(messageId=mine).Status == "Finished"
    with pytest.raises(zeep.exceptions.Fault, match=f"Message {mine} does not exist"):
        site2.service.GetMessageResult(messageId=mine)


@pytest.mark.parametrize("field, value, error", [
    ("CourseId", str(2**63), MessageError.COURSE_MISSING),
    ("CourseId", "9" * 20, MessageError.COURSE_MISSING),
    ("CourseId", str(2**31), MessageError.COURSE_MISSING),  # beyond PostgreSQL's integer column
    ("UserId", str(2**63), MessageError.USER_NOT_VALID),
    ("UserId", "9" * 20, MessageError.USER_NOT_VALID),
    ("ParentId", "9" * 20, MessageError.PARENT_NOT_IN_COURSE),
])
def test_ids_beyond_the_columns_are_not_found(data, worker, demo_store, field, value, error):
    fields = {"course": "<CourseId>1</CourseId>", "user": "<UserId>2</UserId>", "parent": ""}
    key = {"CourseId": "course", "UserId": "user", "ParentId": "parent"}[field]
    fields[key] = f"<{field}>{value}</{field}>"
    assert run(data, worker, message(**fields)) == [("Error", error.text())]
    assert elements(demo_store) == 0


def raw_get_message_result(http, message_id: str, user="itslearning-demo", password="secret"):
    envelope = f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/">
      <s:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
        <wsse:UsernameToken><wsse:Username>{user}</wsse:Username>
        <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-username-token-profile-1.0#PasswordText">{password}</wsse:Password>
        </wsse:UsernameToken></wsse:Security></s:Header>
      <s:Body><tem:GetMessageResult><tem:messageId>{message_id}</tem:messageId></tem:GetMessageResult></s:Body></s:Envelope>"""
    return http.post(BASE_URL + DATA_PATH, data=envelope.encode("utf-8"), headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"http://tempuri.org/IDataService/GetMessageResult"'})


@pytest.mark.parametrize("message_id, fault", [
    ("２", "is not an integer (ASCII digits only)"),
    ("1_0", "is not an integer (ASCII digits only)"),
    (str(2**63), "is out of range"),
    ("9" * 20, "is out of range"),
])
def test_message_ids_outside_ascii_or_64_bits_are_client_faults(http, demo_store, message_id, fault):
    r = raw_get_message_result(http, message_id)
    assert r.status_code == 500
    root = etree.fromstring(r.content)
    assert root.findtext(".//faultcode").endswith("Client") or "Client" in root.findtext(".//faultcode")
    assert fault in root.findtext(".//faultstring") and repr(message_id) in root.findtext(".//faultstring")


@pytest.mark.parametrize("message_id", [str(2**31), str(2**63 - 1), "-1", "0"])
def test_message_ids_no_row_can_have_do_not_exist(http, demo_store, message_id):
    r = raw_get_message_result(http, message_id)
    root = etree.fromstring(r.content)
    assert root.findtext(".//faultstring") == f"Message {int(message_id)} does not exist."
