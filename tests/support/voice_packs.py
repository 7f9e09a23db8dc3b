"""Synthetic voice packs for tests: tones, labelled as such, never a human voice."""
from __future__ import annotations

import array
import math
from datetime import date
from pathlib import Path

from kiosk.audio.packs import write_manifest
from kiosk.audio.speech import write_wav

RATE = 44100


def tone(frequency: float, duration_s: float, amplitude: float, rate: int = RATE, silence_s: float = 0.1):
    """A cosine tone that starts and stops at full swing (a click if joined as it is), between silences."""
    pad = [0.0] * int(silence_s * rate)
    body = [amplitude * math.cos(2 * math.pi * frequency * i / rate) for i in range(int(duration_s * rate))]
    return array.array("h", (int(v * 32767) for v in pad + body + pad))


def tone_pack(folder: Path, ids: list[str], lang: str = "id", rate: int = RATE, silence_s: float = 0.1) -> Path:
    """A synthetic test pack: one tone per fragment, louder and quieter ones, padded with silence or not."""
    folder.mkdir(parents=True, exist_ok=True)
    amplitudes = (0.05, 0.3, 0.9)
    for n, fragment in enumerate(ids):
        write_wav(folder / f"{fragment}.wav",
                  tone(200 + 20 * (n % 10), 0.25, amplitudes[n % 3], rate, silence_s), rate)
    write_manifest(folder, lang, "synthetic tones (test)", "CC0-1.0", date(2026, 11, 23), rate)
    return folder


ID_ATOMS = ["nomor_antrean", "silakan_menuju", "loket", "letter_a", "letter_k", "letter_t", "letter_b", "letter_p",
            "letter_j", "letter_s", "nol", "satu", "dua", "tiga", "tujuh", "sepuluh", "sebelas", "belas", "puluh",
            "seratus", "ratus", "seribu", "ribu"]
EN_ATOMS = ["number", "please_go_to", "counter", "letter_a", "letter_b", "zero", "one", "two", "three", "seven",
            "twelve", "twenty", "hundred"]


