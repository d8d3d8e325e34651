"""Shared helpers for the QTI 1.2 tests: reference files, the demo document, small items."""
from __future__ import annotations

from pathlib import Path

from adapters import qti12
from gateway import assessments
from gateway.demo.assessments import ATTEMPTS, TEST_207
from tests.conftest import REFERENCE, SEEDS

ITEMS_V1P2 = REFERENCE / "qti" / "items-v1p2"
REFERENCE_FILES = sorted(ITEMS_V1P2.glob("*.xml"))
RES_XSD = REFERENCE / "webex" / "service" / "training" / "training_ims_qtiresv1p2.xsd"
ASI_XSD = REFERENCE / "webex" / "service" / "training" / "training_ims_qtiasiv1p2.xsd"
SEED_000 = SEEDS / "000_b94f71ab7c38ad66.txt"
GEORGE = ATTEMPTS[0]


def load_file(path: Path, **kw) -> qti12.Assessment:
    return assessments.load_qti12(path.read_bytes(), **kw)


def demo_test() -> qti12.Assessment:
    return load_file(TEST_207)


def item_doc(presentation: str, processing: str, *, decvar: str = '<decvar varname="SCORE" vartype="Integer" defaultval="0"/>',
             ident: str = "I1", continue_yes: bool = False, namespace: str | None = None) -> qti12.Assessment:
    """A one-item questestinterop with the given presentation content and respconditions."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    text = (
        f'<questestinterop{xmlns}><item ident="{ident}"><presentation><flow>{presentation}</flow></presentation>'
        f"<resprocessing><outcomes>{decvar}</outcomes>{processing}</resprocessing></item></questestinterop>"
    )
    return assessments.load_qti12(text.encode(), continue_yes=continue_yes)


def score(test: qti12.Assessment, responses: dict) -> qti12.ItemScore:
    """The one item's score for {response ident: [values]}."""
    [item] = test.items
    return qti12.score_attempt(test, {item.ident: responses}).items[item.ident]
