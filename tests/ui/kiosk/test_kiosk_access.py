"""Reachable and readable: touch targets of 15 mm, everything on the screen, the accessible layout
for wheelchair users (every control in the lower half), 7:1 contrast, and no way out for a visitor."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from kiosk.config import load_config
from kiosk.ui.common import theme
from kiosk.ui.kiosk.widgets import KIOSK_TEXT_PAIRS, MIN_TOUCH_PX, FitText, tile_background

from .kiosk_driver import LEFT, agency_tile, clickables, service_card

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config.toml"


@pytest.fixture
def config():
    """The shipped lobby: 27 agencies, long names, ten services at Disdukcapil."""
    return load_config(SHIPPED)


def _walk(qtbot, kiosk, server):
    """Every screen of the shipped lobby, each while it is shown."""
    yield "home"
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    yield "agencies"
    qtbot.mouseClick(kiosk.agency_screen.grid.next_button, LEFT)
    yield "agencies page 2"
    qtbot.mouseClick(kiosk.agency_screen.grid.prev_button, LEFT)
    qtbot.mouseClick(kiosk.agency_screen.search_button, LEFT)
    for key in "PASPOR":
        qtbot.mouseClick(kiosk.search_screen.keyboard.keys[key], LEFT)
    yield "search"
    qtbot.mouseClick(kiosk.back_button, LEFT)
    qtbot.mouseClick(agency_tile(kiosk, "dukcapil"), LEFT)
    yield "services"
    qtbot.mouseClick(kiosk.service_screen.grid.next_button, LEFT)
    yield "services page 2"
    qtbot.mouseClick(kiosk.service_screen.grid.prev_button, LEFT)
    qtbot.mouseClick(service_card(kiosk, "dukcapil-ktp-rekam"), LEFT)
    qtbot.mouseClick(kiosk.confirm_screen.priority_toggle, LEFT)
    yield "confirm"
    kiosk._go("printing", push=False)  # on screen only while the printer works: show it on its own
    yield "printing"
    kiosk._go("confirm", push=False)
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=10000):
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    yield "ticket"
    qtbot.mouseClick(kiosk.ticket_screen.done_button, LEFT)
    kiosk.retry_ms = 300
    server.stop()
    kiosk.refresh_catalog()
    qtbot.waitUntil(lambda: kiosk.current == "offline", timeout=8000)
    yield "offline"
    server.start()


def _check_screen(kiosk, name, accessible):
    width, height = kiosk.width(), kiosk.height()
    assert (width, height) == (1920, 1080), f"{name}: the window left its screen ({width}x{height})"
    screen = kiosk.stack.currentWidget()
    needed = screen.layout().minimumSize().height()
    assert needed <= kiosk.stack.height(), f"{name}: needs {needed} px, has {kiosk.stack.height()}: cut off"
    buttons = clickables(kiosk)
    assert buttons or name in ("printing", "offline") and not accessible
    for button in buttons:
        top_left = button.mapTo(kiosk, QPoint(0, 0))
        label = f"{name}: {type(button).__name__} {button.text()!r}"
        assert button.width() >= MIN_TOUCH_PX and button.height() >= MIN_TOUCH_PX, \
            f"{label} is {button.width()}x{button.height()} px, under 15 mm"
        assert top_left.x() >= 0 and top_left.x() + button.width() <= width, f"{label} sticks out sideways"
        assert top_left.y() >= 0 and top_left.y() + button.height() <= height, f"{label} sticks out below"
        if accessible:
            assert top_left.y() >= height / 2, f"{label} at y={top_left.y()}: out of reach from a wheelchair"
    for text in kiosk.findChildren(FitText):
        if text.isVisibleTo(kiosk) and text.text() and text.width() > 1:
            assert text.shown_px() >= 16, f"{name}: {text.text()!r} drawn at {text.shown_px()} px"


@pytest.mark.parametrize("accessible", [False, True], ids=["standard", "accessible"])
def test_every_screen_fits_and_every_control_is_big_enough(qtbot, server, make_kiosk, accessible):
    kiosk = make_kiosk(accessible=accessible)
    assert kiosk.accessible is accessible
    seen = []
    for name in _walk(qtbot, kiosk, server):
        _check_screen(kiosk, name, accessible)
        seen.append(name)
    assert len(seen) == 10


def test_accessible_layout_button_moves_controls_down_and_back(qtbot, kiosk):
    half = kiosk.height() / 2
    assert kiosk.accessible_button.mapTo(kiosk, QPoint(0, 0)).y() >= half  # in the lower part, always
    qtbot.mouseClick(kiosk.accessible_button, LEFT)
    assert kiosk.accessible
    assert all(b.mapTo(kiosk, QPoint(0, 0)).y() >= half for b in clickables(kiosk))
    assert kiosk.accessible_button.text() == "Tata letak biasa"
    assert kiosk.header.height() == kiosk.height() // 2
    qtbot.mouseClick(kiosk.accessible_button, LEFT)
    assert not kiosk.accessible and kiosk.accessible_button.text() == "Tata letak mudah dijangkau"
    assert kiosk.accessible_button.mapTo(kiosk, QPoint(0, 0)).y() >= half


def test_the_accessible_layout_ends_with_the_visit(qtbot, kiosk):
    qtbot.mouseClick(kiosk.accessible_button, LEFT)
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    assert kiosk.accessible and kiosk.current == "agencies"
    kiosk._idle()  # nobody touched it for a while: the next visitor
    assert kiosk.current == "home" and not kiosk.accessible


def test_the_header_is_the_full_screen_frameless(kiosk):
    assert kiosk.windowFlags() & Qt.FramelessWindowHint
    assert kiosk.geometry() == kiosk.screen().geometry()
    assert kiosk.screen().name() == "lobby-1"


@pytest.mark.parametrize("foreground,background", KIOSK_TEXT_PAIRS)
def test_kiosk_text_colours_reach_7_to_1(foreground, background):
    assert theme.contrast(foreground, background) >= 7.0


def test_agency_tiles_keep_7_to_1_whatever_the_colour(config):
    for agency in config.agencies:
        assert theme.contrast(theme.WHITE, tile_background(agency.colour)) >= 7.0, agency.id
    assert tile_background("#FFD23F") == theme.PANEL  # a light colour only edges the tile
    assert tile_background("#0B3D91") == "#0B3D91"
