"""spyne types of LIS OMS v1.0 (ResultManager), named and ordered as in the IMS WSDL's inline schema.

They serve two purposes: they describe our WSDL (``gateway/schemas/lis-result.wsdl``), and spyne uses them to
parse requests into objects. Answers are not serialised through them (see ``gateway/lis/soap.py``).
Only what the implemented operations read or write is modelled; spyne ignores request elements it
does not know, so a full IMS record (statusofResult, dataSource, ...) is still accepted.
"""
from __future__ import annotations

from spyne import ComplexModel, DateTime, Unicode

from adapters.ns import LIS_OMS

# The IMS schema has no nillable elements; spyne's default would write nillable="true" everywhere.
Req = Unicode(min_occurs=1, nillable=False)
Opt = Unicode(min_occurs=0, nillable=False)


class _Lis(ComplexModel):
    __namespace__ = LIS_OMS


class ImsxRequestHeaderInfo(_Lis):
    __type_name__ = "imsx_syncRequestHeaderInfo"
    _type_info = [("imsx_version", Opt), ("imsx_messageIdentifier", Req)]


class ImsxCodeMinorField(_Lis):
    __type_name__ = "imsx_CodeMinorField.Type"
    _type_info = [("imsx_codeMinorFieldName", Req), ("imsx_codeMinorFieldValue", Req)]


class ImsxCodeMinor(_Lis):
    __type_name__ = "imsx_CodeMinor.Type"
    _type_info = [("imsx_codeMinorField", ImsxCodeMinorField.customize(min_occurs=1, max_occurs="unbounded", nillable=False))]


class ImsxStatusInfo(_Lis):
    __type_name__ = "imsx_StatusInfo.Type"
    _type_info = [
        ("imsx_codeMajor", Req),
        ("imsx_severity", Req),
        ("imsx_messageRefIdentifier", Req),
        ("imsx_operationRefIdentifier", Unicode(min_occurs=0, max_occurs="unbounded", nillable=False)),
        ("imsx_description", Opt),
        ("imsx_codeMinor", ImsxCodeMinor.customize(min_occurs=0, nillable=False)),
    ]


class ImsxResponseHeaderInfo(_Lis):
    __type_name__ = "imsx_syncResponseHeaderInfo"
    _type_info = [
        ("imsx_version", Opt),
        ("imsx_messageIdentifier", Req),
        ("imsx_statusInfo", ImsxStatusInfo.customize(min_occurs=1, nillable=False)),
    ]


class SourcedGUID(_Lis):
    __type_name__ = "SourcedGUID.Type"
    _type_info = [("refAgentInstanceID", Opt), ("sourcedId", Req)]


class Text(_Lis):
    __type_name__ = "Text.Type"
    _type_info = [("language", Req), ("textString", Req)]


class ResultValue(_Lis):
    __type_name__ = "ResultValue.Type"
    _type_info = [("label", Opt)]


class ExtensionField(_Lis):
    __type_name__ = "ExtensionField.Type"
    _type_info = [("fieldName", Req), ("fieldType", Req), ("fieldValue", Unicode(min_occurs=1, nillable=False))]


class IMSExtension(_Lis):
    __type_name__ = "IMSExtension.Type"
    _type_info = [
        ("extensionNameVocabulary", Req),
        ("extensionValueVocabulary", Req),
        ("extensionField", ExtensionField.customize(min_occurs=1, max_occurs="unbounded", nillable=False)),
    ]


class Result(_Lis):
    __type_name__ = "Result.Type"
    _type_info = [
        ("lineItemSourcedId", Req),
        ("personSourcedId", Opt),
        ("date", DateTime(min_occurs=0, nillable=False)),
        ("resultValue", ResultValue.customize(min_occurs=0, nillable=False)),
        ("resultScore", Text.customize(min_occurs=0, nillable=False)),
        ("extension", IMSExtension.customize(min_occurs=0, nillable=False)),
    ]


class ResultRecord(_Lis):
    __type_name__ = "ResultRecord.Type"
    _type_info = [
        ("sourcedGUID", SourcedGUID.customize(min_occurs=1, nillable=False)),
        ("result", Result.customize(min_occurs=1, nillable=False)),
    ]


class ResultRecordSet(_Lis):
    __type_name__ = "ResultRecordSet.Type"
    _type_info = [("resultRecord", ResultRecord.customize(min_occurs=0, max_occurs="unbounded", nillable=False))]


class GUIDSet(_Lis):
    __type_name__ = "GUIDSet.Type"
    _type_info = [("sourcedId", Unicode(min_occurs=0, max_occurs="unbounded", nillable=False))]


_Record = ResultRecord.customize(min_occurs=1, nillable=False)
_Set = GUIDSet.customize(min_occurs=0, nillable=False)


def message(name: str, *fields: tuple[str, object]) -> type[ComplexModel]:
    """A request or response element type, e.g. ``readResultRequest(sourcedId)``."""
    return type(name, (_Lis,), {"__type_name__": name, "_type_info": list(fields)})


# Requests (body elements) of the implemented operations. An empty request (readAllResultIds)
# has no model: spyne's bare style takes no parameter for it.
REQUESTS = {
    "createResult": message("createResultRequest", ("sourcedId", Req), ("resultRecord", _Record)),
    "createByProxyResult": message("createByProxyResultRequest", ("resultRecord", _Record)),
    "deleteResult": message("deleteResultRequest", ("sourcedId", Req)),
    "readResult": message("readResultRequest", ("sourcedId", Req)),
    "readResultIdsForPerson": message("readResultIdsForPersonRequest", ("personSourcedId", Req)),
    # lower-case "d" as in the IMS schema
    "readResultIdsForLineItem": message("readResultIdsForLineItemRequest", ("lineItemSourcedid", Req)),
    "readResults": message("readResultsRequest", ("sourcedIdSet", GUIDSet.customize(min_occurs=1, nillable=False))),
    "updateResult": message("updateResultRequest", ("sourcedId", Req), ("resultRecord", _Record)),
    "replaceResult": message("replaceResultRequest", ("sourcedId", Req), ("resultRecord", _Record)),
}

RESPONSES = {
    "createResult": message("createResultResponse"),
    "createByProxyResult": message("createByProxyResultResponse", ("sourcedId", Opt)),
    "deleteResult": message("deleteResultResponse"),
    "readResult": message("readResultResponse", ("resultRecord", ResultRecord.customize(min_occurs=0, nillable=False))),
    "readAllResultIds": message("readAllResultIdsResponse", ("sourcedIdSet", _Set)),
    "readResultIdsForPerson": message("readResultIdsForPersonResponse", ("sourcedIdSet", _Set)),
    "readResultIdsForLineItem": message("readResultIdsForLineItemResponse", ("sourcedIdSet", _Set)),
    "readResults": message(
        "readResultsResponse",
        ("resultRecordSet", ResultRecordSet.customize(min_occurs=0, nillable=False)),
        ("savePoint", DateTime(min_occurs=0, nillable=False)),
    ),
    "updateResult": message("updateResultResponse"),
    "replaceResult": message("replaceResultResponse"),
}

#: Every other operation of the IMS OMS v1.0 WSDL (all three port types). They answer
#: unsupported/status/unsupportedLISoperation; our WSDL declares their requests without content
#: and their responses empty, and requests carrying the IMS content are accepted too.
UNSUPPORTED = (
    # ResultManager
    "readResultIdsForCourseOffering", "readResultIdsForCourseSection", "readResultIdsForCourseSectionWithStatus",
    "readResultIdsForLineItemsWithLineItemType", "readResultIdsFromSavePoint", "readResultsFromSavePoint",
    "discoverResultIds", "changeResultIdentifier",
    # LineItemManager
    "createLineItem", "createByProxyLineItem", "deleteLineItem", "readLineItem", "readAllLineItemIds",
    "readLineItemIdsForPerson", "readLineItemIdsForCourseOffering", "readLineItemIdsForCourseSection",
    "readLineItemIdsWithLineItemType", "readLineItemIdsFromSavePoint", "readLineItems", "readLineItemsFromSavePoint",
    "updateLineItem", "replaceLineItem", "discoverLineItemIds", "changeLineItemIdentifier",
    # ResultValueManager
    "createResultValue", "createByProxyResultValue", "deleteResultValue", "readResultValue", "readAllResultValueIds",
    "readResultValueIdForLineItem", "readResultValueIdForResult", "readResultValueIdsFromSavePoint", "readResultValues",
    "readResultValuesFromSavePoint", "updateResultValue", "replaceResultValue", "discoverResultValueIds",
    "changeResultValueIdentifier",
)
