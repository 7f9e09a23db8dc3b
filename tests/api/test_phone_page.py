"""The page behind the ticket QR, in a real headless browser (Debian chromium driven by Playwright).

Also writes the screenshots of docs/screenshots/phone-*.png at a phone's size.
"""
from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 412, "height": 915}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

# records navigator.vibrate calls (headless chromium has no vibration motor to ask)
RECORD_VIBRATE = "window.__vibrations = []; navigator.vibrate = function (p) { window.__vibrations.push(p); return true; };"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        # scripts/setup.sh installs it: a missing browser is a broken set-up, not a reason to pass
        pytest.fail("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True,
                                  locale="id-ID")
    context.add_init_script(RECORD_VIBRATE)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.requested = requested
    yield page
    context.close()


def state_of(page) -> str:
    return page.get_attribute("#panel [data-state]", "data-state")


def test_the_phone_follows_a_ticket_from_waiting_to_survey(server, kiosk, staff, phone, clock):
    ahead = [kiosk.issue("ktp") for _ in range(3)]
    mine = kiosk.issue("ktp")
    phone.goto(f"{server.url}/t/{mine['token']}")
    assert phone.inner_text("#code") == mine["code"]
    assert phone.inner_text("#ahead") == "3"
    assert "Disdukcapil · KTP-el" in phone.inner_text(".where")
    assert phone.locator("html").get_attribute("lang") == "id"
    expect(phone.locator("#conn-text")).to_have_text("Diperbarui otomatis")
    phone.screenshot(path=SCREENSHOTS / "phone-waiting.png")

    # the queue moves: the count updates live
    staff.action("loket-1", "call-next")
    expect(phone.locator("#ahead")).to_have_text("2", timeout=3000)
    staff.action("loket-1", "finish")
    for _ in ahead[1:]:
        staff.action("loket-1", "call-next")
        staff.action("loket-1", "finish")
    phone.wait_for_selector("text=Anda berikutnya", timeout=3000)

    # called: the page flips within a second, very large, and the phone vibrates
    started = time.monotonic()
    staff.action("loket-1", "call-next")
    phone.wait_for_selector("#panel [data-state=called]", timeout=1000)
    flip = time.monotonic() - started
    assert flip < 1.0, f"flipped after {flip:.2f} s"
    assert phone.inner_text("#go") == "Silakan menuju Loket 1"
    assert phone.evaluate("window.__vibrations.length") == 1
    go_size = phone.evaluate("parseFloat(getComputedStyle(document.getElementById('go')).fontSize)")
    assert go_size >= 40
    assert phone.title() == f"{mine['code']} → 1"
    phone.screenshot(path=SCREENSHOTS / "phone-called.png")

    # a recall vibrates again; a no-show offers to rejoin
    staff.action("loket-1", "recall")
    phone.wait_for_selector("text=Panggilan ulang ke-2", timeout=2000)
    assert phone.evaluate("window.__vibrations.length") == 2
    staff.action("loket-1", "no-show")
    phone.wait_for_selector("#rejoin", timeout=2000)
    assert phone.inner_text("#rejoin") == "Saya sudah kembali"
    phone.click("#rejoin")
    phone.wait_for_selector("#panel [data-state=waiting]", timeout=2000)
    assert server.client().ticket(mine["token"])["state"] == "waiting"

    # served, then the survey
    staff.action("loket-1", "call-next")
    staff.action("loket-1", "start")
    phone.wait_for_selector("text=Sedang dilayani di Loket 1", timeout=2000)
    clock.advance(minutes=5)  # a real service: only one of at least queue.survey_min_service_seconds is rated
    staff.action("loket-1", "finish")
    phone.wait_for_selector("#survey", timeout=2000)
    legends = phone.locator("#survey legend").all_inner_texts()
    assert len(legends) == 9
    assert legends[0].startswith("U1 Persyaratan") and legends[8].startswith("U9 Sarana dan Prasarana")
    assert phone.locator("#u1 .opt").all_inner_texts() == ["Tidak baik", "Kurang baik", "Baik", "Sangat baik"]
    # sending with items missing is refused on the page
    phone.click("#u1 .opt-4")
    phone.click("#send-survey")
    phone.wait_for_selector("#survey-error:not([hidden])")
    assert "9 unsur" in phone.inner_text("#survey-error")
    assert phone.locator("fieldset.q.missing").count() == 8
    scores = [4, 3, 4, 2, 3, 4, 4, 1, 3]
    for number, score in enumerate(scores, start=1):
        phone.click(f"#u{number} .opt-{score}")
    assert phone.is_hidden("#survey-error")  # every item has its score now
    phone.fill("#survey textarea[name=comment]", "Petugas ramah, antrean cepat.")
    phone.screenshot(path=SCREENSHOTS / "phone-survey.png", full_page=True)
    phone.click("#send-survey")
    phone.wait_for_selector("#thanks", timeout=3000)
    phone.screenshot(path=SCREENSHOTS / "phone-thanks.png")
    row = sqlite3.connect(server.db_path).execute(
        "SELECT u1, u2, u3, u4, u5, u6, u7, u8, u9, comment FROM surveys s JOIN tickets t ON t.id = s.ticket_id "
        "WHERE t.token = ?", (mine["token"],)).fetchone()
    assert row == (*scores, "Petugas ramah, antrean cepat.")

    # everything came from the server itself: no CDN, no other host
    assert all(url.startswith(server.url) or url.startswith(server.ws_url) for url in phone.requested), phone.requested


def test_english_by_switch_or_by_the_tickets_language(server, kiosk, staff, phone):
    english = kiosk.issue("kk", lang="en")
    phone.goto(f"{server.url}/t/{english['token']}")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "people ahead of you" in phone.inner_text("#panel")
    assert "Family card" in phone.inner_text(".where")
    phone.click(".switch")
    phone.wait_for_selector("text=orang di depan Anda")
    assert "Kartu Keluarga" in phone.inner_text(".where")
    phone.click(".switch")
    phone.wait_for_selector("text=people ahead of you")
    staff.action("loket-1", "call-next")
    phone.wait_for_selector("#panel [data-state=called]", timeout=1000)
    assert phone.inner_text("#go") == "Please go to counter 1"


def test_the_page_catches_up_after_the_server_restarts(server, kiosk, staff, phone):
    mine = kiosk.issue("ktp")
    phone.goto(f"{server.url}/t/{mine['token']}")
    expect(phone.locator("#conn-text")).to_have_text("Diperbarui otomatis")
    server.restart()
    staff.action("loket-1", "call-next")  # the session survived the restart too
    phone.wait_for_selector("#panel [data-state=called]", timeout=5000)


def test_unknown_ticket_gets_a_friendly_404_page(server, phone):
    answer = phone.goto(f"{server.url}/t/not-a-real-token")
    assert answer.status == 404
    assert phone.inner_text("h1") == "Nomor antrean tidak ditemukan"
    assert "Pindai ulang kode QR" in phone.inner_text("main")
    phone.goto(f"{server.url}/t/not-a-real-token?lang=en")
    assert phone.inner_text("h1") == "Ticket not found"


# ---------------------------------------------------------------------------- without a browser

def test_a_ticket_the_day_closed_is_a_404_that_says_why(server, kiosk, clock):
    ticket = kiosk.issue("ktp")
    clock.advance(days=1)
    server.engine.tick()
    page = httpx.get(f"{server.url}/t/{ticket['token']}")
    assert page.status_code == 404
    assert "hari layanan telah berakhir" in page.text and ticket["code"] in page.text


def test_the_page_works_without_javascript(server, kiosk, staff, clock):
    mine = kiosk.issue("ktp")
    staff.action("loket-1", "call-next")
    staff.action("loket-1", "recall")
    staff.action("loket-1", "no-show")
    with httpx.Client(base_url=server.url) as http:
        page = http.get(f"/t/{mine['token']}")
        assert page.status_code == 200 and 'action="/t/' in page.text and "Saya sudah kembali" in page.text
        back = http.post(f"/t/{mine['token']}/rejoin", data={})
        assert back.status_code == 303 and back.headers["location"] == f"/t/{mine['token']}?lang=id"
        staff.action("loket-1", "call-next")
        clock.advance(minutes=2)  # served long enough to be rated
        staff.action("loket-1", "finish")
        page = http.get(f"/t/{mine['token']}")
        token = re.search(r'name="survey_token" value="([^"]+)"', page.text).group(1)  # the form's hidden field
        incomplete = http.post(f"/t/{mine['token']}/survey?lang=en", data={"u1": "4", "comment": "hi"})
        assert incomplete.status_code == 422 and "Score all 9 survey items" in incomplete.text
        form = {f"u{n}": "3" for n in range(1, 10)} | {"comment": "tanpa JavaScript", "survey_token": token}
        sent = http.post(f"/t/{mine['token']}/survey", data=form)
        assert sent.status_code == 303
        assert "Terima kasih!" in http.get(f"/t/{mine['token']}").text
        again = http.post(f"/t/{mine['token']}/survey", data=form)
        assert again.status_code == 303  # back to the thank-you
        assert sqlite3.connect(server.db_path).execute("SELECT count(*) FROM surveys").fetchone() == (1,)
        missing = http.post("/t/nope/survey", data=form)
        assert missing.status_code == 404 and "Nomor antrean tidak ditemukan" in missing.text


def test_the_page_escapes_what_it_shows(server, tmp_path, clock):
    from kiosk.config import parse_config
    from support.configs import config_dict
    from support.server import running_server

    data = config_dict()
    data["lobby"] = {**data["lobby"], "name": "MPP <script>alert(1)</script>"}
    data["services"][0]["name"] = {"id": "KTP </script><b>", "en": "ID & card"}
    with running_server(parse_config(data, base_dir=tmp_path), tmp_path / "x.sqlite", clock) as other:
        ticket = other.client("kiosk").issue("ktp")
        html = httpx.get(f"{other.url}/t/{ticket['token']}").text
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "KTP &lt;/script&gt;&lt;b&gt;" in html
