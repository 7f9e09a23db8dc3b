"""Sign-language tokens and playlists, and the shipped stand-in clips with their mapping."""
import importlib.util
import json
import logging
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from support.configs import make_config

from kiosk.sign import (
    ALL_TOKENS,
    PlaylistItem,
    build_playlist,
    call_playlist,
    call_tokens,
    info_clip_path,
    load_clip_mapping,
)

ROOT = Path(__file__).resolve().parents[2]
SIGN_DIR = ROOT / "assets" / "sign"
MAPPING = SIGN_DIR / "mapping.toml"


def test_call_tokens_spell_the_code_and_the_counter():
    assert call_tokens("A-012", "7") == ["nomor antrean", "A", "0", "1", "2", "silakan menuju", "loket", "7"]
    assert call_tokens("KT-105", "12") == [
        "nomor antrean", "K", "T", "1", "0", "5", "silakan menuju", "loket", "1", "2"]
    assert call_tokens("b-3", "7a") == ["nomor antrean", "B", "3", "silakan menuju", "loket", "7", "A"]


@pytest.mark.parametrize(("code", "counter", "problem"), [
    ("A/012", "7", "ticket code 'A/012': cannot sign '/'"),
    ("A-012", "7.1", "counter number '7.1': cannot sign '.'"),
    ("", "7", "nothing to sign"),
])
def test_call_tokens_refuse_what_cannot_be_signed(code, counter, problem):
    with pytest.raises(ValueError, match=problem.replace(".", r"\.").replace("/", "/")):
        call_tokens(code, counter)


def test_build_playlist_keeps_missing_tokens_as_text(tmp_path, caplog):
    for name in ("word_nomor_antrean.mp4", "letter_a.mp4", "digit_1.mp4"):
        (tmp_path / name).write_bytes(b"clip")
    clips = {"nomor antrean": "word_nomor_antrean.mp4", "A": "letter_a.mp4", "1": "digit_1.mp4",
             "2": "digit_2.mp4"}  # digit_2.mp4 is mapped but was never recorded
    tokens = ["nomor antrean", "A", "1", "2", "loket"]
    with caplog.at_level(logging.WARNING, logger="kiosk.sign"):
        playlist = build_playlist(tokens, clips, tmp_path)
        build_playlist(tokens, clips, tmp_path)  # a second call logs nothing new
    assert playlist == [
        PlaylistItem("nomor antrean", tmp_path / "word_nomor_antrean.mp4"),
        PlaylistItem("A", tmp_path / "letter_a.mp4"),
        PlaylistItem("1", tmp_path / "digit_1.mp4"),
        PlaylistItem("2", None),
        PlaylistItem("loket", None),
    ]
    assert [item.missing for item in playlist] == [False, False, False, True, True]
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "'2'" in messages[0] and "file not found" in messages[0]
    assert "'loket'" in messages[1] and "no entry in sign.clips" in messages[1]


def test_call_playlist_and_info_clip_from_config():
    clips, info = load_clip_mapping(MAPPING)
    config = make_config(base_dir=ROOT, sign={"enabled": True, "clips_dir": "assets/sign",
                                              "info_clip": info, "clips": clips})
    playlist = call_playlist(config, "KT-105", "7")
    assert [item.token for item in playlist] == call_tokens("KT-105", "7")
    assert playlist[1].path == SIGN_DIR / "letter_k.mp4" and not any(item.missing for item in playlist)
    assert info_clip_path(config) == SIGN_DIR / "info.mp4"
    off = make_config(base_dir=ROOT, sign={"enabled": False, "clips": clips, "info_clip": info})
    assert call_playlist(off, "A-1", "1") == [] and info_clip_path(off) is None


# --------------------------------------------------------------------------- the shipped clips

def test_mapping_covers_every_token_a_call_can_contain():
    clips, info = load_clip_mapping(MAPPING)
    assert set(clips) == set(ALL_TOKENS)
    assert info == "info.mp4"
    for token, name in clips.items():
        assert (SIGN_DIR / name).is_file(), f"{token!r} -> {name} is missing"
    assert clips["nomor antrean"] == "word_nomor_antrean.mp4"
    assert clips["silakan menuju"] == "word_silakan_menuju.mp4"
    assert clips["loket"] == "word_loket.mp4"
    assert clips["Q"] == "letter_q.mp4" and clips["0"] == "digit_0.mp4"


def test_mapping_matches_the_script_that_makes_the_clips():
    spec = importlib.util.spec_from_file_location("make_sign_clips", ROOT / "scripts" / "make_sign_clips.py")
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # dataclasses look their module up while the class is made
    spec.loader.exec_module(script)
    assert MAPPING.read_text(encoding="utf-8") == script.mapping_toml(script.clip_list())
    assert sorted(p.name for p in SIGN_DIR.glob("*.mp4")) == sorted(c.file for c in script.clip_list())


SHIPPED = sorted(SIGN_DIR.glob("*.mp4"))


def probe(path: Path) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True, text=True, timeout=20, check=True)
    return json.loads(result.stdout)


def top_level_boxes(path: Path) -> list[str]:
    boxes, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        boxes.append(kind.decode("latin-1"))
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        if size < 8:
            break
        offset += size
    return boxes


def test_there_are_forty_clips_of_a_few_hundred_kilobytes_in_all():
    assert len(SHIPPED) == 40
    assert sum(p.stat().st_size for p in SHIPPED) < 3 * 1024 * 1024


@pytest.mark.parametrize("clip", SHIPPED, ids=lambda p: p.name)
def test_each_shipped_clip_is_a_small_h264_mp4(clip):
    facts = probe(clip)
    streams = facts["streams"]
    assert [s["codec_type"] for s in streams] == ["video"]  # no audio track
    video = streams[0]
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
    assert (video["width"], video["height"]) == (640, 360)
    assert 0.5 <= float(facts["format"]["duration"]) <= 5.0
    assert clip.stat().st_size < 100 * 1024
    boxes = top_level_boxes(clip)
    assert boxes.index("moov") < boxes.index("mdat")  # +faststart: playable while loading
    assert "STAND-IN" in facts["format"].get("tags", {}).get("comment", "")


def frame(clip: Path, at_s: float) -> bytes:
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at_s), "-i", str(clip), "-frames:v", "1",
         "-vf", "scale=160:90", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, timeout=20, check=True)
    assert len(result.stdout) == 160 * 90
    return result.stdout


@pytest.mark.parametrize("name", ["letter_a.mp4", "word_nomor_antrean.mp4", "info.mp4"])
def test_frames_move_and_carry_the_stand_in_banner(name):
    clip = SIGN_DIR / name
    early, late = frame(clip, 0.1), frame(clip, 0.8)
    assert sum(a != b for a, b in zip(early, late)) > 50  # the sweeping bar and the fade
    # the yellow "CONTOH" banner across the top (rows 0-10 of 90) is bright on every frame
    for image in (early, late):
        top = image[160 * 2:160 * 9]
        assert sum(top) / len(top) > 120


def test_importing_the_audio_and_sign_modules_loads_no_qt():
    code = ("import sys, kiosk.audio.phrases, kiosk.audio.speech, kiosk.sign; "
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'PyQt'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
