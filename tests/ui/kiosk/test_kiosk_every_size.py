"""Every screen of the shipped lobby, at every screen size kiosks have, in both languages: no text cut.

A label or button whose text is wider (or, wrapped, taller) than the widget (font metrics, tests/support/fit.py),
a fitted text that had to end in '…' (a secondary one made to show whole or not at all, the full agency name
on a tile, may be left out: the services screen shows it), a screen whose layout needs more height than the window gives it, or a
control outside the window fails the walk, naming the screen, the size, the language and the text.
Screenshots of each screen at 1080x1920 (the standing kiosk) and of the accessible layout at 1366x768 are kept in docs/screenshots/, looked at; with
KIOSK_FIT_SHOTS=<folder> every size's are saved there too.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint

from kiosk.config import load_config
from kiosk.ui.kiosk.widgets import FitText
from kiosk.ui.kiosk.window import SHORT_PX
from support.fit import clipped

from .kiosk_driver import LEFT, _on_current_screen, clickables
from .test_kiosk_access import _walk
from .test_kiosk_sizes import SIZES

ROOT = Path(__file__).resolve().parents[3]
PORTRAIT = (1080, 1920)
SHORT = (1366, 768)
SHORT_ACCESSIBLE_SHOTS = {"home", "agencies", "search", "confirm", "ticket"}  # kept too, looked at
SHOTS = os.environ.get("KIOSK_FIT_SHOTS")
# the portrait screenshots kept in docs/screenshots/ (services page 2: the shipped agency's ten fit on one page)
PORTRAIT_SHOTS = {"id": {"home", "agencies", "agencies page 2", "search", "services", "confirm", "printing", "ticket",
                         "offline"},
                  "en": {"home", "agencies", "confirm", "ticket"}}


@pytest.fixture
def config():
    return load_config(ROOT / "config.toml")


def _elided(kiosk) -> list[str]:
    return [f"FitText {text.text()[:40]!r} drawn as {text.shown_text()[:40]!r}"
            for text in kiosk.findChildren(FitText)
            if text.isVisibleTo(kiosk) and _on_current_screen(kiosk, text) and text.text() and text.width() > 1
            and text.shown_text() != text.text() and not (text.whole and text.shown_text() == "")]


def _problems(kiosk, size) -> list[str]:
    problems = [] if (kiosk.width(), kiosk.height()) == size else [f"the window is {kiosk.width()}x{kiosk.height()}"]
    needed = kiosk.stack.currentWidget().layout().minimumSize().height()
    if needed > kiosk.stack.height():
        problems.append(f"the screen needs {needed} px of height, has {kiosk.stack.height()}")
    return problems + clipped(kiosk) + _elided(kiosk)


def _out_of_reach(kiosk) -> list[str]:
    """The accessible layout's reach rule: the header tells and every control is under it; the header is the upper
    half of a tall screen and the upper quarter of a short landscape one (docs/operations.md: such a panel,
    mounted as it says, is within a seated reach all over; its half would leave the screens 240 px)."""
    if not kiosk.accessible:
        return ["not in the accessible layout"]
    width, height = kiosk.width(), kiosk.height()
    share = 4 if width > height and height < SHORT_PX else 2
    problems = [] if kiosk.header.height() == height // share else [
        f"the header is {kiosk.header.height()} px high, not 1/{share} of {height}"]
    return problems + [f"{type(b).__name__} {b.text()!r} at y={b.mapTo(kiosk, QPoint(0, 0)).y()}: above the header's "
                       f"{height // share} px, out of reach" for b in clickables(kiosk)
                       if b.mapTo(kiosk, QPoint(0, 0)).y() < height // share]


WALKS = [(size, layout) for layout in ("standard", "accessible") for size in SIZES]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("size,layout", WALKS, ids=[f"{w}x{h}-{layout}" for (w, h), layout in WALKS])
def test_every_screen_fits_at_every_size_in_both_languages(qtbot, server, make_kiosk, size, lang, layout):
    kiosk = make_kiosk(accessible=layout == "accessible")
    kiosk.setGeometry(0, 0, *size)
    qtbot.waitUntil(lambda: (kiosk.width(), kiosk.height()) == size, timeout=2000)
    if lang == "en":
        qtbot.mouseClick(kiosk.language_button, LEFT)
        assert kiosk.lang == "en"
    found = {}
    for name in _walk(qtbot, kiosk, server):
        kiosk.layout().activate()
        qtbot.wait(20)  # a fitted text measures itself at its laid-out size
        problems = _problems(kiosk, size) + (
            # going offline ends the visit, and with it the accessible layout
            _out_of_reach(kiosk) if layout == "accessible" and name != "offline" else [])
        if problems:
            found[name] = problems
        if SHOTS:
            kiosk.grab().save(f"{SHOTS}/{size[0]}x{size[1]}-{name.replace(' ', '-')}-{lang}.png")
        if size == SHORT and layout == "accessible" and lang == "id" and name in SHORT_ACCESSIBLE_SHOTS:
            kiosk.grab().save(str(ROOT / "docs" / "screenshots" / f"kiosk-accessible-{name}-1366x768.png"))
        if size == PORTRAIT and layout == "standard" and name in PORTRAIT_SHOTS[lang]:
            kiosk.grab().save(str(ROOT / "docs" / "screenshots" / f"kiosk-{name.replace(' ', '-')}-portrait-{lang}.png"))
    assert not found, f"at {size[0]}x{size[1]} in {lang}: " + "\n".join(
        f"{name}: {line}" for name, lines in found.items() for line in lines)
