"""FileService.UploadFile, served from the request stream (DESIGN.md §8, §10).

The order is what keeps memory bounded by authentication rather than by what a caller sends:

1. the WS-Security header is read and checked as soon as the SOAP Body starts
   (:mod:`gateway.itslearning.upload_reader`); a wrong password is answered there, the rest of the
   body is read and discarded in small pieces, nothing of it is parsed or decoded;
2. an authenticated caller's Content is decoded as it arrives into a temporary file, stopped at
   the file size limit or at what is left of the site's quota, whichever is smaller;
3. the name is checked as Windows would store it (:mod:`gateway.itslearning.filenames`), the
   quota again (other uploads may have landed meanwhile), and the file is stored.

The answer, as WCF writes it::

    <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
      <UploadFileResponse xmlns="http://tempuri.org/"><UploadFileResult>GUID</UploadFileResult></UploadFileResponse>
    </s:Body></s:Envelope>

Failures are SOAP 1.1 Faults (HTTP 500), quota ones with itslearning's own sentence.
"""
from __future__ import annotations

import ctypes
import logging
from typing import IO

from lxml import etree
from spyne.model.fault import Fault

from adapters import ns
from adapters.store import Store, StoreUnavailable
from adapters.store import itslearning as store_its
from gateway import soap
from gateway.config import Settings
from gateway.itslearning import filenames, upload_reader
from gateway.itslearning.access import ServiceError, authenticate, busy, fault_bytes
from gateway.itslearning.errors import MessageError
from gateway.routing import BodyTooLarge
from gateway.security.logins import LoginGuard

log = logging.getLogger("lms_gateway.itslearning")

#: itslearning's own sentence (seed 001); the element part of it does not apply to an upload.
QUOTA_SENTENCE = MessageError.QUOTA.text().split(". ")[0] + "."


class UploadFileApp:
    """The WSGI app answering ``POST /ContentImport/FileService.svc`` (UploadFile)."""

    def __init__(self, settings: Settings, store: Store, guard: LoginGuard):
        self.settings, self.store, self.guard = settings, store, guard

    def __call__(self, environ: dict, start_response):
        stream = environ["wsgi.input"]
        try:
            status, body = "200 OK", _success(self.upload(environ, stream))
        except Fault as fault:
            status, body = "500 Internal Server Error", fault_bytes(fault)
        except BodyTooLarge as exc:
            status, body = "413 Request Entity Too Large", soap.fault_bytes(soap.CLIENT, str(exc))
        _drain(stream)
        start_response(status, [("Content-Type", soap.CONTENT_TYPE)])
        return [body]

    def upload(self, environ: dict, stream: IO[bytes]) -> str:
        settings = self.settings
        caller: dict = {}

        def on_header(header: list[etree._Element]) -> int:
            try:
                with self.store.session() as session:
                    credential = authenticate(self.guard, session, header, environ)
                    used = store_its.site_asset_bytes(session, credential.account_id, credential.site_id)
            except StoreUnavailable as exc:
                log.warning("itslearning: store unavailable: %s", exc)
                raise busy() from exc
            caller.update(credential=credential, used=used)
            return min(settings.itslearning_max_file_bytes, max(0, settings.itslearning_file_quota_bytes - used))

        try:
            upload = upload_reader.read(stream, on_header)
        except upload_reader.UploadInputError as exc:
            raise ServiceError(str(exc)) from None
        except upload_reader.FileTooLarge as exc:
            if exc.size > settings.itslearning_max_file_bytes:
                raise ServiceError(f"The file is larger than the limit; the limit is "
                                   f"{settings.itslearning_max_file_bytes} bytes.") from None
            raise self._quota_fault(caller["used"]) from None
        try:
            with upload.file:
                return self._store(upload, caller["credential"])
        finally:
            if upload.size > upload_reader.SPOOL_BYTES:
                self.store.release_idle()
                _give_back()

    def _store(self, upload: upload_reader.Upload, credential) -> str:
        settings = self.settings
        if not upload.has_content or not upload.name:
            raise ServiceError("UploadFile needs fileMessage with Content and Name.")
        try:
            name = filenames.accepted_name(upload.name)
        except filenames.RefusedName as exc:
            raise ServiceError(str(exc)) from None
        if upload.site_id is not None:
            if not (upload.site_id.isascii() and upload.site_id.isdigit()) or len(upload.site_id) > 18:
                raise ServiceError(f"SiteId '{upload.site_id[:40]}' is not a site number.")
            if int(upload.site_id) != credential.site_id:
                raise ServiceError(f"Site {upload.site_id} is not the site of this user.")
        try:
            with self.store.session() as session:
                used = store_its.site_asset_bytes(session, credential.account_id, credential.site_id)
                if used + upload.size > settings.itslearning_file_quota_bytes:
                    raise self._quota_fault(used)
                asset = store_its.add_asset(session, credential.account_id, credential.site_id, name,
                                            upload.file.read(), settings.itslearning_asset_keep_days)
                return asset.guid
        except StoreUnavailable as exc:
            log.warning("itslearning: store unavailable: %s", exc)
            raise busy() from exc

    def _quota_fault(self, used: int) -> ServiceError:
        quota = self.settings.itslearning_file_quota_bytes
        return ServiceError(f"{QUOTA_SENTENCE} The site's live uploads hold {used} of its {quota} bytes.")


def _success(guid: str) -> bytes:
    envelope = etree.Element(f"{{{ns.SOAP_ENV}}}Envelope", nsmap={"s": ns.SOAP_ENV})
    response = etree.SubElement(etree.SubElement(envelope, f"{{{ns.SOAP_ENV}}}Body"),
                                f"{{{ns.TEMPURI}}}UploadFileResponse", nsmap={None: ns.TEMPURI})
    etree.SubElement(response, f"{{{ns.TEMPURI}}}UploadFileResult").text = guid
    return soap.to_bytes(envelope)


def _give_back() -> None:
    """Return freed heap to the system after a large file: glibc keeps it in its arenas otherwise,
    and a worker would stay at its largest upload's size for good."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


try:
    _LIBC = ctypes.CDLL("libc.so.6")
    _LIBC.malloc_trim  # noqa: B018 (glibc only)
except (OSError, AttributeError):
    _LIBC = None


def _drain(stream: IO[bytes]) -> None:
    """Read what the caller still sends, in small pieces, so that it gets our answer (a server
    closing on unread data resets the connection before the client reads anything)."""
    try:
        while stream.read(upload_reader.CHUNK):
            pass
    except (BodyTooLarge, OSError, ValueError):
        pass
