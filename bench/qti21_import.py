"""QTI 2.1 package import speed: a 200-item content package built in memory from the official IMS items,
validated (zip, manifest, references, namespaces), every item parsed, and the test converted to QTI 1.2.

    python -m bench.qti21_import [--items 200] [--runs 5] [--floor-requests 2000]

Target: under 3 seconds for validate + parse + convert of 200 items. Reported with the floor measured in
the same run: the ratio is how many static floor requests (one worker, concurrency 1) fit in one import.
Also shown: loading the converted document into the QTI 1.2 engine (what the store's import does next).
"""
from __future__ import annotations

import argparse
import io
import re
import statistics
import time
import zipfile
from pathlib import Path

from adapters import qti12
from adapters.qti21 import import_package, parse_item
from adapters.qti21.convert import to_qti12
from bench.floor import measure_floor
from gateway.xmlsafe import parse

ITEMS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "reference" / "qti" / "items-v2p1"
TARGET_SECONDS = 3.0
_IDENT = re.compile(rb'(<assessmentItem\b[^>]*?\sidentifier=")([^"]*)(")', re.S)


def supported_items() -> dict[str, bytes]:
    found = {}
    for path in sorted(ITEMS.glob("*.xml")):
        data = path.read_bytes()
        try:
            parse_item(parse(data), href=path.name)
        except Exception:
            continue
        found[path.name] = data
    return found


def build_package(count: int) -> bytes:
    """``count`` items (the supported official items, cycled, each with its own identifier), a test, the images."""
    sources = list(supported_items().items())
    manifest, refs, files = [], [], {}
    for n in range(count):
        name, data = sources[n % len(sources)]
        href = f"items/item{n:04d}.xml"
        files[href] = _IDENT.sub(rb"\g<1>item%04d\g<3>" % n, data, count=1)
        manifest.append(f'<resource identifier="R{n}" type="imsqti_item_xmlv2p1" href="{href}"><file href="{href}"/></resource>')
        refs.append(f'<assessmentItemRef identifier="I{n}" href="{href}"/>')
        for image in re.findall(rb'(?:src|data)="([^"/:]+/[^"]+)"', data):
            files[f"items/{image.decode()}"] = b"\x89PNG\r\n\x1a\n" + bytes(2048)
    test = ('<?xml version="1.0" encoding="UTF-8"?><assessmentTest xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" '
            'identifier="BENCH" title="Bench"><testPart identifier="P" navigationMode="linear" '
            'submissionMode="individual"><assessmentSection identifier="S" title="S" visible="true">'
            + "".join(refs) + "</assessmentSection></testPart></assessmentTest>")
    files["test.xml"] = test.encode()
    manifest.insert(0, '<resource identifier="T" type="imsqti_test_xmlv2p1" href="test.xml"><file href="test.xml"/></resource>')
    files["imsmanifest.xml"] = ('<?xml version="1.0" encoding="UTF-8"?><manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
                                'identifier="M"><resources>' + "".join(manifest) + "</resources></manifest>").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def timed(work, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--floor-requests", type=int, default=2000)
    args = parser.parse_args()

    package = build_package(args.items)
    imported = import_package(package, parse)
    assert len(imported.items) == args.items
    print(f"package: {args.items} items, {len(package)} bytes zipped")

    validate_parse, _ = timed(lambda: import_package(package, parse), args.runs)
    convert, document = timed(lambda: to_qti12(imported), args.runs)
    whole, _ = timed(lambda: to_qti12(import_package(package, parse)), args.runs)
    load, _ = timed(lambda: qti12.load_assessment(parse(document.encode(), max_bytes=200 << 20)), args.runs)

    floor = measure_floor(args.floor_requests, workers=1, concurrency=1)
    print(floor.line())
    per_request = 1 / floor.rps if floor.rps else float("nan")
    for label, seconds in [("validate + parse", validate_parse), ("convert to QTI 1.2", convert),
                           ("validate + parse + convert", whole), ("QTI 1.2 engine load (next step)", load)]:
        print(f"{label:<34} {seconds * 1000:8.1f} ms  = {seconds / per_request:8.0f} floor requests")
    verdict = "meets" if whole < TARGET_SECONDS else "MISSES"
    print(f"target: validate + parse + convert of {args.items} items under {TARGET_SECONDS:.0f} s: {verdict} "
          f"({whole:.3f} s, {whole / TARGET_SECONDS:.1%} of the budget)")


if __name__ == "__main__":
    main()
