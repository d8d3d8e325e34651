"""Fuzzing, in process, bounded for CI: hypothesis drives every parser entry point with generated
documents (trees over each format's own vocabulary, mangled serialisations, entity-laden prologs,
raw bytes) and each must give a result or its own clean error, nothing else:

- ``gateway.xmlsafe.parse``                     -> element | XMLInputError (entity declarations: always refused)
- ``gateway.webex.envelope.parse_request``      -> WebexRequest | XMLInputError | RequestError
- the LIS SOAP and LTI POX request readers       -> the endpoint's answer shape (through the in-process
  app, OAuth-signed, so the body reaches spyne and the POX reader)
- ``adapters.qti12.load_assessment``            -> Assessment | Qti12Error
- ``adapters.qti21.parse_item`` / ``open_package`` -> Item/Package | QtiImportError
- itslearning message processing (``create_test.process``) -> status details, never an exception

``LMS_GATEWAY_FUZZ_EXAMPLES`` raises the number of examples per target for a longer run.
"""
from __future__ import annotations

import io
import os
import zipfile

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree
from wsgiadapter import WSGIAdapter

from adapters import ns, qti12, qti21
from adapters.qti12.model import Qti12Error
from adapters.store import Store, schema
from adapters.store import itslearning as store_its
from gateway import demo, xmlsafe
from gateway.app import create_app
from gateway.config import Settings
from gateway.demo.accounts import demo_account
from gateway.itslearning import create_test
from gateway.webex import envelope
from tests.conftest import BASE_URL
from tests.reliability.summary import SUMMARY
from tests.reliability.test_hostile_input import Answer, LOL, _BodyHashClient, lis_shape, pox_shape

EXAMPLES = int(os.environ.get("LMS_GATEWAY_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])


def counted(name: str) -> None:
    SUMMARY.fuzz_cases[name] = SUMMARY.fuzz_cases.get(name, 0) + 1


# --- documents over a vocabulary -------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
VALUES = st.one_of(TEXT, st.sampled_from(["", "0", "1", "-1", "1e309", "NaN", "Single", "Multiple", "Ordered", "Yes",
                                          "No", "identifier", "integer", "float", "string", "Set", "Add", "true", "A", "B"]))


def documents(namespace: str, names: list[str], attributes: list[str], max_depth: int = 5):
    """Strategy of element trees in ``namespace`` built from the format's own names."""

    @st.composite
    def tree(draw, depth: int = 0) -> etree._Element:
        name = draw(st.sampled_from(names))
        el = etree.Element(f"{{{namespace}}}{name}" if namespace else name)
        for attribute in draw(st.lists(st.sampled_from(attributes), max_size=4, unique=True)) if attributes else ():
            el.set(attribute, draw(VALUES))
        el.text = draw(st.one_of(st.none(), VALUES))
        if depth < max_depth:
            el.extend(draw(st.lists(tree(depth + 1), max_size=3)))
        return el

    return tree()


def serialised(trees, prologs=("",)):
    """Bytes of a tree, sometimes with a hostile prolog, sometimes cut short or with a stray byte."""

    def render(el: etree._Element, prolog: str, cut: int | None, stray: bool) -> bytes:
        raw = prolog.encode() + etree.tostring(el)
        if stray:
            raw = raw.replace(b">", b">\xff&bogus;", 1)
        return raw[:cut] if cut is not None else raw

    return st.builds(render, trees, st.sampled_from(prologs), st.one_of(st.none(), st.integers(0, 400)), st.booleans())


HOSTILE_PROLOGS = (
    "", "", "",
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<!DOCTYPE x SYSTEM "ims_qtiasiv1p2p1.dtd">',
    '<!DOCTYPE x [<!ENTITY e "expanded">]>',
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    f"<!DOCTYPE x [{LOL}]>",
    "<!DOCTYPE x [<!ELEMENT x ANY>]>",
)
ANY_NAMES = ["a", "b", "message", "Envelope", "Body", "item", "x"]
RAW = st.one_of(st.binary(max_size=300), serialised(documents("", ANY_NAMES, ["id", "x"]), HOSTILE_PROLOGS))


@FUZZ
@given(data=RAW)
def test_xmlsafe_parse(data):
    counted("xmlsafe.parse")
    try:
        root = xmlsafe.parse(data)
    except xmlsafe.XMLInputError:
        return
    dtd = root.getroottree().docinfo.internalDTD
    assert dtd is None or not list(dtd.iterentities()), "a document declaring entities got through"


# --- WebEx -------------------------------------------------------------------------------------------

WEBEX_NAMES = ["message", "header", "securityContext", "webExID", "password", "sessionTicket", "siteID", "email", "body",
               "bodyContent", "testID", "participantEmail", "listControl", "startFrom", "maximumNum"]
WEBEX_DOCS = st.one_of(
    serialised(documents(ns.WEBEX_SERVICE, WEBEX_NAMES, [f"{{{ns.XSI}}}type", "id"]), HOSTILE_PROLOGS),
    serialised(documents("", WEBEX_NAMES, [f"{{{ns.XSI}}}type"])).map(lambda b: b.replace(b"<message", b"<serv:message", 1)),
    st.binary(max_size=200),
)


@FUZZ
@given(data=WEBEX_DOCS)
def test_webex_parse_request(data):
    counted("webex.parse_request")
    try:
        request = envelope.parse_request(data)
    except (*xmlsafe.XMLInputError, envelope.RequestError):
        return
    assert request.service and request.operation
    assert isinstance(request.security, dict)


# --- LIS SOAP and LTI POX through their readers ---------------------------------------------------

@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.db'}"
    config = Settings.load(environ={}, database_url=url)
    store = Store(url)
    schema.upgrade(store)
    demo.load(store, config)
    yield create_app(config, store), store, config
    store.dispose()


def post_signed(app, path: str, body: bytes, content_type: str) -> Answer:
    session = requests.Session()
    session.mount(BASE_URL, WSGIAdapter(app))
    client = _BodyHashClient("49201", client_secret="secret", raw=body)
    auth = client.sign(BASE_URL + path, "POST", None, {"Content-Type": content_type})[1]["Authorization"]
    r = session.post(BASE_URL + path, data=body, headers={"Content-Type": content_type, "Authorization": auth})
    return Answer(r.status_code, r.headers.get("Content-Type", ""), r.content)


LIS_NAMES = ["Envelope", "Header", "Body", "imsx_syncRequestHeaderInfo", "imsx_messageIdentifier", "readResultRequest",
             "readResultsRequest", "replaceResultRequest", "createResultRequest", "deleteResultRequest", "sourcedIdSet",
             "sourcedId", "resultRecord", "sourcedGUID", "result", "lineItemSourcedId", "resultScore", "language",
             "textString", "extension", "extensionField", "fieldName", "fieldValue", "date"]


@st.composite
def lis_envelopes(draw) -> bytes:
    """A SOAP Envelope whose Body holds a generated tree in the LIS namespace."""
    env = etree.Element(f"{{{ns.SOAP_ENV}}}Envelope")
    if draw(st.booleans()):
        etree.SubElement(env, f"{{{ns.SOAP_ENV}}}Header").append(draw(documents(ns.LIS_OMS, LIS_NAMES, ["id"], 3)))
    body = etree.SubElement(env, f"{{{ns.SOAP_ENV}}}Body")
    body.extend(draw(st.lists(documents(ns.LIS_OMS, LIS_NAMES, ["id"], 4), max_size=2)))
    return etree.tostring(env)


@FUZZ
@given(data=st.one_of(lis_envelopes(), RAW))
def test_lis_soap_reader(demo_app, data):
    counted("LIS SOAP reader")
    lis_shape_or_success(post_signed(demo_app[0], "/api/soap/1p0/lis-result", data, "text/xml"))


def lis_shape_or_success(answer: Answer) -> None:
    """A generated request may be valid (a create or a read of a demo id): success is an answer too."""
    assert b"Traceback" not in answer.body
    root = etree.fromstring(answer.body)
    if answer.status == 200 and root.findtext(f".//{{{ns.LIS_OMS}}}imsx_codeMajor") == "success":
        return
    lis_shape(answer)


POX_NAMES = ["imsx_POXEnvelopeRequest", "imsx_POXHeader", "imsx_POXRequestHeaderInfo", "imsx_messageIdentifier",
             "imsx_POXBody", "replaceResultRequest", "readResultRequest", "deleteResultRequest", "resultRecord",
             "sourcedGUID", "sourcedId", "result", "resultScore", "textString", "language"]


@FUZZ
@given(data=st.one_of(serialised(documents(ns.LTI_POX, POX_NAMES, ["id"]), HOSTILE_PROLOGS), RAW))
def test_pox_reader(demo_app, data):
    counted("LTI POX reader")
    answer = post_signed(demo_app[0], "/lti/outcomes", data, "application/xml")
    root = etree.fromstring(answer.body)
    if answer.status == 200 and root.findtext(f".//{{{ns.LTI_POX}}}imsx_codeMajor") == "success":
        return
    pox_shape(answer)


# --- QTI 1.2 and QTI 2.1 -----------------------------------------------------------------------------

QTI12_NAMES = ["questestinterop", "assessment", "section", "item", "presentation", "material", "mattext", "response_lid",
               "response_str", "response_num", "response_xy", "response_grp", "render_choice", "render_fib",
               "render_hotspot", "response_label", "resprocessing", "outcomes", "decvar", "respcondition", "conditionvar",
               "varequal", "varlt", "vargte", "varsubset", "varinside", "not", "and", "or", "other", "unanswered",
               "setvar", "displayfeedback", "itemfeedback", "interpretvar", "itemref", "sectionref", "objectbank",
               "qticomment", "outcomes_processing", "itemmetadata", "qtimetadata"]
QTI12_ATTRIBUTES = ["ident", "title", "rcardinality", "vartype", "varname", "defaultval", "minvalue", "maxvalue",
                    "cutvalue", "respident", "continue", "action", "linkrefid", "feedbacktype", "areatype", "case",
                    "setmatch", "scoremodel", "linkrefid"]


@FUZZ
@given(data=st.one_of(serialised(documents("", QTI12_NAMES, QTI12_ATTRIBUTES, 6), HOSTILE_PROLOGS),
                      serialised(documents(ns.QTI12_ASI, QTI12_NAMES, QTI12_ATTRIBUTES, 6))))
def test_qti12_load_assessment(data):
    counted("qti12.load_assessment")
    try:
        root = xmlsafe.parse(data, allow_element_declarations=True)
    except xmlsafe.XMLInputError:
        return
    try:
        assessment = qti12.load_assessment(root)
    except Qti12Error:
        return
    assert assessment.items


QTI21_NAMES = ["assessmentItem", "responseDeclaration", "outcomeDeclaration", "correctResponse", "value", "mapping",
               "mapEntry", "areaMapping", "areaMapEntry", "defaultValue", "itemBody", "p", "div", "choiceInteraction",
               "simpleChoice", "orderInteraction", "textEntryInteraction", "extendedTextInteraction",
               "matchInteraction", "simpleMatchSet", "simpleAssociableChoice", "hotspotInteraction", "hotspotChoice",
               "responseProcessing", "responseCondition", "responseIf", "responseElse", "match", "variable",
               "correct", "setOutcomeValue", "baseValue", "sum", "mapResponse", "isNull", "prompt", "modalFeedback"]
QTI21_ATTRIBUTES = ["identifier", "title", "adaptive", "timeDependent", "cardinality", "baseType", "responseIdentifier",
                    "maxChoices", "minChoices", "shuffle", "template", "mapKey", "mappedValue", "defaultValue",
                    "lowerBound", "upperBound", "shape", "coords", "matchMax", "outcomeIdentifier", "showHide",
                    "caseSensitive", "expectedLength"]


@FUZZ
@given(data=serialised(documents(ns.QTI21, QTI21_NAMES, QTI21_ATTRIBUTES, 6)))
def test_qti21_parse_item(data):
    counted("qti21.parse_item")
    try:
        root = xmlsafe.parse(data)
    except xmlsafe.XMLInputError:
        return
    if root.tag != f"{{{ns.QTI21}}}assessmentItem":
        return  # parse_item's caller checks the root first
    try:
        qti21.parse_item(root, href="item.xml")
    except qti21.QtiImportError:
        return


MANIFEST_NAMES = ["manifest", "metadata", "organizations", "resources", "resource", "file", "dependency"]


@st.composite
def packages(draw) -> bytes:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=300))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        manifest = draw(documents(ns.IMSCP, MANIFEST_NAMES, ["identifier", "type", "href"], 3))
        if draw(st.booleans()):
            manifest.tag = f"{{{ns.IMSCP}}}manifest"
        archive.writestr(draw(st.sampled_from(["imsmanifest.xml", "imsmanifest.xml", "sub/imsmanifest.xml", "../x"])),
                         etree.tostring(manifest))
        for name in draw(st.lists(st.sampled_from(["item.xml", "a/b.xml", "../../evil.xml", "/abs.xml", "test.xml"]),
                                  max_size=3, unique=True)):
            archive.writestr(name, draw(serialised(documents(ns.QTI21, QTI21_NAMES, QTI21_ATTRIBUTES, 3), HOSTILE_PROLOGS)))
    return buffer.getvalue()


@FUZZ
@given(data=packages())
def test_qti21_open_package(data):
    counted("qti21.open_package")
    try:
        qti21.open_package(data, xmlsafe.parse, name="fuzz.zip")
    except qti21.QtiImportError:
        return


# --- itslearning message processing --------------------------------------------------------------

MESSAGE_NAMES = ["Message", "SyncKeys", "SyncKey", "SiteId", "CreateCourseElementTest", "CourseId", "CourseSyncKey",
                 "ParentId", "ParentSyncKey", "Active", "UserId", "UserSyncKey", "Title", "Description", "Deadline",
                 "Assessment", "UseScore", "Mandatory", "ScoringMethod", "CompletionCriteria", "Order", "MaxTime",
                 "ShowResults", "ShowFeedback", "Files", "File"]


@st.composite
def messages(draw) -> str:
    root = etree.Element(f"{{{ns.ITSLEARNING_MESSAGE}}}Message")
    test = etree.SubElement(root, f"{{{ns.ITSLEARNING_MESSAGE}}}CreateCourseElementTest")
    test.extend(draw(st.lists(documents(ns.ITSLEARNING_MESSAGE, MESSAGE_NAMES, [], 2), max_size=8)))
    if draw(st.booleans()):
        files = etree.SubElement(root, f"{{{ns.ITSLEARNING_MESSAGE}}}Files")
        etree.SubElement(files, f"{{{ns.ITSLEARNING_MESSAGE}}}File").text = draw(
            st.sampled_from(["177e9203-a5c8-4972-ab80-b00c11600b91", "not-a-guid", ""]))
    prolog = draw(st.sampled_from(HOSTILE_PROLOGS))
    return prolog + etree.tostring(root, encoding="unicode")


@FUZZ
@given(data=st.one_of(messages(), st.text(max_size=200).filter(lambda t: "\x00" not in t)))
def test_itslearning_message_processing(demo_app, data):
    counted("itslearning message")
    _, store, config = demo_app
    with store.session() as session:
        message = store_its.enqueue(session, demo_account(session).id, 1, 1, data)
        details = create_test.process(session, message, config)
        session.rollback()  # nothing a generated message creates is kept
    assert details and all(d.type in ("Info", "Error") for d in details)
    assert not any(d.message.startswith("An unknown error") for d in details), details
