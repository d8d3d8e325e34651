"""Crash: the message worker is killed (SIGKILL) in the middle of an itslearning package import.

``serve`` runs without its in-process worker (``LMS_GATEWAY_WORKER_IN_PROCESS=false``) beside a
separate ``lms-gateway worker``. A 6000-item QTI 2.1 package is uploaded and its
CreateCourseElementTest message queued; as soon as the worker has claimed it (status Processing in
the store) the worker is killed. Nothing of the import may be in the store then. A new worker takes
the message once the dead one's lease (3 s here) has run out, and the message completes exactly
once: one element, one test with all 6000 questions, one Info detail.
"""
from __future__ import annotations

import base64
import os
import signal
import time

import pytest
from sqlalchemy import func, select

from adapters import ns
from adapters.store import Store
from adapters.store.models import ItsElement, ItsMessage
from adapters.store.models import Test as StoredTest
from bench.itslearning import package, soap
from tests.reliability import procs
from tests.reliability.summary import SUMMARY

pytestmark = pytest.mark.slow

ITEMS = 6000
LEASE_SECONDS = 3
WORKER_ENV = {"LMS_GATEWAY_WORKER_IN_PROCESS": "false", "LMS_GATEWAY_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
              "LMS_GATEWAY_WORKER_POLL_SECONDS": "0.1"}
ENTITIES = f"{{{ns.ITSLEARNING_ENTITIES}}}"


def counts(store: Store) -> tuple[int, int]:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(StoredTest)), session.scalar(select(func.count()).select_from(ItsElement))


def message_state(store: Store, message_id: int) -> ItsMessage:
    with store.session() as session:
        return session.get(ItsMessage, message_id)


def wait_for(predicate, timeout: float, what: str, poll: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value is not None and value is not False:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_killed_mid_import_completes_once_after_restart(store_url, tmp_path):
    data = package(ITEMS)
    store = Store(store_url)
    try:
        with procs.gateway(store_url, tmp_path / "gateway.log", "--demo", workers=1, env=WORKER_ENV) as gw:
            worker = procs.start(["worker"], store_url, tmp_path / "worker-1.log", WORKER_ENV)
            try:
                tests_before, elements_before = counts(store)
                guid = soap(gw.base, "/ContentImport/FileService.svc", "http://tempuri.org/IFileService/UploadFile",
                            f"<tem:UploadFile><tem:fileMessage><its:Content>{base64.b64encode(data).decode()}</its:Content>"
                            "<its:Name>crash.zip</its:Name></tem:fileMessage></tem:UploadFile>").findtext(f".//{{{ns.TEMPURI}}}UploadFileResult")
                message = ('<Message xmlns="urn:message-schema"><CreateCourseElementTest><CourseId>1</CourseId><UserId>2</UserId>'
                           f"<Title>Crash test</Title></CreateCourseElementTest><Files><File>{guid}</File></Files></Message>")
                added = soap(gw.base, "/ContentImport/DataService.svc", "http://tempuri.org/IDataService/AddMessage",
                             f"<tem:AddMessage><tem:dataMessage><its:Data><![CDATA[{message}]]></its:Data><its:Type>1</its:Type>"
                             "</tem:dataMessage></tem:AddMessage>")
                message_id = int(added.findtext(f".//{ENTITIES}MessageId"))

                wait_for(lambda: message_state(store, message_id).status == "Processing", 30, "the worker's claim")
                time.sleep(0.3)  # well inside the import, which takes seconds
                os.kill(worker.pid, signal.SIGKILL)
                worker.proc.wait(timeout=10)
            finally:
                procs.stop(worker)

            killed = message_state(store, message_id)
            assert killed.status == "Processing" and killed.tries == 1, "the kill did not land mid-import"
            assert counts(store) == (tests_before, elements_before), "a killed import left rows behind"

            restarted = procs.start(["worker"], store_url, tmp_path / "worker-2.log", WORKER_ENV)
            try:
                def finished():
                    result = soap(gw.base, "/ContentImport/DataService.svc", "http://tempuri.org/IDataService/GetMessageResult",
                                  f"<tem:GetMessageResult><tem:messageId>{message_id}</tem:messageId></tem:GetMessageResult>")
                    return result if result.findtext(f".//{ENTITIES}Status") == "Finished" else None

                result = wait_for(finished, 120, "the message to finish after the restart", poll=0.2)
            finally:
                procs.stop(restarted)
            assert "Traceback" not in restarted.log_text(), restarted.tail()

        details = result.findall(f".//{ENTITIES}DataMessageStatusDetail")
        assert [d.findtext(f"{ENTITIES}Type") for d in details] == ["Info"], [d.findtext(f"{ENTITIES}Message") for d in details]
        assert f"{ITEMS} question(s)" in details[0].findtext(f"{ENTITIES}Message")
        done = message_state(store, message_id)
        assert done.status == "Finished" and done.tries == 2
        assert counts(store) == (tests_before + 1, elements_before + 1)
        with store.session() as session:
            element = session.scalar(select(ItsElement).where(ItsElement.message_id == message_id))
            assert element is not None and element.test_id is not None
            assert session.get(StoredTest, element.test_id).title == "Crash test"
    finally:
        store.dispose()
    SUMMARY.faults.append(
        f"worker SIGKILLed mid-import of a {ITEMS}-item package ({store_url.split(':', 1)[0].split('+')[0]}): "
        "nothing half-written, completed once after the lease ran out"
    )
