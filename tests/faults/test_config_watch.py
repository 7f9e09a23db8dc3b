"""config.toml edited while the lobby runs: a good edit is picked up, a bad one never takes the lobby down.

First kiosk.config_watch.ConfigWatcher on its own; then the real server
process, whose config.toml is overwritten with garbage while it serves: it
keeps serving, and only a restart with the bad file fails — at once, with
every problem listed.
"""
from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from faults.helpers import KioskServerProcess, open_lobby, wait_for, write_lobby
from kiosk.client import ApiClient
from kiosk.config_watch import ConfigWatcher
from support.configs import DEVICE_KEYS
from support.toml_writer import to_toml

pytestmark = pytest.mark.timeout(60)

INTERVAL = 0.05


class Changes:
    def __init__(self):
        self.configs = []
        self.arrived = threading.Condition()

    def __call__(self, config) -> None:
        with self.arrived:
            self.configs.append(config)
            self.arrived.notify_all()

    def wait(self, count: int, timeout: float = 3.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.configs) >= count, timeout)


def rewrite(path, text: str) -> None:
    """Write new bytes and move the mtime on, as an editor saving the file does."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:  # a coarse file-system clock: make the change visible
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def lobby(tmp_path):
    data = open_lobby(tmp_path)
    return data, write_lobby(tmp_path, data)


def problems_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kiosk.config_watch" and r.levelno >= logging.ERROR]


def test_a_valid_edit_is_handed_over(lobby):
    data, path = lobby
    changes = Changes()
    with ConfigWatcher(path, changes, interval_s=INTERVAL) as watcher:
        time.sleep(3 * INTERVAL)
        assert changes.configs == []  # nothing changed yet
        rewrite(path, to_toml({**data, "lobby": {**data["lobby"], "name": "MPP Kota Balikpapan"}}))
        assert changes.wait(1)
        assert changes.configs[0].lobby.name == "MPP Kota Balikpapan"
        assert watcher.changes == 1 and watcher.rejected == 0


def test_a_touch_without_new_bytes_is_not_a_change(lobby):
    _data, path = lobby
    changes = Changes()
    with ConfigWatcher(path, changes, interval_s=INTERVAL) as watcher:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
        time.sleep(6 * INTERVAL)
        assert changes.configs == [] and watcher.rejected == 0


def test_garbage_is_logged_with_its_problem_and_the_last_good_config_stays(lobby, caplog):
    data, path = lobby
    changes = Changes()
    caplog.set_level(logging.INFO, logger="kiosk.config_watch")
    with ConfigWatcher(path, changes, interval_s=INTERVAL) as watcher:
        rewrite(path, "this is [not toml\n\x00\x01")
        assert wait_for(lambda: watcher.rejected == 1, timeout=3)
        logged = problems_logged(caplog)
        assert logged[0] == "config.toml changed but has 1 problem(s); keeping the last good config"
        assert logged[1].strip().startswith("not valid TOML")
        assert changes.configs == [] and watcher.alive
        # fixed again: the watcher was still there to see it
        rewrite(path, to_toml(data))
        assert changes.wait(1)
        assert watcher.last_problems == []


def test_every_problem_of_a_bad_edit_is_logged(lobby, caplog):
    data, path = lobby
    changes = Changes()
    caplog.set_level(logging.INFO, logger="kiosk.config_watch")
    broken = {**data, "groups": [{"id": "dukcapil", "prefix": "a1"}, {"id": "imigrasi", "prefix": "B"}],
              "lobby": {**data["lobby"], "timezon": "Asia/Makassar"}}
    with ConfigWatcher(path, changes, interval_s=INTERVAL) as watcher:
        rewrite(path, to_toml(broken))
        assert wait_for(lambda: watcher.rejected == 1, timeout=3)
        logged = problems_logged(caplog)
        assert logged[0] == "config.toml changed but has 2 problem(s); keeping the last good config"
        assert sorted(line.strip() for line in logged[1:]) == sorted([
            "groups[0].prefix: must be 1-3 capital letters, got 'a1'",
            "lobby.timezon: unknown key — did you mean 'timezone'?",
        ])
        assert watcher.last_problems and changes.configs == [] and watcher.alive


def test_a_deleted_file_is_a_problem_not_a_crash(lobby, caplog):
    data, path = lobby
    changes = Changes()
    caplog.set_level(logging.INFO, logger="kiosk.config_watch")
    with ConfigWatcher(path, changes, interval_s=INTERVAL) as watcher:
        path.unlink()
        assert wait_for(lambda: watcher.rejected == 1, timeout=3)
        assert problems_logged(caplog)[1].strip() == f"file not found: {path}"
        rewrite(path, to_toml(data))
        assert changes.wait(1) and watcher.alive


def test_a_failing_on_change_does_not_stop_the_watching(lobby, caplog):
    data, path = lobby
    seen = Changes()

    def on_change(config):
        seen(config)
        raise RuntimeError("the lobby could not apply it")

    with ConfigWatcher(path, on_change, interval_s=INTERVAL) as watcher:
        rewrite(path, to_toml({**data, "lobby": {**data["lobby"], "name": "Satu"}}))
        assert seen.wait(1)
        rewrite(path, to_toml({**data, "lobby": {**data["lobby"], "name": "Dua"}}))
        assert seen.wait(2)
        assert [c.lobby.name for c in seen.configs] == ["Satu", "Dua"] and watcher.alive
    assert "handling a change" in caplog.text


def test_stop_ends_the_thread_at_once(lobby):
    _data, path = lobby
    watcher = ConfigWatcher(path, lambda config: None, interval_s=2.0)
    started = time.monotonic()
    watcher.stop()
    assert not watcher.alive and time.monotonic() - started < 1.0


def test_a_bad_interval_is_refused(lobby):
    with pytest.raises(ValueError, match="interval_s"):
        ConfigWatcher(lobby[1], lambda config: None, interval_s=0)


# ---------------------------------------------------------------------------- the running server

def test_garbage_in_config_toml_never_takes_a_running_server_down(tmp_path):
    data = open_lobby(tmp_path)
    config_path = write_lobby(tmp_path, data)
    server = KioskServerProcess(config_path, tmp_path / "queue.sqlite").start()
    try:
        kiosk = ApiClient(server.url, DEVICE_KEYS["kiosk"])
        first = kiosk.issue("ktp")
        rewrite(config_path, "[lobby\nname = 'half an edit\n\x00")
        # the running server says why it ignores the edit (its config watcher polls every 2 s)
        assert wait_for(lambda: "keeping the last good config" in server.log_path.read_text(errors="replace"),
                        timeout=10)
        assert server.running
        second = kiosk.issue("ktp")
        assert second["code"] == "A-002"
        assert kiosk.ticket(first["token"])["code"] == "A-001"
        assert {s["id"] for s in kiosk.catalog()["services"]} == {"ktp", "kk", "akta", "paspor"}
        assert ApiClient(server.url, DEVICE_KEYS["display"]).state()["seq"] >= 2
        # mended: the log says it is valid; it is the running config again, so nothing changes live
        rewrite(config_path, to_toml(data))
        assert wait_for(lambda: "nothing the running server applies live is different" in
                        server.log_path.read_text(errors="replace"), timeout=10)
        kiosk.close()
    finally:
        server.stop()
    # only a restart reads the file again: it refuses to start, naming every problem
    rewrite(config_path, to_toml({**data, "groups": [{"id": "dukcapil", "prefix": "a1"},
                                                     {"id": "imigrasi", "prefix": "B"}],
                                  "schedule": {**data["schedule"], "last_ticket_minutes": -5}}))
    process = server.launch()
    assert process.wait(20) == 1
    output = server.output().split("---- start 2")[1]
    assert f"{config_path}: 2 problem(s)" in output
    assert "groups[0].prefix: must be 1-3 capital letters, got 'a1'" in output
    assert "schedule.last_ticket_minutes: Input should be greater than or equal to 0" in output
    assert "Traceback" not in output
