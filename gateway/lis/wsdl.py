"""The gateway's LIS OMS WSDL: described by spyne from ``gateway/lis/models.py``, tidied, and kept
in ``wsdl/lis-result.wsdl`` (a test fails when the file and the code disagree).

    python -m gateway.lis.wsdl     # rewrite wsdl/lis-result.wsdl after changing the models

Tidying: spyne writes ``soapAction="readResult"``; LIS clients send (and the IMS WSDL declares)
``http://www.imsglobal.org/soap/lis/oms1p0/readResult``. Names of the port type, binding and port
follow the IMS WSDL so that code generated from either looks alike.
"""
from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree
from spyne.interface.wsdl import Wsdl11

from gateway import xmlsafe

WSDL_FILE = Path(__file__).resolve().parents[2] / "wsdl" / "lis-result.wsdl"
PLACEHOLDER = "http://lms-gateway.invalid/api/soap/1p0/lis-result"
SOAP_ACTION = "http://www.imsglobal.org/soap/lis/oms1p0/"
_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
_RENAMES = {
    "portType": "ResultManagerSyncPortType",
    "binding": "ResultManagerSyncSoapBinding",
    "port": "ResultManagerSyncSoapPort",
}


def generate() -> bytes:
    from gateway.lis.soap import _application

    interface = Wsdl11(_application().interface)
    interface.build_interface_document(PLACEHOLDER)
    root = xmlsafe.parse(interface.get_interface_document())
    for binding in root.iter(f"{{{_SOAP}}}binding"):
        binding.set("transport", "http://schemas.xmlsoap.org/soap/http")  # spyne unbound: noconn://null.spyne
    root.find(f"{{{_WSDL}}}service").set("name", "OutcomesManagementServiceSyncService")
    for op in root.iter(f"{{{_SOAP}}}operation"):
        op.set("soapAction", SOAP_ACTION + op.getparent().get("name"))
    old = {kind: root.find(f".//{{{_WSDL}}}{kind}").get("name") for kind in _RENAMES}
    prefix = next(p for p, uri in root.nsmap.items() if uri == root.get("targetNamespace"))
    for kind, new in _RENAMES.items():
        root.find(f".//{{{_WSDL}}}{kind}").set("name", new)
    for binding in root.iter(f"{{{_WSDL}}}binding"):
        binding.set("type", f"{prefix}:{_RENAMES['portType']}")
    for port in root.iter(f"{{{_WSDL}}}port"):
        port.set("binding", f"{prefix}:{_RENAMES['binding']}")
    assert old  # names replaced above; kept for a readable failure when spyne changes its layout
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


@functools.lru_cache(maxsize=1)
def _document() -> bytes:
    try:
        return WSDL_FILE.read_bytes()
    except OSError:  # installed without the source tree: describe it on the fly
        return generate()


def served(address: str) -> bytes:
    """The WSDL with its soap:address pointing at ``address`` (the URL it was fetched from)."""
    return _document().replace(PLACEHOLDER.encode(), address.encode())


if __name__ == "__main__":
    WSDL_FILE.write_bytes(generate())
    print(f"wrote {WSDL_FILE}")
