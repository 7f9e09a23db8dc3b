"""The booking pages in a real headless browser (Debian chromium driven by Playwright) with JavaScript off:
book, open the QR, cancel, book again — on a phone-sized screen, in Indonesian and English."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from support.bookings import NIK, booking_config
from support.server import running_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 412, "height": 915}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def config(tmp_path):
    return booking_config(base_dir=tmp_path, places_per_slot=2)


@pytest.fixture
def server(config, db_path, clock):
    with running_server(config, db_path, clock, ping_seconds=1.0) as handle:
        yield handle


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True,
                                  locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.requested = requested
    yield page
    context.close()


def fill_and_book(phone, n: int, slot: str) -> None:
    phone.check(f"input[name=slot][value='{slot}']")
    phone.fill("input[name=name]", f"Siti Aminah {n}")
    phone.fill("input[name=nik]", NIK[:12] + f"{n:04d}")
    phone.fill("input[name=phone]", f"0812 3456 {n:04d}")
    phone.click("button[type=submit]")


def test_book_open_the_qr_cancel_and_book_again_without_javascript(server, phone):
    import zxingcpp
    from PIL import Image

    phone.goto(f"{server.url}/booking")
    phone.screenshot(path=SCREENSHOTS / "booking-agencies.png")
    phone.click("text=Kantor Imigrasi")
    phone.click("text=Paspor")
    phone.screenshot(path=SCREENSHOTS / "booking-days.png")
    phone.click("text=Senin, 23 November 2026")
    assert phone.locator("input[name=slot]").count() == 8  # 09:30 … 14:00 on Monday, from 09:00
    fill_and_book(phone, 1, "1000")
    phone.wait_for_selector("#code")
    assert phone.inner_text(".done") == "Booking berhasil. Simpan kode ini."
    code = phone.inner_text("#code")
    assert phone.inner_text("#when") == "Senin, 23 November 2026, 10:00"
    phone.screenshot(path=SCREENSHOTS / "booking-done.png", full_page=True)

    # the QR on the page is the booking's link: what the kiosk's scanner reads
    shot = Image.open(io.BytesIO(phone.locator(".qr").screenshot()))
    decoded = [r.text for r in zxingcpp.read_barcodes(shot)]
    assert decoded == [f"{server.config.lobby.public_url}/b/{code.replace('-', '')}"]

    # English, then cancel
    phone.click("a.switch")
    assert phone.inner_text("#state") == "Booked"
    phone.click("button.danger")
    assert phone.inner_text(".done") == "The booking is cancelled."
    assert phone.inner_text("#state") == "Cancelled"
    assert phone.locator(".qr").count() == 0
    phone.screenshot(path=SCREENSHOTS / "booking-cancelled.png", full_page=True)

    # its place is free again: book it once more, then a full slot is refused with the sentence
    phone.click("text=A new booking")
    phone.click("text=Kantor Imigrasi")
    phone.click("text=Passport")
    phone.click("text=Monday, 23 November 2026")
    fill_and_book(phone, 2, "1000")
    assert phone.inner_text("#state") == "Booked"
    phone.goto(f"{server.url}/booking/paspor/2026-11-23?lang=en")
    fill_and_book(phone, 3, "1000")
    assert phone.inner_text("#state") == "Booked"  # the slot's second place
    phone.goto(f"{server.url}/booking/paspor/2026-11-23?lang=en")
    assert phone.locator("input[name=slot][value='1000']").is_disabled()
    assert "full" in phone.inner_text("label.slot.full")
    phone.screenshot(path=SCREENSHOTS / "booking-slots.png", full_page=True)
    # nothing was asked of another site
    assert all(url.startswith(server.url) for url in phone.requested)
