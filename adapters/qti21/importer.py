"""Package bytes -> :class:`~adapters.qti21.model.ImportedTest`: validate, read every item, order them.

The test's ``assessmentItemRef``s give the order (all testParts and sections flattened into one section,
as QTI 1.2's single assessment/section takes them); a package of items without a test becomes a test of
those items in manifest order. Selection, ordering, time limits, branching and the test's own
outcomeProcessing are not imported: the imported test's score is the sum of its items' SCORE, which is
what WebDeveloperTest1's outcomeProcessing (``sum`` of ``questionN.SCORE``) computes too.

Every item is also converted to QTI 1.2 here (and the result dropped), so that whatever the conversion
cannot express fails the import with the seed's message rather than a later :func:`to_qti12` call.
"""
from __future__ import annotations

from adapters import ns
from adapters.qti21.convert import item_to_qti12
from adapters.qti21.errors import ItemError, unreadable_item
from adapters.qti21.items import parse_item
from adapters.qti21.model import ImportedTest, TestItem
from adapters.qti21.package import DEFAULT_LIMITS, Limits, Package, ParseXML, open_package, resolve_item_ref

Q = f"{{{ns.QTI21}}}"


def import_package(data: bytes, parse_xml: ParseXML, *, name: str = "package.zip",
                   limits: Limits = DEFAULT_LIMITS) -> ImportedTest:
    """Validate and read a QTI 2.1 content package. Raises :class:`~adapters.qti21.errors.QtiImportError`."""
    return read_test(open_package(data, parse_xml, name=name, limits=limits))


def read_test(package: Package) -> ImportedTest:
    if package.tests:
        test = package.tests[0]
        placed = []
        for ref in test.root.iter(f"{Q}assessmentItemRef"):
            path = resolve_item_ref(test, ref.get("href", ""))
            resource = package.item_by_href(path)
            placed.append(((ref.get("identifier") or "").strip() or resource.identifier, resource))
        section = test.root.find(f".//{Q}assessmentSection")
        # a blank identifier (a line break in the attribute reads as a space) names nothing: QTI 1.2's
        # assessment needs an ident, so the manifest's resource identifier, else the package's name, stands in
        identifier = (test.root.get("identifier") or "").strip() or test.identifier.strip() or package.name
        title = test.root.get("title") or identifier
        section_title = section.get("title", "") if section is not None else ""
    else:
        placed = [(r.identifier or r.href, r) for r in package.items]
        identifier = title = package.name
        section_title = ""
    seen: set[str] = set()
    items = []
    for ident, resource in placed:
        if not (ident or "").strip():  # an item needs a name to be reported and scored by
            raise unreadable_item("", resource.href, f"item {resource.href} has no identifier")
        if ident in seen:
            raise unreadable_item("", ident, f"item identifier {ident} is used twice in the test")
        seen.add(ident)
        placed_item = TestItem(ident, parse_item(resource.root, href=resource.href, resource_id=resource.identifier))
        # Converting now means an item QTI 1.2 cannot express is refused at import, with the seed's
        # "Unsupported functionality!", never later when the caller converts the test.
        item_to_qti12(placed_item)
        items.append(placed_item)
    return ImportedTest(identifier, title, tuple(items), section_title, package.assets)


__all__ = ["import_package", "read_test", "ItemError"]
