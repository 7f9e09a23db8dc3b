"""The lobby's files on the devices: the server's manifest, the device's checked cache, and ``resolve``.

The server lists every file a device of a role may need (``Manifest``): the chime, the voice packs and
sign packs (their whole folders, the stand-ins too) for a display, the logos for a kiosk, each as a name
relative to the lobby folder (the folder of config.toml) with its size and SHA-256. Nothing outside the
lobby folder is ever listed: each path is resolved (symlinks followed) and must stay inside it.

A device keeps a copy (``sync_files``) under ``$XDG_CACHE_HOME/mpp-kiosk/files/<server-id>/<role>/``,
laid out like the lobby folder, so a relative path of the config names the same file in the cache.
Every download is checked against the manifest's SHA-256 before it replaces the cached copy; with the
server away the last good cache is used. A window opens an asset with ``resolve(config, path)``: the
cached copy when the config came with a file set (``use_files``), else the file next to config.toml.

No Qt here.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
# what each device role is sent; a counter PC plays and shows none of the lobby's files
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    "kiosk": ("logos",),
    "display": ("logos", "sounds", "voice_packs", "sign_packs"),
    "manager": ("logos", "sounds", "voice_packs", "sign_packs"),
    "counter-app": (),
    "staff": (),
}


@dataclass(frozen=True)
class FileEntry:
    name: str      # relative to the lobby folder, '/'-separated
    size: int
    sha256: str

    def as_dict(self) -> dict:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


# --------------------------------------------------------------------------- the server's side

def asset_sources(config) -> dict[str, list]:
    """The config's asset paths (files or folders) by kind, as written in config.toml."""
    lobby = config.lobby
    logos = [p for p in [lobby.logo, *(a.logo for a in config.agencies)] if p is not None]
    sounds = [config.audio.chime] if config.audio.enabled and config.audio.chime is not None else []
    voice = list(config.audio.voice_packs.values()) if config.audio.enabled else []
    sign = []
    if config.sign.enabled:
        sign.append(config.sign.clips_dir)
        if config.sign.pack is not None:
            sign.append(config.sign.pack)
    return {"logos": logos, "sounds": sounds, "voice_packs": voice, "sign_packs": sign}


def is_safe_name(name: str) -> bool:
    """A plain relative name: no absolute path, no '..', no hidden or empty part, no backslash or NUL."""
    if not name or len(name) > 1000 or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    parts = name.split("/")
    return all(part and not part.startswith(".") for part in parts)


class Manifest:
    """Every file of one config a device may fetch, re-hashed only when a file's size or mtime changes."""

    def __init__(self, config):
        self.config = config
        self.base = Path(os.path.abspath(config.base_dir))
        self.base_resolved = self.base.resolve()
        self._hashes: dict[Path, tuple[tuple[int, int, int], str]] = {}
        self._listings: dict[str, dict[str, tuple[FileEntry, Path]]] = {}
        self._lock = threading.Lock()
        self._warned: set[str] = set()

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning(message)

    def _secrets(self) -> list[Path]:
        """Files and folders of the lobby that hold keys, PIN hashes or visitors' data: never served, even
        from a pack folder set to the lobby folder itself."""
        config, server = self.config, self.config.server
        held = [self.base / "config.toml", config.path(server.log_dir), config.path(server.database)]
        held += [config.path(f"{server.database}{suffix}") for suffix in ("-wal", "-shm", "-journal")]
        held += [config.path(p) for p in (server.tls_key,) if p is not None]
        return [p.resolve() for p in held]

    def _lobby_file(self, path: Path, within: Path, secrets: list[Path]) -> tuple[str, Path] | None:
        """(name, real path) of a file inside ``within`` (a folder of the lobby), else None (a warning once)."""
        lexical = Path(os.path.normpath(path if path.is_absolute() else self.base / path))
        try:
            name = lexical.relative_to(self.base).as_posix()
            real = lexical.resolve()
            # a symlink that points out of its pack folder (or the lobby) is not served
            real.relative_to(within.resolve() if within != self.base else self.base_resolved)
            real.relative_to(self.base_resolved)
        except (ValueError, OSError, RuntimeError):
            self._warn_once(f"not served to the devices, it is outside the lobby folder {self.base} "
                            f"or its pack folder: {path}")
            return None
        if not is_safe_name(name) or not real.is_file():
            return None
        if real.name == "config.toml" or real.suffix in (".sqlite", ".db") or any(
                real == secret or secret in real.parents for secret in secrets):
            self._warn_once(f"not served to the devices, it holds the lobby's keys or data: {path}")
            return None
        return name, real

    def _files_of(self, source) -> Iterable[tuple[Path, Path]]:
        """(file, the folder it must stay in) for a configured file or pack folder."""
        path = Path(source)
        full = Path(os.path.normpath(path if path.is_absolute() else self.base / path))
        if full.is_dir():
            for folder, dirs, files in os.walk(full):  # symlinked folders are not entered
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for file_name in sorted(files):
                    if not file_name.startswith("."):
                        yield Path(folder) / file_name, full
        else:
            yield full, self.base

    def _sha256(self, real: Path) -> tuple[int, str] | None:
        try:
            st = real.stat()
        except OSError:
            return None
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        with self._lock:
            known = self._hashes.get(real)
        if known is not None and known[0] == stamp:
            return st.st_size, known[1]
        digest = hashlib.sha256()
        try:
            with open(real, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
        except OSError:
            return None
        with self._lock:
            self._hashes[real] = (stamp, digest.hexdigest())
        return st.st_size, digest.hexdigest()

    def files(self, role: str) -> dict[str, tuple[FileEntry, Path]]:
        """name -> (entry, real path) for a role; empty for a role that needs no files."""
        sources = asset_sources(self.config)
        secrets = self._secrets()
        found: dict[str, tuple[FileEntry, Path]] = {}
        for kind in ROLE_KINDS.get(role, ()):
            for source in sources[kind]:
                for path, within in self._files_of(source):
                    lobby_file = self._lobby_file(path, within, secrets)
                    if lobby_file is None or lobby_file[0] in found:
                        continue
                    name, real = lobby_file
                    hashed = self._sha256(real)
                    if hashed is not None:
                        found[name] = (FileEntry(name, hashed[0], hashed[1]), real)
        listing = dict(sorted(found.items()))
        with self._lock:
            self._listings[role] = listing
        return listing

    def entries(self, role: str) -> list[FileEntry]:
        return [entry for entry, _ in self.files(role).values()]

    def lookup(self, role: str, name: str) -> tuple[FileEntry, Path] | None:
        """The entry of one name, from the last listing while its file is as it was hashed (a download asks
        for many names: one stat each, not a new listing each)."""
        if not is_safe_name(name):
            return None
        with self._lock:
            known = self._listings.get(role, {}).get(name)
            stamp = self._hashes.get(known[1], ((None,), ""))[0] if known else None
        if known is not None:
            try:
                st = known[1].stat()
                if (st.st_size, st.st_mtime_ns, st.st_ino) == stamp:
                    return known
            except OSError:
                pass
        return self.files(role).get(name)


# --------------------------------------------------------------------------- the device's side

def server_id(server_url: str) -> str:
    """A folder name for one server: its URL's SHA-256, shortened."""
    return hashlib.sha256(server_url.rstrip("/").lower().encode()).hexdigest()[:16]


def default_cache_dir(server_url: str, env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/mpp-kiosk/files/<server-id>`` (else ``~/.cache/...``)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base and os.path.isabs(base) else Path(env.get("HOME") or Path.home()) / ".cache"
    return root / "mpp-kiosk" / "files" / server_id(server_url)


@dataclass(frozen=True)
class FileSet:
    """The files a device holds: name -> local path, under ``root`` (laid out like the lobby folder)."""

    root: Path
    paths: dict[str, Path] = field(default_factory=dict)
    from_cache: bool = False     # True: the server was away, this is the last good cache
    downloaded: int = 0
    refused: tuple[str, ...] = ()  # names whose download did not match its checksum

    def __contains__(self, name: str) -> bool:
        return name in self.paths


_away_logged: set[Path] = set()


def _state_path(cache_dir: Path, role: str) -> Path:
    return cache_dir / f"{role}.json"


def _read_state(cache_dir: Path, role: str) -> dict[str, dict]:
    try:
        data = json.loads(_state_path(cache_dir, role).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {n: f for n, f in files.items() if isinstance(f, dict) and is_safe_name(n)} if isinstance(files, dict) else {}


def _write_state(cache_dir: Path, role: str, files: dict[str, dict]) -> None:
    target = _state_path(cache_dir, role)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".state-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"files": files}, handle, indent=1, sort_keys=True)
    os.replace(tmp, target)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _still_cached(path: Path, record: dict) -> bool:
    """The cached copy is the one recorded (its size and mtime as written): no need to hash it again."""
    return _stamp(path) == (record.get("size"), record.get("mtime_ns"))


def _download(client, entry: FileEntry, target: Path) -> bool:
    """Fetch one file into a temporary file beside ``target``; it replaces ``target`` only if its SHA-256 is
    the manifest's. False (and the old copy kept) when it is not."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as handle:
            def write(chunk: bytes) -> None:
                digest.update(chunk)
                handle.write(chunk)
            client.download_file(entry.name, write)
        if digest.hexdigest() != entry.sha256:
            log.error("download of %s discarded: its SHA-256 is %s, the server's list says %s; the cached copy "
                      "is kept", entry.name, digest.hexdigest(), entry.sha256)
            return False
        os.replace(tmp, target)
        tmp = None
        return True
    finally:
        if tmp is not None:
            with_suppressed(os.unlink, tmp)


def with_suppressed(fn, *args) -> None:
    try:
        fn(*args)
    except OSError:
        pass


def _last_good(root: Path, state: dict[str, dict]) -> dict[str, Path]:
    return {name: root / name for name, record in state.items() if _still_cached(root / name, record)}


def sync_files(client, cache_dir: Path | str, role: str) -> FileSet:
    """Bring the cache up to the server's manifest for ``role``; the last good cache when the server is away.

    ``client`` is a kiosk.client.ApiClient with this device's key (the server answers for the key's role).
    """
    from kiosk.client import ApiError

    cache_dir = Path(cache_dir)
    root = cache_dir / role
    root.mkdir(parents=True, exist_ok=True)
    state = _read_state(cache_dir, role)
    try:
        manifest = client.files()
    except ApiError as exc:
        if cache_dir not in _away_logged:
            _away_logged.add(cache_dir)
            log.warning("files: the server cannot be asked (%s); the %d cached files in %s are used",
                        exc.message or exc.code, len(state), root)
        return FileSet(root, _last_good(root, state), from_cache=True)
    _away_logged.discard(cache_dir)
    entries = []
    for raw in manifest.get("files", []):
        name = str(raw.get("name", ""))
        if not is_safe_name(name):  # a server is trusted with bytes, never with where they go
            log.error("files: the server listed %r, not a plain relative name; ignored", name)
            continue
        entries.append(FileEntry(name, int(raw.get("size", 0)), str(raw.get("sha256", ""))))
    paths: dict[str, Path] = {}
    refused: list[str] = []
    downloaded = 0
    server_away = False
    for entry in entries:
        local = root / entry.name
        record = state.get(entry.name)
        if record is not None and record.get("sha256") == entry.sha256 and _still_cached(local, record):
            paths[entry.name] = local
            continue
        if not server_away:
            try:
                if _download(client, entry, local):
                    downloaded += 1
                    size, mtime_ns = _stamp(local) or (0, 0)
                    state[entry.name] = {"sha256": entry.sha256, "size": size, "mtime_ns": mtime_ns}
                    paths[entry.name] = local
                    continue
                refused.append(entry.name)
            except ApiError as exc:
                log.warning("files: %s not fetched (%s); the cached copy is kept", entry.name, exc.message or exc.code)
                server_away = exc.status is None
            except OSError as exc:
                log.error("files: %s cannot be written to the cache: %s", entry.name, exc)
        if record is not None and _still_cached(local, record):
            paths[entry.name] = local  # the last good copy, until a good download replaces it
    listed = {entry.name for entry in entries}
    for name in [n for n in state if n not in listed]:
        with_suppressed((root / name).unlink)
        _prune_empty(root, (root / name).parent)
        del state[name]
    _write_state(cache_dir, role, state)
    if downloaded or refused:
        log.info("files: %d downloaded, %d refused, %d in the cache %s", downloaded, len(refused), len(paths), root)
    return FileSet(root, paths, from_cache=server_away, downloaded=downloaded, refused=tuple(refused))


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def with_device_files(config, client, role: str, env: Mapping[str, str] | None = None):
    """For a window whose config came from the server: sync this device's cache (under the user's cache
    folder, per server) and return the config whose assets resolve there. The one call a window makes."""
    files = sync_files(client, default_cache_dir(client.base_url, env), role)
    return use_files(config, files)


# --------------------------------------------------------------------------- what a window opens

_FILES_KEY = "_device_files"


def use_files(config, files: FileSet):
    """A copy of ``config`` whose assets ``resolve`` to the device's cache (a config from the server)."""
    copied = config.model_copy()
    copied.__dict__[_FILES_KEY] = files  # beside the cached lookups: the frozen model's fields stay as they are
    return copied


def files_of(config) -> FileSet | None:
    return getattr(config, "__dict__", {}).get(_FILES_KEY)


def resolve(config, relpath: Path | str) -> Path:
    """The file (or folder) a window opens for a config path: in the device's cache when the config came from
    the server with a file set, else next to config.toml (as ``config.path``)."""
    files = files_of(config)
    path = Path(relpath)
    if files is None or path.is_absolute():
        return config.path(path)
    name = PurePosixPath(os.path.normpath(path.as_posix())).as_posix()
    if not is_safe_name(name):
        return config.path(path)
    return files.paths.get(name, files.root / name)
