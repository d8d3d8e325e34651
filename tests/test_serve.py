"""``lms-gateway serve`` as a real process: forwarded headers, request buffering, the log format.

- X-Forwarded-Proto (issue 12 item 8): the server itself never rewrites the scheme; only
  ``LMS_GATEWAY_TRUSTED_PROXIES`` decides whether the gateway believes the header.
- Buffering (issue 12 item 1): bodies past the in-memory spool, chunked bodies and bodies declared
  past a route's cap reach the app as they should (the slow-client siege is tests/reliability).
- One log format (issue 11): every line the process writes is one JSON object with timestamp,
  level, logger and message; request-scoped lines carry the request id; ``text`` is readable.
"""
from __future__ import annotations

import http.client
import json
import socket

import pytest
import requests
from lxml import etree
from requests_oauthlib import OAuth1

from bench import load
from tests.reliability import procs

pytestmark = pytest.mark.slow

LIS_HEADERS = {"Content-Type": 'text/xml;charset="utf-8"', "SOAPAction": f'"{load.SOAP_ACTION}readResult"'}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    with procs.gateway(f"sqlite:///{root / 'store.db'}", root / "gateway.log", "--demo", workers=2,
                       env={"LMS_GATEWAY_LOG_LEVEL": "INFO"}) as gw:
        yield gw


def read_result_signed_for(url: str) -> requests.PreparedRequest:
    """A readResult signed (with body hash) for ``url``."""
    return requests.Request("POST", url, data=load.lis_read_result(load.DEMO_IDS[0]), headers=LIS_HEADERS,
                            auth=OAuth1(load.CONSUMER_KEY, load.SECRET, force_include_body=True)).prepare()


def send_over_plain_http(base: str, prepared: requests.PreparedRequest, **headers: str) -> requests.Response:
    prepared.url = base + load.LIS_PATH
    prepared.headers.update(headers)
    with requests.Session() as session:
        return session.send(prepared, timeout=30)


def https_twin(base: str) -> str:
    return base.replace("http://", "https://") + load.LIS_PATH


# ------------------------------------------------------------------------------ X-Forwarded-Proto
def test_forwarded_proto_from_loopback_is_not_believed_without_a_trusted_proxy(served):
    forged = send_over_plain_http(served.base, read_result_signed_for(https_twin(served.base)),
                                  **{"X-Forwarded-Proto": "https"})
    assert forged.status_code == 500
    assert etree.fromstring(forged.content).findtext(".//faultcode") == "Authentication Fault"
    # the same request signed for the address it was really sent to passes
    honest = send_over_plain_http(served.base, read_result_signed_for(served.base + load.LIS_PATH),
                                  **{"X-Forwarded-Proto": "https"})
    assert load.classify_lis(honest.status_code, honest.content)[0] == "ok", honest.text


def test_wsdl_does_not_advertise_https_on_a_forged_header(served):
    answer = requests.get(served.base + load.LIS_PATH + "?wsdl", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    locations = [el.get("location") for el in etree.fromstring(answer.content).iter("{*}address")]
    assert locations and all(loc == served.base + load.LIS_PATH for loc in locations), locations


def test_a_trusted_proxy_is_believed(tmp_path):
    with procs.gateway(f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "gateway.log", "--demo", workers=1,
                       env={"LMS_GATEWAY_TRUSTED_PROXIES": "127.0.0.1"}) as gw:
        proxied = send_over_plain_http(gw.base, read_result_signed_for(https_twin(gw.base)),
                                       **{"X-Forwarded-Proto": "https"})
        assert load.classify_lis(proxied.status_code, proxied.content)[0] == "ok", proxied.text
        wsdl = requests.get(gw.base + load.LIS_PATH + "?wsdl", headers={"X-Forwarded-Proto": "https"}, timeout=30)
        assert https_twin(gw.base).encode() in wsdl.content


# ------------------------------------------------------------------------------------- buffering
def test_a_body_larger_than_the_memory_spool_arrives_whole(served):
    # 3 MB of padding inside a readResult: past the bridge's 1 MiB in-memory spool, under the 10 MB cap
    body = load.lis_read_result(load.DEMO_IDS[0]).replace(b"<SOAP-ENV:Body>", b"<!--" + b"x" * 3_000_000 + b"--><SOAP-ENV:Body>")
    answer = requests.post(served.base + load.LIS_PATH, data=body, headers=LIS_HEADERS, timeout=60,
                           auth=OAuth1(load.CONSUMER_KEY, load.SECRET, force_include_body=True))
    assert load.classify_lis(answer.status_code, answer.content)[0] == "ok", answer.text[:500]


def test_a_chunked_body_is_read(served):
    signed = read_result_signed_for(served.base + load.LIS_PATH)
    body = signed.body
    conn = http.client.HTTPConnection("127.0.0.1", int(served.base.rsplit(":", 1)[1]), timeout=30)
    conn.request("POST", load.LIS_PATH, body=iter([body[:100], body[100:]]), encode_chunked=True,
                 headers={**LIS_HEADERS, "Authorization": signed.headers["Authorization"], "Transfer-Encoding": "chunked"})
    answer = conn.getresponse()
    assert load.classify_lis(answer.status, answer.read())[0] == "ok"
    conn.close()


def test_a_body_declared_past_the_cap_is_refused_unread_in_the_protocol_shape(served):
    port = int(served.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"POST {load.WEBEX_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
                     f"Content-Length: {50 * 1024 * 1024}\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):  # the server answers and closes without waiting for 50 MB
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower()
    assert b"<serv:result>FAILURE</serv:result>" in body


def test_a_request_head_without_end_is_cut_at_its_size_limit(served):
    port = int(served.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        answer = b""
        try:
            for _ in range(100):
                sock.sendall(b"X-Padding: " + b"p" * 1000 + b"\r\n")
            answer = sock.recv(65536)
        except ConnectionError:
            pass  # closed while we were still sending: also cut
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431")


# ----------------------------------------------------------------------------------- log format
def test_every_line_is_json_and_request_lines_carry_the_request_id(tmp_path):
    log = tmp_path / "gateway.log"
    with procs.gateway(f"sqlite:///{tmp_path / 'store.db'}", log, "--demo", workers=2,
                       env={"LMS_GATEWAY_LOG_LEVEL": "INFO"}) as gw:
        requests.get(gw.base + "/healthz", headers={"X-Request-Id": "probe-healthz"}, timeout=30)
        bad = requests.post(gw.base + load.LIS_PATH, data=load.lis_read_result("1"), timeout=30,
                            headers={**LIS_HEADERS, "X-Request-Id": "probe-oauth"},
                            auth=OAuth1(load.CONSUMER_KEY, "wrong secret", force_include_body=True))
        assert bad.status_code == 500
        requests.get(gw.base + "/nowhere", headers={"X-Request-Id": "probe-404"}, timeout=30)
    # stopped: the start-up, request and shutdown lines of the master and both workers are all in

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = []
    for line in lines:
        record = json.loads(line)  # fails on any line that is not one JSON object
        assert {"timestamp", "level", "logger", "message", "request_id"} <= record.keys(), line
        records.append(record)
    loggers = {r["logger"] for r in records}
    assert "gunicorn.error" in loggers and "lms_gateway.access" in loggers  # the server's own lines too

    access = {r["request_id"]: r for r in records if r["logger"] == "lms_gateway.access"}
    assert {"probe-healthz", "probe-oauth", "probe-404"} <= access.keys()
    line = access["probe-oauth"]
    assert line["status"] == 500 and line["path"] == load.LIS_PATH and line["method"] == "POST"
    assert {"protocol", "operation", "account"} <= line.keys()
    assert line["protocol"] == "lis-soap"
    oauth = [r for r in records if "OAuth failure" in r["message"]]
    assert [r["request_id"] for r in oauth] == ["probe-oauth"], oauth
    assert any("Shutting down" in r["message"] for r in records)


def test_text_format_is_for_terminals(tmp_path):
    log = tmp_path / "gateway.log"
    with procs.gateway(f"sqlite:///{tmp_path / 'store.db'}", log, workers=1,
                       env={"LMS_GATEWAY_LOG_FORMAT": "text", "LMS_GATEWAY_LOG_LEVEL": "INFO"}) as gw:
        requests.get(gw.base + "/healthz", headers={"X-Request-Id": "probe-text"}, timeout=30)
    lines = log.read_text().splitlines()
    access = [line for line in lines if "lms_gateway.access" in line]
    assert any("INFO lms_gateway.access [probe-text] GET /healthz 200" in line for line in access), access
    assert not any(line.startswith("{") for line in lines)
