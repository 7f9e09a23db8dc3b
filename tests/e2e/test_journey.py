"""One visitor through the whole lobby, every part real: the all-in-one server and windows, a network
printer on loopback, espeak-ng, the sign clips, a phone's browser and the manager's report.

kiosk (clicked) → ESC/POS bytes → QR read from the printed raster → phone page → counter (logged in
with its form, F1) → display (big slot, chime + voice, sign clips) → phone says "called" → counter F4 →
survey in the browser → database → report.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support.fake_printer import strip_status_requests
from ui.kiosk.kiosk_driver import take_ticket

from kiosk.audio.speech import Pyttsx3Synthesizer, wav_info
from kiosk.config import load_config
from kiosk.reports import build_report
from kiosk.sign import call_tokens
from kiosk.ui.lobby import Lobby, open_windows, start_server

from support.server import free_port
from support.toml_writer import write_config

from .conftest import (
    CHIME,
    CHROMIUM,
    CHROMIUM_ARGS,
    COUNTER,
    COUNTER_NUMBER,
    STAFF_PIN,
    STAFF_USER,
    lobby_data,
)
from .printed import printed_qr_texts

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 412, "height": 915}
SCORES = [4, 3, 4, 4, 3, 4, 4, 3, 4]  # U1..U9, as the visitor taps them
COMMENT = "Petugas ramah, antrean cepat."


@pytest.fixture
def lobby_config_path(tmp_path, fake_printer) -> Path:
    """This lobby rates even a short visit: the journey runs on the real clock and the counter finishes a few
    seconds after the call, so queue.survey_min_service_seconds (60 s by default) is 0 here. The rule itself is
    tested with an injected clock in tests/security/test_survey_honesty.py."""
    data = lobby_data(tmp_path, free_port(), fake_printer.port)
    data["queue"] = {**data.get("queue", {}), "survey_min_service_seconds": 0}
    # the same for the counter's question on a finish right after the call (tested in tests/ui/counter)
    data["counter_app"] = {**data.get("counter_app", {}), "finish_confirm_within_s": 0}
    # the booked visitor of the journey's end books KTP-el today: 5-minute slots, so the next one is near
    data["services"][0]["booking"] = {"slot_minutes": 5, "places_per_slot": 5, "days_ahead": 0,
                                      "fields": ["name", "phone"], "checkin_before_min": 30, "checkin_after_min": 15}
    return write_config(tmp_path / "config.toml", data)


class Recorder:
    """What the display's players report, in order: ("voice start"/"voice end", seq, file) and ("sign", token, outcome)."""

    def __init__(self, display):
        self.log: list[tuple] = []
        self.announced: list[int] = []
        self.signed_calls: list[int] = []
        self.sign_key = None
        announcer, signs = display.announcer, display.sign_panel
        announcer.segment_started.connect(lambda key, path: self.log.append(("voice start", key, Path(path))))
        announcer.segment_ended.connect(lambda key, path: self.log.append(("voice end", key, Path(path))))
        announcer.announcement_finished.connect(self.announced.append)
        signs.call_started.connect(self._sign_started)
        signs.token_finished.connect(lambda token, outcome: self.log.append(("sign", self.sign_key, token, outcome)))
        signs.call_finished.connect(self.signed_calls.append)

    def _sign_started(self, key) -> None:
        self.sign_key = key

    def voice(self, key) -> list[tuple[str, Path]]:
        return [(entry[0], entry[2]) for entry in self.log if entry[0].startswith("voice") and entry[1] == key]

    def signs(self, key) -> list[tuple[str, str]]:
        return [(entry[2], entry[3]) for entry in self.log if entry[0] == "sign" and entry[1] == key]


@pytest.fixture
def lobby(qtbot, lobby_config_path):
    """The all-in-one lobby as `mpp-kiosk run` builds it: server in-process, then the three windows."""
    config = load_config(lobby_config_path)
    server = start_server(config)
    lobby = Lobby(config, server)
    try:
        lobby.windows = open_windows(config, lobby.url)
        for window in lobby.windows.values():
            qtbot.addWidget(window)
        yield lobby
    finally:
        lobby.shutdown()


@pytest.fixture
def browser():
    assert CHROMIUM.exists(), "the end-to-end test needs Debian's chromium (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def log_in(qtbot, counter) -> None:
    """Type user and PIN into the counter window's form as the staff member does, press Enter."""
    panel = counter.login_panel
    assert panel.counter_id() == COUNTER  # config.counter_app.counter, chosen for them
    panel.user_field.setFocus()
    qtbot.keyClicks(panel.user_field, STAFF_USER)
    qtbot.keyClicks(panel.pin_field, STAFF_PIN)
    qtbot.keyClick(panel.pin_field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.logged_in and counter.live is not None and counter.live.connected, timeout=10000)
    assert counter.counter_id == COUNTER


def press(qtbot, counter, key, action: str) -> None:
    """An F-key on the counter window (the active window, as at a real desk); wait for its answer and event."""
    counter.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is counter, timeout=3000)
    qtbot.waitUntil(lambda: not counter.busy() and counter.reasons().get(action) is None, timeout=5000)
    with qtbot.waitSignal(counter.action_finished, timeout=5000) as answered:
        qtbot.keyClick(counter, key)
    assert answered.args == [action, True]
    qtbot.waitUntil(lambda: not counter.busy(), timeout=5000)


def test_one_visitor_through_the_whole_lobby(qtbot, lobby, browser, fake_printer):
    config = lobby.config
    kiosk, display, counter = (lobby.windows[name] for name in ("kiosk", "display", "counter"))
    assert isinstance(display.announcer.synthesizer, Pyttsx3Synthesizer)  # espeak-ng, not a fake
    recorder = Recorder(display)

    # -- the visitor takes a number at the kiosk, tapping its screens
    qtbot.waitUntil(lambda: kiosk.current == "home", timeout=10000)
    ticket = take_ticket(qtbot, kiosk, agency_id="dukcapil", service_id="ktp")
    code = ticket["code"]
    assert code == "A-001" and not ticket["printer_failed"]
    assert kiosk.ticket_screen.code_label.text() == code

    # -- the printer got the ticket; its QR, read back from the raster dots, is the status page
    printed = strip_status_requests(fake_printer.wait_for_ticket(timeout=5))
    assert code.encode() in printed
    assert printed_qr_texts(printed) == [ticket["status_url"]]
    url = urlsplit(ticket["status_url"])
    assert f"{url.scheme}://{url.netloc}" == config.lobby.public_url == lobby.url
    assert url.path.startswith("/t/")

    # -- the visitor's phone opens it: the number and the people ahead
    page = browser.new_page(viewport=PHONE)
    page.goto(ticket["status_url"])
    assert page.text_content("#code") == code
    assert page.text_content("#ahead") == str(ticket["position"]) == "0"
    assert page.get_attribute("[data-state]", "data-state") == "waiting"

    # -- the staff member logs in at the counter and calls the next ticket (F1)
    log_in(qtbot, counter)
    qtbot.waitUntil(lambda: [t["code"] for t in counter.waiting_tickets()] == [code], timeout=5000)
    press(qtbot, counter, Qt.Key.Key_F1, "call_next")
    assert counter.current_ticket()["code"] == code

    # -- the display: the big slot, then chime and voice, and the call signed clip by clip
    qtbot.waitUntil(lambda: display.board.current is not None and display.board.current.code == code, timeout=5000)
    assert display.code_label.text() == code
    assert display.counter_label.text() == f"Loket {COUNTER_NUMBER}"
    seq = display.board.current.seq
    qtbot.waitUntil(lambda: seq in recorder.announced and seq in recorder.signed_calls, timeout=30000)

    voice = recorder.voice(seq)
    assert [event for event, _ in voice] == ["voice start", "voice end", "voice start", "voice end"]
    chime, speech = voice[0][1], voice[2][1]
    assert chime == CHIME and voice[1][1] == chime and voice[3][1] == speech
    assert speech.parent == config.path(config.audio.cache_dir) and speech.is_file()
    spoken = wav_info(speech)
    assert spoken.duration_s > 1.0 and spoken.rms > 0.01, f"the announcement is silent: {spoken}"
    played = [record for record in display.announcer.history if record.key == seq]
    assert [(r.path, r.outcome) for r in played] == [(chime, "ended"), (speech, "ended")]
    assert played[0].ended <= played[1].started  # never overlapping: the voice starts after the chime

    assert recorder.signs(seq) == [(token, "ended") for token in call_tokens(code, COUNTER_NUMBER)]

    # -- the phone flips to "called", naming the counter
    page.wait_for_selector("[data-state=called]", timeout=5000)
    assert page.text_content("#go") == f"Silakan menuju Loket {COUNTER_NUMBER}"

    # -- the counter finishes (F4); the phone offers the SKM survey, the visitor fills it in and sends it
    press(qtbot, counter, Qt.Key.Key_F4, "finish")
    assert counter.current_ticket() is None
    page.wait_for_selector("#survey", timeout=5000)
    for number, score in enumerate(SCORES, start=1):
        page.click(f"#u{number} label.opt-{score}")
    page.fill("textarea[name=comment]", COMMENT)
    page.click("#send-survey")
    page.wait_for_selector("#thanks", timeout=5000)

    # -- it is all in the database
    db_path = config.path(config.server.database)
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        tickets = [dict(row) for row in db.execute("SELECT id, code, state, day, issued_at FROM tickets")]
        surveys = [dict(row) for row in db.execute("SELECT * FROM surveys")]
    assert [(t["code"], t["state"]) for t in tickets] == [(code, "done")]
    day = tickets[0]["day"]
    assert day == datetime.fromisoformat(tickets[0]["issued_at"]).astimezone(config.lobby.tz).date().isoformat()
    assert len(surveys) == 1 and surveys[0]["ticket_id"] == tickets[0]["id"]
    assert [surveys[0][f"u{n}"] for n in range(1, 10)] == SCORES and surveys[0]["comment"] == COMMENT

    # -- and the manager's report of the day counts the visit and the rating
    report_day = datetime.fromisoformat(day).date()
    report = build_report(config, db_path, report_day, report_day)
    per_day = report.table("per_day").dicts()
    assert [(row["day"], row["issued"], row["served"], row["no_shows"]) for row in per_day] == [(day, 1, 1, 0)]
    skm = {row["agency_id"]: row for row in report.table("skm").dicts()}
    expected_ikm = float((Decimal(sum(SCORES)) / 9 * 25).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert expected_ikm == 91.67
    for agency_id in ("dukcapil", "ALL"):
        assert skm[agency_id]["respondents"] == 1
        assert skm[agency_id]["ikm"] == expected_ikm
        assert skm[agency_id]["grade"] == "A"

    # -- a booked visitor: books on the phone, scans the booking's QR at the kiosk (a scanner's burst of keys),
    #    gets a ticket of the same numbering marked as booked, and the counter sees the mark and the name
    page.goto(f"{lobby.url}/booking/ktp")
    page.click(".choices a >> nth=0")  # today
    # a slot at least two minutes ahead: the first one may start while the form is filled (then "slot passed",
    # as a visitor would be told; a CI run at 00:40 met that once)
    slots = page.eval_on_selector_all("input[name=slot]:not([disabled])", "inputs => inputs.map(i => i.value)")
    now = datetime.now(lobby.config.lobby.tz)
    starts = [now.replace(hour=int(value[:2]), minute=int(value[2:]), second=0, microsecond=0) for value in slots]
    pick = next((i for i, start in enumerate(starts) if start - now >= timedelta(minutes=2)), len(slots) - 1)
    page.check(f"input[name=slot]:not([disabled]) >> nth={pick}")
    page.fill("input[name=name]", "Siti Aminah")
    page.fill("input[name=phone]", "0812 3456 7890")
    page.click("button[type=submit]")
    booking_url = page.url.split("?")[0]
    assert page.inner_text("#state") == "Terjadwal"
    kiosk.reset_to_home()
    qtbot.waitUntil(lambda: kiosk.current == "home", timeout=5000)
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=10000) as shown:
        for char in booking_url:
            qtbot.keyClick(kiosk, char)
        qtbot.keyClick(kiosk, Qt.Key.Key_Return)
    booked = shown.args[0]
    assert booked["booked"] and booked["code"] == "A-002" and booked["booked_name"] == "Siti Aminah"
    printed = strip_status_requests(fake_printer.wait_for_ticket(timeout=5, count=2))
    assert b"BOOKING " + booked["slot_time"].encode() in printed
    qtbot.waitUntil(lambda: [t["code"] for t in counter.waiting_tickets()] == ["A-002"], timeout=5000)
    press(qtbot, counter, Qt.Key.Key_F1, "call_next")
    assert counter.current_ticket()["booked"]
    assert counter.ticket_panel.booked_badge.text() == f"Booking {booked['slot_time']} · Siti Aminah"
