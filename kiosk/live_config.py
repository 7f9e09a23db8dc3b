"""What an edit of config.toml means for a running lobby, and what of the config a device may see.

Qt-free and server-free, so the server (live reload, GET /api/v1/settings), check-config and the windows
(kiosk.settings_sync) agree on it:

- :func:`public_part` is the config without its secrets (device keys, staff PIN hashes, the kiosk's exit
  PIN hash, the TLS key path); :func:`config_version` is the SHA-256 of it, the ``version`` every
  ``config_changed`` event and every settings answer carries.
- :func:`settings_for` is what one device may read: for a kiosk or a display nothing of the staff, for a
  counter PC (or a staff session) the staff's names and counters, never a hash.
- :func:`plan_reload` compares the running config with a new valid one: the sections that changed, the
  keys that only a restart applies (kept as they are), and the config the server switches to.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from kiosk.config import Config

# [server] keys read once when the process starts (sockets, the database, TLS, the network gate, the log):
# a running server keeps them; the log and check-config name them.
RESTART_ONLY = ("host", "port", "url", "database", "log_dir", "max_body_bytes", "lan_networks", "public_host",
                "login_attempts_per_minute", "session_hours",
                "public_port", "trusted_proxies", "tls_cert", "tls_key", "tls_fingerprint", "tls_ca_file", "limits")

# Sections a device is given, by role ("staff" is a staff session's own view, as a counter PC's).
_NO_STAFF_ROLES = ("kiosk", "display")


def public_part(config: Config) -> dict:
    """The whole config as JSON, minus every secret: the same for every device, hashed into the version."""
    data = config.model_dump(mode="json")
    server = data["server"]
    server.pop("devices", None)
    server.pop("tls_key", None)
    data["staff"] = [{k: v for k, v in s.items() if k != "pin_hash"} for s in data["staff"]]
    data["kiosk"].pop("exit_pin_hash", None)
    return data


def config_version(config: Config) -> str:
    text = json.dumps(public_part(config), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def profile_for_device(config: Config, device_name: str | None) -> str | None:
    """The [[displays]] profile that names this display device (``device = "..."``), or None."""
    if not device_name:
        return None
    return next((p.name for p in config.displays if p.device == device_name), None)


def settings_for(config: Config, role: str, device_name: str | None = None) -> dict:
    """The config one device may read (see the module's docstring), with its version; for a display
    device, the [[displays]] profile that names it."""
    data = public_part(config)
    if role in _NO_STAFF_ROLES:
        data["staff"] = []
    else:  # counter PCs: who may log in where, to offer the counters; the PIN is checked by the server
        data["staff"] = [{"user": s["user"], "name": s["name"], "counters": s["counters"],
                          "supervisor": s["supervisor"]} for s in data["staff"]]
    profile = profile_for_device(config, device_name) if role == "display" else None
    return {"version": config_version(config), "role": role, "config": data, "profile": profile}


def changed_sections(old: Config, new: Config) -> list[str]:
    """Top-level sections whose public part differs ("server" counts only its live keys)."""
    before, after = public_part(old), public_part(new)
    for side in (before, after):
        for key in RESTART_ONLY:
            side["server"].pop(key, None)
    sections = [name for name in after if before.get(name) != after.get(name)]
    if old.server.devices != new.server.devices and "server" not in sections:
        sections.append("server")  # config device keys (never shown) changed
    if [s.pin_hash for s in old.staff] != [s.pin_hash for s in new.staff] and "staff" not in sections:
        sections.append("staff")
    if old.kiosk.exit_pin_hash != new.kiosk.exit_pin_hash and "kiosk" not in sections:
        sections.append("kiosk")
    return sections


def restart_only_changes(old: Config, new: Config) -> list[str]:
    """``server.<key>`` for every restart-only key the edit changed."""
    return [f"server.{key}" for key in RESTART_ONLY if getattr(old.server, key) != getattr(new.server, key)]


@dataclass(frozen=True)
class ReloadPlan:
    config: Config               # what the server switches to: the new config with the restart-only keys kept
    version: str
    sections: list[str]          # what changed live
    needs_restart: list[str]     # edited but kept until the next start


def plan_reload(running: Config, edited: Config) -> ReloadPlan:
    needs_restart = restart_only_changes(running, edited)
    kept = {key: getattr(running.server, key) for key in RESTART_ONLY}
    server = edited.server.model_copy(update=kept)
    config = edited.model_copy(update={"server": server, "base_dir": running.base_dir})
    return ReloadPlan(config, config_version(config), changed_sections(running, config), needs_restart)


class ConfigRefused(Exception):
    """A valid edit the running lobby cannot take yet (a sentence for the log)."""


def removed_services(running: Config, new: Config) -> list[str]:
    return [s.id for s in running.services if s.id not in new.service_by_id]


def removed_counters(running: Config, new: Config) -> list[str]:
    return [c.id for c in running.counters if c.id not in new.counter_by_id]
