"""Fixtures of the API tests: a real server on loopback over a SQLite file, at Monday 09:00 in Balikpapan."""
from __future__ import annotations

import pytest

from kiosk.clock import FakeClock
from support.configs import MONDAY_9, load_test_server, make_config
from support.server import running_server


@pytest.fixture
def clock():
    return FakeClock(MONDAY_9)


@pytest.fixture
def config(request, tmp_path):
    if request.node.get_closest_marker("load_test"):
        return make_config(tmp_path, server=load_test_server())
    return make_config(tmp_path)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "queue.sqlite"


@pytest.fixture
def server(config, db_path, clock):
    with running_server(config, db_path, clock, ping_seconds=1.0) as handle:
        yield handle


@pytest.fixture
def kiosk(server):
    client = server.client("kiosk")
    yield client
    client.close()


@pytest.fixture
def staff(server):
    """petugas1 logged in at loket-1 (serves ktp, kk)."""
    client = server.staff_client("petugas1", "loket-1")
    yield client
    client.close()


@pytest.fixture
def http(server):
    """A bare httpx client on the server, for requests the ApiClient would never send."""
    import httpx

    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        yield client
