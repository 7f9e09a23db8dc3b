"""This PC's own device credential, written by ``mpp-kiosk enrol``: one small file only its user can read.

``$XDG_CONFIG_HOME/mpp-kiosk/device.toml`` (else ``~/.config/mpp-kiosk/device.toml``), mode 600, holds
the server's URL, the device's name, role and key, and the server's certificate fingerprint for an
https:// server. A window whose config.toml has no key for its role uses it (``window_credential``).
"""
from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

FILE_NAME = "device.toml"


class DeviceFileError(Exception):
    """The device file exists but cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class DeviceCredential:
    server_url: str
    name: str
    role: str
    key: str
    tls_fingerprint: str = ""
    path: Path | None = None


def device_file_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or ""
    # XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored
    root = Path(base) if base and os.path.isabs(base) else Path(env.get("HOME") or Path.home()) / ".config"
    return root / "mpp-kiosk" / FILE_NAME


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_device_file(credential: DeviceCredential, path: Path | None = None, *, enrolled_at: str = "") -> Path:
    """Write the credential with mode 600 (its folder 700), replacing an older file in one step."""
    path = Path(path) if path is not None else device_file_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = [
        "# mpp-kiosk: this PC's own device key, from `mpp-kiosk enrol`. Keep it secret (mode 600).",
        "# Revoke it at the server with `mpp-kiosk devices revoke NAME`; enrol again to replace it.",
        f"server_url = {_quote(credential.server_url)}",
        f"name = {_quote(credential.name)}",
        f"role = {_quote(credential.role)}",
        f"key = {_quote(credential.key)}",
        f"tls_fingerprint = {_quote(credential.tls_fingerprint)}",
    ]
    if enrolled_at:
        lines.append(f"enrolled_at = {_quote(enrolled_at)}")
    fd, temp = tempfile.mkstemp(prefix=".device-", dir=path.parent)  # mkstemp makes it 600 from the start
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with_suppressed_unlink(temp)
        raise
    return path


def with_suppressed_unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def load_device_credential(role: str | None = None, path: Path | None = None,
                           env: Mapping[str, str] | None = None) -> DeviceCredential | None:
    """The device file's credential; None when there is none (or it is for another role)."""
    path = Path(path) if path is not None else device_file_path(env)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DeviceFileError(f"{path}: cannot read the device file ({exc.strerror or exc})") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        # like ssh with a private key: a key others can read may already be someone else's
        raise DeviceFileError(f"{path}: other users can read this device key; run `chmod 600 {path}` "
                              f"(or revoke the device at the server and enrol again)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeviceFileError(f"{path}: not a device file mpp-kiosk can read ({exc}); enrol again") from None
    missing = [k for k in ("server_url", "name", "role", "key") if not isinstance(data.get(k), str) or not data[k]]
    if missing:
        raise DeviceFileError(f"{path}: missing {', '.join(missing)}; enrol again (mpp-kiosk enrol --server URL)")
    if role is not None and data["role"] != role:
        return None
    return DeviceCredential(data["server_url"].rstrip("/"), data["name"], data["role"], data["key"],
                            str(data.get("tls_fingerprint") or ""), path)


@dataclass(frozen=True)
class WindowCredential:
    url: str
    key: str
    ssl_context: object
    source: str  # "config" or the device file's path
    name: str = ""  # the device's name (server.devices[].name, or the enrolled PC's)
    profile: str | None = None  # a display's [[displays]] profile, as the server's settings answer gave it


def window_credential(config, role: str, url: str | None = None) -> WindowCredential | None:
    """A window's server URL, key and TLS context: config.toml's key for ``role`` if it has one, else this
    PC's device file (its URL unless ``url`` — the window's --server — says otherwise). None: neither.
    Raises DeviceFileError for a device file that cannot be used."""
    from kiosk.tls import client_ssl_context

    device = next((d for d in config.server.devices if d.role == role), None)
    if device is not None:
        url = (url or config.server.base_url).rstrip("/")
        return WindowCredential(url, device.key, client_ssl_context(config, url), "config", device.name)
    device = load_device_credential(role)
    if device is None:
        return None
    url = (url or device.server_url).rstrip("/")
    server = config.server
    # config.toml's own pin or CA for the server wins; else the fingerprint enrolment recorded
    if server.tls_fingerprint or (server.tls_ca_file and not device.tls_fingerprint):
        context = client_ssl_context(config, url)
    else:
        context = client_ssl_context({"url": url, "tls_fingerprint": device.tls_fingerprint}, url)
    return WindowCredential(url, device.key, context, str(device.path), device.name)
