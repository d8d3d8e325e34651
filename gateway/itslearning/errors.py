"""The one registry of CreateCourseElementTest errors, with the seed's exact texts (seed 001).

Each is reported as a ``DataMessageStatusDetail`` of ``Type`` Error in GetMessageResult::

    <a:DataMessageStatusDetail>
      <a:Entity>CourseElementTest</a:Entity>
      <a:Message>Course is archived.</a:Message>
      <a:SyncKey>test-1</a:SyncKey>
      <a:Type>Error</a:Type>
    </a:DataMessageStatusDetail>

The package errors (zip, manifest, hrefs, namespaces, unsupported items) come with their own seed
messages from :mod:`adapters.qti21.errors`. Typos are the vendor's ("Tile", "is be deleted",
"was been exceeded") and are kept: clients match these strings.
"""
from __future__ import annotations

from enum import Enum


class MessageError(str, Enum):
    INVALID_FORMAT = "Invalid format / parameters (different to specified schema)."
    DUPLICATE_SYNC_KEYS = "Message contains duplicates for syncKeys: {0}. Make sure your syncKeys are globally unique."
    USER_NOT_VALID = "User with specified UserId/UserSyncKey is not valid."
    USER_DELETED = "User with specified UserId/UserSyncKey is deleted."
    USER_EXTERNAL = "User with specified UserId/UserSyncKey is external."
    COURSE_MISSING = "Course does not exist."
    COURSE_EXTERNAL = "Course is external."
    COURSE_DELETED = "Course is be deleted."
    COURSE_ARCHIVED = "Course is archived."
    PARENT_NOT_IN_COURSE = "ParentSyncKey/ParentId is not an element within the course."
    PARENT_NOT_FOLDER = "ParentSyncKey/ParentId is not a folder."
    PARENT_FOLDER_DELETED = "Folder related to ParentSyncKey/ParentId has been deleted or removed."
    PARENT_ID_INVALID = "Message must contain valid ParentId."
    PARENT_SYNC_KEY_DELETED = "ParentSyncKey is deleted."
    PARENT_SYNC_KEY_UNKNOWN = "Invalid or unknown ParentSyncKey."
    TITLE = "Tile missing or incorrectly formatted."
    DESCRIPTION = 'Rich content badly formatted or invalid in "Description"'
    DEADLINE = "Invalid deadline date or not in UTC format."
    MAX_TIME = "Test time must be from 1 - 35791394 minutes."
    UNKNOWN_FILE = "Unknown File (asset) ID. Check the asset has not expired."
    SHOW_RESULTS = "Show Results does not match acceptable options."
    QUOTA = "File quota was been exceeded. Element not created."
    FILE_FORMAT = "File format not valid, or corrupt."
    SECURITY = (
        "Your security settings doesn't allow you to perform that operation. Please contact administration to "
        "grant you an access to {0} organisation."
    )

    def text(self, *values: object) -> str:
        return self.value.format(*values) if values else self.value


class MessageRejected(Exception):
    """Processing stops with one Error detail carrying ``message``."""

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail  # ours, for the log: what exactly was wrong
