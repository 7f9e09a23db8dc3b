"""Sharing a pack as one zip (kiosk/packs_zip.py) and adding clips recorded elsewhere (kiosk/sign_media.py).

Every video here is a synthetic ffmpeg test pattern (testsrc), labelled as such in its metadata.
"""
import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from support.sign_clips import synthetic_clip, write_pack

from kiosk import packs_zip
from kiosk.cli import main as cli_main
from kiosk.packs_zip import PackZipError, check_zip, export_pack, import_pack
from kiosk.sign_packs import load_pack

ROOT = Path(__file__).resolve().parents[2]
STAND_INS = ROOT / "assets" / "sign"


@pytest.fixture
def pack(tmp_path):
    return write_pack(tmp_path / "pack", {"loket": "word_loket.mp4", "A": "letter_a.mp4"},
                      template=STAND_INS / "word_loket.mp4")


def test_export_then_import_gives_the_same_pack(pack, tmp_path):
    names = export_pack(pack, tmp_path / "pack.zip")
    assert names == ["letter_a.mp4", "pack.toml", "word_loket.mp4"]
    with zipfile.ZipFile(tmp_path / "pack.zip") as archive:
        sums = archive.read("SHA256SUMS").decode()
    assert f"{hashlib.sha256((pack / 'pack.toml').read_bytes()).hexdigest()}  pack.toml\n" in sums
    imported = import_pack(tmp_path / "pack.zip", tmp_path / "copy")
    assert imported == ["SHA256SUMS", "letter_a.mp4", "pack.toml", "word_loket.mp4"]
    for name in names:
        assert (tmp_path / "copy" / name).read_bytes() == (pack / name).read_bytes()
    assert load_pack(tmp_path / "copy").clips == load_pack(pack).clips
    with pytest.raises(PackZipError, match="already exists and is not empty"):
        import_pack(tmp_path / "pack.zip", tmp_path / "copy")


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of the zip with ``change(name, data)`` -> (name, data) | None applied to each member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            changed = change(info.filename, old.read(info.filename))
            if changed is not None:
                new.writestr(changed[0], changed[1])
    return target


def test_import_refuses_a_changed_file_an_unsafe_path_or_a_missing_list(pack, tmp_path):
    good = tmp_path / "pack.zip"
    export_pack(pack, good)
    changed = _rewrite(good, tmp_path / "changed.zip",
                       lambda name, data: (name, data + b"x") if name == "letter_a.mp4" else (name, data))
    assert check_zip(changed) == [
        "letter_a.mp4 does not match its checksum in SHA256SUMS: the file was changed or damaged."]
    extra = _rewrite(good, tmp_path / "extra.zip", lambda name, data: (name, data))
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("../evil.sh", b"rm -rf /")
        archive.writestr("/etc/cron.d/evil", b"* * * * * root true")
    assert check_zip(extra) == [
        "The zip holds '../evil.sh', which climbs out of the pack folder with '..'.",
        "The zip holds '/etc/cron.d/evil', an absolute path; a pack's files must be relative to its folder.",
    ]
    unlisted = _rewrite(good, tmp_path / "unlisted.zip",
                        lambda name, data: None if name in ("SHA256SUMS", "pack.toml") else (name, data))
    assert check_zip(unlisted) == ["The zip has no pack.toml at its top, so it is not a pack.",
                                   "The zip has no SHA256SUMS list, so its files cannot be checked."]
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert check_zip(tmp_path / "junk.zip")[0].endswith("cannot be opened as a zip (File is not a zip file).")
    with pytest.raises(PackZipError):
        import_pack(extra, tmp_path / "never")
    assert not (tmp_path / "never").exists() and not (tmp_path / "evil.sh").exists()


def test_import_refuses_a_zip_too_large(pack, tmp_path, monkeypatch):
    export_pack(pack, tmp_path / "pack.zip")
    monkeypatch.setattr(packs_zip, "MAX_TOTAL_BYTES", 1024)
    problems = check_zip(tmp_path / "pack.zip")
    assert len(problems) == 1 and problems[0].startswith("The zip unpacks to ")
    assert problems[0].endswith(" KiB; a pack may be at most 1 KiB.")


def test_export_and_import_commands(pack, tmp_path, capsys):
    assert cli_main(["sign-pack", "export", str(pack), str(tmp_path / "out.zip")]) == 0
    assert "3 files and their SHA-256 checksums" in capsys.readouterr().out
    assert cli_main(["sign-pack", "import", str(tmp_path / "out.zip"), str(tmp_path / "in")]) == 0
    assert "4 files imported, checksums match" in capsys.readouterr().out
    assert cli_main(["sign-pack", "export", str(tmp_path), str(tmp_path / "x.zip")]) == 1
    assert "has no pack.toml, so it is not a pack." in capsys.readouterr().err


# --------------------------------------------------------------------------- add a recorded clip

def probe(path: Path) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                             str(path)], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(result.stdout)


def test_a_phone_video_is_checked_and_made_into_the_display_format(pack, tmp_path, capsys):
    # a portrait phone recording: 720x1280 at 30 fps, MPEG-4 part 2, 1.2 s
    phone = synthetic_clip(tmp_path / "phone.mov", seconds=1.2, size="720x1280", rate=30, codec="mpeg4")
    assert cli_main(["sign-pack", "add", str(pack), "silakan menuju loket", str(phone)]) == 0
    assert "'silakan menuju loket' = phrase_silakan_menuju_loket.mp4 (720x1280, 1.2 s" in capsys.readouterr().out
    clip = pack / "phrase_silakan_menuju_loket.mp4"
    facts = probe(clip)
    video, = facts["streams"]
    assert (video["codec_name"], video["width"], video["height"], video["pix_fmt"]) == ("h264", 640, 360, "yuv420p")
    assert video["r_frame_rate"] == "25/1" and 1.1 <= float(facts["format"]["duration"]) <= 1.3
    assert load_pack(pack).clips["silakan menuju loket"] == "phrase_silakan_menuju_loket.mp4"
    assert load_pack(pack).clips["loket"] == "word_loket.mp4"  # the rest of the manifest is kept
    # the same token again replaces its clip
    assert cli_main(["sign-pack", "add", str(pack), "12", str(phone)]) == 0
    assert load_pack(pack).clips["12"] == "number_12.mp4"


def test_add_refuses_a_too_long_unplayable_small_or_silent_video_with_a_sentence(pack, tmp_path, capsys):
    long_clip = synthetic_clip(tmp_path / "long.mp4", seconds=9, size="320x240", rate=10)
    assert cli_main(["sign-pack", "add", str(pack), "loket", str(long_clip)]) == 1
    err = capsys.readouterr().err
    assert "long.mp4 lasts 9.0 s; a sign clip lasts at most 8 s" in err
    assert "long.mp4 is 320x240; the shorter side must be at least 360 pixels" in err
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 200)
    assert cli_main(["sign-pack", "add", str(pack), "loket", str(broken)]) == 1
    assert "broken.mp4 cannot be read as a video" in capsys.readouterr().err
    sound = tmp_path / "sound.m4a"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=1", str(sound)],
                   check=True, timeout=30)
    assert cli_main(["sign-pack", "add", str(pack), "loket", str(sound)]) == 1
    assert "sound.m4a has no video track." in capsys.readouterr().err
    assert cli_main(["sign-pack", "add", str(pack), "hello", str(sound)]) == 1
    assert "'hello' is not a token" in capsys.readouterr().err
    assert cli_main(["sign-pack", "add", str(tmp_path / "nopack"), "loket", str(sound)]) == 1
    assert "has no pack.toml; write one first" in capsys.readouterr().err
    # nothing was changed by the refusals
    assert load_pack(pack).clips == {"loket": "word_loket.mp4", "A": "letter_a.mp4"}
    assert (pack / "word_loket.mp4").read_bytes() == (STAND_INS / "word_loket.mp4").read_bytes()
