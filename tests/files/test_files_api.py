"""GET /api/v1/files and /api/v1/files/{name}: a real server on 127.0.0.1 whose LAN is 127.0.0.1/32 only."""
from __future__ import annotations

import hashlib
import http.client

import httpx
import pytest

from kiosk.clock import FakeClock
from support.configs import DEVICE_KEYS, MONDAY_9
from support.lobby_files import files_config
from support.server import running_server

GUEST = "127.0.0.2"


@pytest.fixture
def lobby(tmp_path):
    return tmp_path / "lobby"


@pytest.fixture
def server(lobby, tmp_path):
    config = files_config(lobby, lan_networks=["127.0.0.1/32"])
    with running_server(config, tmp_path / "queue.sqlite", FakeClock(MONDAY_9), access_log=False) as handle:
        yield handle


def auth(role: str) -> dict:
    return {"Authorization": f"Bearer {DEVICE_KEYS[role]}"}


def raw_get(server, path: str, role: str = "display") -> tuple[int, bytes]:
    """A request line sent as written: httpx would tidy '..' away before it left."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.putheader("Authorization", auth(role)["Authorization"])
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_the_manifest_is_the_callers_roles_files(server, lobby):
    with httpx.Client(base_url=server.url, timeout=5) as http:
        display = http.get("/api/v1/files", headers=auth("display")).json()
        kiosk = http.get("/api/v1/files", headers=auth("kiosk")).json()
        counter = http.get("/api/v1/files", headers=auth("counter-app")).json()
        nobody = http.get("/api/v1/files")
    assert display["role"] == "display"
    chime = {f["name"]: f for f in display["files"]}["assets/sounds/chime.wav"]
    body = (lobby / "assets/sounds/chime.wav").read_bytes()
    assert chime == {"name": "assets/sounds/chime.wav", "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert {f["name"] for f in kiosk["files"]} == {"assets/logos/mpp.png", "assets/logos/dukcapil.png"}
    assert counter == {"role": "counter-app", "files": []}
    assert nobody.status_code == 401


def test_a_file_comes_whole_with_its_checksum_as_etag(server, lobby):
    body = (lobby / "assets/sign/digit_7.mp4").read_bytes()
    with httpx.Client(base_url=server.url, timeout=5) as http:
        answer = http.get("/api/v1/files/assets/sign/digit_7.mp4", headers=auth("display"))
        again = http.get("/api/v1/files/assets/sign/digit_7.mp4",
                         headers={**auth("display"), "If-None-Match": answer.headers["etag"]})
        ranged = http.get("/api/v1/files/assets/sign/digit_7.mp4", headers={**auth("display"), "Range": "bytes=0-9"})
        kiosk_asks = http.get("/api/v1/files/assets/sign/digit_7.mp4", headers=auth("kiosk"))
    assert answer.status_code == 200 and answer.content == body
    assert answer.headers["etag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert answer.headers["cache-control"] == "private, no-cache"  # may be kept, but asked again
    assert again.status_code == 304 and again.content == b""
    assert ranged.status_code == 200 and ranged.content == body  # range-free: always the whole file
    assert kiosk_asks.status_code == 404  # not in the kiosk's manifest


@pytest.mark.parametrize("path", [
    "/api/v1/files/../config.toml",
    "/api/v1/files/assets/../config.toml",
    "/api/v1/files/assets/sign/../../config.toml",
    "/api/v1/files/%2e%2e/config.toml",
    "/api/v1/files/assets/%2e%2e/config.toml",
    "/api/v1/files/..%2fconfig.toml",
    "/api/v1/files//etc/passwd",
    "/api/v1/files/%2fetc%2fpasswd",
    "/api/v1/files/config.toml",
    "/api/v1/files/assets/sign/link-out.mp4",
])
def test_no_path_reaches_a_file_outside_the_manifest(server, lobby, path):
    (lobby / "assets/sign/link-out.mp4").symlink_to(lobby / "config.toml")
    status, body = raw_get(server, path)
    assert status == 404, (path, status)
    assert b"secret-device-key" not in body


def test_the_guest_wifi_is_refused_before_the_key_is_looked_at(server):
    with httpx.Client(base_url=server.url, timeout=5, transport=httpx.HTTPTransport(local_address=GUEST)) as guest:
        for path in ("/api/v1/files", "/api/v1/files/assets/sounds/chime.wav"):
            answer = guest.get(path, headers=auth("display"))
            assert answer.status_code == 403 and answer.json()["error"] == "lan_only", path


def test_a_device_fetching_in_a_loop_is_slowed(server):
    import time

    from kiosk.server.routes.files import FILES_BURST, FILES_RATE_PER_S

    with httpx.Client(base_url=server.url, timeout=5) as http:
        started = time.monotonic()
        statuses = [http.get("/api/v1/files/assets/logos/mpp.png", headers=auth("kiosk")).status_code
                    for _ in range(FILES_BURST * 2)]
        elapsed = time.monotonic() - started
        other_device = http.get("/api/v1/files/assets/sounds/chime.wav", headers=auth("display"))
    assert statuses[:FILES_BURST] == [200] * FILES_BURST
    assert 429 in statuses
    assert statuses.count(200) <= FILES_BURST + FILES_RATE_PER_S * elapsed + 1
    assert other_device.status_code == 200  # the budget is per device
