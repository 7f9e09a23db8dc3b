"""The server's file manifest (kiosk.files.Manifest): per role, with real checksums, never outside the lobby."""
from __future__ import annotations

import hashlib
import logging
import os

from kiosk.files import Manifest, is_safe_name, resolve, use_files, FileSet
from support.lobby_files import files_config


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_role_gets_what_it_shows_or_plays(tmp_path):
    config = files_config(tmp_path)
    manifest = Manifest(config)
    kiosk = {e.name for e in manifest.entries("kiosk")}
    display = {e.name for e in manifest.entries("display")}
    assert kiosk == {"assets/logos/mpp.png", "assets/logos/dukcapil.png"}
    assert {"assets/sounds/chime.wav", "assets/sign/pack.toml", "assets/sign/digit_7.mp4",
            "assets/logos/mpp.png"} <= display
    assert len([n for n in display if n.startswith("assets/sign/")]) == len(list((tmp_path / "assets/sign").iterdir()))
    assert manifest.entries("counter-app") == [] and manifest.entries("staff") == []
    assert "config.toml" not in display | kiosk


def test_sizes_and_checksums_are_the_files_and_follow_a_change(tmp_path):
    config = files_config(tmp_path)
    manifest = Manifest(config)
    chime = tmp_path / "assets/sounds/chime.wav"
    entry = {e.name: e for e in manifest.entries("display")}["assets/sounds/chime.wav"]
    assert (entry.size, entry.sha256) == (chime.stat().st_size, sha(chime))
    chime.write_bytes(chime.read_bytes() + b"\0\0")
    os.utime(chime, ns=(1, 2))  # a new mtime, whatever the file system's resolution
    changed = {e.name: e for e in manifest.entries("display")}["assets/sounds/chime.wav"]
    assert changed.sha256 == sha(chime) != entry.sha256 and changed.size == entry.size + 2


def test_a_symlink_out_of_the_lobby_and_a_path_outside_are_never_listed(tmp_path, caplog):
    lobby = tmp_path / "lobby"
    outside = tmp_path / "outside.txt"
    outside.write_text("not for devices")
    config = files_config(lobby)
    (lobby / "assets/sign/digit_x.mp4").symlink_to(outside)
    (lobby / "assets/sign/config.mp4").symlink_to(lobby / "config.toml")  # out of its pack folder
    pointed = config.model_copy(update={"audio": config.audio.model_copy(update={"chime": outside})})
    with caplog.at_level(logging.WARNING, logger="kiosk.files"):
        names = {e.name for e in Manifest(pointed).entries("display")}
    assert "assets/sign/digit_x.mp4" not in names and "assets/sign/config.mp4" not in names
    assert not any("outside" in n for n in names)
    assert "outside the lobby folder" in caplog.text
    assert Manifest(pointed).lookup("display", "../outside.txt") is None


def test_names_that_could_escape_are_not_names():
    for bad in ("../config.toml", "/etc/passwd", "assets/../config.toml", "assets//x", ".hidden", "a\\b", "a\x00b", ""):
        assert not is_safe_name(bad), bad
    assert is_safe_name("assets/sign/digit_7.mp4")


def test_resolve_is_the_local_file_without_a_file_set_and_the_cache_with_one(tmp_path):
    config = files_config(tmp_path / "lobby")
    assert resolve(config, "assets/sounds/chime.wav") == config.path("assets/sounds/chime.wav")
    cached = tmp_path / "cache" / "display"
    files = FileSet(cached, {"assets/sounds/chime.wav": cached / "assets/sounds/chime.wav"})
    device = use_files(config, files)
    assert resolve(device, "assets/sounds/chime.wav") == cached / "assets/sounds/chime.wav"
    assert resolve(device, "assets/sign") == cached / "assets/sign"   # a pack folder, laid out alike
    assert resolve(config, "assets/sign") == config.path("assets/sign")  # the original config is untouched


def test_a_pack_folder_set_to_the_lobby_itself_serves_no_key_database_or_log(tmp_path):
    config = files_config(tmp_path)
    for secret in ("data/test.sqlite", "data/test.sqlite-wal", "logs/server.log"):
        (tmp_path / secret).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / secret).write_text("visitors and keys")
    careless = config.model_copy(update={"sign": config.sign.model_copy(update={"clips_dir": "."})})
    names = {e.name for e in Manifest(careless).entries("display")}
    assert "assets/sign/digit_7.mp4" in names
    assert not {"config.toml", "data/test.sqlite", "data/test.sqlite-wal", "logs/server.log"} & names


def test_a_lookup_after_a_change_or_a_removal_sees_it(tmp_path):
    manifest = Manifest(files_config(tmp_path))
    clip = tmp_path / "assets/sign/digit_7.mp4"
    first, _ = manifest.lookup("display", "assets/sign/digit_7.mp4")
    clip.write_bytes(b"seven, again")
    os.utime(clip, ns=(3, 4))
    again, _ = manifest.lookup("display", "assets/sign/digit_7.mp4")
    assert again.sha256 == sha(clip) != first.sha256
    clip.unlink()
    assert manifest.lookup("display", "assets/sign/digit_7.mp4") is None
    assert manifest.lookup("kiosk", "assets/sounds/chime.wav") is None  # not a kiosk's file
