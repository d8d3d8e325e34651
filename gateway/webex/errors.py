"""The one registry of WebEx FAILURE answers (DESIGN.md §4).

Every failure the WebEx endpoint gives is one of these, answered with HTTP 200 as WebEx does::

    <serv:header><serv:response>
      <serv:result>FAILURE</serv:result>
      <serv:reason>Sorry, no record found</serv:reason>
      <serv:gsbStatus>PRIMARY</serv:gsbStatus>
      <serv:exceptionID>000015</serv:exceptionID>
    </serv:response></serv:header>
    <serv:body><serv:bodyContent/></serv:body>
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FailureKind:
    exception_id: str
    reason: str


#: Unknown test, participant without a submission, and every empty list (WebEx answers an empty
#: list with this FAILURE, never SUCCESS with zero rows).
NO_RECORD = FailureKind("000015", "Sorry, no record found")
#: A host asking for another host's test.
ACCESS_DENIED = FailureKind("000001", "Access denied, additional privileges are required")
#: A request that could not be parsed at all.
UNPARSEABLE = FailureKind("000000", "Fail to forward request:null")
UNKNOWN_USER = FailureKind("030001", "Corresponding User not found")
WRONG_PASSWORD = FailureKind("030002", "Incorrect user or password")
BAD_TICKET = FailureKind("030047", "Not a valid session ticket")
#: WebEx's rate-limit answer, given while failed logins from a caller are being refused.
RATE_LIMITED = FailureKind("000045", "API Rate Limit Reach")
#: Gateway-specific: the request is well-formed XML but its content is not what the operation takes,
#: or the operation is one this gateway does not implement; the reason says which.
INVALID_REQUEST = FailureKind("999999", "Invalid request")
#: The store is unreachable; WebEx answers a back-end outage with "Fail to forward request".
STORE_BUSY = FailureKind("000000", "Fail to forward request:the result store is busy, try again")


class WebexFailure(Exception):
    """Raised anywhere in the WebEx endpoint; :class:`gateway.webex.service.WebexApp` answers it as a FAILURE message."""

    def __init__(self, kind: FailureKind, reason: str | None = None):
        self.kind = kind
        self.reason = reason or kind.reason
        super().__init__(self.reason)

    @property
    def exception_id(self) -> str:
        return self.kind.exception_id
