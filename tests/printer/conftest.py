"""Fixtures of the printer tests."""
import pytest
from printer_samples import make_ticket

from kiosk.printer.layout import TicketPrint


@pytest.fixture
def ticket() -> TicketPrint:
    return make_ticket()
