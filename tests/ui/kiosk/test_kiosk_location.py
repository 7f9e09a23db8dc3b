"""Where to go: the ticket screen, the printed ticket and speech say where the visitor waits."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import location_notes, service_location
from kiosk.locations import location_text
from support.configs import BASE, make_config
from support.fake_printer import strip_status_requests

from .kiosk_driver import take_ticket, visible_texts
from .conftest import KIOSK_SECTION

ROOT = Path(__file__).resolve().parents[3]
PLACE = {"floor": "1", "zone": "B", "text": {"id": "Loket 1–2", "en": "Counters 1–2"}}


@pytest.fixture
def config():
    counters = [{**BASE["counters"][0], "location": PLACE}, *BASE["counters"][1:]]
    return make_config(kiosk=KIOSK_SECTION, counters=counters)


def test_the_ticket_screen_and_the_printed_ticket_say_where_to_wait(qtbot, kiosk, fake_printer):
    ticket = take_ticket(qtbot, kiosk, "dukcapil", "ktp")
    assert ticket["location"] == "Tunggu di Zona B, lantai 1 · Loket 1–2"
    assert "Tunggu di Zona B, lantai 1 · Loket 1–2" in visible_texts(kiosk)
    data = strip_status_requests(fake_printer.wait_for_ticket(timeout=5))
    assert b"Tunggu di Zona B, lantai 1" in data and b"Loket 1-2" in data
    kiosk.set_language("en")
    assert "Wait in Zone B, floor 1 · Counters 1–2" in visible_texts(kiosk)
    kiosk.grab().save(str(ROOT / "docs" / "screenshots" / "kiosk-ticket-location.png"))


def test_the_printed_ticket_preview_of_the_shipped_config_says_where_to_wait(tmp_path):
    from datetime import datetime

    from kiosk.config import load_config
    from kiosk.printer.preview import render_png, sample_ticket
    from support.configs import MAKASSAR

    shipped = load_config(ROOT / "config.toml")
    ticket = sample_ticket(shipped, "dukcapil-kk", now=datetime(2026, 11, 23, 9, 0, tzinfo=MAKASSAR))
    assert ticket.location == "Tunggu di Zona A, lantai 1 · Loket 1–6"
    render_png(ticket).save(str(ROOT / "docs" / "screenshots" / "ticket-location.png"))


def test_a_service_takes_its_counters_location_and_check_config_names_those_without(config):
    assert location_text(service_location(config, "kk"), "id") == "Tunggu di Zona B, lantai 1 · Loket 1–2"
    assert service_location(config, "paspor") is None
    notes = location_notes(config)
    assert len(notes) == 1 and "paspor" in notes[0] and "ktp" not in notes[0]
    own = make_config(services=[{**BASE["services"][2], "location": {"floor": "2"}}, *BASE["services"][:2]],
                      counters=[{**c, "location": PLACE} for c in BASE["counters"][:2]] + BASE["counters"][2:])
    assert location_text(service_location(own, "paspor"), "en") == "Wait in floor 2"
    assert location_notes(own) == []
