"""A window's config from the server that holds it (issue 20): fetch, validate, keep the last good copy.

A PC enrolled with ``mpp-kiosk enrol`` holds only its device file. Its window asks the server for its
settings (GET /api/v1/settings, kiosk.live_config.settings_for: the config without secrets), validates
them with the same schema as config.toml, and saves them as the last good copy next to the device file,
so a restart while the server is away still starts. Qt-free: the windows call it from their worker threads.

Files the settings name (logos, the chime, voice and sign packs) are not fetched here: the window's
start (kiosk/ui/common/entry.py) and its SettingsFollower pass the validated config through
kiosk.files.with_device_files, which syncs the device's cache and points the config's assets at it. So a
file missing here is a warning, not a refusal.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from kiosk.config import Config, ConfigError, _schema_problems, cross_check

log = logging.getLogger(__name__)

CACHE_NAME = "settings.json"
# A window never checks a PIN (the server does): the staff a counter PC is given carry this instead of a
# hash. N=1 is no valid scrypt cost, so kiosk.pins can never accept any PIN against it.
NOT_A_PIN_HASH = "scrypt$1$1$1$" + "0" * 32 + "$" + "0" * 64


class SettingsUnavailable(Exception):
    """Neither the server nor a saved copy gave settings; the message says why, in one sentence."""


@dataclass(frozen=True)
class Settings:
    config: Config
    version: str
    source: str          # "server" or the saved copy's path
    file_warnings: tuple[str, ...] = ()
    profile: str | None = None  # a display's [[displays]] profile, as the server names it for this device


def cache_path(device_dir: Path) -> Path:
    return Path(device_dir) / CACHE_NAME


def fetch_files_hook(settings: dict, files_dir: Path) -> Path:
    """HOOK for the file cache (kiosk/files.py, another part of issue 20): fetch the files ``settings``
    names into ``files_dir`` and return the folder relative paths resolve against. Not built here: the
    working directory (a checkout or an installed lobby folder carries the shipped assets)."""
    return Path.cwd()


def config_from_settings(answer: dict, server_url: str, base_dir: Path) -> tuple[Config, list[str]]:
    """The Config of a settings answer, validated by config.toml's schema and cross-checks; with the
    file-not-found notes apart (the file cache's business). Raises ConfigError for anything else."""
    data = json.loads(json.dumps(answer.get("config")))  # a deep copy, whatever it was
    if not isinstance(data, dict):
        raise ConfigError("settings", ["config: missing from the server's answer"])
    server = data.get("server") if isinstance(data.get("server"), dict) else {}
    # this PC reaches the server where its device file says; TLS trust is the device file's too
    server.update(url=server_url, tls_cert=None, tls_key=None, devices=[])
    data["server"] = server
    staff = data.get("staff") if isinstance(data.get("staff"), list) else []
    data["staff"] = [{**member, "pin_hash": NOT_A_PIN_HASH} for member in staff if isinstance(member, dict)]
    data["base_dir"] = base_dir
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("settings", _schema_problems(exc)) from None
    problems = cross_check(config)
    missing = [p for p in problems if ": file not found: " in p]
    others = [p for p in problems if p not in missing]
    if others:
        raise ConfigError("settings", others)
    return config, missing


def _profile(answer: dict) -> str | None:
    profile = answer.get("profile")
    return profile if isinstance(profile, str) and profile else None


def save_copy(answer: dict, path: Path) -> None:
    """Atomically, readable by this user only (it names the lobby's staff on a counter PC)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(answer, out, ensure_ascii=False, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_settings(fetch: Callable[[], dict], server_url: str, device_dir: Path, *,
                  files: Callable[[dict, Path], Path] = fetch_files_hook) -> Settings:
    """The settings from the server (saved as the last good copy), else the saved copy.

    ``fetch()`` returns the server's answer or raises (kiosk.client.ApiError). A copy the server sent that
    does not validate is not saved; the saved one is used and the log says why.
    """
    cache = cache_path(device_dir)
    reason = ""
    try:
        answer = fetch()
        config, warnings = config_from_settings(answer, server_url, files(answer, Path(device_dir) / "files"))
    except ConfigError as exc:
        reason = f"the server's settings do not validate ({'; '.join(exc.problems[:3])})"
    except Exception as exc:  # unreachable, refused, a bad answer: the saved copy starts the window
        reason = f"the server did not answer ({getattr(exc, 'message', None) or exc})"
    else:
        save_copy(answer, cache)
        return Settings(config, str(answer.get("version", "")), "server", tuple(warnings), _profile(answer))
    try:
        answer = json.loads(cache.read_text(encoding="utf-8"))
        config, warnings = config_from_settings(answer, server_url, files(answer, Path(device_dir) / "files"))
    except FileNotFoundError:
        raise SettingsUnavailable(f"{reason}, and this PC has no saved copy of its settings yet "
                                  f"({cache}); start it once while the server is reachable") from None
    except (OSError, ValueError, ConfigError) as exc:
        raise SettingsUnavailable(f"{reason}, and the saved copy {cache} cannot be used ({exc})") from None
    # logged only now: without a copy the caller says it all in one sentence
    log.warning("settings: %s; started from the saved copy of version %s (%s)", reason,
                str(answer.get("version", ""))[:12], cache)
    return Settings(config, str(answer.get("version", "")), str(cache), tuple(warnings), _profile(answer))
