"""`mpp-kiosk voice-pack coverage PACK` and `mpp-kiosk voice-pack render-test-pack DIR --lang id`."""
from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from kiosk.audio.packs import PackError, load_pack, missing_fragments, needed_fragments, pack_problems, write_manifest

TEST_PACK_SPEAKER = "espeak-ng (synthetic test pack, not a human voice)"


def main(args) -> int:
    from kiosk.cli import load_or_report

    config = load_or_report(args.config)
    if config is None:
        return 2
    if args.action == "coverage":
        return coverage(config, args.folder)
    return render_test_pack(config, args.folder, args.lang)


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
