"""Kiosk speech mode: from a key of the keypad to the first speech sample, p95.

    .venv/bin/python bench/kiosk_speech.py [--presses 40] [--tiny]

The real kiosk window (offscreen) of the shipped config.toml against a real queue
server on 127.0.0.1, with the real voice (kiosk/ui/kiosk/voice.py: espeak-ng through
kiosk/audio, a fresh voice cache so every phrase is synthesized, never a cached file).
In speech mode on the agencies screen each Down key makes a new phrase ("3 dari 27:
...") that the kiosk synthesizes off the GUI thread:

  - key → first sample ready: from the key press to the WAV of its first phrase
    handed to the player. Target p95 ≤ 300 ms.
  - key → first sample playing (not with --tiny): to the player reporting PlayingState
    (offscreen it plays to no device, in real time).

(Not bench/kiosk.py: a file named like the package would shadow it for every script here.)
The last line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'support' / 'screens.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia.*=false")
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGET_MS = 300.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--tiny", action="store_true", help="a few presses, no media player (for the test suite)")
    args = parser.parse_args()
    presses = 4 if args.tiny else args.presses
    play = not args.tiny

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from kiosk.audio.speech import Pyttsx3Synthesizer
    from kiosk.clock import FakeClock
    from kiosk.config import load_config
    from kiosk.printer.backends import EscposTicketPrinter
    from kiosk.ui.common.app import find_screen, make_app
    from kiosk.ui.kiosk.voice import KioskVoice
    from kiosk.ui.kiosk.window import KioskWindow
    from support.configs import MONDAY_9
    from support.fake_printer import FakeNetworkPrinter
    from support.server import running_server

    scratch = Path(tempfile.mkdtemp(prefix="mpp-kiosk-speech-"))
    config = load_config(ROOT / "config.toml")
    app = make_app()
    voices: list[KioskVoice] = []
    caches = iter(range(1_000_000))

    def make_voice(queue, parent):
        # a fresh cache folder: every phrase is synthesized as on a new kiosk
        synthesizer = Pyttsx3Synthesizer(scratch / f"cache-{next(caches)}", voices=dict(config.audio.voices),
                                         rate=config.audio.rate)
        voice = KioskVoice(queue, synthesizer, play=play, parent=parent)
        voices.append(voice)
        return voice

    def wait_until(predicate, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            app.processEvents()
            time.sleep(0.001)
        return True

    ready_ms: list[float] = []
    playing_ms: list[float] = []
    with running_server(config, scratch / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server, \
            FakeNetworkPrinter() as fake:
        printer = EscposTicketPrinter(fake.printer_config(timeout_s=1, paper_mm=config.printer.paper_mm))
        window = KioskWindow(config, server.client("kiosk"), printer, clock=FakeClock(MONDAY_9), voice=make_voice)
        window.setGeometry(find_screen(0).geometry())
        window.show()
        window.start()
        if not wait_until(lambda: window.current == "home"):
            raise SystemExit("the kiosk did not load its catalog")
        voice = voices[0]
        events: dict[str, float] = {}
        voice.sample_ready.connect(lambda utterance, path: events.setdefault("ready", time.perf_counter()))
        voice.sample_playing.connect(lambda utterance: events.setdefault("playing", time.perf_counter()))

        QTest.keyClick(window.stack.currentWidget(), Qt.Key_F2)   # speech mode on
        QTest.keyClick(window.stack.currentWidget(), Qt.Key_Return)  # the agencies
        wait_until(lambda: "ready" in events)
        time.sleep(0.3)
        app.processEvents()
        step = Qt.Key_Down
        for press in range(presses + 1):
            if window.choices.index >= len(window.choices.items) - 1:
                step = Qt.Key_Up
            elif window.choices.index == 0:
                step = Qt.Key_Down
            events.clear()
            pressed = time.perf_counter()
            QTest.keyClick(window.stack.currentWidget(), step)
            wait_until(lambda: "ready" in events and (not play or "playing" in events))
            if press == 0:
                continue  # the first phrase also starts espeak-ng's voice: a kiosk warms it at start
            if "ready" in events:
                ready_ms.append((events["ready"] - pressed) * 1000)
            if play and "playing" in events:
                playing_ms.append((events["playing"] - pressed) * 1000)
            time.sleep(0.05)
            app.processEvents()
        window.shutdown()
        window.close()
        app.processEvents()

    figures = {"presses_count": len(ready_ms), "speech_failures_count": voices[0].failures,
               "phrases_synthesized_count": voices[0].synthesizer.synthesized,
               "key_to_first_sample_ready_p50_ms": round(percentile(ready_ms, 0.5), 1),
               "key_to_first_sample_ready_p95_ms": round(percentile(ready_ms, 0.95), 1),
               "target_p95_ms": TARGET_MS}
    if playing_ms:
        figures["key_to_first_sample_playing_p95_ms"] = round(percentile(playing_ms, 0.95), 1)
    print(f"key -> first speech sample ready: p50 {figures['key_to_first_sample_ready_p50_ms']} ms, "
          f"p95 {figures['key_to_first_sample_ready_p95_ms']} ms (target <= {TARGET_MS:g} ms)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
