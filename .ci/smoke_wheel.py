"""Smoke test of the installed wheel, as a newcomer uses it: run by ``.ci/run`` with the Python of a
fresh virtualenv that holds only the wheel (not editable), from a directory outside the repository.

    python smoke_wheel.py REPOSITORY

It serves ``--demo`` on a free port and checks every endpoint of the README's table, a signed LIS
readResult and LTI readResult (requests-oauthlib), an itslearning UploadFile + AddMessage +
GetMessageResult that ends Finished (zeep with a UsernameToken), ``itslearning import``,
``call lis`` (with the packaged WSDL and with ``--wsdl URL``), and ``replay`` of the repository's
samples with ``--demo``. The repository is read only for its ``samples/`` and one test package.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from requests_oauthlib import OAuth1
from zeep import Client
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

REPO = Path(sys.argv[1]).resolve()
BIN = Path(sys.executable).parent
SAMPLES = REPO / "samples"
PACKAGE = REPO / "tests" / "fixtures" / "reference" / "qti" / "packages" / "WebDeveloperTest1.zip"
WEBEX_REQUEST = """<?xml version="1.0" encoding="UTF-8"?>
<serv:message xmlns:serv="http://www.webex.com/schemas/2002/06/service"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<header><securityContext><webExID>hostid</webExID><password>hostpassword</password>
<siteID>0000</siteID><partnerID>9999</partnerID></securityContext></header>
<body><bodyContent xsi:type="java:com.webex.service.binding.training.GetIMStestResult">
<testID>207</testID><participantEmail>georgew@sz.webex.com</participantEmail></bodyContent></body>
</serv:message>"""
MESSAGE = """<Message xmlns="urn:message-schema"><CreateCourseElementTest>
<CourseId>1</CourseId><UserId>2</UserId><Title>Smoke test</Title>
</CreateCourseElementTest><Files><File>{guid}</File></Files></Message>"""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"SMOKE FAILED: {what}")
    print(f"ok  {what}", flush=True)


def lms_gateway(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "lms-gateway"), *args], env=env, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="lms-gateway-smoke-"))
    os.chdir(work)
    env = {**os.environ, "LMS_GATEWAY_DATABASE_URL": f"sqlite:///{work}/smoke.db"}
    where = subprocess.run([sys.executable, "-c", "import gateway; print(gateway.__file__)"],
                           capture_output=True, text=True, check=True).stdout.strip()
    check(str(REPO) not in where and "site-packages" in where, f"gateway imported from the installed wheel ({where})")

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(work / "serve.log", "w")
    server = subprocess.Popen([str(BIN / "lms-gateway"), "serve", "--demo", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(240):
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None:
                break
            time.sleep(0.25)
        else:
            pass
        if server.poll() is not None:
            print((work / "serve.log").read_text())
        check(server.poll() is None, "serve --demo starts")
        run_checks(url, env)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    shutil.rmtree(work, ignore_errors=True)
    print("wheel smoke test passed")


def run_checks(url: str, env: dict) -> None:
    health = requests.get(url + "/healthz", timeout=10)
    check(health.status_code == 200 and health.json()["status"] == "ok", "GET /healthz")
    check(requests.get(url + "/metrics", timeout=10).status_code == 200, "GET /metrics")
    profile = requests.get(url + "/qti/contentProfile", timeout=10)
    check(profile.status_code == 200 and b"contentProfile" in profile.content, "GET /qti/contentProfile")
    for path in ("/api/soap/1p0/lis-result", "/ContentImport/FileService.svc", "/ContentImport/DataService.svc"):
        wsdl = requests.get(f"{url}{path}?wsdl", timeout=10)
        check(wsdl.status_code == 200 and f'location="{url}{path}"'.encode() in wsdl.content, f"GET {path}?wsdl")

    webex = requests.post(url + "/WBXService/XMLService", data=WEBEX_REQUEST.encode(), timeout=10)
    check(b"<serv:result>SUCCESS</serv:result>" in webex.content and b"qti:score_value" in webex.content,
          "WebEx GetIMStestResult 207")

    auth = OAuth1("49201", "secret", force_include_body=True)
    lis = requests.post(url + "/api/soap/1p0/lis-result", auth=auth, timeout=10,
                        data=(SAMPLES / "lis-readresult-49313814" / "request.xml").read_bytes(),
                        headers={"Content-Type": "text/xml; charset=utf-8",
                                 "SOAPAction": '"http://www.imsglobal.org/soap/lis/oms1p0/readResult"'})
    check(lis.status_code == 200 and b"success</" in lis.content and b"49313814" in lis.content,
          f"LIS readResult signed with requests-oauthlib {'' if lis.ok else lis.text}")
    pox = requests.post(url + "/lti/outcomes", auth=OAuth1("49201", "secret", force_include_body=True), timeout=10,
                        data=(SAMPLES / "lti-pox-readresult-49313814" / "request.xml").read_bytes(),
                        headers={"Content-Type": "application/xml"})
    check(pox.status_code == 200 and b"<imsx_codeMajor>success</imsx_codeMajor>" in pox.content,
          f"LTI 1.1 POX readResult signed with requests-oauthlib {'' if pox.ok else pox.text}")

    session = requests.Session()
    files = Client(url + "/ContentImport/FileService.svc?wsdl", transport=Transport(session=session),
                   wsse=UsernameToken("itslearning-demo", "secret"))
    data = Client(url + "/ContentImport/DataService.svc?wsdl", transport=Transport(session=session),
                  wsse=UsernameToken("itslearning-demo", "secret"))
    guid = files.service.UploadFile(fileMessage={"Content": PACKAGE.read_bytes(), "Name": PACKAGE.name})
    check(bool(guid), f"itslearning UploadFile -> {guid}")
    added = data.service.AddMessage(dataMessage={"Data": MESSAGE.format(guid=guid), "Type": 1})
    check(added.Status == "InQueue", f"itslearning AddMessage -> message {added.MessageId}")
    for _ in range(240):
        result = data.service.GetMessageResult(messageId=added.MessageId)
        if result.Status != "InQueue":
            break
        time.sleep(0.25)
    details = result.StatusDetails.DataMessageStatusDetail if result.StatusDetails else []
    errors = [d.Message for d in details if d.Type == "Error"]
    check(result.Status == "Finished" and not errors, f"itslearning GetMessageResult Finished {errors or ''}")

    imported = lms_gateway("itslearning", "import", str(PACKAGE), "--course", "1", "--user", "2", env=env)
    check(imported.returncode == 0, f"itslearning import: {imported.stdout.strip()} {imported.stderr.strip()}")

    lis_url = url + "/api/soap/1p0/lis-result"
    for extra in ([], ["--wsdl", lis_url + "?wsdl"]):
        called = lms_gateway("call", "lis", "readResult", "49313814", "--upstream", lis_url,
                             "--key", "49201", "--secret", "secret", *extra, env=env)
        ok = called.returncode == 0 and json.loads(called.stdout).get("ok", True) is not False
        check(ok and "49313814" in called.stdout, f"call lis readResult {' '.join(extra)}: {called.stderr.strip()}")

    replay_env = {**env, "LMS_GATEWAY_DATABASE_URL": f"sqlite:///{Path.cwd()}/replay.db"}
    replayed = lms_gateway("replay", str(SAMPLES), "--demo", env=replay_env)
    check(replayed.returncode == 0, f"replay samples/ --demo\n{replayed.stdout}{replayed.stderr}")


if __name__ == "__main__":
    main()
