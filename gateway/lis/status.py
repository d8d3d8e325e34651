"""imsx_statusInfo: the one vocabulary of LIS OMS v1.0 answers (DESIGN.md §5), shared by SOAP and POX."""
from __future__ import annotations

from dataclasses import dataclass

CODE_MAJOR = frozenset({"success", "processing", "failure", "unsupported"})
SEVERITY = frozenset({"status", "warning", "error"})
#: The WSDL's imsx_CodeMinorValue.Type (there is no "partialsuccess").
CODE_MINOR = frozenset({
    "fullsuccess", "nosourcedids", "idallocfail", "overflowfail", "idallocinusefail", "invaliddata",
    "incompletedata", "partialdatastorage", "unknownobject", "unknownquery", "deletefailure",
    "targetreadfailure", "savepointerror", "savepointsyncerror", "unknownextension", "targetisbusy",
    "linkfailure", "unauthorizedrequest", "unsupportedLIS", "unsupportedLISoperation",
})


@dataclass(frozen=True)
class Status:
    code_major: str
    severity: str
    description: str
    code_minor: str | None = None

    def __post_init__(self) -> None:
        # A typo here would put a value on the wire that clients cannot parse; fail loudly instead.
        if self.code_major not in CODE_MAJOR or self.severity not in SEVERITY:
            raise ValueError(f"not an imsx status: {self.code_major}/{self.severity}")
        if self.code_minor is not None and self.code_minor not in CODE_MINOR:
            raise ValueError(f"not an imsx codeMinor: {self.code_minor}")


def success(description: str, minor: str = "fullsuccess") -> Status:
    return Status("success", "status", description, minor)


def warning(description: str, minor: str) -> Status:
    return Status("success", "warning", description, minor)


def failure(description: str, minor: str) -> Status:
    return Status("failure", "error", description, minor)


def unsupported(operation: str) -> Status:
    return Status("unsupported", "status", f"{operation} is not supported by this service.", "unsupportedLISoperation")


BUSY = Status("failure", "error", "The result store is unavailable; try again later.", "targetisbusy")
