"""Screenshots of the lobby display at 1920x1080 and 1366x768, against the shipped config.toml.

    .venv/bin/python scripts/screenshots_display.py [--config config.toml] [--out docs/screenshots]

Runs offscreen with a real queue server on 127.0.0.1 (its clock fixed at a
Monday 09:00 so services are open). For each screen size: the display idle
(tickets waiting, nobody called yet); a burst of 3 calls (display-burst-*, all
three large and flashing); a call being signed; the counter board with a paused
and a closed counter (display-counters-*); a recall (display-recall-*); the lunch
break's notice (display-break-*, the display's clock at 12:15); a zone display of
two agencies (display-zone-*, profile "lantai-1"); and the "connection lost" sign. The sign-language panel paints its video frames itself,
so ``grab()`` shows them.
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
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia*=false")
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.audio.speech import FakeSynthesizer  # noqa: E402
from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import DisplayProfile, load_config  # noqa: E402
from kiosk.ui.common.app import make_app, place_on_screen  # noqa: E402
from kiosk.ui.display.window import DisplayWindow  # noqa: E402
from support.configs import MONDAY_9  # noqa: E402
from support.server import running_server  # noqa: E402

SCREENS = {"1920": "lobby-1", "1366": "lobby-2"}
# (service, how many tickets): waiting people across many agencies, so the counts page
TICKETS = [("dukcapil-ktp-rekam", 9), ("dukcapil-kk", 5), ("imigrasi-paspor-baru", 4), ("samsat-pkb", 6),
           ("bpjs-kesehatan-daftar", 3), ("kpp-npwp", 2), ("kemenag-nikah", 2), ("polresta-skck", 7),
           ("bpn-informasi", 2), ("disnaker-ak1", 3), ("pln-pasang-baru", 2), ("pdam-sambungan-baru", 1),
           ("bank-kaltimtara-rekening", 2), ("bri-rekening", 1), ("dpmptsp-nib", 4)]


def wait_until(predicate, timeout: float = 10.0, what: str = "the display") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.2) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def issue_tickets(server, config) -> None:
    # straight into the queue, as a morning's kiosks would have: more at once than one kiosk may issue in a burst
    services = config.service_by_id
    for service_id, count in TICKETS:
        if service_id in services:
            for _ in range(count):
                server.engine.issue_ticket(service_id)
    server.notify()


def make_calls(server, config, how_many: int) -> list[str]:
    """Calls from the counters of different agencies, as on a busy morning."""
    waiting_services = {t["service_id"] for t in server.engine.snapshot()["tickets"] if t["state"] == "waiting"}
    codes, used_agencies = [], set()
    for counter in config.counters:
        if len(codes) == how_many:
            break
        if counter.agency in used_agencies or not waiting_services & set(counter.services):
            continue
        server.engine.open_counter(counter.id)
        codes.append(server.engine.call_next(counter.id).code)
        used_agencies.add(counter.agency)
    server.notify()
    return codes


def make_shots(config_path: Path, out_dir: Path) -> list[Path]:
    config = load_config(config_path)
    # a short flash, so a burst of calls settles quickly; the look is the same
    config = config.model_copy(update={"display": config.display.model_copy(update={"flash_seconds": 1.0})})
    # the shipped lobby with one zone profile, for the zone screenshot
    zoned = config.model_copy(update={"displays": [
        DisplayProfile(name="lantai-1", agencies=["dukcapil", "polresta"])]})
    out_dir.mkdir(parents=True, exist_ok=True)
    app = make_app()
    saved: list[Path] = []

    def save(window, name: str) -> None:
        path = out_dir / name
        window.grab().save(str(path))
        saved.append(path)
        print(path)

    for size, screen in SCREENS.items():
        with tempfile.TemporaryDirectory(prefix="mpp-display-shots-") as tmp, \
                running_server(config, Path(tmp) / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
            issue_tickets(server, config)
            window = DisplayWindow(config, server.url, server.key("display"),
                                   synthesizer=FakeSynthesizer(Path(tmp) / "voice", duration_s=0.2),
                                   clock=FakeClock(MONDAY_9))
            window.sign_panel.playback_rate = 4.0  # the same frames, sooner: the burst of calls is signed quickly
            place_on_screen(window, screen, fullscreen=True)
            window.start()
            wait_until(lambda: window.live.connected and window.waiting_text(), what="the first snapshot")
            frames = window.sign_panel.view.frames_shown
            wait_until(lambda: window.sign_panel.view.frames_shown > frames + 20, what="the information clip")
            settle(0.3)
            save(window, f"display-{size}.png")

            codes = make_calls(server, config, 3)
            wait_until(lambda: len(window.slot_log) == len(codes), timeout=20, what="the burst of calls")
            wait_until(lambda: window.flashing and window._flash_on, what="the bright flash")
            save(window, f"display-burst-{size}.png")
            # the last call is being signed: catch the panel on a letter of its code
            letter = codes[-1][0]
            wait_until(lambda: window.sign_panel.current_token == letter and window.sign_panel.title.text().startswith(
                codes[-1]), timeout=60, what="the signing of the last call")
            frames = window.sign_panel.view.frames_shown
            wait_until(lambda: window.sign_panel.view.frames_shown > frames + 8 and not window.flashing,
                       what="a video frame")
            save(window, f"display-call-{size}.png")

            # the counter board: one counter paused for prayer, one closed, the called ones serving
            opened = [c.id for c in config.counters if server.engine.snapshot()["counters"].get(c.id)]
            paused, closed = opened[0], opened[1]
            server.engine.finish(paused)
            server.engine.pause(paused, "prayer")
            server.engine.finish(closed)
            server.engine.close_counter(closed)
            server.notify()
            wait_until(lambda: len(window.shown_calls()) == 1 and any("Jeda" in line for line in window.counter_board_text()),
                       what="the paused counter")
            window._counter_page = 0
            window._layout_counter_rows()
            settle(0.3)
            save(window, f"display-counters-{size}.png")

            # a recall: the call flashes again with "Panggilan ulang"
            serving = opened[2]
            server.engine.recall(serving)
            server.notify()
            wait_until(lambda: window.recall_badge.isVisible() and window.flashing and window._flash_on,
                       what="the recall")
            save(window, f"display-recall-{size}.png")

            # the lunch break: the lobby's notice with its reason and its end
            window.clock.advance(hours=3, minutes=15)
            window._tick_clock()
            wait_until(lambda: not window.flashing, what="the end of the flash")
            settle(0.3)
            save(window, f"display-break-{size}.png")

            # a zone display beside it: only Disdukcapil's and Polresta's calls, counters and waiting
            zone = DisplayWindow(zoned, server.url, server.key("display"),
                                 synthesizer=FakeSynthesizer(Path(tmp) / "voice-zone", duration_s=0.2),
                                 clock=FakeClock(MONDAY_9), profile="lantai-1")
            place_on_screen(zone, screen, fullscreen=True)
            zone.start()
            wait_until(lambda: zone.live.connected and zone.shown_calls() and zone.waiting_text(), what="the zone display")
            settle(0.5)
            save(zone, f"display-zone-{size}.png")
            zone.shutdown()
            zone.close()
            zone.deleteLater()

            server.stop()
            wait_until(lambda: window.offline_sign_visible, what="the connection-lost sign")
            settle(0.2)
            save(window, f"display-offline-{size}.png")
            window.shutdown()
            window.close()
            window.deleteLater()
            settle(0.1)
    app.processEvents()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    make_shots(args.config, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
