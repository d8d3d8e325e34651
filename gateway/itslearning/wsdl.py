"""The WSDLs of itslearning's FileService.svc and DataService.svc as this gateway serves them,
described by spyne from :mod:`gateway.itslearning.services` and kept in ``gateway/schemas/itslearning/``
(a test fails when a file and the code disagree).

    python -m gateway.itslearning.wsdl     # rewrite both after changing the services

Tidying: ``soapAction`` is WCF's ``http://tempuri.org/I<Service>/<Operation>``, which real clients send.
"""
from __future__ import annotations

from gateway import wsdl as wsdl_files
from gateway.wsdl import WsdlFile


def _generate(service: str) -> bytes:
    from gateway.itslearning import services

    placeholder = f"http://lms-gateway.invalid/ContentImport/{service}.svc"
    application = services.application(service)
    root = wsdl_files.describe(application, placeholder)
    wsdl_files.set_soap_actions(root, lambda operation: f"http://tempuri.org/I{service}/{operation}")
    return wsdl_files.to_bytes(root)


def _file(service: str) -> WsdlFile:
    return WsdlFile(
        wsdl_files.FOLDER / "itslearning" / f"{service}.wsdl",
        f"http://lms-gateway.invalid/ContentImport/{service}.svc",
        lambda: _generate(service),
    )


FILE_SERVICE = _file("FileService")
DATA_SERVICE = _file("DataService")


if __name__ == "__main__":
    FILE_SERVICE.write()
    DATA_SERVICE.write()
