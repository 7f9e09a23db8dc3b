"""The booking pages on a real server, asked from the guest Wi-Fi (127.0.0.2; the LAN is 127.0.0.1/32 here):
agency → service → day → slot → the booking's page, its calendar file, moving and cancelling, the
refusals as sentences in the visitor's language, and the per-address hourly limits."""
from __future__ import annotations

import re

import httpx
import pytest

from support.bookings import NIK, booking_config
from support.configs import config_dict
from support.server import running_server

GUEST = "127.0.0.2"


@pytest.fixture
def config(tmp_path):
    server = {**config_dict()["server"], "lan_networks": ["127.0.0.1/32"],
              "limits": {"booking_per_hour": 3, "booking_misses_per_hour": 4}}
    return booking_config(sections={"server": server}, base_dir=tmp_path, places_per_slot=2)


@pytest.fixture
def server(config, db_path, clock):
    with running_server(config, db_path, clock, ping_seconds=1.0) as handle:
        yield handle


@pytest.fixture
def guest(server):
    with httpx.Client(base_url=server.url, timeout=5.0, transport=httpx.HTTPTransport(local_address=GUEST)) as client:
        yield client


def form(n: int = 1, slot: str = "1000", **changes) -> dict:
    return {"slot": slot, "name": f"Siti {n}", "phone": f"08123456{n:04d}", "nik": NIK[:12] + f"{n:04d}", **changes}


def code_of(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    return re.fullmatch(r"/b/([A-Z0-9]{8})\?lang=\w+&done=booked", answer.headers["location"]).group(1)


def test_a_phone_walks_agency_service_day_slot_and_books(guest):
    home = guest.get("/booking")
    assert home.status_code == 200 and 'href="/booking?agency=imigrasi&amp;lang=id"' in home.text
    assert "<script" not in home.text and "http" not in home.text.split("<body>")[1].replace(
        'href="/', "")  # nothing from another site
    agency = guest.get("/booking?agency=imigrasi")
    assert 'href="/booking/paspor?lang=id"' in agency.text and "ktp" not in agency.text
    days = guest.get("/booking/paspor")
    assert "Senin, 23 November 2026" in days.text and 'href="/booking/paspor/2026-11-24?lang=id"' in days.text
    slots = guest.get("/booking/paspor/2026-11-23")
    assert 'value="0930"' in slots.text and 'value="0900"' not in slots.text  # 09:00 is now
    assert 'name="nik"' in slots.text and 'name="email"' not in slots.text  # only what the service asks
    code = code_of(guest.post("/booking/paspor/2026-11-23", data=form(1)))
    page = guest.get(f"/b/{code}?lang=en&done=booked")
    assert page.status_code == 200 and "Booked. Keep this code." in page.text
    assert f"{code[:4]}-{code[4:]}" in page.text and "<svg" in page.text and "10:00" in page.text
    calendar = guest.get(f"/b/{code}/booking.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "DTSTART:20261123T020000Z\r\n" in calendar.text and f"UID:{code}@mpp-kiosk" in calendar.text


def test_refusals_come_back_as_the_form_with_the_sentence(guest):
    guest.post("/booking/paspor/2026-11-23", data=form(1))
    guest.post("/booking/paspor/2026-11-23", data=form(2))
    full = guest.post("/booking/paspor/2026-11-23?lang=en", data=form(3))
    assert full.status_code == 409 and "10:00 is fully booked. Choose another time." in full.text
    assert 'value="Siti 3"' in full.text  # what was typed is kept
    bad = guest.post("/booking/paspor/2026-11-23", data=form(4, slot="1030", nik="1234"))
    assert bad.status_code == 409 and "NIK harus 16 angka." in bad.text


def test_move_and_cancel_from_the_bookings_page(guest):
    code = code_of(guest.post("/booking/paspor/2026-11-23", data=form(1)))
    assert 'value="1030"' in guest.get(f"/b/{code}/move/2026-11-24").text
    moved = guest.post(f"/b/{code}/move/2026-11-24", data={"slot": "1030"})
    assert moved.status_code == 303 and moved.headers["location"].endswith("done=moved")
    assert "Selasa, 24 November 2026, 10:30" in guest.get(f"/b/{code}").text
    cancelled = guest.post(f"/b/{code}/cancel")
    assert cancelled.status_code == 303
    page = guest.get(f"/b/{code}?lang=en")
    assert "Cancelled" in page.text and "<svg" not in page.text and "/cancel" not in page.text
    again = guest.post(f"/b/{code}/cancel?lang=en")
    assert again.status_code == 409 and "This booking was cancelled." in again.text


def test_an_address_books_only_so_many_an_hour_and_guesses_only_so_many_codes(guest, server):
    for n in range(3):
        code_of(guest.post("/booking/paspor/2026-11-24", data=form(n + 1, slot=f"{9 + n:02d}00")))
    limited = guest.post("/booking/paspor/2026-11-24?lang=en", data=form(9, slot="1300"))
    assert limited.status_code == 429 and "Too many requests from this device" in limited.text
    assert int(limited.headers["retry-after"]) > 60
    for _ in range(4):
        assert guest.get("/b/ABCD-EFGH").status_code == 404
    assert guest.get("/b/ABCD-EFGH").status_code == 429
    with httpx.Client(base_url=server.url, timeout=5.0) as lan:  # another address is not limited
        assert lan.get("/b/ABCD-EFGH").status_code == 404


def test_the_lan_side_stays_closed_to_the_guest_wifi(guest):
    # the booking pages are the visitor side; the kiosk's check-in is not
    assert guest.post("/api/v1/bookings/check-in", json={"code": "ABCD-EFGH"}).json()["error"] == "lan_only"


def test_the_kiosk_checks_a_booking_in_and_gets_a_booked_ticket(server, guest, clock):
    code = code_of(guest.post("/booking/paspor/2026-11-23", data=form(1, slot="0930")))
    kiosk = server.client("kiosk")
    walk_in = kiosk.issue("paspor")
    ticket = kiosk.check_in(f"{server.config.lobby.public_url}/b/{code}")  # as the scanner reads the QR
    assert (ticket["booked"], ticket["slot_time"], ticket["booked_name"]) == (True, "09:30", "Siti 1")
    assert ticket["code"] == "B-002" and walk_in["code"] == "B-001" and "booked" not in walk_in
    from kiosk.client import ApiError
    with pytest.raises(ApiError) as again:
        kiosk.check_in(code.lower(), lang="en")
    assert again.value.status == 409 and "already checked in" in str(again.value)
    kiosk.close()


def test_the_manager_imports_bookings_row_by_row_and_the_guest_wifi_cannot(server, guest):
    from support.configs import DEVICE_KEYS

    rows = [{"service_id": "paspor", "day": "2026-11-24", "time": "10:00", "name": "Siti", "phone": "081234560001",
             "nik": NIK},
            {"service_id": "paspor", "day": "2026-11-24", "time": "10:00", "name": "Budi", "phone": "081234560002",
             "nik": "123"}]
    manager = {"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}
    with httpx.Client(base_url=server.url, timeout=5.0) as lan:
        refused = lan.post("/api/v1/bookings/import", json={"rows": rows}, headers=manager).json()
        assert refused == {"imported": [], "problems": [{"row": 2, "message": "The NIK must be 16 digits."}]}
        kept = lan.post("/api/v1/bookings/import", json={"rows": rows, "partial": True}, headers=manager).json()
        assert [(b["service_id"], b["slot_time"]) for b in kept["imported"]] == [("paspor", "10:00")]
        kiosk_key = {"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"}
        assert lan.post("/api/v1/bookings/import", json={"rows": rows}, headers=kiosk_key).status_code == 403
    assert guest.post("/api/v1/bookings/import", json={"rows": rows}, headers=manager).json()["error"] == "lan_only"
