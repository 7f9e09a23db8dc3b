"""A pack (sign or voice: any folder with a pack.toml) as one zip, with a SHA-256 checksum list.

The zip holds the folder's files under their relative paths and ``SHA256SUMS``
("<hex>  <path>" per line, like sha256sum). Import refuses, with every problem
as a sentence, a zip whose files do not match the list, one with absolute paths
or ``..``, one without a pack.toml, or one larger than the limits below (a pack
of a few hundred short clips is far below them).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

MANIFEST = "pack.toml"
CHECKSUMS = "SHA256SUMS"
MAX_TOTAL_BYTES = 500 * 1024 * 1024   # unpacked
MAX_FILES = 5000


class PackZipError(ValueError):
    def __init__(self, source: Path, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + " ".join(problems))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_pack(folder: Path, out: Path) -> list[str]:
    """Write ``folder`` to the zip ``out``; returns the packed paths. The folder must hold a pack.toml."""
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise PackZipError(folder, [f"{folder} has no {MANIFEST}, so it is not a pack."])
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.name != CHECKSUMS and not p.name.startswith("."))
    sums = "".join(f"{_sha256(folder / name)}  {name}\n" for name in names)
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    # clips are already compressed: store them, deflate only the text
    with zipfile.ZipFile(partial, "w") as archive:
        for name in names:
            kind = zipfile.ZIP_DEFLATED if name.endswith((".toml", ".txt", ".md")) else zipfile.ZIP_STORED
            archive.write(folder / name, name, compress_type=kind)
        archive.writestr(CHECKSUMS, sums, compress_type=zipfile.ZIP_DEFLATED)
    os.replace(partial, out)
    return names


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


def _name_problem(name: str) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"The zip holds {name!r}, an absolute path; a pack's files must be relative to its folder."
    if ".." in path.parts:
        return f"The zip holds {name!r}, which climbs out of the pack folder with '..'."
    return None


def check_zip(source: Path) -> list[str]:
    """Every problem of the pack zip ``source``, each a sentence; [] when it can be imported."""
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"{source} cannot be opened as a zip ({exc})."]
    with archive:
        return _problems(archive)


def _problems(archive: zipfile.ZipFile) -> list[str]:
    problems = []
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > MAX_FILES:
        problems.append(f"The zip holds {len(infos)} files; a pack may hold at most {MAX_FILES}.")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        problems.append(f"The zip unpacks to {_size(total)}; a pack may be at most {_size(MAX_TOTAL_BYTES)}.")
    bad_names = [p for p in (_name_problem(info.filename) for info in infos) if p]
    problems += bad_names
    names = {info.filename for info in infos}
    if MANIFEST not in names:
        problems.append(f"The zip has no {MANIFEST} at its top, so it is not a pack.")
    if CHECKSUMS not in names:
        problems.append(f"The zip has no {CHECKSUMS} list, so its files cannot be checked.")
        return problems
    if problems:  # too large or unsafe names: do not read further
        return problems
    listed: dict[str, str] = {}
    for number, line in enumerate(archive.read(CHECKSUMS).decode("utf-8", "replace").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(f"Line {number} of {CHECKSUMS} is not '<sha256>  <file>'.")
            continue
        listed[name] = digest.lower()
    for name in sorted(names - {CHECKSUMS}):
        if name not in listed:
            problems.append(f"{name} is in the zip but not in {CHECKSUMS}.")
            continue
        digest = hashlib.sha256()
        try:
            with archive.open(name) as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except (zipfile.BadZipFile, OSError, EOFError):  # the zip's own CRC failed: damaged in transit
            problems.append(f"{name} is damaged in the zip (its CRC does not match); copy the zip again.")
            continue
        if digest.hexdigest() != listed[name]:
            problems.append(f"{name} does not match its checksum in {CHECKSUMS}: the file was changed or damaged.")
    for name in sorted(set(listed) - names):
        problems.append(f"{name} is listed in {CHECKSUMS} but missing from the zip.")
    return problems


def import_pack(source: Path, target: Path) -> list[str]:
    """Unpack a checked pack zip into the new folder ``target``; returns the unpacked paths."""
    source, target = Path(source), Path(target)
    problems = check_zip(source)
    if target.exists() and any(target.iterdir()):
        problems.append(f"{target} already exists and is not empty; import into a new folder.")
    if problems:
        raise PackZipError(source, problems)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=target.parent))
    try:
        with zipfile.ZipFile(source) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            archive.extractall(staging)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)  # the pack appears whole or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(names)
