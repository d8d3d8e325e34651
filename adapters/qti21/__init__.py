"""QTI 2.1 content packages: validation, items, scoring templates, conversion to QTI 1.2 (pure).

Public API (the itslearning service calls these; ``parse_xml`` is ``gateway.xmlsafe.parse``):

- :func:`open_package` (bytes -> :class:`Package`: validated files, tests, items, assets)
- :func:`import_package` (bytes -> :class:`ImportedTest`: every item read, in test order)
- :func:`score_test` / :func:`score_item` (native QTI 2.1 scoring)
- :func:`to_qti12` (ImportedTest -> QTI 1.2 ``questestinterop`` XML text, the gateway's internal model)
- :func:`responses_to_qti12` (QTI 2.1 candidate responses -> the QTI 1.2 engine's responses dict)
- :func:`content_profile` (the seed-004 contentProfile document)
- errors: :class:`QtiImportError` (``code``, ``message`` = the seed-001 text, ``detail``), :class:`PackageError`,
  :class:`ItemError`, :class:`ResponseError`; codes in :class:`Code`.
"""
from adapters.qti21.errors import Code, ItemError, PackageError, QtiImportError, ResponseError
from adapters.qti21.convert import item_responses_to_qti12, responses_to_qti12, to_qti12, to_qti12_element
from adapters.qti21.importer import import_package, read_test
from adapters.qti21.items import parse_item
from adapters.qti21.model import ImportedTest, Item, TestItem
from adapters.qti21.package import DEFAULT_LIMITS, Limits, Package, open_package
from adapters.qti21.profile import content_profile
from adapters.qti21.scoring import ItemScore, TestScore, score_item, score_test

__all__ = [
    "Code", "ItemError", "PackageError", "QtiImportError", "ResponseError", "import_package", "read_test",
    "parse_item", "ImportedTest", "Item", "TestItem", "DEFAULT_LIMITS", "Limits", "Package", "open_package",
    "ItemScore", "TestScore", "score_item", "score_test", "to_qti12", "to_qti12_element", "responses_to_qti12",
    "item_responses_to_qti12", "content_profile",
]
