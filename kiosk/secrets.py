"""No demo secret on a network, and `mpp-kiosk init-secrets`, which replaces them.

The shipped config.toml's device keys and PIN hashes are published with the
project, so anyone on a network the server listens on could use them. The server
refuses to listen off loopback while one is in use (``network_refusals``); on
127.0.0.1 the one-PC trial keeps working with the shipped file.

``main`` rewrites config.toml in place (comments and layout kept, through
tomlkit) with fresh device keys and new PIN hashes, keeps a backup of the old
file, and prints the new PINs once as a sheet for the staff.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

log = logging.getLogger(__name__)

# SHA-256 of every secret of the shipped config.toml (the file itself holds the plain ones);
# tests/security/test_secrets.py checks this list against the file so the two cannot drift apart.
DEMO_KEY_DIGESTS = frozenset({
    "4911f49c86d41da379f7c09e44214c1c59e9fdc64abe13e56e276dcd1ef36929",
    "c781925ed9cbe1dfdee5c60be6b1d149e71b0b12c02900cb571680ca1fd94273",
    "f148d5a52fcd714b16b8011402ae371495468faff3217edc81117f4bcc2357eb",
    "cd280a90e1ab78ef83f6bb29860486f602f311391b22f342808943625326dfb4",
})
DEMO_PIN_HASH_DIGESTS = frozenset({  # staff pin_hash values and [kiosk] exit_pin_hash
    "e7333a5451e5c63b0d8bbde623fc861e604ba4fee3ec9f2e118141dc7a16901b",
    "442780be9fc4a9703861fdfa1282f699a62183be59ad02efd1132dfdb7fb9676",
    "96c3f22d86e20150dc446ad1e37665c921da6383681083e6ea738afb2149a087",
    "4016da1d5e8aa8f725269dacaedad97e7ef7f757735704d7d8647cef3e98fbc3",
    "58f0959e6ffcb31e155f0fc32932bb25e48e63684599568cc6671fe72441da37",
    "e324aeae9bf49b9d4bb05f474056d022fbbe5fd15b87b863bc57134732a9c110",
    "36d57043afacdb1e741d5fd8d01deada51e93aa487789594e91dcd4dd85e646c",
    "bac650e43029b297d508c14e01cb864f5b437e5fc7e4cc0fac27c7a65578bc9e",
    "918dfc49bdb4302c5901c8cf006b02c0f8ef14a3f894c3df06142276541c27f0",
    "cf33c5959eb2461f05d9a40b325dde93129831cb21621827664a73a7017a3703",
    "93198c9f7c40f6ed9d0d33b41b00bcca85899249bdeb644633c5d337bfab2454",
    "7a68b131fd9c74603a74dda0ef78dcc8de8b2fe07dfbae7aac853dc4c483948c",
    "0435a6ea9bc2b150c589b4f9753c842844d82f3f69b490d99723777a79db3214",
    "b527f559a158019d14cb097eed9f490e902f0ccc6e9e0836ea51129d591d2fd5",
    "74b8ee24d701e14d22fbdf41d4b83c3415df96de684907da7cd13164de66ec3c",
    "a607deb14e179f847b3704490082b96815bf05f04db923962025fce9219cca71",
    "b2a691e2c373624e062f70ec4cf9778025ac5741a1c9758e379281ac67df789a",
    "ff30cb2214dc244b8966e79f5ce6eac9128ff5457ddc5decc9373a9ac4b67739",
    "158822611837dc79f3ee8a57e7f1e85db77d29b0ff3933ec170fa2bc89ff4c92",
    "13b7d4b0f5e7e7d8c5eb8a29c1803d18346fafad57f3b5a32b4219ad54a453b8",
    "d94e572e6c7dd8b51dc3099b57ebf6bf9c40a9e4f8dd8d39c01f84d9c6d80f56",
    "ca2bf2ca6f918fe4f8d34c709471be833b2b3ee78c129c22c5b480cb9efca2a9",
    "bb29160ca6c4da2324cfaec43b91ec467ec0f9cf193542b79fbe0de7bb77836a",
    "3b7fd91bbcc1f5f1a81348dd6152dc79124dfa6d84c0a95e70124aef68d6205b",
    "a6942f5acb07721381f86ef796a3bcc6b2c07b8602eec3d26594f8a50e48e8f2",
    "d6b9fbfc79c57f79de26d8a5378106a9092a625af370bdedea7b95ef4e4dc496",
    "8cd99963e7e5a95135743ed5b92cade86a570f335ca187c38a3971292ca6bf70",
    "084d2e33ab0e7d332a58537fe87a7eb76f7e107832ce809ade920b1c8252b30c",
    "887afe17c197e26bcc9a3d6ee7c9f06216154d281dc7764f4fd7c73ff6c6d2dc",
    "5de03e1f1b86eda9128e9faeaf14a3da0c911fb7dff1372e1699ed55579d5488",
    "9573890d154a231c5106b74c36e8aa22b1d2912e520bfab3a17c64651a8ca180",
})
MIN_KEY_LENGTH = 16
# A key of a handful of different characters (e.g. "aaaaaaaaaaaaaaaa") is guessable whatever its length.
MIN_KEY_DISTINCT = 8


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def is_demo_key(key: str) -> bool:
    return _digest(key) in DEMO_KEY_DIGESTS


def is_demo_pin_hash(pin_hash: str | None) -> bool:
    return pin_hash is not None and _digest(pin_hash) in DEMO_PIN_HASH_DIGESTS


def weak_key_reason(key: str) -> str | None:
    """Why a device key must not be used on a network, or None."""
    if is_demo_key(key):
        return "the shipped demo key"
    if len(key) < MIN_KEY_LENGTH:
        return f"shorter than {MIN_KEY_LENGTH} characters"
    if len(set(key)) < MIN_KEY_DISTINCT:
        return f"fewer than {MIN_KEY_DISTINCT} different characters"
    return None


def is_loopback(host: str) -> bool:
    """True only for addresses that never leave this PC; "", "0.0.0.0", "::" and host names are a network."""
    host = (host or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name other than localhost may resolve to any interface
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def demo_secrets(config) -> list[str]:
    """One sentence per secret of ``config`` that must not be used on a network, named by its key path."""
    found = []
    for index, device in enumerate(config.server.devices):
        reason = weak_key_reason(device.key)
        if reason:
            found.append(f"server.devices[{index}] {device.name!r}: {reason}")
    for index, staff in enumerate(config.staff):
        if is_demo_pin_hash(staff.pin_hash):
            found.append(f"staff[{index}] {staff.user!r}: the shipped demo PIN")
    if is_demo_pin_hash(config.kiosk.exit_pin_hash):
        found.append("kiosk.exit_pin_hash: the shipped demo exit PIN")
    return found


def network_refusals(config, hosts: Iterable[str | None], config_path: Path | str = "config.toml") -> list[str]:
    """Why the server must not listen on ``hosts`` with ``config``: empty when every host is loopback
    or no demo secret is in use; else one sentence per secret and a last one naming the fix."""
    network = [h for h in hosts if h is not None and not is_loopback(h)]
    if not network:
        return []
    found = demo_secrets(config)
    if not found:
        return []
    where = ", ".join(repr(h) if h == "" else h for h in network)
    return [*found,
            f"These secrets are published with mpp-kiosk, so the server will not listen on {where} while they are "
            f"in use: run `mpp-kiosk init-secrets --config {config_path}` to replace them "
            "(a one-PC trial on 127.0.0.1 works as shipped)."]


def refuse_on_network(config, hosts: Iterable[str | None], config_path: Path | str, role: str,
                      stream=None) -> bool:
    """Print the refusals to stderr and log them; True when the caller must exit 2 without listening."""
    refusals = network_refusals(config, hosts, config_path)
    if not refusals:
        return False
    stream = stream if stream is not None else sys.stderr
    for sentence in refusals:
        print(f"{role}: {sentence}", file=stream)
    # one log line (the log's stderr handler repeats it): the list itself is above
    log.error("not listening: %d demo or weak secret(s) in use; run `mpp-kiosk init-secrets --config %s`",
              len(refusals) - 1, config_path)
    return True


# --------------------------------------------------------------------------- init-secrets

def new_key(token: Callable[[int], str] = secrets.token_urlsafe) -> str:
    while True:
        key = token(24)  # 32 characters, 192 bits
        if weak_key_reason(key) is None:
            return key


@dataclass(frozen=True)
class NewPin:
    user: str
    name: str
    counters: str
    pin: str


def pin_sheet(lobby_name: str, when: datetime, pins: list[NewPin], exit_pin: str | None, config_path: Path,
              made_by: str = "init-secrets") -> str:
    lines = [
        f"PIN sheet — {lobby_name}",
        f"made {when:%Y-%m-%d %H:%M} by `mpp-kiosk {made_by}` for {config_path}",
        "Give each officer their own PIN only; it is printed once and cannot be read back from config.toml.",
        "",
    ]
    rows = [("user", "name", "counters", "PIN")] + [(p.user, p.name, p.counters, p.pin) for p in pins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    if exit_pin is not None:
        lines += ["", f"kiosk exit PIN: {exit_pin}"]
    return "\n".join(lines) + "\n"


def _replace(table, key: str, value: str, stamp: str) -> None:
    """Set table[key], keeping its line; a trailing comment that called the old value a demo now says what it is."""
    table[key] = value
    item = table.item(key)
    if "demo" in (item.trivia.comment or "").lower():
        item.trivia.comment = f"# made by mpp-kiosk init-secrets on {stamp}"  # keeps the comment's column


def _write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # an existing file keeps its old mode through O_CREAT
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup(path: Path, data: bytes, when: datetime) -> Path:
    base = path.with_name(f"{path.name}.bak-{when:%Y%m%d-%H%M%S}")
    candidate, n = base, 1
    while True:
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")
            continue
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return candidate


def _problems(path: Path, what: str) -> str | None:
    from kiosk.config import ConfigError, load_config

    try:
        load_config(path)
    except ConfigError as exc:
        return f"{what}: {len(exc.problems)} problem(s)\n" + "\n".join(f"  {p}" for p in exc.problems)
    return None


class _Refused(Exception):
    """A sentence for the technician; nothing was changed."""


def _install(path: Path, old: bytes, text: str, when: datetime, pins: list[NewPin], exit_pin: str | None,
             sheet_path: Path | None, lobby_name: str) -> tuple[Path, str | None]:
    """Check the new text as a config, keep a backup, write the sheet, then swap the file in atomically."""
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        problems = _problems(tmp, f"the rewritten {path} would not be a valid config, so nothing was changed")
        if problems:
            raise _Refused(problems)
        sheet = pin_sheet(lobby_name, when, pins, exit_pin, path) if pins or exit_pin else None
        backup = _backup(path, old, when)
        if sheet is not None and sheet_path is not None:
            try:
                _write_private(Path(sheet_path), sheet.encode("utf-8"))
            except OSError as exc:
                backup.unlink(missing_ok=True)
                raise _Refused(f"cannot write the sheet {sheet_path}: {exc.strerror or exc}; nothing was changed")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return backup, sheet


def main(args, *, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
         randbelow: Callable[[int], int] = secrets.randbelow,
         token: Callable[[int], str] = secrets.token_urlsafe, out=None, err=None) -> int:
    """`mpp-kiosk init-secrets [--config PATH] [--sheet FILE] [--keep-pins]`."""
    import tomlkit

    from kiosk.config import load_config

    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    path = Path(args.config)
    sheet_path = getattr(args, "sheet", None)
    keep_pins = bool(getattr(args, "keep_pins", False))

    def refuse(sentence: str) -> int:
        print(f"init-secrets: {sentence}", file=err)
        return 2

    if sheet_path is not None and keep_pins:
        return refuse("--sheet and --keep-pins together: with --keep-pins there are no new PINs to write down")
    problems = _problems(path, f"{path} is not a valid config, so nothing was changed")
    if problems:
        return refuse(problems)
    config = load_config(path)
    old = path.read_bytes()
    try:
        doc = tomlkit.parse(old.decode("utf-8"))
    except Exception as exc:  # tomllib accepted it; tomlkit should too, but never leave a traceback
        return refuse(f"{path} could not be read for editing ({exc}), so nothing was changed")

    when = now().astimezone(config.lobby.tz)
    devices, pins, exit_pin = replace_secrets(doc, config, when, keep_pins=keep_pins, randbelow=randbelow, token=token)

    try:
        backup, sheet = _install(path, old, tomlkit.dumps(doc), when, pins, exit_pin, sheet_path, config.lobby.name)
    except _Refused as exc:
        return refuse(str(exc))
    except OSError as exc:  # a read-only folder, a full disk: the old file is still in place
        return refuse(f"cannot write next to {path}: {exc.strerror or exc}; nothing was changed")

    log.info("init-secrets: %d device key(s) and %d PIN(s) replaced in %s; backup %s",
             len(devices), len(pins) + (exit_pin is not None), path, backup)
    if sheet is not None:
        print(sheet, file=out, end="")
        print("", file=out)
    print(f"{path}: {len(devices)} device key(s) replaced"
          + ("" if keep_pins else f", {len(pins)} staff PIN(s)" + (" and the kiosk exit PIN" if exit_pin else "")),
          file=out)
    print(f"the old file is kept as {backup} (mode 600: it holds the old secrets)", file=out)
    if sheet_path is not None and sheet is not None:
        print(f"the PIN sheet is also in {sheet_path} (mode 600): print it, then delete the file", file=out)
    print("copy the new config.toml to every PC of the lobby (each window reads its key from it), "
          "then restart the server and the windows", file=out)
    return 0


def replace_secrets(doc, config, when: datetime, *, keep_pins: bool = False,
                    randbelow: Callable[[int], int] = secrets.randbelow,
                    token: Callable[[int], str] = secrets.token_urlsafe) -> tuple[list, list[NewPin], str | None]:
    """Fresh device keys (and, unless ``keep_pins``, staff and exit PINs) written into the tomlkit ``doc``
    of ``config``: (the device tables, the new PINs, the new exit PIN or None). Also used by `mpp-kiosk init`."""
    from kiosk.pins import hash_pin, new_pin

    stamp = f"{when:%Y-%m-%d %H:%M}"
    server = doc.get("server", {})
    devices = server.get("devices", []) if hasattr(server, "get") else []
    for device in devices:
        _replace(device, "key", new_key(token), stamp)

    pins: list[NewPin] = []
    exit_pin = None
    if not keep_pins:
        length = config.server.pin_length
        used: set[str] = set()

        def fresh_pin() -> str:
            while True:  # distinct: an officer's own PIN must not also be a colleague's
                pin = new_pin(length, randbelow)
                if pin not in used:
                    used.add(pin)
                    return pin

        for table, staff in zip(doc.get("staff", []), config.staff):
            pin = fresh_pin()
            _replace(table, "pin_hash", hash_pin(pin, min_length=length), stamp)
            counters = "every counter" if "*" in staff.counters else ", ".join(staff.counters)
            pins.append(NewPin(staff.user, staff.name, counters, pin))
        kiosk = doc.get("kiosk")
        if kiosk is not None and "exit_pin_hash" in kiosk:
            exit_pin = fresh_pin()
            _replace(kiosk, "exit_pin_hash", hash_pin(exit_pin, min_length=length), stamp)
    return devices, pins, exit_pin
