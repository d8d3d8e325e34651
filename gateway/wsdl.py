"""WSDL documents the gateway serves: described by spyne from the service code, tidied, and kept
in ``gateway/schemas/`` so that clients (and reviewers) can read them; a test fails when a file and the code
disagree. ``python -m gateway.<protocol>.wsdl`` rewrites a file after its service changes.

The stored file carries a placeholder address; ``?wsdl`` answers it with the address it was
fetched from.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from spyne import Application
from spyne.interface.wsdl import Wsdl11

from gateway import xmlsafe
from gateway.resources import SCHEMAS

FOLDER = Path(str(SCHEMAS))
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"


def describe(application: Application, placeholder: str) -> etree._Element:
    """spyne's WSDL of ``application``, with the SOAP-over-HTTP transport spyne leaves unbound."""
    interface = Wsdl11(application.interface)
    interface.build_interface_document(placeholder)
    root = xmlsafe.parse(interface.get_interface_document())
    for binding in root.iter(f"{{{SOAP_NS}}}binding"):
        binding.set("transport", "http://schemas.xmlsoap.org/soap/http")  # spyne writes noconn://null.spyne
    _sort_declarations(root)
    return root


def _sort_declarations(root: etree._Element) -> None:
    """spyne declares types in an order that changes from run to run; the file must not."""
    order = {"import": 0, "simpleType": 1, "complexType": 2, "element": 3}
    for schema in root.iter(f"{{{XSD_NS}}}schema"):
        children = list(schema)
        children.sort(key=lambda el: (order.get(etree.QName(el).localname, 9), el.get("name", ""), el.get("namespace", "")))
        schema[:] = children


def set_soap_actions(root: etree._Element, action: Callable[[str], str]) -> None:
    """spyne writes ``soapAction="readResult"``; real clients send the vendor's full action URI."""
    for op in root.iter(f"{{{SOAP_NS}}}operation"):
        op.set("soapAction", action(op.getparent().get("name")))


def to_bytes(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


@dataclass(frozen=True)
class WsdlFile:
    path: Path
    placeholder: str
    generate: Callable[[], bytes] = field(compare=False)

    def served(self, address: str) -> bytes:
        """The WSDL with its soap:address pointing at ``address`` (the URL it was fetched from)."""
        return _document(self).replace(self.placeholder.encode(), address.encode())

    def write(self) -> None:
        self.path.write_bytes(self.generate())
        print(f"wrote {self.path}")


@functools.cache
def _document(wsdl: WsdlFile) -> bytes:
    try:
        return wsdl.path.read_bytes()
    except OSError:  # installed without the source tree: describe it on the fly
        return wsdl.generate()
