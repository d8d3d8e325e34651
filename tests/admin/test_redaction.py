"""No secret of any protocol reaches the journal: a test scans every column of every row."""
from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import text
from zeep import Client, Settings as ZeepSettings
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from gateway.itslearning.services import DATA_PATH
from tests.admin.conftest import (
    BASE_URL, DEMO_SECRET, POX_URL, SOAP_HEADERS, SOAP_URL, WEBEX_PASSWORD, WEBEX_URL, pox, read_result, training,
    webex_message,
)

AUTH = "java:com.webex.service.binding.user.AuthenticateUser"


def _signatures(response) -> list[str]:
    header = response.request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    value = re.search(r'oauth_signature="([^"]+)"', header).group(1)
    return [value, unquote(value)]


def test_no_secret_of_any_protocol_is_stored(app, signed, store, http):
    secrets = [DEMO_SECRET, WEBEX_PASSWORD]
    # LIS SOAP and POX, signed: the signature (and the secret behind it) must not be kept
    secrets += _signatures(signed.post(SOAP_URL, data=read_result(), headers=SOAP_HEADERS))
    secrets += _signatures(signed.post(POX_URL, data=pox("readResult", "49313814"), headers={"Content-Type": "application/xml"}))
    # a form-encoded OAuth body carries oauth_signature in the body itself
    signed.post(SOAP_URL, data={"oauth_signature": "Zm9ybS1zaWduYXR1cmUtdmFsdWU=", "x": "1"})
    secrets.append("Zm9ybS1zaWduYXR1cmUtdmFsdWU=")
    # WebEx: the password, the ticket AuthenticateUser answers, and a call made with that ticket
    answer = http.post(WEBEX_URL, data=webex_message(AUTH, ""))
    ticket = re.search(r"<use:sessionTicket>([^<]+)<", answer.text).group(1)
    secrets.append(ticket)
    http.post(WEBEX_URL, data=webex_message(training("LstScheduledTests"), "", ticket=ticket))
    # itslearning: WS-Security UsernameToken with the demo secret as password, through zeep
    data = Client(f"{BASE_URL}{DATA_PATH}?wsdl", transport=Transport(session=http),
                  wsse=UsernameToken("itslearning-demo", DEMO_SECRET), settings=ZeepSettings(strict=False))
    assert data.service.GetMessageTypes()
    # a wrong password is a secret too
    bad = Client(f"{BASE_URL}{DATA_PATH}?wsdl", transport=Transport(session=http),
                 wsse=UsernameToken("itslearning-demo", "wrong-password-9c1e"), settings=ZeepSettings(strict=False))
    try:
        bad.service.GetMessageTypes()
    except Exception:
        pass
    secrets.append("wrong-password-9c1e")

    app.tap.flush()
    with app.tap.journal_store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM journal_entries")).fetchall()
    assert len(rows) >= 8
    stored = "\n".join(
        value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value) for row in rows for value in row
    )
    assert "hostid" in stored and "REDACTED" in stored  # the scan reads what it should
    for secret in secrets:
        assert secret not in stored, f"a secret reached the journal: {secret[:4]}..."
