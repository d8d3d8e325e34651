"""The import errors of itslearning's CreateCourseElementTest (seed 001), one registry of codes.

Every failure of a QTI 2.1 package import is a :class:`QtiImportError` carrying

- ``code``: a stable machine name (ours; for the unsupported-functionality case it is itslearning's own
  resource key ``Test_Import_From_Qti_unsupported_functionality``, which the seed prints before the text);
- ``message``: the seed's "Error Code" template with its placeholders filled. The seed writes the
  templates as C# verbatim strings, so ``""{FileName}""`` there is ``"{FileName}"`` on the wire;
- ``detail``: what exactly was wrong, in our words, for logs and the CLI (never instead of the message).

The templates, verbatim from the seed's error list (placeholders in braces):

- ``An error occurred when trying to import the package. Possible causes could be that the zip format is
  not valid, or the file imsmanifest.xml is missing inside the package.``
- ``An error occurred when trying to import the package. The XML in the file imsmanifest.xml inside the
  package is not in a valid format.``
- ``Package is incomplete. The manifest or assessment items have references to files which do not exist in
  the package ({ExceptionMessage}).``
- ``The package is incomplete. The manifest or assessment items have references to files which do not
  exist in the package.``
- ``Uploaded package is not valid IMS package v1.2 or one or more items is not IMS QTI v2.1 format (item
  "{FileName}" default namespace is "{ProvidedNamespace}", expecting "{namespace}").``
- ``Uploaded package is not valid IMS package v1.2 or one or more items is not in IMS QTI v2.1 format
  (expected namespace "{Namespace}" was not found for item "{FileName}").``
- ``Error while reading assessment item (interaction type "{interaction type}", resource identifier
  "{resource identifier}" )``
- ``Unsupported functionality! Unable to import item "{assessment item ID}" ({assessment item HREF})``
- ``An unknown error occurred while importing the package "{Type of exception}"``
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Template(str, Enum):
    """The seed's message templates, keyed by what they report."""

    PACKAGE_UNREADABLE = (
        "An error occurred when trying to import the package. Possible causes could be that the zip format is "
        "not valid, or the file imsmanifest.xml is missing inside the package."
    )
    MANIFEST_INVALID = (
        "An error occurred when trying to import the package. The XML in the file imsmanifest.xml inside the "
        "package is not in a valid format."
    )
    FILE_MISSING = (
        "Package is incomplete. The manifest or assessment items have references to files which do not exist "
        "in the package ({ExceptionMessage})."
    )
    HREF_OUTSIDE = (
        "The package is incomplete. The manifest or assessment items have references to files which do not "
        "exist in the package."
    )
    WRONG_NAMESPACE = (
        'Uploaded package is not valid IMS package v1.2 or one or more items is not IMS QTI v2.1 format '
        '(item "{FileName}" default namespace is "{ProvidedNamespace}", expecting "{namespace}").'
    )
    NAMESPACE_MISSING = (
        'Uploaded package is not valid IMS package v1.2 or one or more items is not in IMS QTI v2.1 format '
        '(expected namespace "{Namespace}" was not found for item "{FileName}").'
    )
    ITEM_READ_ERROR = (
        'Error while reading assessment item (interaction type "{interaction type}", resource identifier '
        '"{resource identifier}" )'
    )
    UNSUPPORTED = 'Unsupported functionality! Unable to import item "{assessment item ID}" ({assessment item HREF})'
    UNKNOWN = 'An unknown error occurred while importing the package "{Type of exception}"'

    def fill(self, **values: str) -> str:
        # Placeholders contain spaces ("{interaction type}"), so str.format cannot be used.
        text = self.value
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text


class Code(str, Enum):
    """Stable error codes: one per condition, several may share a seed message."""

    ZIP_UNREADABLE = "zip_unreadable"
    ZIP_UNSAFE_PATH = "zip_unsafe_path"  # zip slip: an entry escaping the package root, or a symlink
    ZIP_TOO_LARGE = "zip_too_large"  # zip bomb: expansion past the caps
    MANIFEST_MISSING = "manifest_missing"
    MANIFEST_INVALID = "manifest_invalid"
    FILE_MISSING = "file_missing"
    HREF_OUTSIDE = "href_outside"
    WRONG_NAMESPACE = "wrong_namespace"
    NAMESPACE_MISSING = "namespace_missing"
    PACKAGE_CONTENT = "package_content"  # not exactly one test (or only items), a resource of the wrong kind
    ITEM_READ_ERROR = "item_read_error"
    UNSUPPORTED = "Test_Import_From_Qti_unsupported_functionality"


@dataclass
class QtiImportError(Exception):
    code: Code
    message: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.message} [{self.detail}]" if self.detail else self.message


class PackageError(QtiImportError):
    """The package as a whole is unusable (zip, manifest, references, namespaces, content)."""


class ItemError(QtiImportError):
    """One item cannot be read or uses something the importer does not support."""


def unsupported(item_id: str, href: str, detail: str) -> ItemError:
    return ItemError(Code.UNSUPPORTED, Template.UNSUPPORTED.fill(**{"assessment item ID": item_id, "assessment item HREF": href}), detail)


def unreadable_item(interaction: str, resource_id: str, detail: str) -> ItemError:
    return ItemError(
        Code.ITEM_READ_ERROR,
        Template.ITEM_READ_ERROR.fill(**{"interaction type": interaction, "resource identifier": resource_id}),
        detail,
    )


class ResponseError(ValueError):
    """A candidate response that does not fit its declaration (bad point, unknown cardinality...)."""
