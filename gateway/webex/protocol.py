"""What a WebEx operation answers, and in which media type.

WebEx's XML API is not SOAP: the request is a bare ``serv:message`` whose
``body/bodyContent/@xsi:type`` names the operation (read by :mod:`gateway.webex.envelope`), and
every answer, failures included, is a ``serv:message`` with HTTP 200
(:mod:`gateway.webex.service` dispatches).
"""
from __future__ import annotations

from lxml import etree

MIME_TYPE = "text/xml; charset=utf-8"


class Reply:
    """What an operation returns: the bodyContent's xsi:type and its child elements."""

    def __init__(self, body_type: str, content: list[etree._Element], nsmap: dict[str, str] | None = None):
        self.body_type = body_type
        self.content = content
        #: Prefixes the body_type needs beyond the root's (e.g. ``use`` for user-service answers).
        self.nsmap = nsmap or {}
        #: The whole answer, when the operation rendered (or cached) it itself.
        self.document: bytes | None = None

    @classmethod
    def rendered(cls, document: bytes) -> "Reply":
        reply = cls("", [])
        reply.document = document
        return reply
