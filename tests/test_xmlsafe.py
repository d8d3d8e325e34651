"""The hardened parser refuses every classic XML attack without expanding anything."""
from __future__ import annotations

import socket
import tracemalloc

import pytest
from lxml import etree

from gateway import xmlsafe

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"""
XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]><r>&e;</r>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]><lolz>&lol9;</lolz>"""
QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 50_000 + b'">]><r>' + b"&a;" * 50_000 + b"</r>"
)
DEEP = b"<a>" * 10_000 + b"</a>" * 10_000

ATTACKS = {
    "xxe-file": XXE_FILE,
    "xxe-network": XXE_NETWORK,
    "billion-laughs": BILLION_LAUGHS,
    "quadratic-blowup": QUADRATIC,
    "deep-nesting": DEEP,
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_is_rejected_with_bounded_memory(name):
    doc = ATTACKS[name]
    tracemalloc.start()
    try:
        with pytest.raises(xmlsafe.XMLInputError):
            xmlsafe.parse(doc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Expansion of the billion laughs would need ~3 GB, the quadratic blowup 2.5 GB.
    assert peak < 4 * len(doc) + 1_000_000, f"{name}: peak {peak} bytes"


def test_no_network_fetch_for_any_dtd_or_entity():
    """Point every external reference at a live local listener; it must never be contacted."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.3)
    port = listener.getsockname()[1]
    docs = [
        f'<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/evil.dtd"><r/>'.encode(),
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]><r/>'.encode(),
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]><r>&x;</r>'.encode(),
    ]
    try:
        for doc in docs:
            try:
                xmlsafe.parse(doc)
            except xmlsafe.XMLInputError:
                pass
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


def test_file_contents_never_appear():
    try:
        root = xmlsafe.parse(XXE_FILE)
    except xmlsafe.XMLInputError:
        return
    pytest.fail(f"XXE document was accepted: {etree.tostring(root)!r}")


def test_oversized_document_refused_before_parsing():
    with pytest.raises(xmlsafe.XMLTooLargeError, match="limit is 1000"):
        xmlsafe.parse(b"<r>" + b"x" * 1000 + b"</r>", max_bytes=1000)


def test_depth_just_under_the_cap_parses():
    depth = xmlsafe.MAX_DEPTH - 1
    root = xmlsafe.parse(b"<a>" * depth + b"</a>" * depth)
    assert root.tag == "a"


def test_bare_doctype_of_qti12_files_is_tolerated():
    root = xmlsafe.parse(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE questestinterop SYSTEM "ims_qtiasiv1p2p1.dtd">\n<questestinterop><item ident="i"/></questestinterop>'
    )
    assert root.find("item").get("ident") == "i"


def test_internal_subset_without_entities_is_refused():
    with pytest.raises(xmlsafe.UnsafeXMLError):
        xmlsafe.parse(b"<!DOCTYPE r [<!ELEMENT r ANY>]><r/>")


def test_declared_encoding_is_honoured():
    root = xmlsafe.parse('<?xml version="1.0" encoding="ISO-8859-1"?><r>café</r>'.encode("latin-1"))
    assert root.text == "café"


def test_text_is_refused():
    with pytest.raises(TypeError):
        xmlsafe.parse("<r/>")  # type: ignore[arg-type]
