"""WebEx user-service operations: AuthenticateUser.

Answer::

    <serv:bodyContent xsi:type="use:authenticateUserResponse" xmlns:use="...service/user">
      <use:sessionTicket>...</use:sessionTicket>
      <use:createTime>1763787600000</use:createTime>   (milliseconds since the epoch)
      <use:timeToLive>7200</use:timeToLive>            (seconds)
    </serv:bodyContent>
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from adapters import ns
from gateway.security import webex as webex_auth
from gateway.webex.envelope import WebexRequest
from gateway.webex.protocol import Reply

if TYPE_CHECKING:
    from gateway.webex.service import Call


def U(tag: str) -> str:
    return f"{{{ns.WEBEX_USER}}}{tag}"


def authenticate_user(call: "Call", request: WebexRequest) -> Reply:
    ttl = call.settings.session_ticket_ttl_seconds
    ticket, created = webex_auth.issue_ticket(call.session, call.host, ttl)
    content = []
    for tag, value in (("sessionTicket", ticket), ("createTime", str(int(created.timestamp() * 1000))), ("timeToLive", str(ttl))):
        el = etree.Element(U(tag), nsmap={"use": ns.WEBEX_USER})
        el.text = value
        content.append(el)
    return Reply("use:authenticateUserResponse", content, nsmap={"use": ns.WEBEX_USER})
