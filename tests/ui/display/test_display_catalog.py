"""The lobby display in a pseudo-language: every word it shows is catalog text (or lobby data)."""
from __future__ import annotations

import pytest

from kiosk.ui.display import window as display_window
from support.pseudo import not_from_the_catalog, pseudo, pseudo_language

from .conftest import open_display


@pytest.fixture
def xx(tmp_path, monkeypatch):
    with pseudo_language(tmp_path / "locale") as lang:
        # the display shows the lobby's languages; here only the pseudo one
        monkeypatch.setattr(display_window, "_display_languages", lambda config, profile=None: [lang])
        yield lang


def test_the_display_shows_only_catalog_words(qtbot, config, server, synthesizer, xx):
    window = open_display(qtbot, config, server, synthesizer)
    try:
        qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
        assert not not_from_the_catalog(window, config), "before any call"
        assert window.counter_label.text() == pseudo("Belum ada panggilan")

        kiosk = server.client("kiosk")
        tickets = [kiosk.issue(service) for service in ("ktp", "ktp", "paspor")]
        kiosk.close()
        staff = server.staff_client("petugas1", "loket-1")
        first = staff.action("loket-1", "call-next")
        qtbot.waitUntil(lambda: window.code_label.text() == first["ticket"]["code"], timeout=4000)
        staff.action("loket-1", "recall")
        qtbot.waitUntil(lambda: len(window.slot_log) == 2 and window.recall_badge.isVisible(), timeout=4000)
        staff.close()
        stray = not_from_the_catalog(window, config)
        assert not stray, f"while a recall shows: {stray}"
        assert window.recall_badge.text() == pseudo("Panggilan ulang")
        assert window.counter_label.text() == f"{pseudo('Loket')} 1"
        assert len(tickets) == 3
    finally:
        window.shutdown()
