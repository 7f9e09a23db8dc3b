"""Screenshots of every kiosk screen at 1920x1080, against the shipped config.toml.

    .venv/bin/python scripts/screenshots_kiosk.py [--config config.toml] [--out docs/screenshots]

Runs offscreen with a real queue server on 127.0.0.1 (its clock fixed at a
Monday 09:00 so services are open), a fake network printer on loopback, and
the real kiosk window driven the way a visitor would (button clicks).
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
os.environ["TMPDIR"] = str(_tmp)  # python-escpos leaves a folder per import
tempfile.tempdir = str(_tmp)
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.printer.backends import EscposTicketPrinter  # noqa: E402
from kiosk.ui.common.app import find_screen, make_app  # noqa: E402
from kiosk.ui.kiosk.window import KioskWindow  # noqa: E402
from support.configs import MONDAY_9  # noqa: E402
from support.fake_printer import FakeNetworkPrinter  # noqa: E402
from support.server import running_server  # noqa: E402


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the kiosk did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.15) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def make_shots(config_path: Path, out_dir: Path) -> list[Path]:
    config = load_config(config_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    app = make_app()
    saved: list[Path] = []
    clock = FakeClock(MONDAY_9)
    # the server's limiters' clock: held still, so the kiosk's issue budget only refills when the script says
    limiter_clock = {"now": 0.0}

    with running_server(config, _tmp / "shots.sqlite", clock=clock, monotonic=lambda: limiter_clock["now"]) as server, \
            FakeNetworkPrinter() as fake:
        engine = server.engine
        # a lobby that has been open for a while: people waiting, one service full
        for service_id, count in (("dukcapil-ktp-rekam", 7), ("dukcapil-kk", 4), ("imigrasi-paspor-baru", 9),
                                  ("samsat-pkb", 5), ("polresta-skck", 3)):
            if service_id in config.service_by_id:
                for _ in range(count):
                    engine.issue_ticket(service_id)
        full = "imigrasi-paspor-hilang"
        if full in config.service_by_id and config.service_by_id[full].daily_quota:
            for _ in range(config.service_by_id[full].daily_quota):
                engine.issue_ticket(full)

        printer = EscposTicketPrinter(fake.printer_config(timeout_s=1, paper_mm=config.printer.paper_mm))
        window = KioskWindow(config, server.client("kiosk"), printer, clock=clock)
        window.setGeometry(find_screen(0).geometry())
        window.show()
        window.start()
        wait_until(lambda: window.current == "home")
        settle()

        def shot(name: str) -> None:
            settle()
            path = out_dir / f"kiosk-{name}.png"
            window.grab().save(str(path))
            saved.append(path)

        shot("home-id")
        window.language_button.click()
        shot("home-en")
        window.language_button.click()

        window.home_screen.take_button.click()
        shot("agencies")
        window.agency_screen.grid.next_button.click()
        shot("agencies-page2")
        window.agency_screen.grid.prev_button.click()

        window.agency_screen.search_button.click()
        for key in "KTP":
            window.search_screen.keyboard.keys[key].click()
        shot("search")
        window.back_button.click()

        tile = next(s for s in window.agency_screen.grid.slots if s.agency_id == "imigrasi")
        tile.click()
        shot("services")
        window.back_button.click()
        tile = next(s for s in window.agency_screen.grid.slots if s.agency_id == "dukcapil")
        tile.click()
        shot("services-dukcapil")

        card = next(c for c in window.service_screen.grid.slots if c.service_id == "dukcapil-ktp-rekam")
        card.click()
        window.confirm_screen.priority_toggle.click()
        shot("confirm")

        # the printing screen is on for as long as the printer takes: show it on its own
        window._go("printing", push=False)
        shot("printing")
        window._go("confirm", push=False)

        window.confirm_screen.confirm_button.click()
        wait_until(lambda: window.current == "ticket")
        shot("ticket")

        window.reset_to_home()
        fake.state = "paper_out"
        window.home_screen.take_button.click()
        next(s for s in window.agency_screen.grid.slots if s.agency_id == "dukcapil").click()
        next(c for c in window.service_screen.grid.slots if c.service_id == "dukcapil-kk").click()
        window.confirm_screen.confirm_button.click()
        wait_until(lambda: window.current == "ticket")
        shot("printer-fault")
        fake.state = "ok"
        window.reset_to_home()

        window.set_accessible(True)
        shot("accessible-home")
        window.home_screen.take_button.click()
        shot("accessible-agencies")
        window.agency_screen.search_button.click()
        for key in "PASPOR":
            window.search_screen.keyboard.keys[key].click()
        shot("accessible-search")
        card = next(c for c in window.search_screen.grid.slots if c.service_id == "imigrasi-paspor-baru")
        card.click()
        shot("accessible-confirm")
        window.confirm_screen.confirm_button.click()
        wait_until(lambda: window.current == "ticket")
        shot("accessible-ticket")
        window.reset_to_home()
        window.set_accessible(False)

        # over the per-kiosk issue limit: the kiosk's key spends its budget, the next tap is refused with a sentence
        from kiosk.client import ApiError

        burst = server.client("kiosk")
        try:
            for _ in range(config.server.limits.issue_burst):
                burst.issue("dukcapil-kk")
        except ApiError as exc:
            if exc.code != "issue_rate_limited":
                raise
        burst.close()
        window.home_screen.take_button.click()
        next(s for s in window.agency_screen.grid.slots if s.agency_id == "dukcapil").click()
        next(c for c in window.service_screen.grid.slots if c.service_id == "dukcapil-kk").click()
        window.confirm_screen.confirm_button.click()
        wait_until(lambda: window.notice_label.isVisible() and not window.issuing)
        shot("too-many")
        limiter_clock["now"] += 3600
        window.reset_to_home()

        server.stop()
        window.refresh_catalog()
        wait_until(lambda: window.current == "offline")
        shot("offline")
        server.start()
        window.refresh_catalog()
        wait_until(lambda: window.current == "home")

        window.shutdown()
        window.close()
        server.client("kiosk").close()
    app.processEvents()
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
