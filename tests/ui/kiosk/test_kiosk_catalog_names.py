"""The kiosk reads its services from one place: the server's typed catalog, not its own config."""
from __future__ import annotations

from kiosk.config import parse_config
from kiosk.protocol.views import CatalogView
from support.configs import config_dict

from .conftest import KIOSK_SECTION


def test_the_ticket_names_come_from_the_catalog_even_when_the_local_config_differs(make_kiosk):
    # a kiosk whose own config names the services differently from the server's (an older copy of it)
    data = config_dict(kiosk=KIOSK_SECTION)
    data["services"][0]["name"] = {"id": "Nama lama", "en": "Old name"}
    data["agencies"][0]["name"] = "Old agency"
    kiosk = make_kiosk(config_=parse_config(data))
    assert isinstance(kiosk.catalog, CatalogView)
    service = kiosk.services_by_id()["ktp"]
    agency = kiosk.agencies_by_id()[service.agency_id]
    assert service.name == "KTP-el"
    # an answer without names (an older server): the names printed are the catalog's
    ticket = {"code": "A-001", "service_id": "ktp", "agency_id": "dukcapil", "status_url": "http://x/t/tok"}
    printed = kiosk._ticket_print(ticket, "id", service, agency)
    assert (printed.service_name, printed.agency_name) == ("KTP-el", "Dinas Kependudukan dan Pencatatan Sipil")
