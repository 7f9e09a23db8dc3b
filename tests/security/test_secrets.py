"""No demo secret on a network (kiosk/secrets.py): the shipped keys and PINs work on loopback only,
and `mpp-kiosk init-secrets` replaces them in place.

The process tests bind 0.0.0.0 inside `unshare -rn`: a network namespace that has only its own
loopback, so "listening on every interface" exposes nothing outside the test.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import stat
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.pins import hash_pin, is_weak_pin, verify_pin
from kiosk.secrets import (DEMO_KEY_DIGESTS, DEMO_PIN_HASH_DIGESTS, is_demo_key, is_demo_pin_hash, main,
                           network_refusals, weak_key_reason)
from support.configs import MONDAY_9, PIN_1234, config_dict, make_config
from support.toml_writer import write_config

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config.toml"
MPP = ROOT / ".venv" / "bin" / "mpp-kiosk"
PYTHON = ROOT / ".venv" / "bin" / "python"
# The demo PINs the shipped file's comments publish.
DEMO_PINS = {"supervisor": "9999", "petugas1": "1234", "dukcapil-agus": "1234"}
DEMO_EXIT_PIN = "4321"
SECRET_KEYS = ("key = ", "pin_hash = ", "exit_pin_hash = ")


@pytest.fixture(scope="module")
def shipped():
    return load_config(SHIPPED)


def expected_refusals(config) -> list[str]:
    return ([f"server.devices[{i}] {d.name!r}: the shipped demo key" for i, d in enumerate(config.server.devices)]
            + [f"staff[{i}] {s.user!r}: the shipped demo PIN" for i, s in enumerate(config.staff)]
            + ["kiosk.exit_pin_hash: the shipped demo exit PIN"])


def lobby_copy(folder: Path) -> Path:
    """The shipped config.toml in a folder of its own: its relative database and log_dir land there too."""
    folder.mkdir()
    path = folder / "config.toml"
    shutil.copyfile(SHIPPED, path)
    (folder / "assets").symlink_to(ROOT / "assets")  # chime and sign clips, as the shipped file names them
    config = load_config(path)
    assert config.path(config.server.database) == folder / "data" / "mpp.sqlite"
    assert config.path(config.server.log_dir) == folder / "logs"
    return path


# --------------------------------------------------------------------------- the list of demo secrets


def test_every_secret_of_the_shipped_config_is_known_as_a_demo_one(shipped):
    for device in shipped.server.devices:
        assert is_demo_key(device.key), device.name
    for staff in shipped.staff:
        assert is_demo_pin_hash(staff.pin_hash), staff.user
    assert is_demo_pin_hash(shipped.kiosk.exit_pin_hash)
    # and nothing else: a digest left behind after the shipped file changes is a drift too
    assert len(DEMO_KEY_DIGESTS) == len(shipped.server.devices)
    assert len(DEMO_PIN_HASH_DIGESTS) == len({s.pin_hash for s in shipped.staff} | {shipped.kiosk.exit_pin_hash})


def test_the_demo_pins_are_the_ones_the_shipped_comments_publish(shipped):
    staff = {s.user: s for s in shipped.staff}
    for user, pin in DEMO_PINS.items():
        assert verify_pin(pin, staff[user].pin_hash), user
    assert verify_pin(DEMO_EXIT_PIN, shipped.kiosk.exit_pin_hash)


def test_a_key_or_hash_of_our_own_is_not_a_demo_one():
    assert not is_demo_key("kiosk-key-0123456789abcdef")
    assert not is_demo_pin_hash(PIN_1234)
    assert not is_demo_pin_hash(None)


# --------------------------------------------------------------------------- network_refusals


@pytest.mark.parametrize("hosts", [["127.0.0.1"], ["127.0.0.2"], ["::1"], ["localhost"], ["[::1]"],
                                   ["::ffff:127.0.0.1"], ["127.0.0.1", None]])
def test_loopback_needs_no_fresh_secret(shipped, hosts):
    assert network_refusals(shipped, hosts) == []


@pytest.mark.parametrize("hosts", [["0.0.0.0"], ["::"], [""], ["192.168.10.2"], ["fe80::1"], ["lobby-server.lan"],
                                   ["127.0.0.1", "10.0.0.5"]])  # a loopback LAN listener with a public one
def test_any_network_names_every_demo_secret_and_the_command(shipped, hosts):
    refusals = network_refusals(shipped, hosts, "/srv/mpp/config.toml")
    assert refusals[:-1] == expected_refusals(shipped)
    assert "`mpp-kiosk init-secrets --config /srv/mpp/config.toml`" in refusals[-1]
    assert len(expected_refusals(shipped)) == 4 + 30 + 1


def test_fresh_secrets_may_listen_anywhere(tmp_path):
    config = make_config(tmp_path)
    assert network_refusals(config, ["0.0.0.0", "192.168.10.2"]) == []


def test_a_weak_key_is_refused_on_a_network_too(tmp_path):
    data = config_dict()
    data["server"]["devices"][1]["key"] = "abababababababab"  # long enough for the schema, 2 characters
    config = make_config(tmp_path, server=data["server"])
    [refusal, _fix] = network_refusals(config, ["0.0.0.0"])
    assert refusal == "server.devices[1] 'display1': fewer than 8 different characters"
    assert weak_key_reason("0123456789") == "shorter than 16 characters"
    assert network_refusals(config, ["127.0.0.1"]) == []


# --------------------------------------------------------------------------- init-secrets in process


class Digits:
    """randbelow that plays a script of digits."""

    def __init__(self, digits: str):
        self.digits = iter(digits)

    def __call__(self, n: int) -> int:
        assert n == 10
        return int(next(self.digits))


def small_lobby(tmp_path: Path, **server) -> Path:
    data = config_dict()
    data["server"].update(server)
    data["kiosk"] = {"exit_pin_hash": PIN_1234}
    path = write_config(tmp_path / "config.toml", data)
    path.write_text("# the lobby's own note\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_init_secrets_skips_weak_pins_and_names_the_backup_by_the_injected_time(tmp_path):
    path = small_lobby(tmp_path)
    old = path.read_bytes()
    os.chmod(path, 0o640)
    tokens = iter(["0ZjFQT1_4cHeoIRccVS_M3PK7U5_ONR8",  # the shipped demo key: never handed out again
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] + [f"fresh-key-{i}-ABCDEFGHIJKLMNOP" for i in range(4)])
    # petugas1 draws 111111, then 345678, then 905112; petugas3 draws 905112 (taken), then 260471;
    # the exit PIN 777777, then 731560
    digits = Digits("111111" "345678" "905112" "905112" "260471" "777777" "731560")
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(config=path, sheet=None, keep_pins=False)
    assert main(args, now=lambda: MONDAY_9, randbelow=digits, token=lambda n: next(tokens), out=out, err=err) == 0, \
        err.getvalue()

    config = load_config(path)
    assert [d.key for d in config.server.devices] == [f"fresh-key-{i}-ABCDEFGHIJKLMNOP" for i in range(4)]
    petugas1, petugas3 = config.staff
    assert verify_pin("905112", petugas1.pin_hash) and verify_pin("260471", petugas3.pin_hash)
    assert verify_pin("731560", config.kiosk.exit_pin_hash)
    assert path.read_text(encoding="utf-8").startswith("# the lobby's own note\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the file keeps its mode
    backup = tmp_path / "config.toml.bak-20261123-090000"
    assert backup.read_bytes() == old and stat.S_IMODE(backup.stat().st_mode) == 0o600
    sheet = out.getvalue()
    assert "PIN sheet — MPP Uji" in sheet and "made 2026-11-23 09:00" in sheet
    assert [line.split()[-1] for line in sheet.splitlines() if line.startswith("petugas")] == ["905112", "260471"]
    assert "petugas1  Petugas Satu  loket-1, loket-2" in sheet
    assert "kiosk exit PIN: 731560" in sheet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", backup.name]  # no temp file left


def test_keep_pins_replaces_the_keys_only(tmp_path):
    path = small_lobby(tmp_path)
    out = io.StringIO()
    args = argparse.Namespace(config=path, sheet=None, keep_pins=True)
    assert main(args, now=lambda: MONDAY_9, out=out, err=io.StringIO()) == 0
    config = load_config(path)
    assert all(not d.key.endswith("0123456789abcdef") for d in config.server.devices)
    assert [s.pin_hash for s in config.staff] == [PIN_1234, PIN_1234]
    assert "PIN sheet" not in out.getvalue()


def test_new_pins_have_server_pin_length_digits(tmp_path):
    path = small_lobby(tmp_path, pin_length=8)
    out = io.StringIO()
    assert main(argparse.Namespace(config=path, sheet=None, keep_pins=False), out=out, err=io.StringIO()) == 0
    pins = [line.split()[-1] for line in out.getvalue().splitlines() if line.startswith("petugas")]
    assert len(pins) == 2 and all(len(pin) == 8 and pin.isdigit() and not is_weak_pin(pin) for pin in pins)
    assert verify_pin(pins[0], load_config(path).staff[0].pin_hash)


@pytest.mark.parametrize("breakage", ["toml", "schema", "missing"])
def test_init_secrets_on_a_broken_config_refuses_and_changes_nothing(tmp_path, breakage):
    path = small_lobby(tmp_path)
    if breakage == "toml":
        path.write_text(path.read_text(encoding="utf-8") + "\n[server\n", encoding="utf-8")
    elif breakage == "schema":
        path.write_text(path.read_text(encoding="utf-8").replace('"prefix" = "A"', '"prefix" = "a1"'),
                        encoding="utf-8")
    else:
        path.unlink()
    before = path.read_bytes() if path.exists() else None
    result = subprocess.run([MPP, "init-secrets", "--config", path, "--sheet", tmp_path / "sheet.txt"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"init-secrets: {path} is not a valid config, so nothing was changed")
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert (path.read_bytes() if path.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == (["config.toml"] if before is not None else [])


def test_a_sheet_that_cannot_be_written_leaves_the_config_and_no_backup(tmp_path):
    path = small_lobby(tmp_path)
    before = path.read_bytes()
    err = io.StringIO()
    args = argparse.Namespace(config=path, sheet=tmp_path / "no-such-folder" / "sheet.txt", keep_pins=False)
    assert main(args, out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith(f"init-secrets: cannot write the sheet {args.sheet}: No such file or directory")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_sheet_and_keep_pins_together_is_refused(tmp_path):
    path = small_lobby(tmp_path)
    before = path.read_bytes()
    err = io.StringIO()
    args = argparse.Namespace(config=path, sheet=tmp_path / "sheet.txt", keep_pins=True)
    assert main(args, out=io.StringIO(), err=err) == 2
    assert "--keep-pins" in err.getvalue() and path.read_bytes() == before


# --------------------------------------------------------------------------- hash-pin


def test_hash_pin_with_a_config_asks_for_pin_length_digits(tmp_path):
    path = small_lobby(tmp_path)  # pin_length: the default, 6

    def hash_pin_cli(pin: str) -> subprocess.CompletedProcess:
        return subprocess.run([MPP, "hash-pin", "--config", path, "--pin", pin], capture_output=True, text=True,
                              timeout=60, start_new_session=True)

    short = hash_pin_cli("4096")
    assert short.returncode == 2 and short.stderr.strip() == "hash-pin: a new PIN has at least 6 digits (server.pin_length)"
    for weak in ("000000", "123456", "654321"):
        refused = hash_pin_cli(weak)
        assert refused.returncode == 2 and "straight run" in refused.stderr, weak
    good = hash_pin_cli("402917")
    assert good.returncode == 0, good.stderr
    assert verify_pin("402917", good.stdout.strip())


def test_old_four_digit_pins_still_log_in_and_hash_pin_refuses_them_as_new_ones():
    assert verify_pin("1234", PIN_1234)  # a config made before pin_length keeps working
    with pytest.raises(ValueError, match="at least 6 digits"):
        hash_pin("4096", min_length=6)


# --------------------------------------------------------------------------- the real command, in a namespace

CLIENT = textwrap.dedent('''
    """Inside the namespace: wait for the server, then try the old and the new secrets."""
    import json, sys, time
    import httpx

    url, plan = sys.argv[1], json.loads(sys.argv[2])
    deadline = time.monotonic() + 30
    while True:
        try:
            health = httpx.get(url + "/healthz", timeout=2)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    answers = {"healthz": [health.status_code, health.json()["status"]]}
    for name, key in plan.get("keys", {}).items():
        answers[name] = httpx.get(url + "/api/v1/state", headers={"Authorization": "Bearer " + key}).status_code
    for name, (user, pin, counter, key) in plan.get("logins", {}).items():
        answer = httpx.post(url + "/api/v1/sessions", headers={"Authorization": "Bearer " + key},
                            json={"user": user, "pin": pin, "counter_id": counter})
        answers[name] = answer.status_code
    print(json.dumps(answers))
''')


def in_namespace(script: str, *args, timeout: float = 60) -> subprocess.CompletedProcess:
    """`sh -c script` in a network namespace with only loopback; $0, $1, ... are args."""
    return subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up && " + script, *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.fixture(scope="module")
def namespaces():
    probe = subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail("these tests need a network namespace (`unshare -rn`) and `ip` (iproute2): "
                    f"{probe.stderr.strip()}")


SERVE_AND_ASK = ('"$0" server --host "$1" --config "$2" 2>"$3" & server=$!; '
                 '"$4" "$5" "$6" "$7"; status=$?; kill $server; wait $server; exit $status')


def serve_and_ask(lobby: Path, host: str, plan: dict, tmp_path: Path) -> tuple[dict, str]:
    client = tmp_path / "client.py"
    client.write_text(CLIENT, encoding="utf-8")
    log = tmp_path / f"server-{host}.stderr"
    result = in_namespace(SERVE_AND_ASK, MPP, host, lobby, log, PYTHON, client, "http://127.0.0.1:8600",
                          json.dumps(plan))
    assert result.returncode == 0, (result.stderr, log.read_text())
    return json.loads(result.stdout.splitlines()[-1]), log.read_text()


@pytest.mark.slow
def test_shipped_secrets_refuse_a_network_until_init_secrets_replaces_them(tmp_path, namespaces, shipped):
    lobby = lobby_copy(tmp_path / "lobby")
    database = tmp_path / "lobby" / "data" / "mpp.sqlite"
    old_keys = {d.role: d.key for d in shipped.server.devices}

    # 1. every interface, shipped secrets: refused within seconds, each secret named, nothing bound
    started = time.monotonic()
    refused = in_namespace('exec "$0" server --host 0.0.0.0 --config "$1"', MPP, lobby, timeout=30)
    assert refused.returncode == 2, refused.stderr
    assert time.monotonic() - started < 10
    for sentence in expected_refusals(shipped):
        assert f"server: {sentence}\n" in refused.stderr
    assert f"`mpp-kiosk init-secrets --config {lobby}`" in refused.stderr
    assert "Uvicorn running" not in refused.stderr and "queue server for" not in refused.stderr
    assert not database.exists()
    # the all-in-one lobby too, before any window opens
    run = in_namespace('exec "$0" run --host 0.0.0.0 --config "$1"', MPP, lobby, timeout=60)
    assert run.returncode == 2, run.stderr
    assert "run: server.devices[0] 'kiosk-lobi': the shipped demo key" in run.stderr
    assert not database.exists()

    # 2. the one-PC trial: the shipped file on 127.0.0.1 starts as before
    answers, _ = serve_and_ask(lobby, "127.0.0.1", {"keys": {"demo kiosk key": old_keys["kiosk"]}}, tmp_path)
    assert answers == {"healthz": [200, "ok"], "demo kiosk key": 200}

    # 3. init-secrets: new keys and PINs, comments and layout kept, a backup, the sheet once
    sheet_file = tmp_path / "sheet.txt"
    made = subprocess.run([MPP, "init-secrets", "--config", lobby, "--sheet", sheet_file],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert made.stdout.count("PIN sheet — Mal Pelayanan Publik Kota Balikpapan") == 1
    sheet = sheet_file.read_text(encoding="utf-8")
    assert sheet in made.stdout and stat.S_IMODE(sheet_file.stat().st_mode) == 0o600
    new_pins = {line.split()[0]: line.split()[-1] for line in sheet.splitlines()[5:] if line.strip()
                and not line.startswith("kiosk exit PIN")}
    assert set(new_pins) == {s.user for s in shipped.staff}
    assert all(len(pin) == 6 for pin in new_pins.values())

    [backup] = (tmp_path / "lobby").glob("config.toml.bak-*")
    assert backup.read_bytes() == SHIPPED.read_bytes() and stat.S_IMODE(backup.stat().st_mode) == 0o600
    old_lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    new_lines = lobby.read_text(encoding="utf-8").splitlines()
    assert len(new_lines) == len(old_lines)
    changed = [(old, new) for old, new in zip(old_lines, new_lines) if old != new]
    assert len(changed) == 4 + 30 + 1  # every secret, and only the secrets' lines
    assert all(old.startswith(SECRET_KEYS) and new.split(" = ")[0] == old.split(" = ")[0] for old, new in changed)
    fresh = load_config(lobby)
    assert network_refusals(fresh, ["0.0.0.0"]) == []
    staff = {s.user: s for s in fresh.staff}
    assert verify_pin(new_pins["petugas1"], staff["petugas1"].pin_hash)
    assert not verify_pin("1234", staff["petugas1"].pin_hash)
    checked = subprocess.run([MPP, "check-config", lobby], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr

    # 4. now it listens on every interface; old secrets are refused, new ones work
    new_keys = {d.role: d.key for d in fresh.server.devices}
    counter_key = new_keys["counter-app"]
    plan = {
        "keys": {"demo kiosk key": old_keys["kiosk"], "new kiosk key": new_keys["kiosk"]},
        "logins": {
            "petugas1 demo PIN": ["petugas1", "1234", "dukcapil-1", counter_key],
            "supervisor demo PIN": ["supervisor", "9999", "dukcapil-2", counter_key],
            "petugas1 new PIN": ["petugas1", new_pins["petugas1"], "dukcapil-1", counter_key],
        },
    }
    answers, server_log = serve_and_ask(lobby, "0.0.0.0", plan, tmp_path)
    assert answers == {"healthz": [200, "ok"], "demo kiosk key": 401, "new kiosk key": 200,
                       "petugas1 demo PIN": 401, "supervisor demo PIN": 401, "petugas1 new PIN": 201}
    assert "on http://0.0.0.0:8600" in server_log
    assert database.exists()
