"""The counter's ticket panel marks a checked-in booking's ticket: its slot, and the name where the service
asks one; a walk-in's ticket shows no mark."""
from __future__ import annotations

from datetime import datetime

from kiosk.ui.counter.widgets import TicketPanel
from support.configs import MAKASSAR

NOW = datetime(2026, 11, 23, 9, 40, tzinfo=MAKASSAR)
TICKET = {"id": 7, "code": "B-002", "service_id": "paspor", "agency_id": "imigrasi", "priority": False,
          "state": "called", "issued_at": "2026-11-23T01:20:00.000+00:00", "called_at": "2026-11-23T01:35:00.000+00:00",
          "recalls": 0}


def test_a_booked_ticket_shows_its_slot_and_name(qtbot):
    panel = TicketPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_ticket({**TICKET, "booked": True, "slot_at": "2026-11-23T01:30:00.000+00:00",
                       "booked_name": "Siti Aminah"}, "Paspor", NOW, "id")
    assert panel.booked_badge.isVisible() and panel.booked_badge.text() == "Booking 09:30 · Siti Aminah"
    panel.show_ticket({**TICKET, "booked": True, "slot_at": "2026-11-23T01:30:00.000+00:00"}, "Passport", NOW, "en")
    assert panel.booked_badge.text() == "Booked 09:30"
    panel.show_ticket(TICKET, "Paspor", NOW, "id")
    assert not panel.booked_badge.isVisible()
