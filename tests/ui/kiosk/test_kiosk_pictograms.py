"""Pictograms on the kiosk: every shipped one renders, and the shipped lobby's tiles, cards and confirmation
show the one their config names (and, in English, the agencies' English names)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer

from kiosk.config import PICTOGRAMS_DIR, load_config, pictogram_names
from kiosk.ui.common.pictograms import pictogram_pixmap, pictogram_renderer

from .kiosk_driver import LEFT, agency_tile, service_card

ROOT = Path(__file__).resolve().parents[3]


def _inked_pixels(pixmap) -> int:
    image = pixmap.toImage().convertToFormat(QImage.Format_ARGB32)
    return sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
               if image.pixelColor(x, y).alpha() > 128)


def test_every_shipped_pictogram_renders(qapp):
    names = pictogram_names()
    assert len(names) >= 30
    for name in names:
        assert QSvgRenderer(str(PICTOGRAMS_DIR / f"{name}.svg")).isValid(), name
        assert pictogram_renderer(name, "#FFFFFF") is not None, name
        pixmap = pictogram_pixmap(name, 64, "#FFFFFF")
        assert not pixmap.isNull() and pixmap.width() == 64, name
        inked = _inked_pixels(pixmap)
        assert 20 < inked < 32 * 32 * 0.8, (name, inked)  # drawn, and not a filled square


def test_a_pictogram_is_drawn_in_the_colour_asked(qapp):
    image = pictogram_pixmap("bolt", 64, "#FFD400").toImage()
    colours = {image.pixelColor(x, y).name() for y in range(64) for x in range(64) if image.pixelColor(x, y).alpha() == 255}
    assert colours == {"#ffd400"}


def test_an_unknown_or_missing_pictogram_draws_nothing(qapp):
    assert pictogram_pixmap(None, 56).isNull() and pictogram_pixmap("no-such-drawing", 56).isNull()


@pytest.fixture
def config():
    return load_config(ROOT / "config.toml")


def _shown(pictogram) -> str | None:
    """The pictogram's name when it is on screen and drawn, else None."""
    return pictogram.name if pictogram.isVisible() and _inked_pixels(pictogram.pixmap()) > 20 else None


def test_the_shipped_lobby_shows_every_agency_and_service_pictogram(qtbot, make_kiosk, config):
    kiosk = make_kiosk()
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    grid = kiosk.agency_screen.grid
    seen = {}
    for page in range(grid.pages):
        grid.show_page(page)
        for tile in grid.slots:
            if tile.isVisible():
                seen[tile.agency_id] = _shown(tile.pictogram)
    assert seen == {agency.id: agency.pictogram for agency in config.agencies}
    agency = config.agencies[0]
    grid.show_page(0)
    qtbot.mouseClick(agency_tile(kiosk, agency.id), LEFT)
    services = [s for s in config.services if s.agency == agency.id]
    cards = {}
    for page in range(kiosk.service_screen.grid.pages):
        kiosk.service_screen.grid.show_page(page)
        cards.update({card.service_id: _shown(card.pictogram) for card in kiosk.service_screen.grid.slots
                      if card.isVisible()})
    assert cards == {service.id: service.pictogram for service in services}
    kiosk.service_screen.grid.show_page(0)
    qtbot.mouseClick(service_card(kiosk, services[0].id), LEFT)
    assert kiosk.current == "confirm" and _shown(kiosk.confirm_screen.pictogram) == services[0].pictogram


def test_in_english_the_tiles_carry_the_english_names(qtbot, make_kiosk, config):
    kiosk = make_kiosk()
    qtbot.mouseClick(kiosk.language_button, LEFT)
    qtbot.mouseClick(kiosk.home_screen.take_button, LEFT)
    agency = next(a for a in config.agencies if a.short_name_en and a.name_en)
    tile = agency_tile(kiosk, agency.id)
    assert (tile.short_label.text(), tile.name_label.text()) == (agency.short_name_en, agency.name_en)
    assert agency.short_name_en != agency.short_name


def test_priority_and_the_accessible_layout_are_drawn_as_well_as_written(kiosk):
    """A visitor who reads little finds priority by its four drawings and the layout button by the wheelchair."""
    button = kiosk.home_screen.priority_button
    strip = button.icon().pixmap(button.iconSize())
    assert button.iconSize().width() > 3 * button.iconSize().height()  # four drawings in a row
    quarter = strip.width() // 4
    for index in range(4):  # each of the four is drawn
        assert _inked_pixels(strip.copy(index * quarter, 0, quarter, strip.height())) > 20, index
    layout = kiosk.accessible_button.icon().pixmap(kiosk.accessible_button.iconSize())
    assert _inked_pixels(layout) > 20 and "♿" not in kiosk.accessible_button.text()
