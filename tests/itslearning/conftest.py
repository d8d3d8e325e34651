"""itslearning fixtures: the demo store, zeep clients with a WS-Security UsernameToken, a worker."""
from __future__ import annotations

import pytest
from zeep import Client, Settings as ZeepSettings
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from gateway import demo
from gateway.itslearning.services import DATA_PATH, FILE_PATH
from gateway.itslearning.worker import Worker
from tests.conftest import BASE_URL


@pytest.fixture
def demo_store(store, settings):
    demo.load(store, settings)
    return store


def client(http, path: str, username: str = "itslearning-demo", password: str = "secret") -> Client:
    return Client(
        f"{BASE_URL}{path}?wsdl",
        transport=Transport(session=http),
        wsse=UsernameToken(username, password),
        settings=ZeepSettings(strict=False),
    )


@pytest.fixture
def files(http, demo_store):
    return client(http, FILE_PATH)


@pytest.fixture
def data(http, demo_store):
    return client(http, DATA_PATH)


@pytest.fixture
def worker(demo_store, settings):
    return Worker(demo_store, settings)
