"""A 200-item QTI 2.1 package through the whole itslearning path on a real server: UploadFile,
AddMessage, the in-process worker (validation, package import, conversion, store), polled with
GetMessageResult until Finished. Target: the import finishes in under 3 seconds.

    python -m bench.itslearning [--items 200] [--runs 3]

The floor is reported too, so the figure can be read against this machine's speed.
"""
from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import requests
from lxml import etree

from adapters import ns
from bench import harness
from bench.floor import measure_floor

DEMO = Path(__file__).resolve().parents[1] / "gateway" / "demo" / "data" / "itslearning-package"
SECURITY = (
    f'<s:Header><wsse:Security xmlns:wsse="{ns.WSSE}"><wsse:UsernameToken><wsse:Username>itslearning-demo</wsse:Username>'
    "<wsse:Password>secret</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header>"
)


def package(items: int) -> bytes:
    """``items`` items, cycling through the demo package's three interactions."""
    sources = [(DEMO / f"{name}.xml").read_text() for name in ("capital", "primes", "protocol")]
    buffer = io.BytesIO()
    refs, resources = [], []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(items):
            source = sources[i % 3]
            original = source.split('identifier="', 2)[1].split('"', 1)[0]
            ident = f"q{i:04d}"
            archive.writestr(f"items/{ident}.xml", source.replace(f'identifier="{original}"', f'identifier="{ident}"', 1))
            refs.append(f'<assessmentItemRef identifier="{ident}" href="items/{ident}.xml"/>')
            resources.append(f'<resource identifier="{ident}" type="imsqti_item_xmlv2p1" href="items/{ident}.xml">'
                             f'<file href="items/{ident}.xml"/></resource>')
        archive.writestr("test.xml", f'<assessmentTest xmlns="{ns.QTI21}" identifier="bench" title="Bench {items}">'
                                     f'<testPart identifier="p" navigationMode="nonlinear" submissionMode="simultaneous">'
                                     f'<assessmentSection identifier="s" title="S" visible="true">{"".join(refs)}'
                                     f"</assessmentSection></testPart></assessmentTest>")
        archive.writestr("imsmanifest.xml", f'<manifest xmlns="{ns.IMSCP}" identifier="m"><resources>'
                                            f'<resource identifier="bench" type="imsqti_test_xmlv2p1" href="test.xml">'
                                            f'<file href="test.xml"/></resource>{"".join(resources)}</resources></manifest>')
    return buffer.getvalue()


def soap(base: str, path: str, action: str, body: str) -> etree._Element:
    envelope = (f'<s:Envelope xmlns:s="{ns.SOAP_ENV}" xmlns:tem="{ns.TEMPURI}" xmlns:its="{ns.ITSLEARNING_ENTITIES}">'
                f"{SECURITY}<s:Body>{body}</s:Body></s:Envelope>")
    response = requests.post(base + path, data=envelope.encode(), timeout=60,
                             headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'})
    response.raise_for_status()
    return etree.fromstring(response.content)


def import_once(base: str, data: bytes) -> tuple[float, float, str, str]:
    """(upload seconds, AddMessage -> Finished seconds, the result's message, the message id)."""
    started = time.perf_counter()
    guid = soap(base, "/ContentImport/FileService.svc", "http://tempuri.org/IFileService/UploadFile",
                f"<tem:UploadFile><tem:fileMessage><its:Content>{base64.b64encode(data).decode()}</its:Content>"
                "<its:Name>bench.zip</its:Name></tem:fileMessage></tem:UploadFile>").findtext(f".//{{{ns.TEMPURI}}}UploadFileResult")
    uploaded = time.perf_counter()
    message = (f'<Message xmlns="urn:message-schema"><CreateCourseElementTest><CourseId>1</CourseId><UserId>2</UserId>'
               f"<Title>Bench</Title></CreateCourseElementTest><Files><File>{guid}</File></Files></Message>")
    added = soap(base, "/ContentImport/DataService.svc", "http://tempuri.org/IDataService/AddMessage",
                 f"<tem:AddMessage><tem:dataMessage><its:Data><![CDATA[{message}]]></its:Data><its:Type>1</its:Type>"
                 "</tem:dataMessage></tem:AddMessage>")
    message_id = added.findtext(f".//{{{ns.ITSLEARNING_ENTITIES}}}MessageId")
    while True:
        result = soap(base, "/ContentImport/DataService.svc", "http://tempuri.org/IDataService/GetMessageResult",
                      f"<tem:GetMessageResult><tem:messageId>{message_id}</tem:messageId></tem:GetMessageResult>")
        if result.findtext(f".//{{{ns.ITSLEARNING_ENTITIES}}}Status") == "Finished":
            break
        time.sleep(0.02)
    finished = time.perf_counter()
    detail = result.findtext(f".//{{{ns.ITSLEARNING_ENTITIES}}}Message")
    return uploaded - started, finished - uploaded, detail, message_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = package(args.items)
    floor = measure_floor(2000, 2, 1)
    print(floor.line())
    print(f"package: {args.items} items, {len(data)} bytes")
    with tempfile.TemporaryDirectory() as tmp:
        port = harness.free_port()
        env_url = f"sqlite:///{tmp}/bench.db"
        os.environ["LMS_GATEWAY_WORKER_POLL_SECONDS"] = "0.05"
        with harness.gateway_server(port, 2, env_url, "--demo") as base:
            imports = []
            for run in range(args.runs):
                upload, process, detail, _ = import_once(base, data)
                imports.append(process)
                print(f"run {run + 1}: upload {upload * 1000:.0f} ms, AddMessage -> Finished {process * 1000:.0f} ms ({detail})")
    median = statistics.median(imports)
    print(f"median import of {args.items} items: {median:.2f} s; target under 3 s: {'met' if median < 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
