"""Voice packs: from a call to its WAV ready to play, with a recorded voice pack.

    .venv/bin/python bench/voice.py [--rounds 60] [--tiny]

The shipped config.toml with a voice pack per language, each the espeak-ng test
pack `mpp-kiosk voice-pack render-test-pack` makes (a stand-in for a recorded
speaker: same files, same path through the code). As on the display, the renderer
is warmed up once (every clip prepared, every missing fragment synthesized), then
each round builds a call that was never built before (a new code and counter),
so the call WAV is joined and written, not taken from the cache. It times:
  - call -> WAV ready: CallRenderer.render (plan, joins, the WAV written);
  - the warm-up (paid once, off the GUI thread, when the display starts).
The player starts a file on disk within a few ms, so call -> WAV ready is the
voice pack's share of call -> first sound. Target: p95 ≤ 150 ms.
The last line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.audio.pack_cli import render_test_pack  # noqa: E402
from kiosk.audio.packs import CallRenderer, load_pack  # noqa: E402
from kiosk.audio.speech import Pyttsx3Synthesizer  # noqa: E402
from kiosk.config import load_config  # noqa: E402

TARGET_P95_MS = 150.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(rounds: int, folder: Path) -> dict:
    config = load_config(ROOT / "config.toml")
    synthesizer = Pyttsx3Synthesizer(folder / "espeak", voices=dict(config.audio.voices), rate=config.audio.rate)
    packs = {}
    for lang in config.audio.languages:
        pack_dir = folder / f"{lang}-espeak"
        if render_test_pack(config, pack_dir, lang, synthesizer) != 0:
            raise SystemExit(f"cannot render the {lang} test pack")
        packs[lang] = load_pack(pack_dir, lang)
    renderer = CallRenderer(packs, synthesizer, folder / "calls")
    started = time.perf_counter()
    fragments = renderer.warm_up(config)
    warm_up_ms = (time.perf_counter() - started) * 1000
    prefixes = [g.prefix for g in config.groups]
    counters = [c.number for c in config.counters]
    timings = []
    for n in range(rounds):
        code = f"{prefixes[n % len(prefixes)]}-{(n * 37) % 999 + 1:03d}"
        started = time.perf_counter()
        renderer.render(config.audio, code, counters[(n * 7) % len(counters)])
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "rounds": rounds,
        "languages": "+".join(config.audio.languages),
        "fragments_prepared": fragments,
        "calls_built": renderer.rendered,
        "warm_up_ms": round(warm_up_ms, 1),
        "call_to_wav_ms_p50": round(statistics.median(timings), 1),
        "call_to_wav_ms_p95": round(percentile(timings, 0.95), 1),
        "call_to_wav_ms_max": round(max(timings), 1),
        "target_call_to_wav_ms_p95": TARGET_P95_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--tiny", action="store_true", help="5 calls: a quick check that the bench runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.rounds = 5
    with tempfile.TemporaryDirectory(prefix="mpp-bench-voice-") as folder:
        result = run(args.rounds, Path(folder))
    print(f"voice packs ({result['languages']}): warm-up {result['warm_up_ms']} ms for "
          f"{result['fragments_prepared']} fragments; call -> WAV ready p50 {result['call_to_wav_ms_p50']} ms, "
          f"p95 {result['call_to_wav_ms_p95']} ms (target ≤ {TARGET_P95_MS:g} ms)")
    ok = result["call_to_wav_ms_p95"] <= TARGET_P95_MS and result["calls_built"] == args.rounds
    print("PASS" if ok else "FAIL")
    print(json.dumps(result))
    return 0 if ok else 1
if __name__ == "__main__":
    raise SystemExit(main())
