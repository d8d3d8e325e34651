"""The gateway's LIS OMS WSDL: described by spyne from ``gateway/lis/models.py``, tidied, and kept
in ``gateway/schemas/lis-result.wsdl`` (a test fails when the file and the code disagree).

    python -m gateway.lis.wsdl     # rewrite gateway/schemas/lis-result.wsdl after changing the models

Tidying: ``soapAction`` is the IMS URI LIS clients send
(``http://www.imsglobal.org/soap/lis/oms1p0/readResult``). Names of the port type, binding and port
follow the IMS WSDL so that code generated from either looks alike.
"""
from __future__ import annotations

from gateway import wsdl as wsdl_files
from gateway.wsdl import WSDL_NS, WsdlFile

PLACEHOLDER = "http://lms-gateway.invalid/api/soap/1p0/lis-result"
SOAP_ACTION = "http://www.imsglobal.org/soap/lis/oms1p0/"
_RENAMES = {
    "portType": "ResultManagerSyncPortType",
    "binding": "ResultManagerSyncSoapBinding",
    "port": "ResultManagerSyncSoapPort",
}


def generate() -> bytes:
    from gateway.lis.soap import _application

    root = wsdl_files.describe(_application(), PLACEHOLDER)
    root.find(f"{{{WSDL_NS}}}service").set("name", "OutcomesManagementServiceSyncService")
    wsdl_files.set_soap_actions(root, lambda operation: SOAP_ACTION + operation)
    prefix = next(p for p, uri in root.nsmap.items() if uri == root.get("targetNamespace"))
    for kind, new in _RENAMES.items():
        root.find(f".//{{{WSDL_NS}}}{kind}").set("name", new)
    for binding in root.iter(f"{{{WSDL_NS}}}binding"):
        binding.set("type", f"{prefix}:{_RENAMES['portType']}")
    for port in root.iter(f"{{{WSDL_NS}}}port"):
        port.set("binding", f"{prefix}:{_RENAMES['binding']}")
    return wsdl_files.to_bytes(root)


WSDL = WsdlFile(wsdl_files.FOLDER / "lis-result.wsdl", PLACEHOLDER, generate)
WSDL_FILE = WSDL.path
served = WSDL.served


if __name__ == "__main__":
    WSDL.write()
