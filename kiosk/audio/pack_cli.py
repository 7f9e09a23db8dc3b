"""`mpp-kiosk voice-pack coverage|render-test-pack|add|export|import`: check, fill and share a voice pack.

``add`` takes a WAV recorded elsewhere (or by the studio), checks it, and writes it
as the fragment's clip the way every fragment is joined: trimmed of silence and at
the loudness target (packs.prepare_fragment), at the pack's sample rate.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import wave
import tempfile
from datetime import date
from pathlib import Path

from kiosk.audio.packs import (
    FRAGMENT_ID_RE,
    GATE_DBFS,
    MANIFEST,
    PackError,
    _active_rms,
    _db,
    _manifest_problems,
    load_pack,
    missing_fragments,
    needed_fragments,
    pack_problems,
    prepare_fragment,
    read_wav,
    trim_silence,
    write_manifest,
)

TEST_PACK_SPEAKER = "espeak-ng (synthetic test pack, not a human voice)"
MIN_SECONDS = 0.15   # shorter than a syllable: a slip of the record key
MAX_SECONDS = 10.0   # a fragment is a word or a phrase (as pack_problems checks)


def add_arguments(parsers) -> None:
    sub = parsers["voice-pack"].add_subparsers(dest="action", metavar="ACTION", required=True)
    cov = sub.add_parser("coverage", help="what the config's calls need that the pack lacks")
    cov.add_argument("folder", type=Path, help="the pack's folder")
    test = sub.add_parser("render-test-pack", help="an espeak-ng test pack of every fragment the config needs")
    test.add_argument("folder", type=Path, help="the new pack's folder")
    test.add_argument("--lang", choices=["id", "en"], default="id", help="its language")
    add = sub.add_parser("add", help="check a WAV recorded elsewhere and add it as FRAGMENT's clip (trimmed, "
                                     "at the loudness target)")
    add.add_argument("folder", type=Path, help="the pack's folder (with pack.toml)")
    add.add_argument("fragment", help="the fragment id, e.g. nomor_antrean, loket, letter_a, dua, belas")
    add.add_argument("file", type=Path, help="the WAV file")
    exp = sub.add_parser("export", help="the pack as one zip with a SHA-256 checksum list")
    exp.add_argument("folder", type=Path)
    exp.add_argument("out", type=Path, help="the zip to write")
    imp = sub.add_parser("import", help="unpack a pack zip into a new folder, refusing a damaged or unsafe one")
    imp.add_argument("zip", type=Path)
    imp.add_argument("folder", type=Path, help="the new pack folder")
    for parser in (cov, test, add, exp, imp):
        # SUPPRESS: given after the action it wins, else the one before it (or ./config.toml) stays
        parser.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                            help="config file (default ./config.toml)")


def main(args) -> int:
    if args.action == "export":
        return export(args.folder, args.out)
    if args.action == "import":
        return import_(args.zip, args.folder)
    if args.action == "add":
        return add(args.folder, args.fragment, args.file)
    from kiosk.cli import load_or_report

    config = load_or_report(args.config)
    if config is None:
        return 2
    if args.action == "coverage":
        return coverage(config, args.folder)
    return render_test_pack(config, args.folder, args.lang)


class RecordingError(ValueError):
    """A recording that cannot become a fragment; ``problems`` says every reason, each a sentence."""

    def __init__(self, source: Path, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + " ".join(problems))


def recording_problems(source: Path) -> list[str]:
    """Why the WAV ``source`` cannot be a fragment (unreadable, too short or long, silent); [] when it can."""
    source = Path(source)
    name = source.name
    if not source.is_file():
        return [f"{source} does not exist."]
    try:
        with wave.open(str(source), "rb") as wav:
            rate, frames = wav.getframerate(), wav.getnframes()
        samples, rate = read_wav(source)
    except (wave.Error, EOFError, OSError, ValueError) as exc:
        return [f"{name} cannot be read as a PCM WAV file ({exc}); convert it first, e.g. "
                f"'ffmpeg -i {name} -ac 1 -ar 48000 {source.stem}.wav'."]
    seconds = frames / rate if rate else 0.0
    problems = []
    if seconds < MIN_SECONDS:
        problems.append(f"{name} lasts {seconds:.2f} s; a fragment lasts at least {MIN_SECONDS} s.")
    elif seconds > MAX_SECONDS:
        problems.append(f"{name} lasts {seconds:.1f} s; a fragment is one word or phrase of at most "
                        f"{MAX_SECONDS:g} s (cut it, or record the phrase in shorter parts).")
    if samples and _db(_active_rms(samples, rate)) < GATE_DBFS:
        problems.append(f"{name} is silent (quieter than {GATE_DBFS:g} dBFS): check the microphone and its level.")
    elif samples and not trim_silence(samples, rate):
        problems.append(f"{name} holds no voice once its silence is trimmed.")
    return problems


def add_fragment(folder: Path, fragment: str, source: Path) -> Path:
    """Check ``source`` and write it as ``folder``/FRAGMENT.wav, trimmed and at the loudness target, at the
    pack's sample rate (atomically: a failed add leaves the old clip). Raises RecordingError with every problem."""
    from kiosk.audio.speech import write_wav

    folder, source = Path(folder), Path(source)
    problems = []
    if not FRAGMENT_ID_RE.match(fragment):
        problems.append(f"{fragment!r} is not a fragment id: use a-z, 0-9 and '_' (e.g. nomor_antrean, letter_a, "
                        f"dua_belas).")
    rate = None
    try:
        import tomllib

        problems_of_manifest, values = _manifest_problems(
            tomllib.loads((folder / MANIFEST).read_text(encoding="utf-8")))
        problems += [f"{folder}: {p}." for p in problems_of_manifest]
        rate = values.get("sample_rate")
    except FileNotFoundError:
        problems.append(f"{folder} has no {MANIFEST}; make the pack first (the studio asks for the speaker, "
                        f"the licence and the consent).")
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"{folder / MANIFEST} cannot be read: {exc}.")
    problems += recording_problems(source)
    if problems:
        raise RecordingError(source, problems)
    samples, source_rate = read_wav(source)
    target = folder / f"{fragment}.wav"
    write_wav(target, prepare_fragment(samples, source_rate, rate), rate)
    return target


def add(folder: Path, fragment: str, source: Path) -> int:
    try:
        target = add_fragment(folder, fragment, source)
    except RecordingError as exc:
        print(f"{source}: not added, {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    from kiosk.audio.speech import wav_info

    info = wav_info(target)
    print(f"{folder}: {fragment} = {target.name} ({info.duration_s:.2f} s once trimmed, {info.sample_rate} Hz)")
    return 0


def export(folder: Path, out: Path) -> int:
    from kiosk.packs_zip import PackZipError, export_pack

    try:
        names = export_pack(folder, out)
    except PackZipError as exc:
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{out}: {len(names)} files and their SHA-256 checksums from {folder}")
    return 0


def import_(source: Path, folder: Path) -> int:
    from kiosk.packs_zip import PackZipError, import_pack

    try:
        names = import_pack(source, folder)
    except PackZipError as exc:
        print(f"{source}: not imported, {len(exc.problems)} problem(s)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{folder}: {len(names)} files imported, checksums match")
    problems = pack_problems(folder, deep=True)
    for problem in problems:
        print(f"  note: {problem}")
    return 1 if problems else 0


def coverage(config, folder: Path) -> int:
    """0 when the pack has every fragment the config's calls need, 1 when some are missing, 2 when unusable."""
    problems = pack_problems(folder, deep=True)
    if problems:
        print(f"{folder}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    pack = load_pack(folder)
    missing = missing_fragments(config, pack)
    print(f"{folder}: {pack.language}, {len(pack.clips)} fragments, speaker {pack.speaker!r}; "
          f"{len(missing)} fragment(s) the config needs are missing")
    for need in missing:
        print(f"  missing: {need.id}.wav  says {need.speech!r}  (for {need.reason})")
    return 1 if missing else 0


def render_test_pack(config, folder: Path, lang: str, synthesizer=None) -> int:
    """Every fragment the config needs (both number styles), spoken by espeak-ng, as a pack."""
    if folder.exists() and any(folder.iterdir()):
        print(f"render-test-pack: {folder} is not empty; give a new folder", file=sys.stderr)
        return 2
    from kiosk.audio.speech import Pyttsx3Synthesizer, SpeechError, wav_info

    with tempfile.TemporaryDirectory(prefix="mpp-test-pack-") as scratch:
        speech = synthesizer or Pyttsx3Synthesizer(scratch, voices=dict(config.audio.voices), rate=config.audio.rate)
        folder.mkdir(parents=True, exist_ok=True)
        rates = set()
        try:
            for need in needed_fragments(config, lang, ("digits", "whole")):
                wav = speech.synthesize(need.speech, lang)
                rates.add(wav_info(wav).sample_rate)
                shutil.copyfile(wav, folder / f"{need.id}.wav")
        except SpeechError as exc:
            print(f"render-test-pack: {exc}", file=sys.stderr)
            return 2
    write_manifest(folder, lang, TEST_PACK_SPEAKER, "CC0-1.0 (synthetic speech, made by mpp-kiosk voice-pack)",
                   date.today(), max(rates), notes="For tests and for trying the voice-pack path; record a person "
                                                    "for the lobby (docs/voice-and-sign.md).")
    try:
        pack = load_pack(folder, lang)
    except PackError as exc:
        print(f"render-test-pack: {exc}", file=sys.stderr)
        return 2
    print(f"{folder}: {len(pack.clips)} fragments in {lang}, spoken by espeak-ng")
    return 0
