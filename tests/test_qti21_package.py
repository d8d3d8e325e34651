"""QTI 2.1 content packages: the reference packages accepted or rejected with the seed-001 message,
and crafted zip slips, zip bombs, lying headers, namespaces and references."""
from __future__ import annotations

import io
import struct
import zipfile

import pytest

from adapters import ns
from adapters.qti21 import Code, ItemError, Limits, PackageError, import_package, open_package
from gateway.xmlsafe import parse
from tests.conftest import REFERENCE

PACKAGES = REFERENCE / "qti" / "packages"
ITEMS = REFERENCE / "qti" / "items-v2p1"

UNREADABLE = ("An error occurred when trying to import the package. Possible causes could be that the zip format "
              "is not valid, or the file imsmanifest.xml is missing inside the package.")
MANIFEST_INVALID = ("An error occurred when trying to import the package. The XML in the file imsmanifest.xml "
                    "inside the package is not in a valid format.")
INCOMPLETE = ("The package is incomplete. The manifest or assessment items have references to files which do not "
              "exist in the package.")
UNKNOWN = 'An unknown error occurred while importing the package "InvalidPackageContent"'


def missing(name: str) -> str:
    return ("Package is incomplete. The manifest or assessment items have references to files which do not exist "
            f"in the package ({name}).")


@pytest.mark.parametrize(
    ("package", "code", "message"),
    [
        ("WebDeveloperTest1-incomplete.zip", Code.ZIP_UNREADABLE, UNREADABLE),
        ("ZipSlip.zip", Code.ZIP_UNSAFE_PATH, UNREADABLE),
        ("NotContentPackage.zip", Code.MANIFEST_MISSING, UNREADABLE),
        ("BadManifest.zip", Code.MANIFEST_INVALID, MANIFEST_INVALID),
        ("MissingFile.zip", Code.FILE_MISSING, missing("missing.xml")),
        ("ExternalHref.zip", Code.HREF_OUTSIDE, INCOMPLETE),
        ("BadMix.zip", Code.PACKAGE_CONTENT, UNKNOWN),
    ],
)
def test_reference_package_rejected_with_the_seed_message(package, code, message):
    with pytest.raises(PackageError) as caught:
        open_package((PACKAGES / package).read_bytes(), parse, name=package)
    assert caught.value.code == code
    assert caught.value.message == message
    assert caught.value.detail  # says what exactly was wrong


def test_web_developer_test_is_accepted_with_one_test_nine_items_and_an_image():
    package = open_package((PACKAGES / "WebDeveloperTest1.zip").read_bytes(), parse)
    assert [t.href for t in package.tests] == ["template_test1.xml"]
    assert [i.href for i in package.items] == [f"question{n}.xml" for n in range(1, 10)]
    assert package.assets == ("directory.jpg",)
    test = import_package((PACKAGES / "WebDeveloperTest1.zip").read_bytes(), parse)
    assert (test.identifier, test.title) == ("TEST", "Web Developer Website")
    assert [t.ident for t in test.items] == [f"question{n}" for n in range(1, 10)]


# --- crafted packages --------------------------------------------------------------------------------

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<cp:manifest xmlns:cp="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">
  <cp:resources>{resources}</cp:resources>
</cp:manifest>"""

ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<{prefix}assessmentItem {xmlns} identifier="{ident}" title="T" adaptive="false" timeDependent="false">
  <{prefix}responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <{prefix}correctResponse><{prefix}value>A</{prefix}value></{prefix}correctResponse>
  </{prefix}responseDeclaration>
  <{prefix}outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <{prefix}itemBody>{body}
    <{prefix}choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">
      <{prefix}simpleChoice identifier="A">a</{prefix}simpleChoice>
      <{prefix}simpleChoice identifier="B">b</{prefix}simpleChoice>
    </{prefix}choiceInteraction>
  </{prefix}itemBody>
  <{prefix}responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</{prefix}assessmentItem>"""


def item_xml(ident="i1", namespace=ns.QTI21, prefix="", body="") -> bytes:
    if namespace is None:
        xmlns = ""
    elif prefix:
        xmlns = f'xmlns:{prefix[:-1]}="{namespace}"'
    else:
        xmlns = f'xmlns="{namespace}"'
    return ITEM.format(prefix=prefix, xmlns=xmlns, ident=ident, body=body).encode()


def resource(ident, href, kind="item"):
    return (f'<cp:resource identifier="{ident}" type="imsqti_{kind}_xmlv2p1" href="{href}">'
            f'<cp:file href="{href}"/></cp:resource>')


def make_zip(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def package_of(items: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    resources = "".join(resource(f"r{n}", href) for n, href in enumerate(items))
    return make_zip({"imsmanifest.xml": MANIFEST.format(resources=resources).encode(), **items, **(extra or {})})


def test_items_without_a_test_are_a_test_in_manifest_order():
    test = import_package(package_of({"b.xml": item_xml("b"), "a.xml": item_xml("a")}), parse, name="p.zip")
    assert [t.ident for t in test.items] == ["r0", "r1"]
    assert [t.item.identifier for t in test.items] == ["b", "a"]


def test_prefixed_qti_namespace_is_accepted():
    test = import_package(package_of({"i.xml": item_xml(prefix="qti:")}), parse)
    assert test.items[0].item.interactions[0].kind == "choiceInteraction"


def test_item_in_another_namespace_gets_the_default_namespace_message():
    other = "http://www.imsglobal.org/xsd/imsqti_v2p0"
    with pytest.raises(PackageError) as caught:
        open_package(package_of({"dir/i.xml": item_xml(namespace=other)}), parse)
    assert caught.value.code == Code.WRONG_NAMESPACE
    assert caught.value.message == (
        'Uploaded package is not valid IMS package v1.2 or one or more items is not IMS QTI v2.1 format '
        f'(item "dir/i.xml" default namespace is "{other}", expecting "{ns.QTI21}").')


def test_item_without_namespace_gets_the_not_found_message():
    with pytest.raises(PackageError) as caught:
        open_package(package_of({"i.xml": item_xml(namespace=None)}), parse)
    assert caught.value.code == Code.NAMESPACE_MISSING
    assert caught.value.message == (
        'Uploaded package is not valid IMS package v1.2 or one or more items is not in IMS QTI v2.1 format '
        f'(expected namespace "{ns.QTI21}" was not found for item "i.xml").')


def test_namespace_is_read_from_the_root_element_not_from_an_xmlns_attribute_elsewhere():
    # The QTI namespace declared, but on a child: the root itself is in no namespace.
    body = f'<x xmlns="{ns.QTI21}"/>'
    with pytest.raises(PackageError) as caught:
        open_package(package_of({"i.xml": item_xml(namespace=None, body=body)}), parse)
    assert caught.value.code == Code.NAMESPACE_MISSING


def test_an_image_the_item_shows_must_be_in_the_package():
    body = '<p><img src="images/pic%201.png" alt="x"/></p>'
    with pytest.raises(PackageError) as caught:
        open_package(package_of({"i.xml": item_xml(body=body)}), parse)
    assert caught.value.code == Code.FILE_MISSING
    assert caught.value.message == missing("images/pic 1.png")
    package = open_package(package_of({"i.xml": item_xml(body=body)}, {"images/pic 1.png": b"\x89PNG"}), parse)
    assert package.assets == ("images/pic 1.png",)


def test_an_image_outside_the_package_is_refused_and_a_url_is_left_alone():
    with pytest.raises(PackageError) as caught:
        open_package(package_of({"i.xml": item_xml(body='<p><img src="../../x.png" alt=""/></p>')}), parse)
    assert caught.value.code == Code.HREF_OUTSIDE
    package = open_package(package_of({"i.xml": item_xml(body='<p><img src="https://example.org/x.png" alt=""/></p>')}), parse)
    assert package.assets == ()


def test_a_test_referencing_a_missing_item():
    test = (f'<assessmentTest xmlns="{ns.QTI21}" identifier="T" title="T"><testPart identifier="p" '
            'navigationMode="linear" submissionMode="individual"><assessmentSection identifier="s" title="S" '
            'visible="true"><assessmentItemRef identifier="q" href="items/nothere.xml"/></assessmentSection>'
            '</testPart></assessmentTest>').encode()
    manifest = MANIFEST.format(resources=resource("t", "test.xml", "test")).encode()
    with pytest.raises(PackageError) as caught:
        import_package(make_zip({"imsmanifest.xml": manifest, "test.xml": test}), parse)
    assert caught.value.code == Code.FILE_MISSING
    assert caught.value.message == missing("items/nothere.xml")


def test_item_that_is_not_well_formed_is_an_item_read_error():
    with pytest.raises(ItemError) as caught:
        open_package(package_of({"i.xml": b"<assessmentItem"}), parse)
    assert caught.value.code == Code.ITEM_READ_ERROR
    assert caught.value.message == 'Error while reading assessment item (interaction type "", resource identifier "r0" )'


def test_a_package_with_no_item_is_refused():
    manifest = MANIFEST.format(resources='<cp:resource identifier="w" type="webcontent" href="a.html"/>').encode()
    with pytest.raises(PackageError) as caught:
        open_package(make_zip({"imsmanifest.xml": manifest, "a.html": b"<html/>"}), parse)
    assert caught.value.code == Code.PACKAGE_CONTENT


def test_manifest_entity_expansion_is_refused_as_an_invalid_manifest():
    manifest = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><manifest>&a;</manifest>'
    with pytest.raises(PackageError) as caught:
        open_package(make_zip({"imsmanifest.xml": manifest}), parse)
    assert caught.value.code == Code.MANIFEST_INVALID


# --- zip slip ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../evil.xml", "a/../../evil.xml", "/etc/passwd", "C:/evil.xml", "..\\evil.xml"])
def test_zip_slip_entries_are_refused(name):
    with pytest.raises(PackageError) as caught:
        open_package(package_of({"i.xml": item_xml()}, {name: b"x"}), parse)
    assert caught.value.code == Code.ZIP_UNSAFE_PATH
    assert caught.value.message == UNREADABLE


def test_symlink_entries_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        info = zipfile.ZipInfo("link")
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "/etc/passwd")
    with pytest.raises(PackageError) as caught:
        open_package(out.getvalue(), parse)
    assert caught.value.code == Code.ZIP_UNSAFE_PATH


def test_duplicate_entries_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("imsmanifest.xml", "<a/>")
        with pytest.warns(UserWarning):
            z.writestr("imsmanifest.xml", "<b/>")
    with pytest.raises(PackageError) as caught:
        open_package(out.getvalue(), parse)
    assert caught.value.code == Code.ZIP_UNSAFE_PATH


# --- zip bomb ------------------------------------------------------------------------------------------

def zeros_zip(name: str, size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(name, "w", force_zip64=True) as stream:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                stream.write(chunk)
    return out.getvalue()


def test_a_highly_compressed_entry_is_stopped_by_the_default_ratio_cap():
    bomb = zeros_zip("imsmanifest.xml", 64 << 20)  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 200_000
    with pytest.raises(PackageError) as caught:
        open_package(bomb, parse)
    assert caught.value.code == Code.ZIP_TOO_LARGE
    assert caught.value.message == UNREADABLE


def test_total_expansion_is_capped_across_entries():
    files = {f"f{n}.bin": bytes(range(256)) * 400 for n in range(10)}  # 10 x 100 KiB, compressible but not a bomb
    limits = Limits(max_total_bytes=500_000, max_ratio=10_000)
    with pytest.raises(PackageError) as caught:
        open_package(make_zip(files), parse, limits=limits)
    assert caught.value.code == Code.ZIP_TOO_LARGE


def test_entry_count_is_capped():
    files = {f"f{n}.txt": b"x" for n in range(50)}
    with pytest.raises(PackageError) as caught:
        open_package(make_zip(files), parse, limits=Limits(max_entries=20))
    assert caught.value.code == Code.ZIP_TOO_LARGE


def test_headers_claiming_a_small_size_do_not_let_more_through():
    """The central directory says 10 bytes; the data inflates to 8 MiB: the reader never trusts the header."""
    data = bytearray(make_zip({"imsmanifest.xml": bytes(8 << 20)}))
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 10)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    with pytest.raises(PackageError) as caught:
        open_package(bytes(data), parse, limits=Limits(max_total_bytes=1 << 20))
    assert caught.value.code in (Code.ZIP_UNREADABLE, Code.ZIP_TOO_LARGE)


def test_headers_claiming_a_huge_size_are_stopped_by_what_is_inflated():
    data = bytearray(make_zip({"imsmanifest.xml": bytes(4 << 20)}))
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, 0xFFFF0000)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFF0000)
    with pytest.raises(PackageError) as caught:
        open_package(bytes(data), parse, limits=Limits(max_total_bytes=1 << 20))
    assert caught.value.code in (Code.ZIP_UNREADABLE, Code.ZIP_TOO_LARGE)


def test_a_zip_version_zipfile_does_not_know_is_an_unreadable_zip():
    """hypothesis found it: zipfile raises NotImplementedError for "version needed to extract" > 6.3."""
    data = bytearray(make_zip({"imsmanifest.xml": b"<manifest/>"}))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<B", data, central + 6, 64)
    with pytest.raises(PackageError) as caught:
        open_package(bytes(data), parse)
    assert caught.value.code == Code.ZIP_UNREADABLE


def test_random_bytes_are_an_unreadable_zip():
    with pytest.raises(PackageError) as caught:
        open_package(b"PK\x03\x04" + bytes(100), parse)
    assert caught.value.code == Code.ZIP_UNREADABLE


def test_an_item_the_conversion_cannot_express_is_refused_at_import():
    """An ordered response scored by match_correct but bound to no interaction: no closed set of choices."""
    item = item_xml().replace(b'cardinality="single" baseType="identifier"', b'cardinality="ordered" baseType="identifier"')
    item = item.replace(b'responseIdentifier="RESPONSE"', b'responseIdentifier="OTHER"').replace(
        b"<itemBody>", b'<itemBody><p>x</p>').replace(
        b'</responseDeclaration>', b'</responseDeclaration><responseDeclaration identifier="OTHER" '
                                   b'cardinality="single" baseType="identifier"/>', 1)
    with pytest.raises(ItemError) as caught:
        import_package(package_of({"i.xml": item}), parse)
    assert caught.value.code == Code.UNSUPPORTED
    assert caught.value.message == 'Unsupported functionality! Unable to import item "i1" (i.xml)'
