"""Reading an UploadFile envelope as it arrives, authenticating before the file is touched.

What WCF clients post (the header always precedes the body in SOAP 1.1)::

    <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
      <s:Header><wsse:Security>...<wsse:UsernameToken>...</wsse:UsernameToken></wsse:Security></s:Header>
      <s:Body><UploadFile xmlns="http://tempuri.org/"><fileMessage xmlns:a="...Entities">
        <a:Content>UEsDBBQAAAAIAA...</a:Content><a:Name>test.zip</a:Name><a:SiteId>1</a:SiteId>
      </fileMessage></UploadFile></s:Body>
    </s:Envelope>

The body is fed to :func:`gateway.xmlsafe.streaming_parser` in pieces. The header is kept as a
small tree (at most :data:`MAX_HEADER_BYTES` of input) and handed to ``on_header`` when the Body
starts: a caller whose UsernameToken fails is answered before a byte of the file is read or
decoded. ``Content`` is base64-decoded as it arrives into a temporary file, so memory stays flat
whatever the file's size; ``Name`` and ``SiteId`` are short texts.
"""
from __future__ import annotations

import base64
import binascii
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from lxml import etree

from adapters import ns
from gateway import xmlsafe

CHUNK = 64 * 1024
MAX_HEADER_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_FIELD_CHARS = 1024
#: Decoded files up to this size stay in memory; larger ones go to a temporary file.
SPOOL_BYTES = 1024 * 1024

ENVELOPE, HEADER, BODY = (f"{{{ns.SOAP_ENV}}}{name}" for name in ("Envelope", "Header", "Body"))
OPERATION, MESSAGE = f"{{{ns.TEMPURI}}}UploadFile", f"{{{ns.TEMPURI}}}fileMessage"
_WHITESPACE = b" \t\r\n"


class UploadInputError(ValueError):
    """The envelope is not an UploadFile request we can read; the message is the caller's to read."""


class FileTooLarge(Exception):
    """The decoded file went past the limit the caller set."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


@dataclass
class Upload:
    """An UploadFile request: the decoded file (rewound) and the members beside it."""

    file: IO[bytes]
    size: int = 0
    name: str | None = None
    site_id: str | None = None
    has_content: bool = False
    header: list[etree._Element] = field(default_factory=list)


class _Base64Sink:
    """Decodes base64 text arriving in arbitrary pieces into ``out``, never past ``limit`` bytes."""

    def __init__(self, out: IO[bytes], limit: int):
        self.out, self.limit = out, limit
        self.pending = b""
        self.size = 0
        self.padded = False

    def write(self, text: str) -> None:
        try:
            data = self.pending + text.encode("ascii").translate(None, _WHITESPACE)
        except UnicodeEncodeError:
            raise UploadInputError("Content is not base64 (non-ASCII characters).") from None
        if self.padded and data:
            raise UploadInputError("Content is not base64 (data after the padding).")
        whole = len(data) - len(data) % 4
        self.pending = data[whole:]
        if not whole:
            return
        try:
            decoded = base64.b64decode(data[:whole], validate=True)
        except binascii.Error as exc:
            raise UploadInputError(f"Content is not base64 ({exc}).") from None
        self.padded = data[whole - 1:whole] == b"="
        self.size += len(decoded)
        if self.size > self.limit:
            raise FileTooLarge(self.size)
        self.out.write(decoded)

    def close(self) -> None:
        if self.pending:
            raise UploadInputError("Content is not base64 (its length is not a multiple of 4).")


class _Target:
    """lxml parser target: checks the envelope's shape, keeps the header, streams Content."""

    def __init__(self, upload: Upload, on_header: Callable[[list[etree._Element]], int]):
        self.upload = upload
        self.on_header = on_header
        self.path: list[str] = []
        self.header: etree.TreeBuilder | None = None
        self.in_body = False
        self.field: str | None = None
        self.text: list[str] = []
        self.sink: _Base64Sink | None = None
        self.sink_limit = 0
        self.seen: set[str] = set()

    def doctype(self, *_args) -> None:
        raise UploadInputError("A SOAP message must not contain a DOCTYPE.")

    def start(self, tag: str, attrib, nsmap=None) -> None:
        depth = len(self.path)
        if depth >= MAX_DEPTH:
            raise UploadInputError(f"The envelope nests deeper than {MAX_DEPTH} elements.")
        self.path.append(tag)
        if depth == 0:
            if tag != ENVELOPE:
                raise UploadInputError("Expected a SOAP 1.1 Envelope whose Body holds the operation.")
        elif self.header is not None:
            self._header_start(tag, attrib, nsmap)
        elif depth == 1 and self.in_body:
            raise UploadInputError(f"Unexpected element {tag} after the SOAP Body.")
        elif depth == 1 and tag == HEADER:
            self.header = etree.TreeBuilder()
            self._header_start(tag, attrib, nsmap)
        elif depth == 1 and tag == BODY:
            self.in_body = True
            self.sink_limit = self.on_header(self.upload.header)
        elif not self.in_body:
            raise UploadInputError(f"Unexpected element {tag} before the SOAP Body.")
        elif depth == 2 and tag != OPERATION:
            raise UploadInputError(f"Requested resource '{tag}' not found; this endpoint serves UploadFile.")
        elif depth == 3 and tag != MESSAGE:
            raise UploadInputError(f"Unexpected element {tag} in UploadFile; expected fileMessage.")
        elif depth == 4:
            try:
                self.field = etree.QName(tag).localname
            except ValueError:  # a name libxml2 lets through and lxml refuses (":a:Name")
                raise UploadInputError(f"Unexpected element {tag} in fileMessage.") from None
            if self.field in self.seen:
                raise UploadInputError(f"fileMessage has more than one {self.field}.")
            self.seen.add(self.field)
            self.text = []
            if self.field == "Content":
                self.upload.has_content = True
                self.sink = _Base64Sink(self.upload.file, self.sink_limit)
        elif depth >= 5:
            raise UploadInputError(f"Unexpected element {tag} in fileMessage.")

    def _header_start(self, tag: str, attrib, nsmap) -> None:
        try:
            self.header.start(tag, attrib, nsmap)
        except ValueError as exc:  # libxml2 lets through what lxml's tree refuses (" urn:x" namespaces)
            raise UploadInputError(f"Malformed SOAP header: {exc}") from None

    def data(self, text: str) -> None:
        if self.header is not None:
            self.header.data(text)
        elif self.sink is not None:
            self.sink.write(text)
        elif self.field is not None:
            if sum(map(len, self.text)) + len(text) > MAX_FIELD_CHARS:
                raise UploadInputError(f"{self.field} is longer than {MAX_FIELD_CHARS} characters.")
            self.text.append(text)

    def end(self, tag: str) -> None:
        self.path.pop()
        depth = len(self.path)
        if self.header is not None:
            self.header.end(tag)
            if depth == 1:
                self.upload.header = list(self.header.close())
                self.header = None
        elif depth == 4 and self.field is not None:
            if self.sink is not None:
                self.sink.close()
                self.upload.size, self.sink = self.sink.size, None
            elif self.field == "Name":
                self.upload.name = "".join(self.text)
            elif self.field == "SiteId":
                self.upload.site_id = "".join(self.text).strip() or None
            self.field = None

    def close(self) -> None:
        # lxml calls this also when a callback above has raised, and would then raise from here
        # instead of the callback's exception: the checks of a finished document are in read().
        return None


def read(stream: IO[bytes], on_header: Callable[[list[etree._Element]], int]) -> Upload:
    """Read an UploadFile request from ``stream``.

    ``on_header(header_elements)`` is called once, when the Body starts; it authenticates (raising
    to refuse) and returns the largest file it accepts, in bytes (:class:`FileTooLarge` past it).
    """
    upload = Upload(tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))
    target = _Target(upload, on_header)
    parser = xmlsafe.streaming_parser(target)
    fed = 0
    try:
        while chunk := stream.read(CHUNK):
            fed += len(chunk)
            if not target.in_body and fed > MAX_HEADER_BYTES:
                raise UploadInputError(f"The SOAP header is larger than {MAX_HEADER_BYTES} bytes.")
            parser.feed(chunk)
        parser.close()
        if not target.in_body:
            raise UploadInputError("Expected a SOAP 1.1 Envelope whose Body holds the operation.")
    except etree.XMLSyntaxError as exc:
        upload.file.close()
        raise UploadInputError(f"Malformed SOAP envelope: {exc}") from None
    except BaseException:
        upload.file.close()
        raise
    upload.file.seek(0)
    return upload


class _BodyStarts(Exception):
    pass


class _HeaderOnly(_Target):
    """The same checks up to the Body, which ends the reading (:func:`header_of`)."""

    def __init__(self):
        def stop(header: list[etree._Element]) -> int:
            raise _BodyStarts

        super().__init__(Upload(None), stop)  # type: ignore[arg-type]  # no file: nothing past the header is read


def header_of(raw: bytes) -> list[etree._Element]:
    """The header elements of the SOAP envelope ``raw``, read no further than the Body's start tag
    (and refused past :data:`MAX_HEADER_BYTES` without one): what a large DataService request is
    authenticated from before anything parses the whole of it. Raises :class:`UploadInputError` for
    an envelope that cannot be read that far."""
    target = _HeaderOnly()
    parser = xmlsafe.streaming_parser(target)
    try:
        for start in range(0, len(raw), CHUNK):
            if start >= MAX_HEADER_BYTES:
                raise UploadInputError(f"The SOAP Body does not start within the first {MAX_HEADER_BYTES} bytes.")
            parser.feed(raw[start:start + CHUNK])
        parser.close()
    except _BodyStarts:
        return target.upload.header
    except etree.XMLSyntaxError as exc:
        raise UploadInputError(f"Malformed SOAP envelope: {exc}") from None
    raise UploadInputError("Expected a SOAP 1.1 Envelope whose Body holds the operation.")

