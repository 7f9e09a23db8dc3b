"""`mpp-kiosk init DIR` and the `run --demo` config, in-process (the wheel test runs them as a user does).

init: the shipped config.toml with fresh secrets (no shipped key or PIN left), the assets copied byte for byte,
data/ and logs/, the PIN sheet printed once and true; a folder holding a lobby is refused and left as it was.
--demo: at hours the shipped lobby is closed (a night, a Sunday, a holiday, the Friday prayer break, past the
last ticket, minutes before closing) a demo clock from its next opening; on loopback only, a scratch database.
"""
from __future__ import annotations

import difflib
import io
import os
import re
import stat
from argparse import Namespace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.clock import ShiftedClock
from kiosk.demo import DemoRefused, demo_config, demo_lobby, demo_start, empty_demo_database, journey_officer
from kiosk.lobby_init import main as init_main
from kiosk.pins import verify_pin
from kiosk.schedule import service_status
from kiosk.secrets import demo_secrets, is_demo_key

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 2, 1, 30, tzinfo=timezone.utc)  # 09:30 in Balikpapan


def run_init(target: Path, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = init_main(Namespace(dir=target, config=Path("config.toml")), now=lambda: NOW, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>") for p in folder.rglob("*")}


def test_init_lays_out_a_lobby_with_fresh_secrets_its_own_assets_and_a_true_pin_sheet(tmp_path):
    lobby = tmp_path / "new" / "lobby"  # parents are made too
    code, out, err = run_init(lobby)
    assert code == 0, err
    assert sorted(p.name for p in lobby.iterdir()) == ["assets", "config.toml", "data", "logs"]
    assert list((lobby / "data").iterdir()) == [] and list((lobby / "logs").iterdir()) == []
    assert stat.S_IMODE(os.stat(lobby / "config.toml").st_mode) == 0o600
    # the assets are the checkout's, byte for byte, and the config finds them in the lobby's own folder
    assert files_under(lobby / "assets") == files_under(ROOT / "assets")
    config = load_config(lobby / "config.toml")
    assert config.path(config.audio.chime).resolve() == (lobby / "assets/sounds/chime.wav").resolve()
    assert config.path(config.sign.clips_dir).resolve() == (lobby / "assets/sign").resolve()

    # no shipped secret left; only secret lines and comments differ from the shipped file
    assert demo_secrets(config) == []
    assert not any(is_demo_key(device.key) for device in config.server.devices)
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    made = (lobby / "config.toml").read_text(encoding="utf-8").splitlines()
    changed = [line[1:] for line in difflib.unified_diff(shipped, made, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed and all(re.match(r"\s*(#|key =|pin_hash =|exit_pin_hash =)", line) for line in changed), changed
    assert "DEMO" not in "\n".join(made[:30]) and "made by `mpp-kiosk init`" in "\n".join(made[:30])

    # the sheet names every officer once, and each PIN opens that officer's hash
    rows = dict(re.findall(r"^(?!kiosk exit PIN)(\S+)\s.*?\s(\d{4,12})$", out, re.MULTILINE))
    assert set(rows) == {staff.user for staff in config.staff}
    for staff in config.staff[:3]:  # scrypt: a few are proof enough
        assert verify_pin(rows[staff.user], staff.pin_hash)
    assert verify_pin(re.search(r"kiosk exit PIN: (\d+)", out).group(1), config.kiosk.exit_pin_hash)
    assert "mpp-kiosk run --demo" in out

    # a second lobby gets other secrets
    code, _out, err = run_init(tmp_path / "second")
    assert code == 0, err
    second = load_config(tmp_path / "second" / "config.toml")
    assert {d.key for d in second.server.devices}.isdisjoint({d.key for d in config.server.devices})


@pytest.mark.parametrize("existing", ["config.toml", "data", "logs", "assets"])
def test_init_never_overwrites_a_lobby(tmp_path, existing):
    lobby = tmp_path / "lobby"
    lobby.mkdir()
    (lobby / "config.toml").write_text("# the lobby's own\n") if existing == "config.toml" else (lobby / existing).mkdir()
    (lobby / "notes.txt").write_text("keep me")
    before = snapshot(lobby)
    code, out, err = run_init(lobby)
    assert code == 2 and out == ""
    assert f"init: {lobby} already holds {existing} (a lobby?)" in err and "nothing was changed" in err
    assert "Traceback" not in err
    assert snapshot(lobby) == before  # no staging folder left either


def test_init_leaves_other_files_of_the_folder_alone(tmp_path):
    (tmp_path / "README.txt").write_text("my notes")
    (tmp_path / ".git").mkdir()
    code, _out, err = run_init(tmp_path)
    assert code == 0, err
    assert (tmp_path / "README.txt").read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "README.txt", "assets", "config.toml", "data", "logs"]


def test_init_into_a_file_or_on_a_full_disk_says_so_and_leaves_nothing(tmp_path):
    a_file = tmp_path / "lobby"
    a_file.write_text("x")
    code, _out, err = run_init(a_file)
    assert code == 2 and f"init: {a_file} is a file, not a folder" in err

    def disk_full(_n):
        raise OSError(28, "No space left on device")

    code, out, err = run_init(tmp_path / "full", token=disk_full)
    assert code == 2 and out == ""
    assert "init: cannot make the lobby in" in err and "No space left on device" in err and "Traceback" not in err
    assert not (tmp_path / "full").exists()


# --------------------------------------------------------------------------- run --demo

@pytest.fixture(scope="module")
def shipped():
    return load_config(ROOT / "config.toml")


LOCAL = timezone(timedelta(hours=8))  # Balikpapan (WITA), the shipped lobby's time zone


@pytest.mark.parametrize("when, starts", [
    (datetime(2026, 12, 7, 2, 0, tzinfo=LOCAL), datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL)),    # Monday 02:00
    (datetime(2026, 12, 6, 11, 0, tzinfo=LOCAL), datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL)),   # Sunday 11:00
    (datetime(2026, 12, 25, 10, 0, tzinfo=LOCAL), datetime(2026, 12, 28, 8, 0, tzinfo=LOCAL)),  # Christmas (Fri)
    (datetime(2026, 12, 4, 12, 0, tzinfo=LOCAL), datetime(2026, 12, 4, 13, 30, tzinfo=LOCAL)),  # Friday prayer
    (datetime(2026, 12, 3, 14, 50, tzinfo=LOCAL), datetime(2026, 12, 4, 8, 0, tzinfo=LOCAL)),   # past last ticket
    (datetime(2026, 12, 3, 14, 25, tzinfo=LOCAL), datetime(2026, 12, 4, 8, 0, tzinfo=LOCAL)),   # 5 min before it
    (datetime(2026, 12, 3, 11, 50, tzinfo=LOCAL), datetime(2026, 12, 3, 13, 0, tzinfo=LOCAL)),  # lunch in 10 min
], ids=["night", "sunday", "holiday", "friday-prayer", "last-ticket", "closing-soon", "lunch-soon"])
def test_the_demo_clock_starts_at_the_next_opening_when_the_lobby_is_closed(shipped, when, starts):
    counter = shipped.counter_by_id[shipped.counter_app.counter]
    assert not all(service_status(shipped, shipped.service_by_id[s], when + timedelta(minutes=15), 0).is_open
                   for s in counter.services), "the shipped lobby should be closed (soon) for the test to mean anything"
    start = demo_start(demo_config(shipped), when)
    assert start == starts
    assert all(service_status(shipped, shipped.service_by_id[s], start, 0).is_open for s in counter.services)


def test_the_demo_keeps_the_real_clock_while_the_lobby_is_open(shipped):
    monday_10 = datetime(2026, 12, 7, 10, 0, tzinfo=LOCAL)
    assert demo_start(demo_config(shipped), monday_10) is None
    # the demo config keeps the lobby's schedule: it is the lobby, on another clock
    assert demo_config(shipped).schedule == shipped.schedule


def test_the_shifted_clock_runs_at_the_real_pace_from_its_start():
    ticks = iter([100.0, 100.0, 160.5])
    clock = ShiftedClock(datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL), monotonic=lambda: next(ticks))
    assert clock.now() == datetime(2026, 12, 7, 0, 0, tzinfo=timezone.utc)
    assert clock.now() == datetime(2026, 12, 7, 0, 1, 0, 500000, tzinfo=timezone.utc)


def test_the_demo_empties_its_scratch_database_and_never_the_lobbys(tmp_path):
    scratch = tmp_path / "demo-mpp.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").write_bytes(b"old demo")
    empty_demo_database(scratch)
    assert list(tmp_path.iterdir()) == []
    lobby = tmp_path / "mpp.sqlite"
    lobby.write_bytes(b"the lobby's tickets")
    with pytest.raises(DemoRefused, match="not a demo database"):
        empty_demo_database(lobby)
    assert lobby.read_bytes() == b"the lobby's tickets"


def test_demo_listens_on_loopback_only_with_its_own_database_and_public_url(shipped):
    demo = demo_config(shipped, port=18600)
    assert (demo.server.host, demo.server.port, demo.server.public_host, demo.server.public_port) == \
        ("127.0.0.1", 18600, None, None)
    assert demo.lobby.public_url == "http://127.0.0.1:18600"
    assert demo.path(demo.server.database) == shipped.path("data/demo-mpp.sqlite")
    assert demo_config(shipped, host="::1").server.host == "::1"
    for host in ("0.0.0.0", "192.168.10.2", ""):
        with pytest.raises(DemoRefused, match="--demo listens on 127.0.0.1 only"):
            demo_config(shipped, host=host)


def test_the_demo_journey_logs_in_as_a_one_run_officer_of_the_lobby_counter(shipped):
    config, login = demo_lobby(shipped, None, None, journey=False)
    assert login == {} and config.staff == shipped.staff
    config, login = demo_lobby(shipped, None, None, journey=True)
    assert config.staff[:-1] == shipped.staff
    officer = config.staff[-1]
    assert (officer.user, officer.counters, officer.supervisor) == (login["user"], [shipped.counter_app.counter], False)
    assert len(login["pin"]) >= 8 and verify_pin(login["pin"], officer.pin_hash)
    assert journey_officer(shipped)[1] != journey_officer(shipped)[1]
