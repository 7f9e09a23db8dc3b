"""kiosk.settings_sync: a window's Config from the server's settings, and the last good copy on disk."""
from __future__ import annotations

import json
import stat

import pytest

from kiosk.client import ApiClient, ApiError
from kiosk.clock import FakeClock
from kiosk.config import ConfigError
from kiosk.live_config import config_version
from kiosk.pins import verify_pin
from kiosk.settings_sync import NOT_A_PIN_HASH, SettingsUnavailable, cache_path, config_from_settings, load_settings
from support.configs import DEVICE_KEYS, MONDAY_9, make_config
from support.server import running_server


@pytest.fixture
def server(tmp_path):
    with running_server(make_config(tmp_path), tmp_path / "q.sqlite", FakeClock(MONDAY_9)) as handle:
        yield handle


def test_a_kiosk_builds_its_config_from_the_server_and_keeps_a_copy(server, tmp_path):
    device_dir = tmp_path / "home" / ".config" / "mpp-kiosk"
    api = ApiClient(server.url, DEVICE_KEYS["kiosk"])
    loaded = load_settings(api.settings, server.url, device_dir)
    assert loaded.source == "server"
    assert loaded.version == config_version(server.config)
    assert [s.id for s in loaded.config.services] == ["ktp", "kk", "paspor"]
    assert loaded.config.server.base_url == server.url
    assert loaded.config.staff == [] and loaded.config.server.devices == []
    copy = cache_path(device_dir)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert json.loads(copy.read_text())["version"] == loaded.version


def test_with_the_server_away_the_last_good_copy_starts_and_without_one_a_sentence(server, tmp_path):
    device_dir = tmp_path / "dev"
    api = ApiClient(server.url, DEVICE_KEYS["counter-app"])
    first = load_settings(api.settings, server.url, device_dir)

    def away():
        raise ApiError(None, "unreachable", "Server antrean tidak dapat dihubungi.")

    again = load_settings(away, server.url, device_dir)
    assert again.source == str(cache_path(device_dir))
    assert again.version == first.version and [s.user for s in again.config.staff] == ["petugas1", "petugas3"]
    with pytest.raises(SettingsUnavailable, match="has no saved copy of its settings yet .*start it once while the "
                                                  "server is reachable"):
        load_settings(away, server.url, tmp_path / "fresh")


def test_a_counter_pc_gets_staff_whose_hash_no_pin_can_match(server):
    answer = ApiClient(server.url, DEVICE_KEYS["counter-app"]).settings()
    config, _missing = config_from_settings(answer, server.url, server.config.base_dir)
    assert {s.pin_hash for s in config.staff} == {NOT_A_PIN_HASH}
    with pytest.raises(ValueError):  # not even a valid scrypt cost: nothing verifies against it
        verify_pin("1234", NOT_A_PIN_HASH)


def test_settings_that_do_not_validate_are_not_saved_and_say_why(server, tmp_path):
    answer = ApiClient(server.url, DEVICE_KEYS["kiosk"]).settings()
    answer["config"]["services"][0]["group"] = "nowhere"
    with pytest.raises(ConfigError) as caught:
        config_from_settings(answer, server.url, tmp_path)
    assert any("services[0].group" in p for p in caught.value.problems)
    with pytest.raises(SettingsUnavailable, match="do not validate"):
        load_settings(lambda: answer, server.url, tmp_path / "dev")
    assert not cache_path(tmp_path / "dev").exists()
