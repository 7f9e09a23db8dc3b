"""`mpp-kiosk studio`: a broken config or a pack path that is a file is a sentence and an exit code, never a window."""
from kiosk.cli import main


def test_a_broken_config_is_reported_before_any_window(tmp_path, capsys):
    broken = tmp_path / "config.toml"
    broken.write_text("[lobby]\nname = 1\n", encoding="utf-8")
    assert main(["studio", "--config", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "problem(s)" in err and "Traceback" not in err


def test_a_pack_that_is_a_file_is_refused(tmp_path, capsys):
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    not_a_folder = tmp_path / "pack.zip"
    not_a_folder.write_bytes(b"PK")
    assert main(["studio", "--config", str(root / "config.toml"), "--pack", str(not_a_folder)]) == 2
    assert capsys.readouterr().err == f"studio: {not_a_folder} is a file; give a pack folder\n"
