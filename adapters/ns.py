"""Every XML namespace URI the project reads or writes, named once."""

# SOAP and XML infrastructure
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

# IMS LIS Outcomes Management Service v1.0 (SOAP) and LTI 1.1 Basic Outcomes (POX)
LIS_OMS = "http://www.imsglobal.org/services/lis/oms1p0/wsdl11/sync/imsoms_v1p0"
LTI_POX = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"

# WebEx XML API
WEBEX_SERVICE = "http://www.webex.com/schemas/2002/06/service"
WEBEX_COMMON = "http://www.webex.com/schemas/2002/06/common"
WEBEX_SESSION = "http://www.webex.com/schemas/2002/06/service/session"
WEBEX_TRAINING = "http://www.webex.com/schemas/2002/06/service/trainingsession"
WEBEX_QTI = "http://www.webex.com/schemas/2002/06/service/trainingsessionqti"
WEBEX_QTIASI = "http://www.webex.com/schemas/2002/06/service/trainingsessionqtiasi"
WEBEX_USER = "http://www.webex.com/schemas/2002/06/service/user"

# IMS QTI
QTI12_ASI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
MATHML = "http://www.w3.org/1998/Math/MathML"  # inside QTI 2.1 item bodies
XML = "http://www.w3.org/XML/1998/namespace"  # xml:base, xml:lang
IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"

# itslearning Migration API (WCF)
TEMPURI = "http://tempuri.org/"
ITSLEARNING_ENTITIES = "http://schemas.datacontract.org/2004/07/Itslearning.Integration.ContentImport.Services.Entities"
ITSLEARNING_MESSAGE = "urn:message-schema"
