"""The soak's three window processes: the real kiosk, counter and display windows (Qt, offscreen), each built
as tests/ui/*/conftest.py builds it against a server, driven through its own buttons and slots, on the
server's fast clock. Each runs its own Qt event loop until ``stop`` is set; ``ready`` says the window is up
(catalog on screen, logged in, connected), ``done`` counts what it did (tickets, calls, codes shown).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from support.configs import DEVICE_KEYS

POLL_MS = 100  # how often a driver looks at its window (a person's pace is far slower)
VISITOR_EVERY_S = 1.0  # a visitor steps up to the kiosk
CALL_EVERY_S = 1.2  # the counter calls the next; above the display's flash (1 s) so no call waits for a slot
AT_COUNTER_S = 0.4  # called to finished
USER, PIN, COUNTER = "petugas1", "1234", "loket-1"


def soak_config(folder: Path) -> dict:
    """The soak's config dict: the tests' base config with a long lobby day (07:00-19:00 on weekdays, the
    morning on Saturdays, the lunch break kept: more calls a day, the nights and the Sunday still there), the
    display's audio (a short chime) and the real sign clips as tests/ui/display/conftest.py sets them, the
    issue limit raised (the kiosk taps fast)."""
    from kiosk.audio.speech import write_tone
    from kiosk.sign import load_clip_mapping
    from support.configs import BASE, config_dict, load_test_server

    sign_dir = Path(__file__).resolve().parents[1] / "assets" / "sign"
    clips, info_clip = load_clip_mapping(sign_dir / "mapping.toml")
    write_tone(folder / "chime.wav", 880.0, 0.15)
    return config_dict(
        server=load_test_server(), retention={"personal_days": 7},
        schedule=BASE["schedule"] | {"weekly": {d: ["07:00-19:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
                                     | {"sat": ["08:00-12:00"]}},
        audio={"enabled": True, "languages": ["id"], "chime": "chime.wav"},
        sign={"enabled": True, "clips_dir": str(sign_dir), "info_clip": info_clip, "clips": clips},
        display={"flash_seconds": 1, "recent_calls": 6,
                 "ticker": {"id": "Selamat datang di MPP Uji", "en": "Welcome to MPP Uji"}})


def _window_app(config_path: str):
    from kiosk.config import parse_config
    from kiosk.ui.common.app import make_app

    path = Path(config_path)
    return make_app(), parse_config(json.loads(path.read_text()), base_dir=path.parent)


def _run_until(app, stop, census, config_path: str, windows) -> None:
    """The window's own event loop, as in the lobby, until the soak says stop; when the soak asks for a
    census (``census`` set to a day), the live Python objects by type go to a file for that day."""
    from PySide6.QtCore import QTimer

    taken = [0]

    def check() -> None:
        if census.value != taken[0]:
            taken[0] = census.value
            write_census(Path(config_path).parent, taken[0])
        if stop.is_set():
            for window in windows:
                window.shutdown()
                window.close()
            app.quit()

    watch = QTimer()
    watch.timeout.connect(check)
    watch.start(200)
    app.exec()


def kiosk_window(url: str, config_path: str, clock, stop, census, ready, done) -> None:
    """Visitors tap Ambil Nomor → the agency tile → the service tile → the confirm button, one every
    VISITOR_EVERY_S; the ticket screen goes back home as after a visitor. Printed by the dummy ESC/POS
    backend (the config's printer), as `mpp-kiosk kiosk` wires it."""
    from PySide6.QtCore import QTimer

    from kiosk.client import ApiClient
    from kiosk.printer.backends import make_ticket_printer
    from kiosk.ui.common.app import find_screen
    from kiosk.ui.kiosk.window import KioskWindow

    app, config = _window_app(config_path)
    api = ApiClient(url, DEVICE_KEYS["kiosk"], timeout=10)
    window = KioskWindow(config, api, make_ticket_printer(config.printer, config.base_dir), clock=clock)
    # its catalog refresh (10 s) keeps open/closed in step with the lobby's hours; on the fast clock those
    # pass in seconds, so it runs every quarter of a lobby hour (at least every 0.5 s)
    window.refresh_ms = min(window.refresh_ms, max(500, round(900_000 / clock.speed)))
    window.setGeometry(find_screen("lobby-1").geometry())
    window.show()
    window.catalog_loaded.connect(ready.set)
    window.ticket_shown.connect(lambda _ticket: _count(done))
    last = [0.0]

    def visitor() -> None:
        if window.issuing or not ready.is_set() or time.monotonic() - last[0] < VISITOR_EVERY_S:
            return
        last[0] = time.monotonic()
        window.reset_to_home()
        if window.current != "home":
            return  # offline: the kiosk retries on its own
        window.home_screen.take_button.click()
        window._choose_agency("dukcapil")  # what the agency and the service tiles call when tapped
        window._choose_service("ktp")
        if window.current == "confirm":  # closed (night, break): the kiosk said why, no confirm screen
            window.confirm_screen.confirm_button.click()

    timer = QTimer()
    timer.timeout.connect(visitor)
    timer.start(POLL_MS)
    window.start()
    _run_until(app, stop, census, config_path, [window])
    api.close()


def counter_window(url: str, config_path: str, clock, stop, census, ready, done, sent_path: str) -> None:
    """An officer at loket-1: logs in by typing user and PIN, clicks call-next, then finish, one call every
    CALL_EVERY_S while anyone waits; logs in again when the session's hours run out on the fast clock.
    Each call's code and click time go to ``sent_path``."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest

    from kiosk.ui.counter.window import CounterWindow

    app, config = _window_app(config_path)
    window = CounterWindow(config, url, counter_id=COUNTER, lang="id", clock=clock)
    window.resize(1366, 768)
    window.show()
    state = {"called_at": 0.0, "clicked": None, "code": None, "login_at": 0.0}
    sent = open(sent_path, "a", buffering=1)

    def log_in() -> None:
        panel = window.login_panel
        panel.user_field.clear()
        panel.pin_field.clear()
        QTest.keyClicks(panel.user_field, USER)
        QTest.keyClicks(panel.pin_field, PIN)
        QTest.keyClick(panel.pin_field, Qt.Key.Key_Return)

    def officer() -> None:
        now = time.monotonic()
        if not window.logged_in:
            if now - state["login_at"] > 1:
                state["login_at"] = now
                log_in()
            return
        if window.live is None or not window.live.connected:
            return
        ready.set()
        if window.confirm_dialog is not None and window.confirm_dialog.isVisible():
            QTest.mouseClick(window.confirm_dialog.ok_button, Qt.MouseButton.LeftButton)
            return
        ticket = window.current_ticket()
        code = ticket["code"] if ticket else None
        if code and code != state["code"] and state["clicked"] is not None:
            sent.write(f"{code} {state['clicked']}\n")  # the click that called it
            state["clicked"] = None
            _count(done)
        state["code"] = code
        if window.busy():
            return
        if ticket and now - state["called_at"] >= AT_COUNTER_S and window.buttons["finish"].isEnabled():
            QTest.mouseClick(window.buttons["finish"], Qt.MouseButton.LeftButton)
        elif not ticket and now - state["called_at"] >= CALL_EVERY_S and window.buttons["call_next"].isEnabled():
            state["called_at"], state["clicked"] = now, time.time()
            QTest.mouseClick(window.buttons["call_next"], Qt.MouseButton.LeftButton)

    timer = QTimer()
    timer.timeout.connect(officer)
    timer.start(POLL_MS // 2)
    window.start()
    _run_until(app, stop, census, config_path, [window])
    sent.close()


def display_window(url: str, config_path: str, clock, stop, census, ready, done, seen_path: str) -> None:
    """The lobby TV with its chime and voice (FakeSynthesizer: a short tone per phrase, as the display tests)
    and the real sign clips. When the big slot's code label is painted with a code just called, its code and
    the time go to ``seen_path`` (the paint, as bench/display.py times it)."""
    from PySide6.QtCore import QEvent, QObject

    from kiosk.audio.speech import FakeSynthesizer
    from kiosk.lobby_state import call_entry
    from kiosk.protocol.events import EventType
    from kiosk.ui.common.app import find_screen
    from kiosk.ui.display.window import DisplayWindow

    app, config = _window_app(config_path)
    synthesizer = FakeSynthesizer(Path(config_path).parent / "voice", duration_s=0.1)
    window = DisplayWindow(config, url, DEVICE_KEYS["display"], synthesizer=synthesizer, clock=clock)
    window.setGeometry(find_screen("lobby-1").geometry())
    window.show()
    called: set[str] = set()  # codes called and not yet painted
    seen = open(seen_path, "a", buffering=1)

    def on_event(event: dict) -> None:
        if event["type"] == EventType.CALLED:
            called.add(call_entry(event)["code"])
            synthesizer.calls.clear()  # the fake's record of what it was asked is the bench's, not the display's

    class Painted(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint and watched.text() in called:
                called.discard(watched.text())
                seen.write(f"{watched.text()} {time.time()}\n")
                _count(done)
            return False

    painted = Painted(window)
    window.code_label.installEventFilter(painted)
    window.live.event_applied.connect(on_event)
    window.live.connection_changed.connect(lambda up: up and ready.set())
    window.start()
    _run_until(app, stop, census, config_path, [window])
    seen.close()


def write_census(folder: Path, day: int) -> None:
    import collections
    import gc
    import multiprocessing

    from PySide6.QtWidgets import QApplication

    gc.collect()
    counts = collections.Counter(type(thing).__name__ for thing in gc.get_objects())
    name = multiprocessing.current_process().name
    (folder / f"census-{name}-{day}.json").write_text(
        json.dumps({"objects": dict(counts), "widgets": len(QApplication.allWidgets())}))


def _count(done) -> None:
    with done.get_lock():
        done.value += 1
