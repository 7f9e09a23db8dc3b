"""Sign packs (kiosk/sign_packs.py): the manifest, the longest-clip selection, coverage and check-config notes."""
import importlib.util
import logging
import string
import subprocess
import sys
from pathlib import Path

import pytest
from support.configs import make_config
from support.sign_clips import synthetic_clip, write_pack

from kiosk.cli import main as cli_main
from kiosk.config import load_config
from kiosk.sign import WORDS, call_playlist, call_tokens, info_clip_path
from kiosk.sign_packs import (
    Clip,
    PackError,
    call_units,
    coverage,
    coverage_notes,
    info_clip_is_stand_in,
    load_pack,
    select_clips,
    token_kind,
)

ROOT = Path(__file__).resolve().parents[2]
STAND_INS = ROOT / "assets" / "sign"


# --------------------------------------------------------------------------- the manifest

def test_the_shipped_stand_ins_are_a_stand_in_pack_made_by_the_script():
    pack = load_pack(STAND_INS)
    assert pack.stand_in and pack.numbers == "digits" and pack.sign_language == "BISINDO"
    assert pack.info_clip == "info.mp4" and len(pack.clips) == 39
    spec = importlib.util.spec_from_file_location("make_sign_clips", ROOT / "scripts" / "make_sign_clips.py")
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script
    spec.loader.exec_module(script)
    assert (STAND_INS / "pack.toml").read_text(encoding="utf-8") == script.pack_toml(script.clip_list())


def test_every_problem_of_a_manifest_is_reported_at_once(tmp_path):
    synthetic_clip(tmp_path / "pack" / "loket.mp4")
    (tmp_path / "pack" / "pack.toml").write_text(
        'signer = ""\nregion = "Balikpapan"\nlicens = "CC BY 4.0"\ndate = "30-11-2026"\nconsent = "signed form"\n'
        'numbers = "words"\nstand_in = "yes"\n\n[clips]\nloket = "loket.mp4"\n"hello world" = "loket.mp4"\n'
        '"A" = "missing.mp4"\n"12" = "../loket.mp4"\n', encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(tmp_path / "pack")
    problems = caught.value.problems
    assert problems == [
        "licens: unknown key; did you mean 'licence'?",
        "stand_in: must be true or false, got 'yes'",
        "signer: required, a non-empty text (who, where, under which terms)",
        "licence: required, a non-empty text (who, where, under which terms)",
        "date: must be YYYY-MM-DD, got '30-11-2026'",
        'numbers: must be "whole" or "digits", got \'words\'',
        ("clips.'hello world': not a token (a phrase word, letters A-Z, a whole number, agency:<id>, "
         "such tokens joined by spaces, or notice:<key>)"),
        f"clips.A: file not found: {(tmp_path / 'pack').resolve() / 'missing.mp4'}",
        "clips.12: '../loket.mp4' must be a file inside the pack folder",
    ]
    with pytest.raises(PackError, match="pack.toml not found"):
        load_pack(tmp_path / "nowhere")


@pytest.mark.parametrize(("token", "kind"), [
    ("loket", "word"), ("nomor antrean", "word"), ("A", "letters"), ("KT", "letters"), ("12", "number"),
    ("0", "number"), ("012", "unknown"), ("agency:dukcapil", "agency"), ("silakan menuju loket", "phrase"),
    ("silakan menuju loket 7", "phrase"), ("a", "unknown"), ("hello", "unknown"),
])
def test_token_kinds(token, kind):
    assert token_kind(token) == kind


# --------------------------------------------------------------------------- selection

STAND_IN_TABLE = {token: Clip(Path(f"stand-in/{token}.mp4"), True)
                  for token in ("nomor antrean", "silakan menuju", "loket", *string.ascii_uppercase, *string.digits)}


def real(*tokens):
    return {token: Clip(Path(f"real/{token}.mp4"), False) for token in tokens}


def picked(items):
    """Each chosen clip as 'token' (from the real pack), 'token*' (a stand-in) or 'token?' (missing)."""
    return [item.token + ("?" if item.missing else "*" if item.stand_in else "") for item in items]


@pytest.mark.parametrize(("numbers", "pack", "code", "counter", "expected"), [
    # only the stand-ins: today's call, digit by digit
    ("digits", {}, "A-012", "7",
     ["nomor antrean*", "A*", "0*", "1*", "2*", "silakan menuju*", "loket*", "7*"]),
    # a pack that signs numbers whole: A-012 is "A, 12", the counter 7 one sign
    ("whole", real("12", "7"), "A-012", "7",
     ["nomor antrean*", "A*", "12", "silakan menuju*", "loket*", "7"]),
    # a whole number the pack lacks falls back to the digits as printed
    ("whole", real("7"), "A-012", "7",
     ["nomor antrean*", "A*", "0*", "1*", "2*", "silakan menuju*", "loket*", "7"]),
    # a whole-phrase clip beats its words
    ("whole", real("silakan menuju loket", "silakan menuju", "loket", "12"), "B-012", "12",
     ["nomor antrean*", "B*", "12", "silakan menuju loket", "12"]),
    # the longest phrase wins: the whole "go to counter 7" call end
    ("whole", real("silakan menuju loket", "silakan menuju loket 7", "105"), "KT-105", "7",
     ["nomor antrean*", "K*", "T*", "105", "silakan menuju loket 7"]),
    # a letter run the signers sign as one, and counter numbers with a letter
    ("whole", real("KT", "7"), "KT-001", "7a",
     ["nomor antrean*", "KT", "1*", "silakan menuju*", "loket*", "7", "A*"]),
    # a digits pack ignores a whole-number clip: the signers said they sign digit by digit
    ("digits", real("12", "1", "2"), "A-012", "12",
     ["nomor antrean*", "A*", "0*", "1", "2", "silakan menuju*", "loket*", "1", "2"]),
    # a pack's own word beats the stand-in's
    ("digits", real("nomor antrean", "A"), "A-3", "1",
     ["nomor antrean", "A", "3*", "silakan menuju*", "loket*", "1*"]),
])
def test_the_call_takes_the_longest_clips_there_are(numbers, pack, code, counter, expected):
    table = STAND_IN_TABLE | pack
    assert picked(select_clips(call_units(code, counter, numbers), table)) == expected


def test_the_agency_name_is_its_own_sign_or_fingerspelled():
    units = call_units("A-1", "3", "whole", agency=("bpjs-kesehatan", "BPJS Kesehatan"))
    with_sign = select_clips(units, STAND_IN_TABLE | real("agency:bpjs-kesehatan"))
    assert picked(with_sign)[-1] == "agency:bpjs-kesehatan" and with_sign[-1].label == "BPJS Kesehatan"
    spelled = select_clips(units, STAND_IN_TABLE)
    assert "".join(t.rstrip("*") for t in picked(spelled)[6:]) == "BPJSKESEHATAN"
    # a token nobody has a clip for stays, shown as text
    assert picked(select_clips(call_units("A-1", "3"), real("A")))[0] == "nomor antrean?"


def test_a_configured_pack_with_the_stand_ins_as_fallback(tmp_path, caplog):
    template = synthetic_clip(tmp_path / "template.mp4")
    pack = write_pack(tmp_path / "pack", {"12": "number_12.mp4", "silakan menuju loket": "phrase.mp4",
                                          "agency:dukcapil": "agency_dukcapil.mp4", "info": "info.mp4"},
                      template=template, numbers="whole", info_clip="info.mp4")
    # "info" is no token: the manifest is refused, the stand-ins alone are used
    config = make_config(base_dir=tmp_path, sign={"pack": "pack", "clips_dir": str(STAND_INS)})
    with caplog.at_level(logging.WARNING, logger="kiosk.sign_packs"):
        assert picked(call_playlist(config, "A-012", "1")) == [
            "nomor antrean*", "A*", "0*", "1*", "2*", "silakan menuju*", "loket*", "1*"]
        call_playlist(config, "A-013", "1")
    # said once, not at every call
    assert [r.getMessage()[:58] for r in caplog.records] == [
        "sign.pack is not used, the stand-ins are shown: clips.info"]
    assert coverage_notes(config)[0].startswith("sign.pack: clips.info: not a token")
    text = (pack / "pack.toml").read_text().replace('"info" = "info.mp4"\n', "")
    (pack / "pack.toml").write_text(text)
    config = make_config(base_dir=tmp_path, sign={"pack": "pack", "clips_dir": str(STAND_INS), "with_agency": True})
    items = call_playlist(config, "A-012", "1", agency_id="dukcapil")
    assert picked(items) == ["nomor antrean*", "A*", "12", "silakan menuju loket", "1*", "agency:dukcapil"]
    assert items[2].path == (pack / "number_12.mp4").resolve() and items[1].path == STAND_INS / "letter_a.mp4"
    assert info_clip_path(config) == pack.resolve() / "info.mp4" and not info_clip_is_stand_in(config)
    assert info_clip_is_stand_in(make_config(base_dir=tmp_path, sign={"clips_dir": str(STAND_INS)}))
    # without with_agency the call ends at the counter, as before
    no_agency = make_config(base_dir=tmp_path, sign={"pack": "pack", "clips_dir": str(STAND_INS)})
    assert picked(call_playlist(no_agency, "A-012", "1", agency_id="dukcapil"))[-1] == "1*"


def test_the_old_clip_table_still_works_as_the_stand_ins():
    legacy = make_config(base_dir=ROOT, sign={"clips_dir": "assets/sign", "clips": load_pack(STAND_INS).clips})
    items = call_playlist(legacy, "A-012", "7")
    assert [item.token for item in items] == call_tokens("A-012", "7") and all(item.stand_in for item in items)
    assert coverage_notes(legacy)[0].startswith("sign.clips: the clip table in config.toml is the old form")


# --------------------------------------------------------------------------- coverage

def test_the_stand_ins_cover_the_shipped_config():
    shipped = load_config(ROOT / "config.toml")
    assert coverage(shipped, load_pack(STAND_INS)) == []
    assert coverage_notes(shipped) == []


def test_coverage_lists_what_the_config_needs_that_the_pack_lacks(tmp_path):
    template = synthetic_clip(tmp_path / "template.mp4")
    clips = {token: f"{i}.mp4" for i, token in enumerate(
        ["nomor antrean", "silakan menuju loket", "A", *"012456789", "10",
         "agency:dukcapil", *"IMGRASI"])}
    write_pack(tmp_path / "pack", clips, template=template, numbers="whole")
    counters = [{"id": "loket-1", "number": "1", "agency": "dukcapil", "services": ["ktp", "kk"]},
                {"id": "loket-12", "number": "12", "agency": "imigrasi", "services": ["paspor"]},
                {"id": "loket-10", "number": "10", "agency": "imigrasi", "services": ["paspor"]}]
    config = make_config(base_dir=tmp_path, counters=counters, staff=[],
                         sign={"pack": "pack", "clips_dir": str(STAND_INS)})
    missing = coverage(config, load_pack(tmp_path / "pack"))
    # the words are in the phrase; Imigrasi is fingerspelled from its letters; B, 3 and the whole 12 are missing
    assert [need.sentence() for need in missing] == [
        "'B': a letter in the prefix 'B' of group 'imigrasi'",
        "'3': a digit of ticket numbers",
        "'12': counter 'loket-12' (Loket 12) as a whole number",
    ]
    # a phrase with a number serves one counter only: its words are still needed on their own
    write_pack(tmp_path / "other", {"silakan menuju loket 1": "0.mp4"}, template=template)
    assert [need.token for need in coverage(config, load_pack(tmp_path / "other"))][:3] == list(WORDS)
    notes = coverage_notes(config)
    assert notes == [f"sign.pack lacks {need.sentence()} (a stand-in or the text is shown instead)" for need in missing]


def test_check_config_and_sign_pack_coverage_commands(tmp_path, capsys):
    assert cli_main(["check-config", str(ROOT / "config.toml")]) == 0
    assert "note: sign" not in capsys.readouterr().out
    assert cli_main(["sign-pack", "coverage", str(STAND_INS), "--config", str(ROOT / "config.toml")]) == 0
    out = capsys.readouterr().out
    assert "stand-in pack, 39 clips, numbers digits" in out and "0 missing" in out and "covered means" in out
    write_pack(tmp_path / "pack", {"loket": "loket.mp4"}, template=STAND_INS / "word_loket.mp4")
    assert cli_main(["sign-pack", "--config", str(ROOT / "config.toml"), "coverage", str(tmp_path / "pack")]) == 1
    out = capsys.readouterr().out
    assert "BISINDO pack signed by Synthetic Signer (test)" in out
    assert "  missing: 'nomor antrean': a phrase word of every call" in out
    assert "  missing: 'agency:dukcapil': the name of 'Disdukcapil'" in out


def test_check_config_notes_what_the_configured_pack_lacks(tmp_path, capsys):
    (tmp_path / "assets").symlink_to(ROOT / "assets")
    write_pack(tmp_path / "pack", {"loket": "loket.mp4"}, template=STAND_INS / "word_loket.mp4")
    # [sign] is the last table of the shipped config: a line appended lands in it
    text = (ROOT / "config.toml").read_text(encoding="utf-8") + 'pack = "pack"\n'
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    assert cli_main(["check-config", str(tmp_path / "config.toml")]) == 0
    notes = [line.strip() for line in capsys.readouterr().out.splitlines() if "note: sign" in line]
    assert notes[0] == ("note: sign.pack lacks 'nomor antrean': a phrase word of every call "
                        "(a stand-in or the text is shown instead)")
    assert "note: sign.pack lacks 'A': a letter in the prefix 'A' of group 'dukcapil' " \
           "(a stand-in or the text is shown instead)" in notes
    assert not [note for note in notes if "'loket'" in note]  # the pack has it


def test_the_pack_modules_load_no_qt():
    code = ("import sys, kiosk.sign_packs, kiosk.packs_zip, kiosk.sign_media, kiosk.sign_pack_cli; "
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'PyQt'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
