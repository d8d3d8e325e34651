"""Open and validate an IMS content package holding QTI 2.1 tests and items (DESIGN.md §8).

Checks, in this order, each failing with the seed-001 message (:mod:`adapters.qti21.errors`):

1. the bytes are a readable zip                                   -> ``zip_unreadable``
2. no entry escapes the package root (``../x``, ``/x``, ``C:\\x``, symlinks; zip slip) -> ``zip_unsafe_path``
3. bounded expansion (zip bomb): entry count, total uncompressed bytes, per-entry bytes and, past a floor,
   per-entry compression ratio, all counted on the bytes actually inflated, never on the headers alone
                                                                  -> ``zip_too_large``
4. ``imsmanifest.xml`` at the root                                -> ``manifest_missing``
5. the manifest is well-formed XML with a ``manifest`` root       -> ``manifest_invalid``
6. every ``resource@href`` and ``file@href`` (and each test's ``assessmentItemRef@href``, each item's
   ``img@src``/``object@data``) is inside the package            -> ``href_outside``
   and present                                                    -> ``file_missing``
7. each QTI resource's ROOT ELEMENT namespace URI (the parsed one: real packages use prefixes) is
   ``http://www.imsglobal.org/xsd/imsqti_v2p1``                   -> ``namespace_missing`` / ``wrong_namespace``
8. the tests and items: at most one ``assessmentTest``, at least one item, each resource's root matching
   its declared type                                              -> ``package_content``

Untrusted XML is parsed only through the caller's ``parse_xml`` (``gateway.xmlsafe.parse``).
The manifest is not validated against ``imscp_v1p1.xsd``: real packages (WebDeveloperTest1 has no
``<organizations>``) fail it and are imported by real systems all the same.
"""
from __future__ import annotations

import io
import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote

from lxml import etree

from adapters import ns
from adapters.qti21.errors import Code, PackageError, Template, unreadable_item

ParseXML = Callable[[bytes], etree._Element]

MANIFEST = "imsmanifest.xml"
ITEM_TYPE_PREFIX = "imsqti_item_"
TEST_TYPE_PREFIX = "imsqti_test_"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_XML_BASE = f"{{{ns.XML}}}base"


@dataclass(frozen=True)
class Limits:
    """Caps on what a package may expand to. The defaults fit a 50 MB upload of ordinary tests."""

    max_entries: int = 10_000
    max_total_bytes: int = 200 * 1024 * 1024
    max_entry_bytes: int = 100 * 1024 * 1024
    max_ratio: int = 200          # inflated bytes per compressed byte, per entry ...
    ratio_floor: int = 1 << 20    # ... once the entry has inflated past this (tiny files compress well)


DEFAULT_LIMITS = Limits()
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Resource:
    identifier: str
    type: str
    href: str                     # package path of the resource's main file
    kind: str                     # "test" | "item"
    root: etree._Element


@dataclass(frozen=True)
class Package:
    name: str
    files: Mapping[str, bytes]
    tests: tuple[Resource, ...]
    items: tuple[Resource, ...]   # manifest order, then items reached only through a test
    assets: tuple[str, ...]       # package paths of media the items reference

    def item_by_href(self, href: str) -> Resource | None:
        return next((r for r in self.items if r.href == href), None)


def open_package(data: bytes, parse_xml: ParseXML, *, name: str = "package.zip",
                 limits: Limits = DEFAULT_LIMITS) -> Package:
    """Validate ``data`` as a QTI 2.1 content package and return its tests, items and files.

    Raises :class:`PackageError` (or :class:`~adapters.qti21.errors.ItemError` for an item that is not
    well-formed) with the seed's message.
    """
    files = read_zip(data, limits)
    manifest = _manifest(files, parse_xml)
    parsed: dict[str, etree._Element] = {}
    resources = _resources(manifest, files, parse_xml, parsed)
    tests = [r for r in resources if r.kind == "test"]
    items = [r for r in resources if r.kind == "item"]
    if len(tests) > 1:
        raise _content(f"the manifest declares {len(tests)} tests ({', '.join(t.identifier for t in tests)}); "
                       "a test element is made from one assessmentTest")
    for test in tests:
        for href in _item_refs(test, files):
            if not any(i.href == href for i in items):
                root = _parse_qti(files, href, href, parse_xml, parsed)
                items.append(_typed(Resource(href, ITEM_TYPE_PREFIX + "xmlv2p1", href, "item", root)))
    if not items:
        raise _content("the package declares no assessment item")
    assets = sorted({a for i in items for a in _media(i, files)})
    return Package(name, MappingProxyType(files), tuple(tests), tuple(items), tuple(assets))


# --- 1-3: the zip ---------------------------------------------------------------------------------

def read_zip(data: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """Every file of the zip, keyed by its normalised path, within ``limits``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        # NotImplementedError: a central directory asking for a zip version zipfile does not know
        raise _unreadable(Code.ZIP_UNREADABLE, f"not a readable zip: {exc}") from None
    if len(infos) > limits.max_entries:
        raise _unreadable(Code.ZIP_TOO_LARGE, f"{len(infos)} entries; the limit is {limits.max_entries}")
    names: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        path = _entry_path(info)
        if path in names:
            raise _unreadable(Code.ZIP_UNSAFE_PATH, f"entry {info.filename!r} appears twice")
        names[path] = info
    files: dict[str, bytes] = {}
    total = 0
    for path, info in names.items():
        if info.is_dir():
            continue
        chunks: list[bytes] = []
        size = 0
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    total += len(chunk)
                    _check_expansion(info, size, total, limits)
                    chunks.append(chunk)
        except PackageError:
            raise
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
            # RuntimeError: encrypted entry; NotImplementedError: compression method we cannot inflate
            raise _unreadable(Code.ZIP_UNREADABLE, f"entry {info.filename!r} cannot be read: {exc}") from None
        files[path] = b"".join(chunks)
    return files


def _entry_path(info: zipfile.ZipInfo) -> str:
    raw = info.filename
    name = raw.replace("\\", "/")
    if "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise _unreadable(Code.ZIP_UNSAFE_PATH, f"entry {raw!r} has an absolute path")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _unreadable(Code.ZIP_UNSAFE_PATH, f"entry {raw!r} is a symbolic link")
    path = posixpath.normpath(name)
    if path == ".." or path.startswith("../"):
        raise _unreadable(Code.ZIP_UNSAFE_PATH, f"entry {raw!r} escapes the package root")
    return path


def _check_expansion(info: zipfile.ZipInfo, size: int, total: int, limits: Limits) -> None:
    if total > limits.max_total_bytes:
        raise _unreadable(Code.ZIP_TOO_LARGE, f"the package inflates past {limits.max_total_bytes} bytes")
    if size > limits.max_entry_bytes:
        raise _unreadable(Code.ZIP_TOO_LARGE, f"entry {info.filename!r} inflates past {limits.max_entry_bytes} bytes")
    if size > limits.ratio_floor and size > limits.max_ratio * max(info.compress_size, 1):
        raise _unreadable(Code.ZIP_TOO_LARGE,
                          f"entry {info.filename!r} inflates more than {limits.max_ratio} times its compressed size")


# --- 4-5: the manifest ----------------------------------------------------------------------------

def _manifest(files: Mapping[str, bytes], parse_xml: ParseXML) -> etree._Element:
    if MANIFEST not in files:
        raise _unreadable(Code.MANIFEST_MISSING, f"no {MANIFEST} at the package root")
    try:
        root = parse_xml(files[MANIFEST])
    except (etree.LxmlError, ValueError) as exc:
        raise PackageError(Code.MANIFEST_INVALID, Template.MANIFEST_INVALID.value, f"{MANIFEST}: {exc}") from None
    if etree.QName(root).localname != "manifest":
        raise PackageError(Code.MANIFEST_INVALID, Template.MANIFEST_INVALID.value,
                           f"{MANIFEST}: the root element is {etree.QName(root).localname}, not manifest")
    return root


# --- 6-8: references, namespaces, tests and items --------------------------------------------------

def _resources(manifest: etree._Element, files: Mapping[str, bytes], parse_xml: ParseXML,
               parsed: dict[str, etree._Element]) -> list[Resource]:
    found: list[Resource] = []
    # First every reference (a missing file is reported before any namespace problem), then the QTI roots.
    declared: list[tuple[str, str, str | None]] = []
    for element in manifest.iter(etree.Element):
        if etree.QName(element).localname != "resource":
            continue
        base = _xml_base(element)
        identifier = element.get("identifier", "")
        rtype = element.get("type", "")
        href = element.get("href")
        main = _inside(base, href, files) if href is not None else None
        for file_element in element:
            if isinstance(file_element.tag, str) and etree.QName(file_element).localname == "file" \
                    and file_element.get("href") is not None:
                _inside(base, file_element.get("href"), files)
        declared.append((identifier, rtype, main))
    for identifier, rtype, main in declared:
        kind = "test" if rtype.startswith(TEST_TYPE_PREFIX) else "item" if rtype.startswith(ITEM_TYPE_PREFIX) else None
        if kind is None or main is None:
            continue
        root = _parse_qti(files, main, identifier, parse_xml, parsed)
        found.append(_typed(Resource(identifier, rtype, main, kind, root)))
    return found


def _xml_base(element: etree._Element) -> str:
    """The directory (package path) that xml:base on the element and its ancestors sets."""
    parts = [e.get(_XML_BASE) for e in [*reversed(list(element.iterancestors())), element]]
    base = ""
    for part in parts:
        if part:
            base = posixpath.join(base, part)
    return base


def _resolve(base_dir: str, href: str) -> str | None:
    """The package path ``href`` names from ``base_dir``, or None when it points outside the package."""
    ref = unquote(href.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/").strip()
    if not ref or _SCHEME.match(ref) or ref.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(base_dir, ref))
    if path == ".." or path.startswith("../"):
        return None
    return path


def _inside(base_dir: str, href: str, files: Mapping[str, bytes]) -> str:
    path = _resolve(base_dir, href)
    if path is None:
        raise PackageError(Code.HREF_OUTSIDE, Template.HREF_OUTSIDE.value, f"{href!r} is outside the package")
    if path not in files:
        raise PackageError(Code.FILE_MISSING, Template.FILE_MISSING.fill(ExceptionMessage=path),
                           f"{href!r} is referenced but not in the package")
    return path


def _parse_qti(files: Mapping[str, bytes], path: str, identifier: str, parse_xml: ParseXML,
               parsed: dict[str, etree._Element]) -> etree._Element:
    if path in parsed:
        return parsed[path]
    try:
        root = parse_xml(files[path])
    except (etree.LxmlError, ValueError) as exc:
        raise unreadable_item("", identifier, f"{path} is not well-formed XML: {exc}") from None
    namespace = etree.QName(root).namespace
    if namespace is None:
        raise PackageError(Code.NAMESPACE_MISSING, Template.NAMESPACE_MISSING.fill(Namespace=ns.QTI21, FileName=path),
                           f"{path}: root element {root.tag} has no namespace")
    if namespace != ns.QTI21:
        raise PackageError(
            Code.WRONG_NAMESPACE,
            Template.WRONG_NAMESPACE.fill(FileName=path, ProvidedNamespace=namespace, namespace=ns.QTI21),
            f"{path}: root element is in {namespace}",
        )
    parsed[path] = root
    return root


def _typed(resource: Resource) -> Resource:
    expected = "assessmentTest" if resource.kind == "test" else "assessmentItem"
    actual = etree.QName(resource.root).localname
    if actual != expected:
        raise _content(f"resource {resource.identifier} ({resource.href}) is declared as {resource.type} "
                       f"but its root element is {actual}")
    return resource


def _item_refs(test: Resource, files: Mapping[str, bytes]) -> list[str]:
    base = posixpath.dirname(test.href)
    refs = []
    for ref in test.root.iter(f"{{{ns.QTI21}}}assessmentItemRef"):
        href = ref.get("href")
        if href is None:
            raise _content(f"assessmentItemRef {ref.get('identifier')!r} in {test.href} has no href")
        refs.append(_inside(base, href, files))
    return refs


def resolve_item_ref(test: Resource, href: str) -> str | None:
    """The package path an ``assessmentItemRef@href`` of ``test`` names."""
    return _resolve(posixpath.dirname(test.href), href)


def _media(item: Resource, files: Mapping[str, bytes]) -> list[str]:
    """Package paths of the images and objects an item shows; each must be in the package."""
    base = posixpath.dirname(item.href)
    found = []
    for element in item.root.iter(f"{{{ns.QTI21}}}img", f"{{{ns.QTI21}}}object"):
        ref = element.get("src") if etree.QName(element).localname == "img" else element.get("data")
        if not ref or _SCHEME.match(ref.strip()):
            continue  # absolute URLs are links the candidate's browser loads, not package content
        path = _resolve(base, ref)
        if path is None:
            raise PackageError(Code.HREF_OUTSIDE, Template.HREF_OUTSIDE.value, f"{item.href}: {ref!r} is outside the package")
        if path not in files:
            raise PackageError(Code.FILE_MISSING, Template.FILE_MISSING.fill(ExceptionMessage=path),
                               f"{item.href} shows {ref!r}, which is not in the package")
        found.append(path)
    return found


def _unreadable(code: Code, detail: str) -> PackageError:
    return PackageError(code, Template.PACKAGE_UNREADABLE.value, detail)


def _content(detail: str) -> PackageError:
    return PackageError(Code.PACKAGE_CONTENT, Template.UNKNOWN.fill(**{"Type of exception": "InvalidPackageContent"}), detail)
