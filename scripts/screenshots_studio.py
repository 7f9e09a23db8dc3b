"""Screenshots of the studio (voice and sign) at 1280x800, against the shipped config.toml.

    .venv/bin/python scripts/screenshots_studio.py [--config config.toml] [--out docs/screenshots]

Runs offscreen with the synthetic sources (no microphone or camera needed): a few fragments
are recorded and kept with the keys a helper presses, then the window is grabbed in review
(a take waiting for Enter), so the list shows some recorded and the prompt the current one.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'support' / 'screens.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia*=false")
_tmp = Path(tempfile.mkdtemp(prefix="mpp-kiosk-shots-"))
os.environ["TMPDIR"] = str(_tmp)
tempfile.tempdir = str(_tmp)
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.config import load_config  # noqa: E402
from kiosk.ui.common.app import make_app  # noqa: E402
from kiosk.ui.studio.capture import FigureSource, ToneSource  # noqa: E402
from kiosk.ui.studio.model import PackFields, create_pack  # noqa: E402
from kiosk.ui.studio.window import StudioWindow  # noqa: E402


def wait(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the studio did not get there in time")
        QApplication.processEvents()
        time.sleep(0.005)


def take(window) -> None:
    taken = []
    window.take_recorded.connect(taken.append)
    window.press("space")
    wait(lambda: window.source.done)
    window.press("space")
    wait(lambda: taken)
    window.take_recorded.disconnect()


def shoot(config, kind: str, folder: Path, out: Path, keep: int) -> Path:
    fields = PackFields(person="Rina (contoh)" if kind == "voice" else "Budi (contoh)", licence="CC-BY-4.0",
                        consent="formulir ditandatangani 2026-12-02", region="Balikpapan")
    create_pack(folder, kind, fields, date(2026, 12, 2))
    source = ToneSource() if kind == "voice" else FigureSource()
    window = StudioWindow(config, kind, folder, source=source, countdown_seconds=0, today=date(2026, 12, 2))
    window.resize(1280, 800)
    window.show()
    for _ in range(keep):
        take(window)
        kept = []
        window.kept.connect(kept.append)
        window.press("enter")
        wait(lambda: kept)
        window.kept.disconnect()
    take(window)  # the current one waits for Enter or R
    wait(lambda: window.framing.picture is not None or kind == "voice")
    QApplication.processEvents()
    path = out / f"studio-{kind}.png"
    window.grab().save(str(path))
    window.shutdown()
    window.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.toml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    config = load_config(args.config)
    make_app()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mpp-studio-shots-") as scratch:
        for kind, keep in (("voice", 3), ("sign", 2)):
            folder = Path(scratch) / ("voice-id-rina" if kind == "voice" else "sign-balikpapan")
            print(shoot(config, kind, folder, args.out, keep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
