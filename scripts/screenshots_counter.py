"""Screenshots of the counter (loket) window at 1366x768, against the shipped config.toml.

    .venv/bin/python scripts/screenshots_counter.py [--config config.toml] [--out docs/screenshots]

Runs offscreen with a real queue server on 127.0.0.1 (its clock fixed at a
Monday 09:00 so services are open) and the real window driven the way staff
would: typing the login, pressing the F-keys.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'support' / 'screens.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
_tmp = Path(tempfile.mkdtemp(prefix="mpp-kiosk-shots-"))
os.environ["TMPDIR"] = str(_tmp)
tempfile.tempdir = str(_tmp)
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import httpx  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QPainter, QPixmap  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.ui.common.app import make_app  # noqa: E402
from kiosk.ui.counter.window import CounterWindow  # noqa: E402
from support.configs import MONDAY_9  # noqa: E402
from support.server import running_server  # noqa: E402

COUNTER = "dukcapil-1"
USER, PIN = "petugas1", "1234"  # as the shipped config.toml documents
SUPERVISOR, SUPERVISOR_PIN = "supervisor", "9999"


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the counter window did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.2) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def with_dialog(window, dialog) -> QPixmap:
    """The window with its (modal) dialog drawn on top, centred as a window manager would place it."""
    picture = window.grab()
    painter = QPainter(picture)
    inner = dialog.grab()
    at = QPoint((picture.width() - inner.width()) // 2, (picture.height() - inner.height()) // 2)
    painter.drawPixmap(at, inner)
    painter.setPen(Qt.GlobalColor.black)
    painter.drawRect(at.x() - 1, at.y() - 1, inner.width() + 1, inner.height() + 1)
    painter.end()
    return picture


def make_shots(config_path: Path, out_dir: Path) -> list[Path]:
    config = load_config(config_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    make_app()
    saved: list[Path] = []
    clock = FakeClock(MONDAY_9)
    services = config.counter_by_id[COUNTER].services

    with running_server(config, _tmp / "shots.sqlite", clock=clock, log_events=False) as server:
        engine = server.engine

        def issue(count: int, every_minutes: float = 1.5, priority_every: int = 0) -> None:
            for n in range(count):
                engine.issue_ticket(services[n % len(services)],
                                    priority=bool(priority_every) and n % priority_every == priority_every - 1)
                clock.advance(minutes=every_minutes)
            server.notify()

        window = CounterWindow(config, server.url, counter_id=COUNTER, clock=clock)
        window.resize(1366, 768)
        window.show()
        window.start()

        def shot(name: str, picture: QPixmap | None = None) -> None:
            settle()
            path = out_dir / f"counter-{name}.png"
            (picture or window.grab()).save(str(path))
            saved.append(path)

        panel = window.login_panel
        QTest.keyClicks(panel.user_field, USER)
        QTest.keyClicks(panel.pin_field, "1111")
        QTest.keyClick(panel.pin_field, Qt.Key.Key_Return)
        wait_until(lambda: bool(panel.message.text()))
        shot("logged-out")

        issue(6, every_minutes=2)
        QTest.keyClicks(panel.pin_field, PIN)
        QTest.keyClick(panel.pin_field, Qt.Key.Key_Return)
        wait_until(lambda: window.logged_in and window.live is not None and window.live.connected)
        wait_until(lambda: len(window.waiting_panel.codes()) == 6)
        wait_until(lambda: window.waiting_panel.stats_label.text() != "")
        shot("idle")

        def press(key) -> None:
            before = window.live.state.seq
            QTest.keyClick(window, key)
            wait_until(lambda: window.in_flight is None and window.live.state.seq > before)

        press(Qt.Key.Key_F1)
        clock.advance(seconds=40)
        press(Qt.Key.Key_F3)
        clock.advance(minutes=4, seconds=12)
        window._refresh_times()
        shot("serving")

        press(Qt.Key.Key_F4)
        wait_until(lambda: "1" in window.waiting_panel.stats_label.text())
        issue(28, every_minutes=0.7, priority_every=6)
        wait_until(lambda: len(window.waiting_panel.codes()) == 33)
        press(Qt.Key.Key_F1)
        clock.advance(minutes=1, seconds=5)
        QTest.keyClick(window, Qt.Key.Key_F5)  # disabled until a recall: the status line says why
        window._refresh_times()
        shot("waiting-full")

        QTest.keyClick(window, Qt.Key.Key_F6)
        wait_until(lambda: window.transfer_dialog is not None and window.transfer_dialog.isVisible())
        QTest.keyClicks(window.transfer_dialog.search, "kk")
        shot("transfer", with_dialog(window, window.transfer_dialog))
        window.transfer_dialog.reject()
        wait_until(window.isActiveWindow)

        press(Qt.Key.Key_F4)
        QTest.keyClick(window, Qt.Key.Key_F8)
        wait_until(lambda: window.pause_dialog is not None and window.pause_dialog.isVisible())
        shot("pause-reason", with_dialog(window, window.pause_dialog))
        before = window.live.state.seq
        window.pause_dialog.buttons["prayer"].click()
        wait_until(lambda: window.in_flight is None and window.live.state.seq > before)
        wait_until(window.isActiveWindow)
        shot("paused")

        window.set_language("en")
        press(Qt.Key.Key_F8)
        press(Qt.Key.Key_F1)
        shot("serving-en")
        window.set_language("id")

        server.stop()
        wait_until(lambda: not window.live.connected)
        shot("offline")
        server.start()
        wait_until(lambda: window.live.connected)

        # a supervisor sees today's figures of the whole lobby above the waiting list
        before = window.live.state.seq
        clock.advance(seconds=30)  # past counter_app.finish_confirm_within_s: no question
        QTest.keyClick(window, Qt.Key.Key_F4)
        wait_until(lambda: window.in_flight is None and window.live.state.seq > before)
        engine = server.engine  # a new one since the restart
        for n, row in enumerate(engine.store.query("SELECT token FROM tickets WHERE state = 'done' ORDER BY id")):
            survey_token = engine.survey_token(row["token"])  # as the phone page sends it; None: too short a service
            if survey_token is not None:
                engine.submit_survey(row["token"], [4, 3, 4, 3, 3, 4, 4, 3, 3] if n % 2 else [3, 3, 4, 4, 3, 3, 4, 2, 3],
                                     survey_token=survey_token)
        # a guess at a colleague's PIN from another PC, a PC trying many names, then the supervisor takes
        # this counter over from a PC of their own: what the supervisor's security panel lists
        key = {"Authorization": f"Bearer {config.server.key_for('counter-app')}"}

        def from_pc(address: str) -> httpx.Client:
            return httpx.Client(base_url=server.url, timeout=10, headers=key,
                                transport=httpx.HTTPTransport(local_address=address))

        with from_pc("127.0.0.23") as guesser:
            for pin in ("111111", "123456", "000000", "121212", "654321"):
                guesser.post("/api/v1/sessions", json={"user": "dukcapil-agus", "pin": pin, "counter_id": "dukcapil-2"})
        clock.advance(minutes=4, seconds=31)
        with from_pc("127.0.0.41") as sprayer:
            for n in range(config.server.limits.login_failures_per_address):
                sprayer.post("/api/v1/sessions", json={"user": f"admin{n}", "pin": "123456", "counter_id": COUNTER})
        clock.advance(minutes=2, seconds=7)
        with from_pc("127.0.0.12") as supervisors_pc:
            supervisors_pc.post("/api/v1/sessions", json={"user": SUPERVISOR, "pin": SUPERVISOR_PIN,
                                                          "counter_id": COUNTER}).raise_for_status()
        wait_until(lambda: not window.logged_in and window.in_flight is None)  # told at once by the live event
        shot("taken-over")
        panel.user_field.clear()
        QTest.keyClicks(panel.user_field, SUPERVISOR)
        panel.select(COUNTER)
        QTest.keyClicks(panel.pin_field, SUPERVISOR_PIN)
        QTest.keyClick(panel.pin_field, Qt.Key.Key_Return)
        wait_until(lambda: window.logged_in and window.live is not None and window.live.connected)
        press(Qt.Key.Key_F1)
        clock.advance(minutes=3, seconds=20)
        press(Qt.Key.Key_F3)
        clock.advance(minutes=6, seconds=40)
        press(Qt.Key.Key_F4)
        press(Qt.Key.Key_F1)
        clock.advance(minutes=2, seconds=10)
        window._refresh_times()
        window.load_today()
        wait_until(lambda: window._today is not None and not window.is_loading("today"))
        wait_until(lambda: len(window.security_panel.row_texts()) == 3)
        shot("supervisor")

        # a stray kiosk printed a burst of numbers: the supervisor voids them (a range) and one more by code
        burst = [engine.issue_ticket(services[0]).ticket.code for _ in range(3)]
        server.notify()
        wait_until(lambda: burst[-1] in window.waiting_panel.codes())
        other = next(code for code in window.waiting_panel.codes() if code not in burst)
        window.today_panel.void_button.click()
        wait_until(lambda: window.void_dialog is not None and window.void_dialog.isVisible())
        dialog = window.void_dialog
        QTest.keyClicks(dialog.fields["codes"], other)
        QTest.keyClicks(dialog.fields["range"], f"{burst[0]} - {burst[-1]}")
        QTest.keyClicks(dialog.fields["reason"], "Kiosk 2 mencetak nomor beruntun (kertas macet)")
        shot("void", with_dialog(window, dialog))
        before = window.live.state.seq
        dialog.ok_button.click()
        wait_until(lambda: window.in_flight is None and window.live.state.seq > before)
        wait_until(lambda: not any(code in window.waiting_panel.codes() for code in [other, *burst]))
        wait_until(window.isActiveWindow)
        shot("voided")

        # the safeguards (issue 18): F5 counts down from the last call, asks, and can be undone
        def dialog_shown():
            return window.confirm_dialog is not None and window.confirm_dialog.isVisible()

        clock.advance(seconds=30)
        press(Qt.Key.Key_F4)
        press(Qt.Key.Key_F1)
        press(Qt.Key.Key_F2)
        clock.advance(seconds=15)
        QTest.keyClick(window, Qt.Key.Key_F5)  # too early: the status line says how long
        window._refresh_times()
        shot("countdown")
        clock.advance(seconds=31)
        window._refresh_times()
        QTest.keyClick(window, Qt.Key.Key_F5)
        wait_until(dialog_shown)
        shot("no-show-confirm", with_dialog(window, window.confirm_dialog))
        before = window.live.state.seq
        QTest.keyClick(window.confirm_dialog.ok_button, Qt.Key.Key_Return)
        wait_until(lambda: window.in_flight is None and window.live.state.seq > before)
        wait_until(window.isActiveWindow)
        clock.advance(seconds=3)
        window._refresh_times()
        shot("undo")
        before = window.live.state.seq
        QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        wait_until(lambda: window.in_flight is None and window.live.state.seq > before)
        clock.advance(seconds=5)
        QTest.keyClick(window, Qt.Key.Key_F4)  # 5 seconds after the (re)call: asks once
        wait_until(dialog_shown)
        shot("finish-confirm", with_dialog(window, window.confirm_dialog))
        QTest.keyClick(window.confirm_dialog, Qt.Key.Key_Escape)
        wait_until(window.isActiveWindow)
        QTest.keyClick(window, Qt.Key.Key_F6)
        wait_until(lambda: window.transfer_dialog is not None and window.transfer_dialog.isVisible())
        QTest.keyClick(window.transfer_dialog.search, Qt.Key.Key_Return)  # nothing chosen: it says so
        shot("transfer-empty", with_dialog(window, window.transfer_dialog))
        window.transfer_dialog.reject()
        wait_until(window.isActiveWindow)
        QTest.keyClick(window, Qt.Key.Key_F12)
        wait_until(dialog_shown)
        shot("logout-confirm", with_dialog(window, window.confirm_dialog))
        QTest.keyClick(window.confirm_dialog, Qt.Key.Key_Escape)
        wait_until(window.isActiveWindow)
        # the oldest waiting tickets pass their target wait: this counter and the supervisor's panel (the rest
        # of the lobby: here a passport visitor) say so
        elsewhere = next(s.id for s in config.services if s.id not in services)
        engine.issue_ticket(elsewhere)
        server.notify()
        clock.advance(minutes=31)
        window._refresh_times()
        shot("wait-alert")
        # the lunch break: no new tickets, and how many still wait for this counter
        now = clock.now().astimezone(config.lobby.tz)
        clock.advance(seconds=(now.replace(hour=12, minute=10, second=0) - now).total_seconds())
        window._refresh_times()
        shot("closed")

        window.shutdown()
        window.close()
    QApplication.processEvents()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    for path in make_shots(args.config, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
