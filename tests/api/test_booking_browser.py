"""The booking pages in a real headless browser (Debian chromium driven by Playwright) with JavaScript off:
book, receive the confirmation at a real local SMTP server (aiosmtpd), open the booking's page and QR from the
link in the e-mail, cancel, book again (a second e-mail) — on a phone-sized screen, in Indonesian and English."""
from __future__ import annotations

import io
import time
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kiosk.config import parse_config

from support.bookings import NIK, booking_config
from support.server import running_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 412, "height": 915}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def config(tmp_path, smtp):
    """The passport service asks for a name, an e-mail and the NIK; the booking notifier mails the local inbox."""
    controller, _inbox = smtp
    data = booking_config(places_per_slot=2, fields=["name", "email", "nik"]).model_dump(mode="json",
                                                                                       exclude_none=True)
    data["notify"] = {"email": {"host": "127.0.0.1", "port": controller.port, "sender": "antrean@mpp.example"}}
    return parse_config(data, base_dir=tmp_path)


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
    phone.fill("input[name=email]", f"siti{n}@example.org")
    phone.click("button[type=submit]")


def mails_arrived(inbox, count: int, timeout: float = 10.0) -> list:
    """The inbox once it holds ``count`` mails (the notifier sends in the background, off the request)."""
    deadline = time.monotonic() + timeout
    while len(inbox.mails) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.mails) == count, [m["Subject"] for m in inbox.mails]
    return inbox.mails


def text_of(mail) -> tuple[str, str]:
    return str(make_header(decode_header(mail["Subject"]))), mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")


def test_book_get_the_email_open_its_link_cancel_and_book_again_without_javascript(server, phone, smtp):
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

    # the confirmation arrives at the SMTP server: to the address given, with the code, the service, the slot, the link
    _controller, inbox = smtp
    mail = mails_arrived(inbox, 1)[0]
    subject, body = text_of(mail)
    link = f"{server.config.lobby.public_url}/b/{code.replace('-', '')}"
    assert mail["To"] == "siti1@example.org"
    assert code in subject or code in body
    assert "Paspor" in body and "23 November 2026" in body and "10:00" in body
    assert link in body.split()
    assert "Siti Aminah" not in body and NIK[:12] not in body  # no personal data beyond the address it went to

    # the link in the e-mail opens the booking's page (the lobby's public address is this server in the test)
    phone.goto("about:blank")
    phone.goto(server.url + urlsplit(link).path)
    assert phone.inner_text("#code") == code
    assert phone.inner_text("#state") == "Terjadwal"

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
    second = phone.inner_text("#code")
    assert second != code
    # the second confirmation: in English now, for the new code; the cancellation had its own message
    mails = mails_arrived(inbox, 3)
    kinds = [(m["To"], text_of(m)) for m in mails]
    assert kinds[1][0] == "siti1@example.org" and code in " ".join(kinds[1][1])
    assert kinds[2][0] == "siti2@example.org"
    subject, body = kinds[2][1]
    assert second in subject or second in body
    assert "Passport" in body and f"/b/{second.replace('-', '')}" in body
    phone.goto(f"{server.url}/booking/paspor/2026-11-23?lang=en")
    fill_and_book(phone, 3, "1000")
    assert phone.inner_text("#state") == "Booked"  # the slot's second place
    phone.goto(f"{server.url}/booking/paspor/2026-11-23?lang=en")
    assert phone.locator("input[name=slot][value='1000']").is_disabled()
    assert "full" in phone.inner_text("label.slot.full")
    phone.screenshot(path=SCREENSHOTS / "booking-slots.png", full_page=True)
    # nothing was asked of another site
    assert all(url.startswith(server.url) for url in phone.requested)
