"""The one contract for untrusted XML in this package: callers pass ``parse_xml`` (the gateway
passes ``gateway.xmlsafe.parse``), and these are the errors it may raise for bad input."""
from __future__ import annotations

from collections.abc import Callable

from lxml import etree

ParseXml = Callable[[bytes], etree._Element]
#: lxml's syntax errors (SyntaxError subclasses) and the safe parser's refusals (ValueErrors).
XML_ERRORS = (ValueError, etree.LxmlError)
