"""The text catalog (kiosk/i18n.py): every language has every message with the same fields; a missing one
falls back to Indonesian once-logged; the .mo cache follows the .po; every msgid the code names exists."""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from kiosk import i18n
from kiosk.i18n import t
from kiosk.protocol.actions import ACTIONS
from support.pseudo import PSEUDO, fields, pseudo, pseudo_language, write_pseudo_catalog

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_catalogs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    i18n.reload()
    yield
    i18n.reload()


def test_the_languages_are_the_catalogs_indonesian_first():
    assert i18n.languages() == ("id", "en")
    assert sorted(p.name for p in i18n.LOCALE_DIR.iterdir()) == ["en", "id"]


def test_every_catalog_has_the_same_messages_with_the_same_fields():
    catalogs = {lang: i18n.messages(lang) for lang in i18n.languages()}
    reference = catalogs[i18n.FALLBACK]
    assert len(reference) > 250
    for lang, catalog in catalogs.items():
        assert catalog.keys() == reference.keys(), (lang, sorted(catalog.keys() ^ reference.keys()))
        for msgid, text in catalog.items():
            assert text.strip(), (lang, msgid)
            assert fields(text) == fields(reference[msgid]), (lang, msgid)
            assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", msgid), msgid  # stable dotted keys


def test_words_are_word_for_word_the_old_tables():
    assert t("kiosk.take_number", "id") == "Ambil Nomor Antrean" and t("kiosk.take_number", "en") == "Take a number"
    assert t("counter.action_no_show", "id") == "Tidak hadir"
    assert t("display.recall", "en") == "Called again"
    assert t("ticket.label.queue_number", "id") == "Nomor Antrean"
    assert t("phone.go_to", "en", counter="3") == "Please go to counter 3"
    assert t("error.unknown_service", "id", service_id="x") == "Layanan 'x' tidak dikenal."
    assert t("printer.paper_out", "en") == "The printer is out of paper. Please ask a staff member."
    assert t("language.name", "id") == "Bahasa Indonesia" and t("language.name", "en") == "English"


def test_a_missing_message_falls_back_to_indonesian_logged_once(tmp_path, caplog):
    partial = tmp_path / "locale" / "zz" / "LC_MESSAGES" / "mpp_kiosk.po"
    partial.parent.mkdir(parents=True)
    partial.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                       'msgid "kiosk.home"\nmsgstr "Casa"\n\nmsgid "kiosk.back"\nmsgstr ""\n', encoding="utf-8")
    i18n.add_locale_dir(tmp_path / "locale")
    try:
        assert "zz" in i18n.languages()
        with caplog.at_level(logging.WARNING, logger="kiosk.i18n"):
            assert t("kiosk.home", "zz") == "Casa"
            assert t("kiosk.welcome", "zz") == "Selamat datang"  # not in zz
            assert t("kiosk.welcome", "zz") == "Selamat datang"
            assert t("kiosk.back", "zz") == t("kiosk.back", "id")  # untranslated (empty) in zz
            assert t("kiosk.page_of", "zz", page=1, pages=2) == "Halaman 1 dari 2"
        warnings = [r.getMessage() for r in caplog.records]
        assert sum("kiosk.welcome" in w for w in warnings) == 1, warnings
        assert sum("kiosk.back" in w for w in warnings) == 1, warnings
    finally:
        i18n.remove_locale_dir(tmp_path / "locale")
    assert "zz" not in i18n.languages()


def test_no_message_anywhere_and_no_language_never_raise():
    assert t("kiosk.no_such_text", "en") == "kiosk.no_such_text"
    assert t("kiosk.home", "fr") == "Beranda"
    assert t("kiosk.home", "") == "Beranda"


def test_the_mo_is_compiled_into_the_cache_and_again_when_the_po_is_newer(tmp_path):
    locale = tmp_path / "locale"
    po = write_pseudo_catalog(locale)
    i18n.add_locale_dir(locale)
    try:
        assert t("kiosk.home", PSEUDO) == pseudo("Beranda")
        (mo,) = (tmp_path / "cache" / "mpp-kiosk" / "locale").glob("*/mpp_kiosk.mo")
        compiled_at = mo.stat().st_mtime
        po.write_text(po.read_text(encoding="utf-8").replace(pseudo("Beranda"), "Rumah"), encoding="utf-8")
        os.utime(po, (compiled_at + 10, compiled_at + 10))
        i18n.reload()  # a new start of the program
        assert t("kiosk.home", PSEUDO) == "Rumah"
        assert b"Rumah" in mo.read_bytes()
    finally:
        i18n.remove_locale_dir(locale)


def test_a_cache_that_cannot_be_written_still_gives_the_texts(tmp_path, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    i18n.reload()
    assert t("kiosk.home", "en") == "Home"


def test_the_environment_variable_adds_a_locale_dir(tmp_path, monkeypatch):
    write_pseudo_catalog(tmp_path / "locale")
    monkeypatch.setenv(i18n.LOCALE_DIRS_ENV, str(tmp_path / "locale"))
    i18n.reload()
    assert i18n.languages() == ("id", "en", PSEUDO)
    assert t("display.recall", PSEUDO) == pseudo("Panggilan ulang")


def test_the_pseudo_language_keeps_the_placeholders(tmp_path):
    with pseudo_language(tmp_path / "locale") as xx:
        assert t("kiosk.page_of", xx, page=2, pages=5) == pseudo("Halaman 2 dari 5")
        assert i18n.other_language("en") == xx and i18n.other_language(xx) == "id"
    assert i18n.other_language("en") == "id"


def test_every_counter_action_names_its_catalog_texts():
    known = i18n.messages("id")
    for action in ACTIONS:
        assert action.label_id in known and action.done_id in known, action.name


# t("some.id", ...) and t(f"some.{x}", ...) in the source; an f-string's {...} stands for any key part
T_CALL = re.compile(r"""\bt\(\s*(f?)(["'])([a-z][\w.{}\[\]'"]*?)\2\s*[,)]""")


def test_every_msgid_the_code_names_is_in_the_catalog():
    known = set(i18n.messages("id"))
    named = []
    for path in (ROOT / "kiosk").rglob("*.py"):
        for is_f, _quote, msgid in T_CALL.findall(path.read_text(encoding="utf-8")):
            named.append((path.name, msgid))
            if is_f:
                pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", r"[\\w.]+", re.escape(msgid)) + "$")
                assert any(pattern.match(key) for key in known), (path.name, msgid)
            else:
                assert msgid in known, (path.name, msgid)
    assert len(named) > 150  # the pattern finds the calls (a broken pattern would pass vacuously)


def test_no_id_en_table_is_left_in_the_code():
    """Indonesian sentences live in the catalog: the old tables' names are gone from kiosk/."""
    gone = re.compile(r"^(TEXT|TEXTS|LABELS|UNREACHABLE|BAD_ANSWER|SURVEY_ELEMENTS|SCALE|MISMATCH|UNTRUSTED)\s*[:=]", re.M)
    for path in [ROOT / "kiosk/ui/kiosk/text.py", ROOT / "kiosk/ui/display/window.py", ROOT / "kiosk/printer/layout.py",
                 ROOT / "kiosk/server/phone.py", ROOT / "kiosk/client.py", ROOT / "kiosk/ui/counter/model.py",
                 ROOT / "kiosk/server/errors.py", ROOT / "kiosk/printer/backends.py", ROOT / "kiosk/tls.py"]:
        source = path.read_text(encoding="utf-8")
        assert not gone.search(source), path
        assert "MESSAGES:" not in source and "MESSAGES =" not in source, path


def test_the_translators_script_extracts_starts_updates_and_compiles(tmp_path, monkeypatch, capsys):
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("catalog_script", ROOT / "scripts" / "catalog.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    monkeypatch.setattr(script, "LOCALE", locale)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    i18n.reload()

    assert script.main(["extract", "--pot", str(tmp_path / "t.pot")]) == 0  # every literal id the code uses exists
    assert (tmp_path / "t.pot").read_text(encoding="utf-8").count('msgid "kiosk.') > 50
    assert script.main(["init", "ms"]) == 0
    i18n.reload()
    assert "ms" in i18n.languages()
    assert set(i18n.messages("ms")) == set(i18n.messages("id")) and not any(i18n.messages("ms").values())
    assert t("kiosk.home", "ms") == "Beranda"  # untranslated: Indonesian
    assert script.main(["update"]) == 0
    assert script.main(["compile", "--out", str(tmp_path / "mo")]) == 0
    assert (tmp_path / "mo" / "en" / "LC_MESSAGES" / "mpp_kiosk.mo").stat().st_size > 1000
    assert "ms: 0 to translate" not in capsys.readouterr().out  # ms has everything still to translate
