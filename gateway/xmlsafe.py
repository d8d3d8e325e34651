"""THE hardened parser for untrusted XML: every inbound document goes through :func:`parse`.

What it refuses, and why:

- DTD loading, external entities and network access are off in the lxml parser itself, so
  ``<!ENTITY x SYSTEM "file:///etc/passwd">`` can never be read (XXE).
- Entities are never expanded (``resolve_entities=False``), and a document whose DOCTYPE has an
  internal subset that declares anything is rejected outright, which stops billion laughs and
  quadratic blowup before they can be used anywhere downstream. A bare DOCTYPE naming an external
  DTD (``<!DOCTYPE questestinterop SYSTEM "ims_qtiasiv1p2p1.dtd">``, as real QTI 1.2 files carry) is
  tolerated and ignored.
- ``huge_tree`` stays off, so libxml2 keeps its safety limits: element depth at most 256
  (:data:`MAX_DEPTH`) and bounded text node and name sizes.
- Body size is capped by the WSGI layer before any byte is read (``gateway.dispatch``); :func:`parse`
  checks again so that callers outside HTTP (the CLI, package import) get the same cap.
"""
from __future__ import annotations

import os

from lxml import etree

#: libxml2's own nesting limit without XML_PARSE_HUGE; documented here because we rely on it.
MAX_DEPTH = 256
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class UnsafeXMLError(ValueError):
    """The document is well-formed but uses a construct we refuse (entities, internal DTD)."""


class XMLTooLargeError(ValueError):
    """The document is larger than the caller's cap."""


#: Anything :func:`parse` raises for bad input; callers map it to their protocol's error shape.
XMLInputError = (etree.XMLSyntaxError, UnsafeXMLError, XMLTooLargeError)


def _new_parser(huge_tree: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,  # an internal subset's ATTLIST defaults never reach the tree
        huge_tree=huge_tree,
        remove_pis=False,
        collect_ids=False,
    )


_PARSER = _new_parser()
#: For uploads only: a base64 file is one text node, and libxml2 refuses text nodes over 10 MB
#: unless XML_PARSE_HUGE is on (which also moves its depth limit from 256 to 2048).
_LARGE_TEXT_PARSER = _new_parser(huge_tree=True)


def parse(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_element_declarations: bool = False,
    large_text: bool = False,
) -> etree._Element:
    """Parse untrusted bytes and return the root element, or raise one of :data:`XMLInputError`.

    The XML declaration's encoding is honoured (UTF-8, ISO-8859-1, ...).

    ``allow_element_declarations=True`` (for QTI 1.2 files only) accepts an internal DTD subset that
    declares elements, as real QTI exports do for their extensions
    (``<!DOCTYPE questestinterop SYSTEM "ims_qtiasiv1p2p1.dtd" [<!ELEMENT humanraterdata ...>]>``).
    Such declarations are inert here: the parser never validates and never applies attribute
    defaults. Entity declarations are refused whatever this flag says.

    ``large_text=True`` (file uploads only) accepts text nodes over libxml2's 10 MB limit; the
    document as a whole is still bounded by ``max_bytes`` and entities stay refused.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("xmlsafe.parse takes bytes; encode text first so the declaration decides")
    if len(data) > max_bytes:
        raise XMLTooLargeError(f"document is {len(data)} bytes; the limit is {max_bytes}")
    # One module-level parser: lxml parsers are safe to share between threads for fromstring().
    root = etree.fromstring(bytes(data), _LARGE_TEXT_PARSER if large_text else _PARSER)
    _refuse_declarations(root, allow_element_declarations)
    return root


def _refuse_declarations(root: etree._Element, allow_element_declarations: bool = False) -> None:
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return
    for _ in dtd.iterentities():
        raise UnsafeXMLError("entity declarations are not accepted")
    if allow_element_declarations:
        return
    for _ in dtd.iterelements():
        raise UnsafeXMLError("an internal DTD subset is not accepted")


def streaming_parser(target: object) -> etree.XMLParser:
    """A feed parser with the same hardening that hands events to ``target`` instead of building a tree.

    For bodies too large to hold (itslearning uploads): text arrives in pieces through
    ``target.data``, so nothing is bounded by libxml2's text limit and nothing accumulates unless
    the target keeps it. Without a tree there is no internal subset to inspect afterwards, so the
    target must refuse any DOCTYPE itself (``target.doctype`` is called before the subset is read;
    SOAP 1.1 forbids a DTD in a message anyway). The caller bounds the bytes it feeds.
    """
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        collect_ids=False,
    )


def load_schema(path: "os.PathLike[str] | str") -> etree.XMLSchema:
    """An XML Schema from the gateway's own ``gateway/schemas/`` folder (trusted files, never request data).

    Kept here so that this module stays the one place that constructs lxml parsers.
    """
    return etree.XMLSchema(etree.parse(str(path), _new_parser()))
