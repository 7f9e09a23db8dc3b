"""The shipped chime: its format, its two notes, and that the script makes exactly it."""
import array
import importlib.util
import math
import sys
import wave
from pathlib import Path

import pytest

from kiosk.audio.speech import wav_info

ROOT = Path(__file__).resolve().parents[2]
CHIME = ROOT / "assets" / "sounds" / "chime.wav"


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def samples(path: Path) -> tuple[array.array, int]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        data = array.array("h", wav.readframes(wav.getnframes()))
        rate = wav.getframerate()
    if sys.byteorder == "big":
        data.byteswap()
    return data, rate


def power_at(data, rate: int, frequency: float, start_s: float, end_s: float) -> float:
    """Goertzel: the energy of one frequency in a window of the signal."""
    coeff = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in data[int(start_s * rate):int(end_s * rate)]:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def test_chime_format():
    info = wav_info(CHIME)
    assert (info.sample_rate, info.channels) == (22050, 1)
    assert 1.0 <= info.duration_s <= 1.5
    assert info.rms > 0.05
    data, _ = samples(CHIME)
    assert max(abs(v) for v in data) < 32767  # never clips
    assert abs(data[0]) < 100 and abs(data[-1]) < 100  # starts and ends without a click


def test_chime_is_ding_then_dong():
    data, rate = samples(CHIME)
    ding, dong = 659.25, 523.25
    assert power_at(data, rate, ding, 0.05, 0.35) > 10 * power_at(data, rate, dong, 0.05, 0.35)
    assert power_at(data, rate, dong, 0.5, 0.8) > 3 * power_at(data, rate, ding, 0.5, 0.8)


def test_script_makes_the_shipped_chime_byte_for_byte(tmp_path, capsys):
    out = tmp_path / "chime.wav"
    assert load_script("make_chime").main(["--out", str(out)]) == 0
    assert out.read_bytes() == CHIME.read_bytes()
    assert "22050 Hz mono 16-bit" in capsys.readouterr().out


@pytest.mark.parametrize("path", sorted((ROOT / "kiosk" / "audio").glob("*.py")) + [ROOT / "kiosk" / "sign.py"],
                         ids=lambda p: p.name)
def test_audio_and_sign_modules_never_import_qt(path):
    source = path.read_text(encoding="utf-8")
    assert "PySide6" not in source and "PyQt" not in source
