"""Real zeep clients, built from the gateway's WSDL and from the IMS/Turnitin reference WSDL, signed
by requests-oauthlib (force_include_body=True), against the in-process gateway (DESIGN.md §5)."""
from __future__ import annotations

import uuid

import pytest
from zeep.helpers import serialize_object

from adapters.store import accounts as store_accounts
from adapters.store import results as store_results
from adapters.store.results import ResultData
from tests.lis.conftest import header, reference_service


@pytest.fixture(params=["gateway-wsdl", "reference-wsdl"])
def lis(request, gateway_client, reference_client):
    """(service, client) for either WSDL."""
    if request.param == "gateway-wsdl":
        return gateway_client.service, gateway_client
    return reference_service(reference_client), reference_client


def call(lis, operation: str, message_id: str | None = None, **kwargs):
    service, client = lis
    message_id = message_id or str(uuid.uuid4())
    answer = getattr(service, operation)(**kwargs, _soapheaders=[header(client, message_id)])
    info = answer.header[next(iter(answer.header))]
    status = info.imsx_statusInfo
    assert status.imsx_messageRefIdentifier == message_id
    assert info.imsx_version == "V1.0" and info.imsx_messageIdentifier
    minor = status.imsx_codeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue if status.imsx_codeMinor else None
    return (status.imsx_codeMajor, status.imsx_severity, minor, status.imsx_description), answer.body


def seed_record(body) -> dict:
    return serialize_object(body, dict)


def test_read_result_answers_the_seed_record(lis):
    status, body = call(lis, "readResult", sourcedId="49313814")
    assert status == ("success", "status", "fullsuccess", "Object Result found.")
    record = body.resultRecord
    assert record.sourcedGUID.sourcedId == "49313814"
    assert record.sourcedGUID.refAgentInstanceID == "Turnitin SRC12"
    result = record.result
    assert (result.lineItemSourcedId, result.personSourcedId) == ("20028310", "100012184")
    assert result.date.isoformat() == "2012-05-22T14:41:50+00:00"
    assert result.resultValue.label == "TestDoc1.doc"
    assert (result.resultScore.language, result.resultScore.textString) == ("en-US", "100")
    fields = [(f.fieldName, f.fieldType, f.fieldValue) for f in result.extension.extensionField]
    assert fields == [
        ("GradeMark", "Integer", None), ("InternetSimilarity", "Integer", "0"), ("PublicationSimilarity", "Integer", "0"),
        ("StudentPaperSimilarity", "Integer", "100"), ("TranslatedOverallSimilarity", "Integer", None),
        ("TranslatedInternetSimilarity", "Integer", None), ("TranslatedPublicationSimilarity", "Integer", None),
        ("TranslatedStudentPaperSimilarity", "Integer", None), ("StudentViewLast", "DateTime", None),
    ]


def test_read_result_unknown(lis):
    status, body = call(lis, "readResult", sourcedId="99999999")
    assert status == ("failure", "error", "unknownobject", "Object Result not found.")
    assert body.resultRecord is None


def ids_of(body) -> list[str]:
    return [r.sourcedGUID.sourcedId for r in body.resultRecordSet.resultRecord] if body.resultRecordSet else []


@pytest.mark.parametrize(
    "ids, status, found",
    [
        (["49313814", "49313826"], ("success", "status", "fullsuccess", "2/2 Object Results found."), ["49313814", "49313826"]),
        (["49313826", "404", "49313814"], ("success", "warning", "partialdatastorage", "2/3 Object Results found."), ["49313826", "49313814"]),
        (["404", "405"], ("failure", "error", "unknownobject", "0/2 Object Results found."), []),
        ([], ("success", "warning", "nosourcedids", "No sourcedIds were supplied."), []),
    ],
    ids=["all", "some", "none", "empty"],
)
def test_read_results_status_semantics(lis, ids, status, found):
    got, body = call(lis, "readResults", sourcedIdSet={"sourcedId": ids})
    assert got == status
    assert ids_of(body) == found


def test_read_results_caps_at_500(lis):
    assert call(lis, "readResults", sourcedIdSet={"sourcedId": ["49313814"] * 500})[0][2] == "fullsuccess"
    status, body = call(lis, "readResults", sourcedIdSet={"sourcedId": [str(i) for i in range(501)]})
    assert status == ("failure", "error", "invaliddata", "readResults takes at most 500 sourcedIds; 501 were sent.")
    assert ids_of(body) == []


def record(line_item="LI-1", person="P-1", score="42", **extra) -> dict:
    return {
        "sourcedGUID": {"sourcedId": "ignored"},
        "result": {
            "lineItemSourcedId": line_item,
            "personSourcedId": person,
            "resultValue": {"label": "essay.docx"},
            "resultScore": {"language": "en-US", "textString": score},
            "extension": {
                "extensionNameVocabulary": "https://www.turnitin.com/static/resources/files/turnitinvocabularyv1p0.xml",
                "extensionValueVocabulary": "http://www.imsglobal.org/vdex/lis/pmsv2p0/extensionvocabularyv1p0.xml",
                "extensionField": [{"fieldName": "GradeMark", "fieldType": "Integer", "fieldValue": "88"}],
            },
            **extra,
        },
    }


def test_write_lifecycle(lis):
    assert call(lis, "createResult", sourcedId="R1", resultRecord=record())[0] == ("success", "status", "fullsuccess", "Object Result created.")
    assert call(lis, "createResult", sourcedId="R1", resultRecord=record())[0][:3] == ("failure", "error", "idallocinusefail")
    _, body = call(lis, "readResult", sourcedId="R1")
    result = body.resultRecord.result
    assert (result.lineItemSourcedId, result.resultScore.textString, result.extension.extensionField[0].fieldValue) == ("LI-1", "42", "88")
    assert len(result.extension.extensionField) == 9

    assert call(lis, "updateResult", sourcedId="R1", resultRecord={"sourcedGUID": {"sourcedId": "R1"}, "result": {"lineItemSourcedId": "LI-1", "resultScore": {"language": "en-US", "textString": "77"}}})[0][2] == "fullsuccess"
    result = call(lis, "readResult", sourcedId="R1")[1].resultRecord.result
    assert (result.resultScore.textString, result.personSourcedId, result.resultValue.label) == ("77", "P-1", "essay.docx")

    assert call(lis, "replaceResult", sourcedId="R1", resultRecord=record(person="P-2", score="5"))[0][3] == "Object Result replaced."
    assert call(lis, "replaceResult", sourcedId="R2", resultRecord=record(line_item="LI-2"))[0][3] == "Object Result created."

    status, body = call(lis, "readResultIdsForLineItem", lineItemSourcedid="LI-1")
    assert status[:3] == ("success", "status", "fullsuccess") and body.sourcedIdSet.sourcedId == ["R1"]
    assert call(lis, "readResultIdsForPerson", personSourcedId="P-2")[1].sourcedIdSet.sourcedId == ["R1"]
    assert call(lis, "readResultIdsForPerson", personSourcedId="P-1")[1].sourcedIdSet.sourcedId == ["R2"]
    assert call(lis, "readResultIdsForPerson", personSourcedId="nobody")[0][:3] == ("failure", "error", "unknownobject")
    # the demo's WebEx attempts publish their scores as results too (gateway.assessments.publish_result)
    assert call(lis, "readAllResultIds")[1].sourcedIdSet.sourcedId == [
        "test-207-georgew@sz.webex.com", "test-102-amyl@sz.webex.com", "49313814", "49313826", "R1", "R2"]

    assert call(lis, "deleteResult", sourcedId="R1")[0] == ("success", "status", "fullsuccess", "Object Result deleted.")
    assert call(lis, "deleteResult", sourcedId="R1")[0][:3] == ("failure", "error", "unknownobject")
    assert call(lis, "updateResult", sourcedId="R1", resultRecord=record())[0][:3] == ("failure", "error", "unknownobject")


def test_create_by_proxy_allocates_an_id(lis):
    status, body = call(lis, "createByProxyResult", resultRecord=record(score="61"))
    assert status[:3] == ("success", "status", "fullsuccess")
    assert call(lis, "readResult", sourcedId=body.sourcedId)[1].resultRecord.result.resultScore.textString == "61"


def test_incomplete_record_is_refused_and_nothing_is_written(lis):
    status, _ = call(lis, "createResult", sourcedId="R9", resultRecord=record(line_item=""))
    assert status == ("failure", "error", "incompletedata", "result/lineItemSourcedId is required.")
    assert call(lis, "readResult", sourcedId="R9")[0][2] == "unknownobject"


@pytest.mark.parametrize(
    "binding, operation, kwargs",
    [
        ("ResultManagerSyncSoapBinding", "readResultsFromSavePoint", {"fromSavePoint": "2012-01-01T00:00:00Z"}),
        ("ResultManagerSyncSoapBinding", "changeResultIdentifier", {"sourcedId": "1", "newSourcedId": "2"}),
        ("LineItemManagerSyncSoapBinding", "readLineItem", {"sourcedId": "20028310"}),
        ("LineItemManagerSyncSoapBinding", "readAllLineItemIds", {}),
        ("ResultValueManagerSyncSoapBinding", "readResultValue", {"sourcedId": "1"}),
        ("ResultValueManagerSyncSoapBinding", "deleteResultValue", {"sourcedId": "1"}),
    ],
)
def test_other_reference_operations_are_unsupported(reference_client, binding, operation, kwargs):
    lis = (reference_service(reference_client, binding), reference_client)
    status, _ = call(lis, operation, **kwargs)
    assert status == ("unsupported", "status", "unsupportedLISoperation", f"{operation} is not supported by this service.")


def test_gateway_wsdl_lists_every_reference_operation(gateway_client):
    from tests.lis.conftest import REFERENCE_WSDL
    from gateway import xmlsafe

    reference = xmlsafe.parse(REFERENCE_WSDL.read_bytes())
    expected = {op.get("name") for op in reference.iter("{http://schemas.xmlsoap.org/wsdl/}operation")}
    assert len(expected) == 48
    ours = set(gateway_client.service._binding._operations)
    assert ours == expected


def test_another_accounts_id_is_indistinguishable_from_a_missing_one(lis, store):
    with store.session() as s:
        other = store_accounts.get_or_create_account(s, "other-school")
        store_accounts.set_consumer(s, other, "77001", "other-secret")
        store_results.create_result(s, other.id, ResultData(sourced_id="55500001", line_item_sourced_id="9"))
    theirs = call(lis, "readResult", sourcedId="55500001")
    missing = call(lis, "readResult", sourcedId="55500002")
    assert theirs[0] == missing[0] == ("failure", "error", "unknownobject", "Object Result not found.")
    assert theirs[1].resultRecord is None
    assert call(lis, "readResults", sourcedIdSet={"sourcedId": ["49313814", "55500001"]})[0][1:3] == ("warning", "partialdatastorage")
    assert call(lis, "deleteResult", sourcedId="55500001")[0][2] == "unknownobject"
    assert call(lis, "readResultIdsForLineItem", lineItemSourcedid="9")[0][2] == "unknownobject"
    with store.session() as s:  # and it is still there for its owner
        assert store_results.find_result(s, other.id, "55500001") is not None
