"""Screenshots of the display's profiles at 1920x1080 and 1366x768, against the shipped config.toml.

    .venv/bin/python scripts/screenshots_display_profiles.py [--config config.toml] [--out docs/screenshots]

A real queue server on 127.0.0.1 (its clock at a Monday 09:00). For each screen size: a zone display
(display-zone-profile-*: profile "lantai-2", Imigrasi and Samsat, its own ticker); one counter's screen
(display-one-counter-*: Loket of Samsat serving a number) and the same counter paused
(display-one-counter-paused-*); and signage between calls with a manager's notice on the ticker
(display-signage-*: a slide of the playlist in the calls' place).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'support' / 'screens.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia*=false")
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]

from PySide6.QtCore import QRect, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter  # noqa: E402

from kiosk.audio.speech import FakeSynthesizer  # noqa: E402
from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import DisplayProfile, SignageItem, Text, load_config  # noqa: E402
from kiosk.ui.common.app import make_app, place_on_screen  # noqa: E402
from kiosk.ui.display.window import DisplayWindow  # noqa: E402
from screenshots_display import SCREENS, issue_tickets, settle, wait_until  # noqa: E402
from support.configs import MONDAY_9  # noqa: E402
from support.server import running_server  # noqa: E402


def slide(path: Path) -> Path:
    """A signage slide as a lobby would make one: the opening hours."""
    image = QImage(1600, 900, QImage.Format.Format_RGB32)
    image.fill(QColor("#1F4E79"))
    painter = QPainter(image)
    painter.setPen(QColor("#FFFFFF"))
    font = QFont("DejaVu Sans")
    font.setBold(True)
    font.setPixelSize(110)
    painter.setFont(font)
    painter.drawText(QRect(0, 120, 1600, 200), Qt.AlignmentFlag.AlignCenter, "Jam Layanan")
    font.setPixelSize(72)
    font.setBold(False)
    painter.setFont(font)
    painter.drawText(QRect(0, 360, 1600, 400), Qt.AlignmentFlag.AlignCenter,
                     "Senin–Kamis 08.00–15.00\nJumat 08.00–15.30\nIstirahat 12.00–13.00")
    painter.end()
    image.save(str(path))
    return path


def make_shots(config_path: Path, out_dir: Path) -> list[Path]:
    config = load_config(config_path)
    samsat_counter = next(c for c in config.counters if c.agency == "samsat")
    out_dir.mkdir(parents=True, exist_ok=True)
    app = make_app()  # noqa: F841
    saved: list[Path] = []

    def save(window, name: str) -> None:
        path = out_dir / name
        window.grab().save(str(path))
        saved.append(path)
        print(path)

    for size, screen in SCREENS.items():
        with tempfile.TemporaryDirectory(prefix="mpp-profile-shots-") as tmp:
            picture = slide(Path(tmp) / "jam-layanan.png")
            display = config.display.model_copy(update={"flash_seconds": 1.0, "signage_after_s": 1.0, "signage": [
                SignageItem(kind="image", file=picture, seconds=60)]})
            profiled = config.model_copy(update={"display": display, "displays": [
                DisplayProfile(name="lantai-2", agencies=["imigrasi", "samsat"],
                               ticker=Text(id="Lantai 2: Imigrasi dan Samsat", en="Floor 2: Immigration and Samsat")),
                DisplayProfile(name="loket-samsat", counters=[samsat_counter.id], layout="counter", voice=False)]})
            with running_server(profiled, Path(tmp) / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
                issue_tickets(server, profiled)
                windows = []

                def open_window(profile):
                    window = DisplayWindow(profiled, server.url, server.key("display"),
                                           synthesizer=FakeSynthesizer(Path(tmp) / f"voice-{profile}", duration_s=0.1),
                                           clock=FakeClock(MONDAY_9), profile=profile)
                    window.sign_panel.playback_rate = 4.0
                    place_on_screen(window, screen, fullscreen=True)
                    window.start()
                    windows.append(window)
                    wait_until(lambda: window.live.connected, what=f"the display {profile}")
                    return window

                zone, one, lobby = open_window("lantai-2"), open_window("loket-samsat"), open_window(None)
                for counter in profiled.counters:
                    if counter.agency in ("imigrasi", "samsat", "dukcapil") and counter.number in ("1", "2") or \
                            counter.id == samsat_counter.id or counter.agency == "imigrasi":
                        server.engine.open_counter(counter.id)
                        try:
                            server.engine.call_next(counter.id)
                        except Exception:
                            pass
                server.notify()
                wait_until(lambda: zone.shown_calls() and one.counter_screen_text()[1], what="the calls")
                wait_until(lambda: not zone.flashing and not one.flashing, what="the end of the flash")
                settle(1.0)  # the flash's last step repaints the cards steady
                save(zone, f"display-zone-profile-{size}.png")
                save(one, f"display-one-counter-{size}.png")
                server.engine.finish(samsat_counter.id)
                server.engine.pause(samsat_counter.id, "prayer")
                server.notify()
                wait_until(lambda: "Jeda" in one.counter_screen_text()[2], what="the pause")
                settle(0.3)
                save(one, f"display-one-counter-paused-{size}.png")

                manager = server.client("manager")
                manager.add_notice({"id": "Layanan Samsat tutup pukul 12:00 hari ini",
                                    "en": "Samsat services close at 12:00 today"})
                manager.close()
                server.notify()
                wait_until(lambda: "Samsat" in lobby.ticker.text, what="the notice")
                wait_until(lambda: lobby.signage_visible, timeout=60, what="the signage")
                # the running text caught where the notice begins
                lobby.ticker.stop()
                start = lobby.ticker.text.index("Layanan Samsat")
                lobby.ticker.offset = 20 - QFontMetrics(lobby.ticker.font()).horizontalAdvance(lobby.ticker.text[:start])
                lobby.ticker.update()
                settle(0.5)
                save(lobby, f"display-signage-{size}.png")
                for window in windows:
                    window.shutdown()
                    window.close()
                    window.deleteLater()
                settle(0.1)
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
