"""The device's cache (kiosk.files.sync_files) against a real server on 127.0.0.1."""
from __future__ import annotations

import hashlib
import logging
import os

import pytest

from kiosk.client import ApiClient
from kiosk.clock import FakeClock
from kiosk.files import default_cache_dir, resolve, server_id, sync_files, with_device_files
from support.configs import DEVICE_KEYS, MONDAY_9
from support.lobby_files import files_config
from support.server import running_server
from support.tamper import TamperingProxy


class CountingClient(ApiClient):
    """A real ApiClient that counts what it asks for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.downloads: list[str] = []

    def download_file(self, name, write):
        self.downloads.append(name)
        return super().download_file(name, write)


@pytest.fixture
def lobby(tmp_path):
    return tmp_path / "lobby"


@pytest.fixture
def server(lobby, tmp_path):
    config = files_config(lobby)
    with running_server(config, tmp_path / "queue.sqlite", FakeClock(MONDAY_9), access_log=False) as handle:
        yield handle


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def display_client(url: str) -> CountingClient:
    return CountingClient(url, DEVICE_KEYS["display"], timeout=2)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def touch_changed(path, data: bytes) -> None:
    path.write_bytes(data)
    os.utime(path, ns=(10**18, 10**18))


def test_a_cold_sync_fetches_every_file_and_a_warm_one_nothing(server, lobby, cache):
    with display_client(server.url) as client:
        files = sync_files(client, cache, "display")
        cold = len(client.downloads)
        again = sync_files(client, cache, "display")
    listed = {e["name"] for e in server.client("display").files()["files"]}
    assert set(files.paths) == listed and cold == len(listed) == files.downloaded
    chime = files.paths["assets/sounds/chime.wav"]
    assert chime == cache / "display" / "assets/sounds/chime.wav"
    assert chime.read_bytes() == (lobby / "assets/sounds/chime.wav").read_bytes()
    assert len(client.downloads) == cold and again.downloaded == 0 and again.paths == files.paths


def test_only_a_changed_file_is_fetched_again_and_a_removed_one_leaves_the_cache(server, lobby, cache):
    with display_client(server.url) as client:
        sync_files(client, cache, "display")
        before = len(client.downloads)
        touch_changed(lobby / "assets/sign/digit_7.mp4", b"a new recording of seven")
        (lobby / "assets/sign/digit_9.mp4").unlink()
        files = sync_files(client, cache, "display")
    assert client.downloads[before:] == ["assets/sign/digit_7.mp4"]
    assert files.paths["assets/sign/digit_7.mp4"].read_bytes() == b"a new recording of seven"
    assert "assets/sign/digit_9.mp4" not in files.paths
    assert not (cache / "display" / "assets/sign/digit_9.mp4").exists()


def test_a_tampered_download_is_refused_and_the_good_copy_kept(server, lobby, cache, caplog):
    good = (lobby / "assets/sounds/chime.wav").read_bytes()
    with display_client(server.url) as client:
        sync_files(client, cache, "display")
    touch_changed(lobby / "assets/sounds/chime.wav", good + b"\0" * 64)  # the server has a new chime...
    with TamperingProxy(server.url) as proxy:
        proxy.flip.add("/api/v1/files/assets/sounds/chime.wav")  # ... that arrives with one byte changed
        with display_client(proxy.url) as client, caplog.at_level(logging.ERROR, logger="kiosk.files"):
            files = sync_files(client, cache, "display")
    assert files.refused == ("assets/sounds/chime.wav",)
    assert files.paths["assets/sounds/chime.wav"].read_bytes() == good
    assert "discarded" in caplog.text and "chime.wav" in caplog.text
    assert not [p for p in (cache / "display").rglob(".part-*")]
    # the next sync, untampered, gets the new chime
    with display_client(server.url) as client:
        fixed = sync_files(client, cache, "display")
    assert fixed.paths["assets/sounds/chime.wav"].read_bytes() == good + b"\0" * 64 and fixed.refused == ()


def test_with_the_server_stopped_the_last_good_cache_is_used_and_said_once(server, cache, caplog):
    with display_client(server.url) as client:
        synced = sync_files(client, cache, "display")
        server.stop()
        with caplog.at_level(logging.WARNING, logger="kiosk.files"):
            first = sync_files(client, cache, "display")
            second = sync_files(client, cache, "display")
    assert first.from_cache and second.from_cache
    assert first.paths == synced.paths and all(p.is_file() for p in first.paths.values())
    assert caplog.text.count("the server cannot be asked") == 1


def test_a_server_listing_a_name_that_escapes_the_cache_is_not_followed(cache, tmp_path):
    class HostileServer:
        def files(self):
            return {"role": "display", "files": [{"name": "../../.bashrc", "size": 3, "sha256": sha(b"bad")},
                                                 {"name": "/etc/x", "size": 3, "sha256": sha(b"bad")}]}

        def download_file(self, name, write):
            write(b"bad")

    files = sync_files(HostileServer(), cache, "display")
    assert files.paths == {} and not (tmp_path / ".bashrc").exists()


def test_the_cache_lives_under_the_users_cache_folder_per_server():
    env = {"XDG_CACHE_HOME": "/x/cache", "HOME": "/home/kiosk"}
    assert default_cache_dir("http://10.0.0.5:8600/", env) == \
        default_cache_dir("http://10.0.0.5:8600", env) == \
        __import__("pathlib").Path("/x/cache/mpp-kiosk/files") / server_id("http://10.0.0.5:8600")
    assert str(default_cache_dir("http://a", {"HOME": "/home/kiosk"})).startswith("/home/kiosk/.cache/mpp-kiosk/files/")
    assert server_id("http://a") != server_id("http://b")


def test_a_window_gets_its_config_over_the_cache_in_one_call(server, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    with display_client(server.url) as client:
        device = with_device_files(server.config, client, "display", env)
    chime = resolve(device, "assets/sounds/chime.wav")
    assert chime == default_cache_dir(server.url, env) / "display" / "assets/sounds/chime.wav" and chime.is_file()
