"""A spyne protocol for WebEx's ``serv:message``: in and out, dispatching on ``xsi:type``.

WebEx's XML API is not SOAP: the request is a bare ``serv:message`` whose
``body/bodyContent/@xsi:type`` names the operation, and every answer, failures included, is a
``serv:message`` with HTTP 200. spyne carries the request/dispatch/response cycle; this class
supplies the reading and writing (in :mod:`gateway.webex.envelope`).
"""
from __future__ import annotations

import logging

from lxml import etree
from spyne.const.http import HTTP_200
from spyne.error import ResourceNotFoundError
from spyne.protocol import ProtocolBase

from gateway import xmlsafe
from gateway.webex import envelope, errors
from gateway.webex.errors import WebexFailure

log = logging.getLogger("lms_gateway.webex")
# spyne logs every client Fault with a traceback; a wrong password is not an incident.
logging.getLogger("spyne.application.client").setLevel(logging.CRITICAL)

TNS = envelope.ns.WEBEX_SERVICE


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


class WebexMessageProtocol(ProtocolBase):
    mime_type = "text/xml; charset=utf-8"

    def create_in_document(self, ctx, in_string_encoding=None):
        raw = b"".join(ctx.in_string)
        try:
            # the journal may have read this body already (it files the operation and keys)
            ctx.in_document = envelope.request_of(ctx.transport.req_env, raw)
        except xmlsafe.XMLInputError as exc:
            log.info("unparseable WebEx request: %s", exc)
            raise WebexFailure(errors.UNPARSEABLE) from exc
        except envelope.RequestError as exc:
            raise WebexFailure(errors.INVALID_REQUEST, f"Invalid request: {exc}") from exc

    def decompose_incoming_envelope(self, ctx, message=ProtocolBase.REQUEST):
        request = ctx.in_document
        ctx.method_request_string = f"{{{TNS}}}{request.operation}"
        ctx.in_header_doc = request.security
        ctx.in_body_doc = request.content

    def deserialize(self, ctx, message):
        self.event_manager.fire_event("before_deserialize", ctx)
        ctx.in_object = [ctx.in_document]
        self.event_manager.fire_event("after_deserialize", ctx)

    def serialize(self, ctx, message):
        self.event_manager.fire_event("before_serialize", ctx)
        if ctx.out_error is not None:
            ctx.out_document = _failure_document(ctx)
        else:
            reply: Reply = ctx.out_object[0]
            ctx.out_document = reply.document or envelope.success(reply.body_type, reply.content, reply.nsmap)
        self.event_manager.fire_event("after_serialize", ctx)

    def create_out_string(self, ctx, out_string_encoding=None):
        ctx.out_string = [ctx.out_document]

    def fault_to_http_response_code(self, fault):
        return HTTP_200  # WebEx answers FAILURE with 200, and clients rely on it


def _failure_document(ctx) -> bytes:
    error = ctx.out_error
    if isinstance(error, WebexFailure):
        return envelope.failure(error.exception_id, error.reason)
    if isinstance(error, ResourceNotFoundError):
        operation = ctx.method_request_string.rpartition("}")[2] if ctx.method_request_string else "?"
        return envelope.failure(
            errors.INVALID_REQUEST.exception_id, f"Operation {operation} is not supported by this gateway"
        )
    request_id = ctx.transport.req_env.get("lms.request_id", "?") if ctx.transport else "?"
    log.error("WebEx operation failed (request %s): %r", request_id, error)
    return envelope.failure(
        errors.UNPARSEABLE.exception_id, f"Fail to forward request:internal error, request id {request_id}"
    )
