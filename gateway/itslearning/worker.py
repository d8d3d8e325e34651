"""The message worker: takes queued DataService messages from the store and carries them out.

Each message is claimed with a lease (a conditional UPDATE, so two workers never take the same
one), then processed in ONE unit of work that creates the element and marks the message
Finished together: a worker killed mid-import leaves nothing behind, its lease runs out, and the
message is processed again. The unique ``its_elements.message_id`` makes a double run impossible.

Runs as a daemon thread inside each gateway process (``worker_in_process``), or on its own with
``lms-gateway worker``.
"""
from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import IntegrityError

from adapters.store import Store, StoreUnavailable
from adapters.store import itslearning as queue
from adapters.store.models import ItsMessage
from adapters.qti21.errors import Template
from gateway.config import Settings
from gateway.itslearning import create_test, message_types

log = logging.getLogger("lms_gateway.itslearning.worker")


class Worker:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.wake = threading.Event()
        self.stop = threading.Event()

    def run_once(self) -> int | None:
        """Process one message if there is one; return its id."""
        with self.store.session() as session:
            message_id = queue.claim(session, self.settings.worker_lease_seconds)
        if message_id is not None:
            self.process(message_id)
        return message_id

    def drain(self) -> int:
        """Process until the queue is empty; the number processed."""
        count = 0
        while self.run_once() is not None:
            count += 1
        return count

    def process(self, message_id: int) -> None:
        try:
            with self.store.long_write(), self.store.session() as session:
                message = session.get(ItsMessage, message_id)
                if message is None or message.status == queue.FINISHED:
                    return
                if message_types.handler(message.type):
                    details = create_test.process(session, message, self.settings)
                else:  # AddMessage refuses unknown types; this guards rows queued some other way
                    details = [create_test.Detail("Error", f"Message type {message.type} is not supported.")]
                queue.finish(session, message, [d.to_json() for d in details])
        except StoreUnavailable:
            log.warning("store unavailable while processing message %s; it will be retried", message_id)
        except IntegrityError:
            log.info("message %s was completed by another worker", message_id)
        except Exception as exc:  # a bug, or a package nobody foresaw: report it, never loop on it
            log.exception("message %s failed", message_id)
            self._fail(message_id, Template.UNKNOWN.fill(**{"Type of exception": type(exc).__name__}))

    def _fail(self, message_id: int, text: str) -> None:
        try:
            with self.store.session() as session:
                message = session.get(ItsMessage, message_id)
                if message is not None and message.status != queue.FINISHED:
                    queue.finish(session, message, [create_test.Detail("Error", text).to_json()])
        except StoreUnavailable:
            pass

    def run_forever(self) -> None:
        while not self.stop.is_set():
            try:
                busy = self.run_once() is not None
            except StoreUnavailable:
                busy = False
            except Exception:
                log.exception("worker loop error")
                busy = False
            if not busy:
                self.wake.wait(self.settings.worker_poll_seconds)
                self.wake.clear()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="lms-gateway-worker", daemon=True)
        thread.start()
        return thread
