"""What every SOAP 1.1 endpoint of the gateway writes the same way: the declaration and the Fault.

A fault, with the unqualified children SOAP 1.1 §4.4 defines and the code as a literal string
(Turnitin's clients compare ``<faultcode>Authentication Fault</faultcode>`` as text)::

    <?xml version="1.0" encoding="UTF-8"?>
    <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
    <SOAP-ENV:Body>
    <SOAP-ENV:Fault>
    <faultcode>SOAP-ENV:Client</faultcode>
    <faultstring>Request body of 70000000 bytes exceeds the limit of 68157440 bytes</faultstring>
    </SOAP-ENV:Fault>
    </SOAP-ENV:Body>
    </SOAP-ENV:Envelope>
"""
from __future__ import annotations

from lxml import etree

from adapters.ns import SOAP_ENV

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CONTENT_TYPE = "text/xml; charset=utf-8"
#: Fault codes in the prefix the envelope declares.
CLIENT, SERVER = "SOAP-ENV:Client", "SOAP-ENV:Server"
NSMAP = {"SOAP-ENV": SOAP_ENV}


def line(parent: etree._Element, tag: str, text: str | None = None, nsmap=None) -> etree._Element:
    """A child on its own line, as the seeds' envelopes are laid out."""
    el = etree.SubElement(parent, tag, nsmap=nsmap) if nsmap else etree.SubElement(parent, tag)
    el.text = text if text else "\n"
    el.tail = "\n"
    return el


def fault(code: str, message: str) -> etree._Element:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=NSMAP)
    envelope.text = "\n"
    node = line(line(envelope, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    line(node, "faultcode", code)
    line(node, "faultstring", message)
    return envelope


def to_bytes(envelope: etree._Element) -> bytes:
    return XML_DECLARATION + etree.tostring(envelope, encoding="UTF-8", xml_declaration=False) + b"\n"


def fault_bytes(code: str, message: str) -> bytes:
    return to_bytes(fault(code, message))
