"""Make assets/sounds/chime.wav: the two-tone "ding-dong" played before every call.

Stdlib only and deterministic: the same script always writes the same bytes.
    python scripts/make_chime.py [--out assets/sounds/chime.wav]
"""
from __future__ import annotations

import argparse
import array
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.audio.speech import write_wav  # noqa: E402

SAMPLE_RATE = 22050
DURATION_S = 1.2
# (start s, frequency Hz): E5 then C5, a falling major third like a door bell
NOTES = ((0.0, 659.25), (0.42, 523.25))
# a bell's partials: (ratio to the fundamental, relative loudness, decay rate 1/s)
PARTIALS = ((1.0, 1.0, 3.2), (2.0, 0.35, 5.5), (3.0, 0.12, 8.0), (4.2, 0.05, 11.0))
PEAK = 0.7  # of full scale, room for the player's own volume
ATTACK_S = 0.006  # softens the onset so the ding has no click


def chime_samples(sample_rate: int = SAMPLE_RATE, duration_s: float = DURATION_S) -> array.array:
    count = int(sample_rate * duration_s)
    mix = [0.0] * count
    for start_s, fundamental in NOTES:
        first = int(start_s * sample_rate)
        for i in range(first, count):
            t = (i - first) / sample_rate
            attack = min(1.0, t / ATTACK_S)
            mix[i] += attack * sum(
                loud * math.exp(-decay * t) * math.sin(2 * math.pi * fundamental * ratio * t)
                for ratio, loud, decay in PARTIALS)
    # fade the last 80 ms to exact silence so the file ends cleanly
    tail = int(0.08 * sample_rate)
    for k in range(tail):
        mix[count - tail + k] *= 1 - k / tail
    peak = max(abs(v) for v in mix)
    return array.array("h", (round(32767 * PEAK * v / peak) for v in mix))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "sounds" / "chime.wav")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_wav(args.out, chime_samples(), SAMPLE_RATE)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {DURATION_S} s, {SAMPLE_RATE} Hz mono 16-bit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
