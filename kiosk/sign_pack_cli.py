"""`mpp-kiosk sign-pack coverage|export|import|add`: check, share and fill a sign pack.

Each action prints what it did, or every problem as a sentence and exits 1.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ACTIONS = ("coverage", "export", "import", "add")


def add_arguments(parsers) -> None:
    sub = parsers["sign-pack"].add_subparsers(dest="action", metavar="ACTION", required=True)
    cov = sub.add_parser("coverage", help="what the config's calls need that the pack lacks")
    cov.add_argument("pack", type=Path, help="the pack folder (with pack.toml)")
    exp = sub.add_parser("export", help="the pack as one zip with a SHA-256 checksum list")
    exp.add_argument("pack", type=Path)
    exp.add_argument("out", type=Path, help="the zip to write")
    imp = sub.add_parser("import", help="unpack a pack zip into a new folder, refusing a damaged or unsafe one")
    imp.add_argument("zip", type=Path)
    imp.add_argument("dir", type=Path, help="the new pack folder")
    add = sub.add_parser("add", help="check a video recorded elsewhere and add it to the pack as TOKEN's clip")
    add.add_argument("pack", type=Path)
    add.add_argument("token", help="e.g. 'loket', 'A', '12', 'agency:dukcapil', 'silakan menuju loket', "
                     "'notice:samsat-tutup-12' (a whole notice)")
    add.add_argument("file", type=Path, help="the video (any format ffmpeg reads)")
    for parser in (cov, exp, imp, add):
        # SUPPRESS: given after the action it wins, else the one before it (or ./config.toml) stays
        parser.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                            help="config file (default ./config.toml)")


def main(args) -> int:
    return {"coverage": coverage, "export": export, "import": import_, "add": add}[args.action](args)


def _fail(problems: list[str]) -> int:
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def coverage(args) -> int:
    from kiosk.cli import load_or_report
    from kiosk.sign_packs import COVERED_MEANS, PackError, load_pack
    from kiosk.sign_packs import coverage as pack_coverage

    config = load_or_report(args.config)
    if config is None:
        return 2
    try:
        pack = load_pack(args.pack)
    except PackError as exc:
        print(f"{args.pack}: {len(exc.problems)} problem(s)", file=sys.stderr)
        return _fail(exc.problems)
    missing = pack_coverage(config, pack)
    kind = "stand-in pack" if pack.stand_in else f"{pack.sign_language} pack signed by {pack.signer}"
    print(f"{args.pack}: {kind}, {len(pack.clips)} clips, numbers {pack.numbers}; "
          f"for {args.config}: {len(missing)} missing")
    for need in missing:
        print(f"  missing: {need.sentence()}")
    print(f"  ({COVERED_MEANS})")
    return 1 if missing else 0


def export(args) -> int:
    from kiosk.packs_zip import PackZipError, export_pack

    try:
        names = export_pack(args.pack, args.out)
    except PackZipError as exc:
        return _fail(exc.problems)
    print(f"{args.out}: {len(names)} files and their SHA-256 checksums from {args.pack}")
    return 0


def import_(args) -> int:
    from kiosk.packs_zip import PackZipError, import_pack
    from kiosk.sign_packs import check_pack

    try:
        names = import_pack(args.zip, args.dir)
    except PackZipError as exc:
        print(f"{args.zip}: not imported, {len(exc.problems)} problem(s)", file=sys.stderr)
        return _fail(exc.problems)
    print(f"{args.dir}: {len(names)} files imported, checksums match")
    problems = check_pack(args.dir)
    for problem in problems:
        print(f"  note: {problem}")
    return 1 if problems else 0


def clip_file_name(token: str) -> str:
    """Where `add` keeps a token's clip: word_loket.mp4, letter_a.mp4, number_12.mp4, phrase_....mp4."""
    from kiosk.sign_packs import token_kind

    kind = token_kind(token)
    prefix = {"letters": "letter" if len(token) == 1 else "letters"}.get(kind, kind)
    slug = re.sub(r"[^a-z0-9]+", "_", token.lower().removeprefix("agency:").removeprefix("notice:")).strip("_")
    return f"{prefix}_{slug}.mp4"


class AddError(ValueError):
    """A clip that was not added; ``problems`` says every reason, each a sentence."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def add_clip(pack: Path, token: str, source: Path):
    """Check ``source``, transcode it into ``pack`` as TOKEN's clip and map it in pack.toml (the rest of the
    manifest kept as written). Returns (file name, the source's VideoFacts); raises AddError or ClipError."""
    import tomllib

    import tomlkit

    from kiosk.sign_media import transcode
    from kiosk.sign_packs import PACK_FILE, token_parts

    manifest = Path(pack) / PACK_FILE
    problems = []
    if not manifest.is_file():
        problems.append(f"{pack} has no {PACK_FILE}; write one first (docs/voice-and-sign.md#sign-packs shows one).")
    if token_parts(token) is None:
        problems.append(f"{token!r} is not a token: use a phrase word, letters A-Z, a whole number, "
                        f"agency:<id>, such tokens joined by spaces, or notice:<key>.")
    if problems:
        raise AddError(problems)
    try:
        document = tomlkit.parse(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, tomlkit.exceptions.ParseError, UnicodeDecodeError) as exc:
        raise AddError([f"{manifest} cannot be read: {exc}."]) from None
    name = clip_file_name(token)
    facts = transcode(source, Path(pack) / name)
    if "clips" not in document:
        document.add("clips", tomlkit.table())
    document["clips"][token] = name
    manifest.write_text(tomlkit.dumps(document), encoding="utf-8")
    return name, facts


def add(args) -> int:
    from kiosk.sign_media import ClipError
    from kiosk.sign_packs import check_pack

    try:
        name, facts = add_clip(args.pack, args.token, args.file)
    except AddError as exc:
        return _fail(exc.problems)
    except ClipError as exc:
        print(f"{args.file}: not added, {len(exc.problems)} problem(s)", file=sys.stderr)
        return _fail(exc.problems)
    print(f"{args.pack}: {args.token!r} = {name} ({facts.width}x{facts.height}, {facts.seconds:.1f} s, "
          f"now H.264 640x360)")
    for problem in check_pack(args.pack):
        print(f"  note: {problem}")
    return 0
