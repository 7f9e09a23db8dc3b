"""`mpp-kiosk init DIR`: a new lobby folder from the lobby template the package carries.

The template (kiosk/lobby_template: the shipped config.toml and assets/, symlinks in
the git checkout, real files in the wheel) is copied into DIR with fresh secrets
(kiosk.secrets.replace_secrets, the same as `init-secrets`), and empty data/ and
logs/ folders. The assets are copied, not read from the installed package, so the
lobby is complete in its folder: a technician replaces the stand-in sign clips
with recorded ones in place, and upgrading mpp-kiosk never changes a running
lobby's clips or chime behind its back.

Nothing that exists is overwritten: a DIR that already holds one of the names
init lays out is refused with a sentence; other files in DIR are left alone.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Callable

LAYOUT = ("config.toml", "assets", "data", "logs")
# The shipped file's header lists its demo PINs; in a lobby made here they are no longer true.
_DEMO_HEADER = re.compile(r"^# DEMO SECRETS.*?(?=^#?\s*$)", re.MULTILINE | re.DOTALL)
_DEMO_KEYS = "# DEMO KEYS: they work on loopback only; the server will not listen on the LAN with them.\n"
_OWN_KEYS = "# This lobby's own keys, made by `mpp-kiosk init`.\n"


class InitRefused(Exception):
    """A sentence for the user; DIR is as it was."""


def template() -> Traversable:
    return resources.files("kiosk") / "lobby_template"


def _copy_tree(source: Traversable, target: Path) -> int:
    """Copy a package-data folder (a real folder, or inside a zip) to ``target``; the number of files."""
    target.mkdir()
    count = 0
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            count += _copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())
            count += 1
    return count


def _header(stamp: str) -> str:
    return (f"# SECRETS: the device keys and staff PINs below were made by `mpp-kiosk init` on {stamp}; the PINs\n"
            "# were printed once as a sheet and cannot be read back from this file. A single new PIN later:\n"
            "# `mpp-kiosk hash-pin --config config.toml` (it asks for the PIN), pasted as pin_hash.\n")


def lay_out(target: Path, *, now: Callable[[], datetime], randbelow: Callable[[int], int],
            token: Callable[[int], str]) -> tuple[str | None, int]:
    """Make the lobby in ``target``: (the PIN sheet or None, the number of asset files)."""
    import tomlkit

    from kiosk.config import ConfigError, load_config
    from kiosk.secrets import pin_sheet, replace_secrets

    source = template()
    if not (source / "config.toml").is_file() or not (source / "assets").is_dir():
        raise InitRefused("this installation of mpp-kiosk carries no lobby template (kiosk/lobby_template with "
                          "config.toml and assets/): reinstall it from a wheel built from the project")
    if target.exists() and not target.is_dir():
        raise InitRefused(f"{target} is a file, not a folder; nothing was changed")
    taken = [name for name in LAYOUT if os.path.lexists(target / name)]
    if taken:
        raise InitRefused(f"{target} already holds {', '.join(taken)} (a lobby?): init never overwrites a lobby; "
                          "choose a new or empty folder; nothing was changed")
    made_target = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    # built in a hidden folder inside target, then moved in: a failure leaves target as it was
    staging = Path(tempfile.mkdtemp(dir=target, prefix=".mpp-kiosk-init-"))
    moved: list[Path] = []
    try:
        assets = _copy_tree(source / "assets", staging / "assets")
        config_path = staging / "config.toml"
        text = (source / "config.toml").read_text(encoding="utf-8")
        config_path.write_text(text, encoding="utf-8")
        try:
            config = load_config(config_path)  # with its assets beside it, as the new lobby will see it
        except ConfigError as exc:
            raise InitRefused("the lobby template's config.toml is not valid: "
                              + "; ".join(exc.problems)) from None
        when = now().astimezone(config.lobby.tz)
        text = _DEMO_HEADER.sub(_header(f"{when:%Y-%m-%d %H:%M}"), text, count=1).replace(_DEMO_KEYS, _OWN_KEYS)
        doc = tomlkit.parse(text)
        _devices, pins, exit_pin = replace_secrets(doc, config, when, randbelow=randbelow, token=token)
        fd = os.open(config_path, os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(tomlkit.dumps(doc))
        os.chmod(config_path, 0o600)  # it holds the lobby's device keys
        try:
            load_config(config_path)
        except ConfigError as exc:  # replace_secrets keeps a valid file valid; say so if it ever does not
            raise InitRefused("the new config.toml would not be valid: " + "; ".join(exc.problems)) from None
        for folder in ("data", "logs"):
            (staging / folder).mkdir()
        for name in LAYOUT:
            os.rename(staging / name, target / name)
            moved.append(target / name)
    except BaseException:
        for path in moved:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        shutil.rmtree(staging, ignore_errors=True)
        if made_target:
            shutil.rmtree(target, ignore_errors=True)
        raise
    staging.rmdir()
    sheet = pin_sheet(config.lobby.name, when, pins, exit_pin, target / "config.toml", made_by="init") \
        if pins or exit_pin else None
    return sheet, assets


def main(args, *, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
         randbelow: Callable[[int], int] = secrets.randbelow,
         token: Callable[[int], str] = secrets.token_urlsafe, out=None, err=None) -> int:
    """`mpp-kiosk init DIR`."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    target = Path(args.dir)
    try:
        sheet, assets = lay_out(target, now=now, randbelow=randbelow, token=token)
    except InitRefused as exc:
        print(f"init: {exc}", file=err)
        return 2
    except OSError as exc:  # no permission, a full disk: lay_out removed what it had made
        print(f"init: cannot make the lobby in {target}: {exc.strerror or exc}; nothing was left behind", file=err)
        return 2
    if sheet is not None:
        print(sheet, file=out, end="")
        print("", file=out)
    print(f"{target}: a new lobby — config.toml (fresh device keys and PINs, mode 600), assets/ ({assets} files: "
          "stand-in sign clips, chime), data/, logs/", file=out)
    print("next:", file=out)
    print(f"  cd {target}", file=out)
    print("  mpp-kiosk check-config          # after each edit of config.toml (docs/configuration.md)", file=out)
    print("  mpp-kiosk run --demo            # the whole lobby on this PC, at any hour (a demo clock)", file=out)
    return 0
