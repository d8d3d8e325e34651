"""Every CreateCourseElementTest error of seed 001, each for the condition it names, with its exact text."""
from __future__ import annotations

import io
import zipfile
import pytest
from sqlalchemy import func, select

from adapters.store import itslearning as store_its
from adapters.store import models
from gateway.demo.itslearning import PACKAGE_GUID, package_bytes
from tests.conftest import REFERENCE

PACKAGES = REFERENCE / "qti" / "packages"
NS = 'xmlns="urn:message-schema"'


def message(body: str = "", *, course="<CourseId>1</CourseId>", user="<UserId>2</UserId>",
            title="<Title>T</Title>", file=PACKAGE_GUID, head="") -> str:
    return (f"<Message {NS}>{head}<CreateCourseElementTest>{course}{user}{title}{body}</CreateCourseElementTest>"
            f"<Files><File>{file}</File></Files></Message>")


@pytest.fixture
def run(demo_store, settings):
    """run(data) -> the details of processing one message (and the store after it)."""
    from gateway.itslearning.worker import Worker

    worker = Worker(demo_store, settings)

    def _run(data: str):
        with demo_store.session() as s:
            message_id = store_its.enqueue(s, 1, 1, 1, data).id
        worker.drain()
        with demo_store.session() as s:
            done = s.get(models.ItsMessage, message_id)
            assert done.status == "Finished"
            return [(d["Type"], d["Message"]) for d in done.details]

    return _run


@pytest.fixture
def world(demo_store):
    """Courses, users and folders in every state the seed's errors name."""
    with demo_store.session() as s:
        for cid, state, external in ((10, "archived", False), (11, "deleted", False), (12, "active", True)):
            store_its.ensure_row(s, models.ItsCourse, cid, account_id=1, site_id=1, title=f"c{cid}", state=state, external=external)
        store_its.ensure_row(s, models.ItsCourse, 13, account_id=1, site_id=1, title="other", sync_key="other-course")
        for uid, state, external in ((20, "deleted", False), (21, "valid", True)):
            store_its.ensure_row(s, models.ItsUser, uid, account_id=1, site_id=1, name=f"u{uid}", state=state,
                                 external=external)
        store_its.ensure_row(s, models.ItsElement, 30, account_id=1, course_id=1, kind="folder", title="f", sync_key="folder")
        store_its.ensure_row(s, models.ItsElement, 31, account_id=1, course_id=1, kind="folder", title="gone",
                             state="deleted", sync_key="gone-folder")
        store_its.ensure_row(s, models.ItsElement, 32, account_id=1, course_id=1, kind="test", title="t", sync_key="a-test")
        store_its.ensure_row(s, models.ItsElement, 33, account_id=1, course_id=13, kind="folder", title="o", sync_key="other-folder")
    return demo_store


def upload(store, name: str, content: bytes, days: int = 14) -> str:
    with store.session() as s:
        return store_its.add_asset(s, 1, 1, name, content, days).guid


OK = ("Info",)

CASES = {
    "not xml": ("<Message", "Invalid format / parameters (different to specified schema)."),
    "not a message": ("<Other/>", "Invalid format / parameters (different to specified schema)."),
    "schema: unknown element": (message("<Bogus>1</Bogus>"), "Invalid format / parameters (different to specified schema)."),
    "schema: Assessment and UseScore": (message("<Assessment>1</Assessment><UseScore>true</UseScore>"),
                                        "Invalid format / parameters (different to specified schema)."),
    "title missing": (message(title=""), "Tile missing or incorrectly formatted."),
    "title blank": (message(title="<Title>   </Title>"), "Tile missing or incorrectly formatted."),
    "description not well-formed": (message("<Description>&lt;p&gt;unclosed &lt;b&gt;bold&lt;/p&gt;</Description>"),
                                    'Rich content badly formatted or invalid in "Description"'),
    "deadline not a date": (message("<Deadline>tomorrow</Deadline>"), "Invalid deadline date or not in UTC format."),
    "deadline not UTC": (message("<Deadline>2012-05-01T01:01:01+02:00</Deadline>"), "Invalid deadline date or not in UTC format."),
    "deadline without zone": (message("<Deadline>2012-05-01T01:01:01</Deadline>"), "Invalid deadline date or not in UTC format."),
    "max time too large": (message("<MaxTime>35791395</MaxTime>"), "Test time must be from 1 - 35791394 minutes."),
    "max time negative": (message("<MaxTime>-1</MaxTime>"), "Test time must be from 1 - 35791394 minutes."),
    "show results": (message("<ShowResults>Sometimes</ShowResults>"), "Show Results does not match acceptable options."),
    "show feedback": (message("<ShowFeedback>Always</ShowFeedback>"), "Show Results does not match acceptable options."),
    "user unknown": (message(user="<UserId>999</UserId>"), "User with specified UserId/UserSyncKey is not valid."),
    "user sync key unknown": (message(user="<UserSyncKey>nobody</UserSyncKey>"), "User with specified UserId/UserSyncKey is not valid."),
    "user deleted": (message(user="<UserId>20</UserId>"), "User with specified UserId/UserSyncKey is deleted."),
    "user external": (message(user="<UserId>21</UserId>"), "User with specified UserId/UserSyncKey is external."),
    "course missing": (message(course="<CourseId>999</CourseId>"), "Course does not exist."),
    "course archived": (message(course="<CourseId>10</CourseId>"), "Course is archived."),
    "course deleted": (message(course="<CourseId>11</CourseId>"), "Course is be deleted."),
    "course external": (message(course="<CourseId>12</CourseId>"), "Course is external."),
    "parent id not positive": (message(course="<CourseId>1</CourseId><ParentId>0</ParentId>"), "Message must contain valid ParentId."),
    "parent not in course": (message(course="<CourseId>1</CourseId><ParentId>33</ParentId>"),
                             "ParentSyncKey/ParentId is not an element within the course."),
    "parent id unknown": (message(course="<CourseId>1</CourseId><ParentId>999</ParentId>"),
                          "ParentSyncKey/ParentId is not an element within the course."),
    "parent not a folder": (message(course="<CourseId>1</CourseId><ParentId>32</ParentId>"), "ParentSyncKey/ParentId is not a folder."),
    "parent folder deleted": (message(course="<CourseId>1</CourseId><ParentId>31</ParentId>"),
                              "Folder related to ParentSyncKey/ParentId has been deleted or removed."),
    "parent sync key unknown": (message(course="<CourseId>1</CourseId><ParentSyncKey>nope</ParentSyncKey>"),
                                "Invalid or unknown ParentSyncKey."),
    "parent sync key deleted": (message(course="<CourseId>1</CourseId><ParentSyncKey>gone-folder</ParentSyncKey>"),
                                "ParentSyncKey is deleted."),
    "duplicate sync key": (message(head="<SyncKeys><SyncKey>a-test</SyncKey></SyncKeys>"),
                           "Message contains duplicates for syncKeys: a-test. Make sure your syncKeys are globally unique."),
    "other site": (message(head="<SiteId>7</SiteId>"),
                   "Your security settings doesn't allow you to perform that operation. Please contact administration to "
                   "grant you an access to site 7 organisation."),
    "unknown file": (message(file="00000000-0000-0000-0000-000000000000"), "Unknown File (asset) ID. Check the asset has not expired."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_error_for_its_condition(run, world, case):
    data, expected = CASES[case]
    assert run(data) == [("Error", expected)]
    with world.session() as s:  # nothing half-created
        assert s.scalar(select(func.count()).select_from(models.ItsElement).where(models.ItsElement.kind == "test")) == 1


def test_expired_file(run, world):
    guid = upload(world, "old.zip", package_bytes(), days=-1)
    assert run(message(file=guid)) == [("Error", "Unknown File (asset) ID. Check the asset has not expired.")]


def test_file_quota(run, world, settings, demo_store):
    from gateway.itslearning.worker import Worker

    with demo_store.session() as s:
        message_id = store_its.enqueue(s, 1, 1, 1, message()).id
    Worker(demo_store, settings.replace(itslearning_file_quota_bytes=100)).drain()
    with demo_store.session() as s:
        details = s.get(models.ItsMessage, message_id).details
    assert [(d["Type"], d["Message"]) for d in details] == [("Error", "File quota was been exceeded. Element not created.")]


def test_not_a_zip_name(run, world):
    guid = upload(world, "notes.txt", b"hello")
    assert run(message(file=guid)) == [("Error", "File format not valid, or corrupt.")]


@pytest.mark.parametrize("package,expected", [
    ("WebDeveloperTest1.zip", None),
    ("WebDeveloperTest1-incomplete.zip", "An error occurred when trying to import the package. Possible causes could be "
                                         "that the zip format is not valid, or the file imsmanifest.xml is missing inside the package."),
    ("NotContentPackage.zip", "An error occurred when trying to import the package. Possible causes could be that the "
                              "zip format is not valid, or the file imsmanifest.xml is missing inside the package."),
    ("BadManifest.zip", "An error occurred when trying to import the package. The XML in the file imsmanifest.xml "
                        "inside the package is not in a valid format."),
    ("ZipSlip.zip", "An error occurred when trying to import the package. Possible causes could be that the zip "
                    "format is not valid, or the file imsmanifest.xml is missing inside the package."),
    ("MissingFile.zip", "Package is incomplete. The manifest or assessment items have references to files which do "
                        "not exist in the package (missing.xml)."),
    ("ExternalHref.zip", "The package is incomplete. The manifest or assessment items have references to files which "
                         "do not exist in the package."),
    ("BadMix.zip", 'An unknown error occurred while importing the package "InvalidPackageContent"'),
])
def test_reference_packages(run, world, package, expected):
    guid = upload(world, package, (PACKAGES / package).read_bytes())
    details = run(message(file=guid))
    if expected is None:
        assert details[0][0] == "Info"
    else:
        assert details == [("Error", expected)]


def test_unsupported_interaction(run, world):
    """An item the importer cannot score is refused whole with the seed's message."""
    item = (REFERENCE / "qti" / "items-v2p1" / "slider.xml").read_bytes()
    manifest = (b'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m"><resources>'
                b'<resource identifier="sl" type="imsqti_item_xmlv2p1" href="sl.xml"><file href="sl.xml"/></resource>'
                b"</resources></manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("sl.xml", item)
    guid = upload(world, "ggm.zip", buffer.getvalue())
    [(kind, text)] = run(message(file=guid))
    assert kind == "Error"
    assert text.startswith('Unsupported functionality! Unable to import item "') and text.endswith("(sl.xml)")


def test_defaults_and_options_are_stored(run, world):
    details = run(message("<Deadline>2030-01-01T10:00:00Z</Deadline><UseScore>true</UseScore><MaxTime>90</MaxTime>",
                          course="<CourseSyncKey>demo-course</CourseSyncKey><ParentSyncKey>folder</ParentSyncKey>",
                          user="<UserSyncKey>demo-teacher</UserSyncKey>", head="<SyncKeys><SyncKey>new-test</SyncKey></SyncKeys>"))
    assert details[0][0] == "Info"
    with world.session() as s:
        element = s.scalar(select(models.ItsElement).where(models.ItsElement.sync_key == "new-test"))
        assert element.parent_id == 30 and element.course_id == 1 and element.created_by == 2
        assert element.settings == {
            "Active": True, "Mandatory": True, "ScoringMethod": True, "Order": False, "MaxTime": 90,
            "ShowResults": "AfterEach", "ShowFeedback": "Nofeedback", "Deadline": "2030-01-01T10:00:00+00:00",
            "CompletionCriteria": None, "Title": "T", "UseScore": True,
        }


def test_unknown_grade_is_a_warning_not_an_error(run, world):
    details = run(message("<Assessment>77</Assessment>"))
    assert details[0] == ("Info", "Assessment 77 is not a valid grade ID; the test uses no grade.")
    assert details[1][0] == "Info" and "created" in details[1][1]


def test_processing_twice_creates_one_element(run, world, settings, demo_store):
    """A message whose lease ran out while its first run still finished is not imported twice."""
    from gateway.itslearning.worker import Worker

    with demo_store.session() as s:
        message_id = store_its.enqueue(s, 1, 1, 1, message()).id
    worker = Worker(demo_store, settings)
    worker.process(message_id)
    with demo_store.session() as s:  # as if the first worker's lease had expired unseen
        s.get(models.ItsMessage, message_id).status = "Processing"
    worker.process(message_id)
    with demo_store.session() as s:
        count = s.scalar(select(func.count()).select_from(models.ItsElement).where(models.ItsElement.message_id == message_id))
        assert count == 1


def test_the_worker_marks_its_import_a_long_write(run, demo_store, monkeypatch):
    """serve keeps LIS requests off its event loop meanwhile (gateway.dispatch.Gateway.runs_on_loop)."""
    from gateway.itslearning import create_test

    seen = []
    process = create_test.process

    def watched(*args, **kwargs):
        seen.append(demo_store.long_write_under_way)
        return process(*args, **kwargs)

    monkeypatch.setattr(create_test, "process", watched)
    [(kind, text)] = run(message())
    assert kind == "Info" and "created" in text, text
    assert seen == [True] and not demo_store.long_write_under_way
