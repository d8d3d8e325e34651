"""The itslearning services' SOAP Faults and UsernameToken check, shared by spyne's services and
the streaming UploadFile reader."""
from __future__ import annotations

import logging

from spyne.model.fault import Fault
from sqlalchemy.orm import Session

from adapters.store.hot import HotUnit
from gateway import soap
from gateway.security import wsse
from gateway.security.logins import LoginGuard

log = logging.getLogger("lms_gateway.itslearning")


class ServiceError(Fault):
    def __init__(self, message: str, code: str = "Client"):
        super().__init__(faultcode=code, faultstring=message)


def fault_bytes(fault: Fault) -> bytes:
    """A Fault answered outside spyne (the streamed UploadFile, a large body's early refusal)."""
    return soap.fault_bytes(f"SOAP-ENV:{fault.faultcode}", fault.faultstring)


def busy() -> ServiceError:
    return ServiceError("The service is busy; try again shortly.", "Server.Busy")


def authenticate(guard: LoginGuard, db: HotUnit | Session, header_elements, environ: dict) -> wsse.User:
    """The UsernameToken's credential, or the SOAP Fault WCF answers (FailedAuthentication)."""
    try:
        return wsse.verify(db, header_elements, guard=guard, environ=environ)
    except wsse.TooManyFailures as exc:
        log.info("itslearning authentication refused: %s", exc.why)
        raise ServiceError(f"{wsse.FAULT_STRING} Too many failed logins; try again in {exc.retry_after} s.",
                           f"Client.{wsse.FAULT_CODE}") from None
    except wsse.AuthenticationFailed as exc:
        log.info("itslearning authentication failed: %s", exc.why)
        raise ServiceError(wsse.FAULT_STRING, f"Client.{wsse.FAULT_CODE}") from None
