"""CreateCourseElementTest: validate a queued message, import its QTI 2.1 package, create the test.

The message (``urn:message-schema``, seed 001)::

    <Message xmlns="urn:message-schema">
      <SyncKeys><SyncKey>test-1</SyncKey></SyncKeys>?  <SiteId>1</SiteId>?
      <CreateCourseElementTest>
        <CourseId>1</CourseId> | <CourseSyncKey/>   (<ParentId/> | <ParentSyncKey/>)?  <Active>?
        <UserId>2</UserId> | <UserSyncKey/>   <Title>My Imported Test</Title>  <Description>?
        <Deadline>2012-05-01T01:01:01+00:00</Deadline>?  (<Assessment>1</Assessment> | <UseScore>)?
        <Mandatory>? <ScoringMethod>? <CompletionCriteria>? <Order>? <MaxTime>? <ShowResults>? <ShowFeedback>?
      </CreateCourseElementTest>
      <Files><File>177e9203-a5c8-4972-ab80-b00c11600b91</File></Files>
    </Message>

Checks run in the order a person fixing the message would want them: the fields the seed names
an error for first (so that, say, a bad ShowResults gets its own message rather than the generic
schema one), then the schema, then the store (site, sync keys, user, course, parent, file), and
the package last because it is the dearest. The first failing check is the one reported.
Everything the element needs is written in the caller's single unit of work.
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

from lxml import etree
from sqlalchemy.orm import Session

from adapters import ns, qti21
from adapters.integers import INT32, IntegerError, parse_int
from adapters.qti21.convert import to_qti12
from adapters.store import itslearning as store
from adapters.store import tests as store_tests
from adapters.store.models import Account, ItsElement, ItsMessage
from gateway import assessments, xmlsafe
from gateway.config import Settings
from gateway.resources import SCHEMAS
from gateway.itslearning.errors import MessageError, MessageRejected

log = logging.getLogger("lms_gateway.itslearning")

SCHEMA = SCHEMAS / "itslearning" / "message-schema-CreateCourseElementTest.xsd"
MAX_TIME = 35_791_394
SHOW_RESULTS = ("TeacherDecides", "AfterEach", "AfterAll", "Never")
SHOW_FEEDBACK = ("OnQuestions", "OnAlternatives", "Nofeedback")
#: The seed's defaults for what the message leaves out.
DEFAULTS = {
    "Active": True, "Mandatory": True, "ScoringMethod": True, "Order": False, "MaxTime": 0,
    "ShowResults": "AfterEach", "ShowFeedback": "Nofeedback", "Deadline": None, "CompletionCriteria": None,
}
ENTITY = "CourseElementTest"


@dataclass
class Detail:
    """One ``DataMessageStatusDetail``."""

    type: str
    message: str
    sync_key: str | None = None
    entity: str = ENTITY

    def to_json(self) -> dict:
        return {"Type": self.type, "Message": self.message, "SyncKey": self.sync_key, "Entity": self.entity}


@cache
def _schema() -> etree.XMLSchema:
    return xmlsafe.load_schema(SCHEMA)


def M(tag: str) -> str:
    return f"{{{ns.ITSLEARNING_MESSAGE}}}{tag}"


def process(session: Session, message: ItsMessage, settings: Settings) -> list[Detail]:
    """Validate and carry out one message; return its status details (errors are details too)."""
    sync_key = None
    try:
        root = _parse(message.data)
        sync_key = root.findtext(f"{M('SyncKeys')}/{M('SyncKey')}")
        fields = _checked_fields(root)
        if not _schema().validate(root):
            raise MessageRejected(MessageError.INVALID_FORMAT.text(), str(_schema().error_log.last_error))
        return _create(session, message, root, fields, sync_key, settings)
    except MessageRejected as rejected:
        log.info("message %s rejected: %s (%s)", message.id, rejected.message, rejected.detail)
        return [Detail("Error", rejected.message, sync_key)]


def _parse(data: str) -> etree._Element:
    try:
        root = xmlsafe.parse(data.encode("utf-8"))
    except xmlsafe.XMLInputError as exc:
        raise MessageRejected(MessageError.INVALID_FORMAT.text(), str(exc)) from exc
    if root.tag != M("Message") or root.find(M("CreateCourseElementTest")) is None:
        raise MessageRejected(MessageError.INVALID_FORMAT.text(), f"root {root.tag} is not a CreateCourseElementTest Message")
    return root


def _checked_fields(root: etree._Element) -> dict:
    """The fields with an error of their own, checked before the schema, with defaults applied."""
    test = root.find(M("CreateCourseElementTest"))

    def text(name: str) -> str | None:
        el = test.find(M(name))
        return None if el is None else (el.text or "")

    title = text("Title")
    if title is None or not title.strip():
        raise MessageRejected(MessageError.TITLE.text())
    fields = dict(DEFAULTS, Title=title.strip())
    description = text("Description")
    if description is not None:
        _check_rich_content(description)
        fields["Description"] = description
    deadline = text("Deadline")
    if deadline is not None and deadline.strip():
        fields["Deadline"] = _utc_deadline(deadline.strip())
    max_time = text("MaxTime")
    if max_time is not None:
        try:
            minutes = parse_int(max_time, "MaxTime")
        except IntegerError as exc:
            raise MessageRejected(MessageError.MAX_TIME.text(), str(exc)) from None
        if not 0 <= minutes <= MAX_TIME:  # 0 is the seed's "no limit"
            raise MessageRejected(MessageError.MAX_TIME.text(), f"MaxTime {minutes}")
        fields["MaxTime"] = minutes
    for name, allowed in (("ShowResults", SHOW_RESULTS), ("ShowFeedback", SHOW_FEEDBACK)):
        value = text(name)
        if value is not None:
            if value.strip() not in allowed:
                raise MessageRejected(MessageError.SHOW_RESULTS.text(), f"{name} {value!r}")
            fields[name] = value.strip()
    for name in ("Active", "Mandatory", "ScoringMethod", "Order", "UseScore"):
        value = text(name)
        if value is not None and value.strip() in ("true", "1", "false", "0"):
            fields[name] = value.strip() in ("true", "1")
    for name in ("CompletionCriteria", "Assessment"):
        value = text(name)
        if value is None:
            continue
        with contextlib.suppress(IntegerError):  # anything else is the schema's to refuse
            fields[name] = parse_int(value, name, INT32)
    return fields


def _check_rich_content(description: str) -> None:
    if "<" not in description and "&" not in description:
        return
    try:
        xmlsafe.parse(b"<div>" + description.encode("utf-8") + b"</div>")
    except xmlsafe.XMLInputError as exc:
        raise MessageRejected(MessageError.DESCRIPTION.text(), str(exc)) from exc


def _utc_deadline(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MessageRejected(MessageError.DEADLINE.text(), f"Deadline {value!r}") from None
    if moment.utcoffset() is None or moment.utcoffset().total_seconds() != 0:
        raise MessageRejected(MessageError.DEADLINE.text(), f"Deadline {value!r} is not UTC")
    return moment.astimezone(timezone.utc).isoformat()


def _create(session: Session, message: ItsMessage, root: etree._Element, fields: dict, sync_key: str | None,
            settings: Settings) -> list[Detail]:
    # Everything the message names is looked up in the site of the credential that queued it.
    account_id, site = message.account_id, message.site_id
    test = root.find(M("CreateCourseElementTest"))
    details: list[Detail] = []

    site_id = root.findtext(M("SiteId"))
    if site_id is not None and _id(site_id, "SiteId") != site:
        raise MessageRejected(MessageError.SECURITY.text(f"site {site_id}"), f"credential is for site {site}")
    if sync_key and store.sync_key_taken(session, account_id, sync_key):
        raise MessageRejected(MessageError.DUPLICATE_SYNC_KEYS.text(sync_key))

    user = _user(session, account_id, site, test)
    course = _course(session, account_id, site, test)
    parent = _parent(session, account_id, site, test, course.id)

    grade_id = fields.get("Assessment")
    if grade_id is not None and store.grade(session, account_id, grade_id) is None:
        details.append(Detail("Info", f"Assessment {grade_id} is not a valid grade ID; the test uses no grade.", sync_key))
        fields["Assessment"] = None

    guid = (root.findtext(f"{M('Files')}/{M('File')}") or "").strip()
    asset = store.live_asset(session, account_id, site, guid)
    if asset is None:
        raise MessageRejected(MessageError.UNKNOWN_FILE.text(), f"file {guid!r}")
    if store.site_asset_bytes(session, account_id, asset.site_id) > settings.itslearning_file_quota_bytes:
        raise MessageRejected(MessageError.QUOTA.text())
    if not asset.name.lower().endswith(".zip"):
        raise MessageRejected(MessageError.FILE_FORMAT.text(), f"asset {asset.name!r} is not a .zip package")

    imported = _import_package(asset.content, asset.name)
    stored = store_tests.add_test(
        session, session.get(Account, account_id), qti_xml=imported.qti12_xml, ident=imported.identifier,
        title=fields["Title"], description=fields.get("Description"),
        # QTI 2.1 compares typed text as given (the trimming switch is set per test afterwards)
        meta={"itslearning": _jsonable(fields), "source": f"itslearning message {message.id}",
              assessments.EXACT_STRINGS: True},
    )
    created = ItsElement(
        account_id=account_id, course_id=course.id, parent_id=parent.id if parent else None, kind="test",
        title=fields["Title"], sync_key=sync_key, test_id=stored.id, created_by=user.id,
        settings=_jsonable(fields), message_id=message.id,
    )
    session.add(created)
    session.flush()
    details.append(Detail(
        "Info", f"Test \"{fields['Title']}\" created with element id {created.id} and {imported.item_count} "
                f"question(s); WebEx testID {stored.webex_test_id}.", sync_key))
    return details


def _id(text: str, field: str) -> int | None:
    """An id field the schema let through (``xs:integer`` has no bound); None when it cannot be an id."""
    try:
        return parse_int(text, field)
    except IntegerError:
        return None


def _user(session: Session, account_id: int, site: int, test: etree._Element):
    user_id, user_key = test.findtext(M("UserId")), test.findtext(M("UserSyncKey"))
    user_number = _id(user_id, "UserId") if user_id else None
    found = (None if user_id and user_number is None
             else store.user(session, account_id, site, user_id=user_number) if user_id
             else store.user(session, account_id, site, sync_key=user_key))
    if found is None:
        raise MessageRejected(MessageError.USER_NOT_VALID.text())
    if found.state == "deleted":
        raise MessageRejected(MessageError.USER_DELETED.text())
    if found.external:
        raise MessageRejected(MessageError.USER_EXTERNAL.text())
    return found


def _course(session: Session, account_id: int, site: int, test: etree._Element):
    course_id, course_key = test.findtext(M("CourseId")), test.findtext(M("CourseSyncKey"))
    course_number = _id(course_id, "CourseId") if course_id else None
    found = (None if course_id and course_number is None
             else store.course(session, account_id, site, course_id=course_number) if course_id
             else store.course(session, account_id, site, sync_key=course_key))
    if found is None:
        raise MessageRejected(MessageError.COURSE_MISSING.text())
    if found.external:
        raise MessageRejected(MessageError.COURSE_EXTERNAL.text())
    if found.state == "deleted":
        raise MessageRejected(MessageError.COURSE_DELETED.text())
    if found.state == "archived":
        raise MessageRejected(MessageError.COURSE_ARCHIVED.text())
    return found


def _parent(session: Session, account_id: int, site: int, test: etree._Element, course_id: int) -> ItsElement | None:
    parent_id, parent_key = test.findtext(M("ParentId")), test.findtext(M("ParentSyncKey"))
    if parent_id is not None:
        parent_number = _id(parent_id, "ParentId")
        if parent_number is not None and parent_number <= 0:
            raise MessageRejected(MessageError.PARENT_ID_INVALID.text())
        found = store.element(session, account_id, site, element_id=parent_number) if parent_number else None
        if found is None or found.course_id != course_id:
            raise MessageRejected(MessageError.PARENT_NOT_IN_COURSE.text())
        if found.kind != "folder":
            raise MessageRejected(MessageError.PARENT_NOT_FOLDER.text())
        if found.state == "deleted":
            raise MessageRejected(MessageError.PARENT_FOLDER_DELETED.text())
        return found
    if parent_key is not None:
        found = store.element(session, account_id, site, sync_key=parent_key)
        if found is None:
            raise MessageRejected(MessageError.PARENT_SYNC_KEY_UNKNOWN.text())
        if found.state == "deleted":
            raise MessageRejected(MessageError.PARENT_SYNC_KEY_DELETED.text())
        if found.course_id != course_id:
            raise MessageRejected(MessageError.PARENT_NOT_IN_COURSE.text())
        if found.kind != "folder":
            raise MessageRejected(MessageError.PARENT_NOT_FOLDER.text())
        return found
    return None


@dataclass
class ImportedPackage:
    identifier: str
    qti12_xml: str
    item_count: int


def _import_package(content: bytes, name: str) -> ImportedPackage:
    """The package through the QTI 2.1 importer; its errors carry the seed's own messages."""
    try:
        imported = qti21.import_package(content, xmlsafe.parse, name=name)
    except qti21.QtiImportError as exc:
        raise MessageRejected(exc.message, getattr(exc, "detail", None)) from exc
    return ImportedPackage(imported.identifier, to_qti12(imported), len(imported.items))


def _jsonable(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if isinstance(v, (str, int, float, bool, type(None)))}
