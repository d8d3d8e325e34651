"""Fault rules: answering a matching call with the vendor's own failure (DESIGN.md §13).

A rule (``POST /__admin/faults``, ``lms-gateway faults add``)::

    {"protocol": "lis", "operation": "readResult", "key": "49313814", "times": 1,
     "action": "failure", "code_minor": "targetisbusy", "description": "Try later"}

Actions, each in the protocol's own shape (built by the protocol's own writers):

- ``failure``: LIS ``failure/error`` + ``code_minor`` (HTTP 200); POX the same with ``http_status``;
  WebEx ``FAILURE`` with ``exception_id`` and ``reason``; itslearning a SOAP Fault;
- ``fault``: a SOAP 1.1 Fault with ``faultcode`` (``Authentication Fault`` for LIS, as Turnitin's
  client expects it) and ``faultstring``, HTTP 500;
- ``delay``: the real answer, ``ms`` milliseconds later (:func:`delay`);
- ``drop``: close the connection without an answer;
- ``sample``: the response of the recorded sample ``sample`` (a folder in the samples folder).
"""
from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from typing import Any

from adapters.instants import parse_utc
from adapters.upstream import samples
from gateway import soap
from gateway.admin.exchange import Exchange
from gateway.routing import DELAY_ANSWER, DROP_CONNECTION, Answer, Route

ACTIONS = frozenset({"failure", "fault", "delay", "drop", "sample"})
PROTOCOLS = frozenset({"webex", "lis", "lti", "itslearning"})
MAX_DELAY_MS = 120_000
_EXCEPTION_ID = re.compile(r"^\d{6}$")
_PARAMS = {
    "failure": {"code_minor", "description", "exception_id", "reason", "http_status", "message"},
    "fault": {"faultcode", "faultstring"},
    "delay": {"ms"},
    "drop": set(),
    "sample": {"sample"},
}
_RULE_FIELDS = {"protocol", "operation", "key", "times", "until", "action"}


class RuleError(ValueError):
    """A rule that cannot be kept; the message says what to change."""


def parse_rule(spec: dict[str, Any], samples_dir: str | Path) -> dict[str, Any]:
    """The columns of a :class:`~adapters.store.models.FaultRule` from an API or CLI spec."""
    if not isinstance(spec, dict):
        raise RuleError("a fault rule is a JSON object")
    protocol, action = spec.get("protocol"), spec.get("action", "failure")
    if protocol not in PROTOCOLS:
        raise RuleError(f"protocol must be one of {', '.join(sorted(PROTOCOLS))}, not {protocol!r}")
    if action not in ACTIONS:
        raise RuleError(f"action must be one of {', '.join(sorted(ACTIONS))}, not {action!r}")
    unknown = set(spec) - _RULE_FIELDS - _PARAMS[action]
    if unknown:
        raise RuleError(f"{action} rules do not take {', '.join(sorted(unknown))}")
    params = {k: spec[k] for k in _PARAMS[action] if spec.get(k) not in (None, "")}
    _check_params(protocol, action, params, samples_dir)
    times = spec.get("times")
    if times not in (None, ""):
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise RuleError(f"times must be a whole number of calls, 1 or more, not {times!r}")
    else:
        times = None
    try:
        until = parse_utc(spec.get("until"), "until")
    except ValueError as exc:
        raise RuleError(str(exc)) from None
    return {
        "protocol": protocol,
        "operation": spec.get("operation") or None,
        "key": spec.get("key") or None,
        "remaining": times,
        "until": until,
        "action": action,
        "params": params,
    }


def _check_params(protocol: str, action: str, params: dict[str, Any], samples_dir) -> None:
    from gateway.lis.status import CODE_MINOR

    if action == "failure":
        minor = params.get("code_minor")
        if minor is not None and minor not in CODE_MINOR:
            raise RuleError(f"code_minor must be an imsx codeMinor value ({', '.join(sorted(CODE_MINOR))}), not {minor!r}")
        exception_id = params.get("exception_id")
        if exception_id is not None and not _EXCEPTION_ID.match(str(exception_id)):
            raise RuleError(f"exception_id is six digits, such as 000015, not {exception_id!r}")
        status = params.get("http_status")
        if status is not None and (not isinstance(status, int) or not 200 <= status <= 599):
            raise RuleError(f"http_status must be an HTTP status number, not {status!r}")
    elif action == "fault":
        if protocol in ("webex", "lti"):
            raise RuleError(f"{protocol} does not answer SOAP Faults; use action failure")
    elif action == "delay":
        ms = params.get("ms")
        if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= MAX_DELAY_MS:
            raise RuleError(f"delay rules need ms, a whole number of milliseconds up to {MAX_DELAY_MS}")
    elif action == "sample":
        name = str(params.get("sample") or "")
        if not name or "/" in name or name.startswith("."):
            raise RuleError("sample rules need sample, the name of a folder in the samples folder")
        try:
            samples.load(Path(samples_dir) / name)
        except samples.SampleError as exc:
            raise RuleError(f"sample {name!r}: {exc}") from None


def matches(rule: dict[str, Any], exchange: Exchange) -> bool:
    return rule["key"] is None or rule["key"] in exchange.key_values()


class Drop(Exception):
    """Raised when a rule drops the connection and no socket could be closed (an in-process server)."""


def answer(rule: dict[str, Any], route: Route, environ: dict, exchange: Exchange, samples_dir) -> Answer | None:
    """The answer ``rule`` gives instead of the protocol, or None to let the protocol answer (delay)."""
    params, action = rule["params"] or {}, rule["action"]
    if action == "delay":
        delay(environ, delay_seconds(rule))
        return None
    if action == "drop":
        drop(environ)
        return Answer(200, "text/plain", b"")  # never arrives: the connection is closed
    if action == "sample":
        recorded = samples.load(Path(samples_dir) / params["sample"]).response
        content_type = recorded.headers.get("Content-Type", "text/xml; charset=utf-8")
        return Answer(recorded.status, content_type, recorded.body)
    if action == "fault":
        code = params.get("faultcode") or soap.SERVER
        text = params.get("faultstring") or "Fault injected by lms-gateway"
        return Answer(500, soap.CONTENT_TYPE, soap.fault_bytes(code, text))
    return _FAILURES.get(exchange.protocol, _generic)(params, route, exchange)


def delay_seconds(rule: dict[str, Any]) -> float:
    return (rule["params"] or {}).get("ms", 0) / 1000


def delay(environ: dict, seconds: float) -> None:
    """Let the answer arrive ``seconds`` later: ``serve``'s workers offer ``DELAY_ANSWER`` and hold
    the finished answer back without holding a thread (delayed calls, up to MAX_DELAY_MS each,
    would otherwise take a worker's every thread); elsewhere this thread sleeps first."""
    hold = environ.get(DELAY_ANSWER)
    if hold is not None:
        hold(seconds)
    else:
        time.sleep(seconds)


def drop(environ: dict) -> None:
    """Close the caller's connection: ``serve``'s workers offer ``DROP_CONNECTION`` (the answer is
    then never written); under gunicorn's own workers the answer meets a closed socket, which
    gunicorn ignores (EPIPE); elsewhere :class:`Drop` ends the request."""
    dropper = environ.get(DROP_CONNECTION)
    if dropper is not None:
        dropper()
        return
    sock = environ.get("gunicorn.socket")
    if sock is None:
        raise Drop("connection dropped by a fault rule")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _lis(params, route, exchange) -> Answer:
    from gateway.lis import envelope
    from gateway.lis.status import failure

    status = failure(params.get("description") or "Failure injected by lms-gateway.", params.get("code_minor") or "targetisbusy")
    operation = exchange.operation or "readResult"
    return Answer(200, envelope.CONTENT_TYPE, envelope.response_bytes(f"{operation}Response", status, exchange.message_ref))


def _lti(params, route, exchange) -> Answer:
    from gateway.lis import pox
    from gateway.lis.status import failure

    status = failure(params.get("description") or "Failure injected by lms-gateway.", params.get("code_minor") or "targetisbusy")
    body = pox.envelope(status, exchange.message_ref, exchange.operation or "")
    return Answer(int(params.get("http_status") or 200), pox.CONTENT_TYPE, body)


def _webex(params, route, exchange) -> Answer:
    from gateway.webex import envelope, errors
    from gateway.webex.protocol import MIME_TYPE

    exception_id = str(params.get("exception_id") or errors.STORE_BUSY.exception_id)
    reason = params.get("reason") or errors.STORE_BUSY.reason
    return Answer(200, MIME_TYPE, envelope.failure(exception_id, reason))


def _itslearning(params, route, exchange) -> Answer:
    message = params.get("message") or params.get("description") or "The service is busy; try again shortly."
    return Answer(500, soap.CONTENT_TYPE, soap.fault_bytes(soap.SERVER, message))


def _generic(params, route, exchange) -> Answer:
    return route.error(int(params.get("http_status") or 503), params.get("description") or "Failure injected by lms-gateway.")


_FAILURES = {"lis": _lis, "lti": _lti, "webex": _webex, "itslearning": _itslearning}
