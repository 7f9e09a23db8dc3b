"""Lobby display: from a counter's call to the code on screen and to the first sound.

    .venv/bin/python bench/display.py [--rounds 15]

The real display window (offscreen, 1920x1080) of the shipped config.toml with
the real speech synthesizer (pyttsx3 + espeak-ng; each call's phrase is new, so
it is synthesized, not cached) and the real sign clips, against a real server in
its own process on 127.0.0.1 (so the memory measured is the display's: this process never imports the server's
modules, as a display PC's does not). Each round, from a worker thread, a staff member's call-next goes over
HTTP; the bench waits for the display to be idle first, so nothing queues. It times:
  - call → display updated: from the HTTP call-next returning (and from it being
    sent) to the big slot's code label being painted with the new code;
  - call → first audio: from the call-next returning to the announcer's player in
    PlayingState on the chime, and to its position passing 0;
and samples the display's resident memory while announcements play, and once the lobby is quiet, while
signage (the sign information clip and a clip as videos) plays between calls.
Then bursts: three calls from three counters within 3 s (at 0, 1.5 and 3 s), with the real
sign clips at their own speed; it times the last call → its signing starts and → its voice
starts (the announcements queue).
Targets: display p95 ≤ 30 ms (issue 16; it was 50), audio (PlayingState) p95 ≤ 400 ms, RSS ≤ 200 MB,
burst: last call → signing p95 ≤ 10 s, → voice p95 ≤ 12 s.

Then with a voice pack (audio.voice_packs for id and en: every fragment the config needs, spoken by
espeak-ng and put into 48 kHz packs through `voice-pack add`'s path, as a recorded speaker's pack
would be): call → first sound, from the announcer being given the call (what the display does on
the call event) to its player in PlayingState on the call's WAV, which is joined from the fragments
on the spot (a new code each round, so never from the call cache). The chime is off there, so the
call's WAV is the first sound. The display has been running: one call is made before the timed ones.
Target p95 ≤ 150 ms.
Each round's ticket is issued through the kiosk key faster than a person, so the
server's copy of config.toml raises server.limits.issue_per_minute (said in the output).
The last line is one JSON object with the units in its keys.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'support' / 'screens.json'}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;qt.multimedia*=false")
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import httpx  # noqa: E402
import psutil  # noqa: E402
from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.audio.speech import Pyttsx3Synthesizer  # noqa: E402
from kiosk.client import ApiClient  # noqa: E402
from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import SignageItem, load_config  # noqa: E402
from kiosk.ui.common.app import make_app, place_on_screen  # noqa: E402
from kiosk.ui.display.window import DisplayWindow  # noqa: E402
from support.configs import MONDAY_9, shipped_config_with_limits  # noqa: E402
from support.processes import stop_process  # noqa: E402

COUNTER = "dukcapil-1"
# (counter, staff user) of a burst: three agencies' counters calling within 3 s
BURST = [("dukcapil-2", "dukcapil-agus"), ("imigrasi-1", "imigrasi-dewi"), ("polresta-1", "polresta-bambang")]
BURST_GAP_S = 1.5
TARGETS = {"display_p95_ms": 30.0, "audio_p95_ms": 400.0, "rss_mb": 200.0, "burst_sign_p95_s": 10.0,
           "burst_voice_p95_s": 12.0, "voice_pack_first_sound_p95_ms": 150.0}
SERVER_ONLY = {"fastapi", "uvicorn", "starlette", "sqlite_utils"}  # packages a display process never loads
ISSUE_LIMITS = {"issue_per_minute": 100_000, "issue_burst": 100_000}


@contextlib.contextmanager
def server_process(config_path: Path, db_path: Path, log_path: Path):
    """The queue server in its own process (tests/support/server_process.py, its clock from MONDAY_9). Not through
    support.server.running_server_process: importing that module loads the server's whole stack into this
    process (FastAPI, uvicorn, the engine and its routes: 26 MB of the RSS measured as the display's), which a
    display PC never loads."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, str(ROOT / "tests" / "support" / "server_process.py"), "--config", str(config_path),
               "--db", str(db_path), "--port", str(port), "--now", MONDAY_9.isoformat()]
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                   stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_for_server(process, url, log_path)
        yield SimpleNamespace(url=url)
    finally:
        stop_process(process)


def wait_for_server(process: subprocess.Popen, url: str, log_path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the server process did not start; see {log_path}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def wait_until(predicate, timeout: float = 30.0, what: str = "the display") -> float:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not get there in time")
        QApplication.processEvents()
        time.sleep(0.0002)
    return time.monotonic()


class PaintClock(QObject):
    """When the watched label was last painted, and with which text."""

    def __init__(self, label):
        super().__init__(label)
        self.label = label
        self.paints: list[tuple[float, str]] = []
        label.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints.append((time.monotonic(), self.label.text()))
        return False


def run(rounds: int, bursts: int, folder: Path) -> dict:
    config = load_config(ROOT / "config.toml")
    config = config.model_copy(update={
        # signage (the sign information clip and a sign clip as videos) only once the timed calls are done
        "display": config.display.model_copy(update={"flash_seconds": 1.0, "signage_after_s": 600, "signage": [
            SignageItem(kind="sign_info", seconds=2),
            SignageItem(kind="video", file=config.path(config.sign.clips_dir) / "digit_1.mp4", seconds=2)]}),
        "audio": config.audio.model_copy(update={"cache_dir": folder / "voice"}),
    })
    app = make_app()
    process = psutil.Process()
    services = config.counter_by_id[COUNTER].services
    display_ms, display_from_send_ms, playing_ms, position_ms, rss_mb = [], [], [], [], []

    # the server in its own process: the memory measured is the display's alone
    # the calls' tickets are issued through the kiosk key faster than a person: the server's copy of the config
    # raises the per-kiosk issue limit
    with server_process(shipped_config_with_limits(folder, ISSUE_LIMITS), folder / "bench.sqlite",
                        folder / "server.log") as server:
        kiosk = ApiClient(server.url, config.server.key_for("kiosk"))
        for n in range(rounds):
            kiosk.issue(services[n % len(services)])
        for _ in range(bursts):
            for counter_id, _user in BURST:
                kiosk.issue(config.counter_by_id[counter_id].services[0])
        kiosk.close()
        synthesizer = Pyttsx3Synthesizer(folder / "voice", voices=dict(config.audio.voices), rate=config.audio.rate)
        window = DisplayWindow(config, server.url, config.server.key_for("display"), synthesizer=synthesizer,
                               clock=FakeClock(MONDAY_9))
        place_on_screen(window, "lobby-1", fullscreen=True)
        window.start()
        paints = PaintClock(window.code_label)
        starts: list[tuple[float, str]] = []
        positions: list[float] = []
        announcer = window.announcer
        announcer.segment_started.connect(lambda _key, path: starts.append((time.monotonic(), path)))
        announcer.player.positionChanged.connect(lambda pos: pos > 0 and positions.append(time.monotonic()))
        wait_until(lambda: window.live.connected, what="the display's connection")
        staff = ApiClient(server.url, config.server.key_for("counter-app"))
        staff.login("petugas1", "1234", COUNTER)
        chime = str(config.path(config.audio.chime))

        for _ in range(rounds):
            # idle: nothing in the slot's queue, no announcement playing
            wait_until(lambda: not window.flashing and not announcer.busy, what="an idle display")
            starts.clear()
            positions.clear()
            paints.paints.clear()
            answer: dict = {}

            def call_next():
                answer["sent"] = time.monotonic()
                answer["body"] = staff.action(COUNTER, "call-next")
                answer["returned"] = time.monotonic()

            worker = threading.Thread(target=call_next)
            worker.start()
            while worker.is_alive():
                QApplication.processEvents()
                time.sleep(0.0002)
            code = answer["body"]["ticket"]["code"]
            painted = wait_until(lambda: any(text == code for _, text in paints.paints), what="the code on screen")
            painted = next(at for at, text in paints.paints if text == code)
            wait_until(lambda: starts and positions, what="the chime")
            assert starts[0][1] == chime, starts
            display_ms.append((painted - answer["returned"]) * 1000)
            display_from_send_ms.append((painted - answer["sent"]) * 1000)
            playing_ms.append((starts[0][0] - answer["returned"]) * 1000)
            position_ms.append((positions[0] - answer["returned"]) * 1000)
            # memory while the voice and the sign clips play
            wait_until(lambda: len(starts) >= 2, what="the spoken phrase")
            rss_mb.append(process.memory_info().rss / 2**20)
            staff.action(COUNTER, "finish")
        wait_until(lambda: not announcer.busy, what="the last announcement")
        staff.close()
        burst_sign_s, burst_voice_s = run_bursts(window, server, config, bursts)
        # the lobby quiet: signage between calls, and the memory while it plays
        window.config = window.config.model_copy(update={
            "display": window.config.display.model_copy(update={"signage_after_s": 1.0})})
        window._arm_signage(1.0)
        wait_until(lambda: window.signage_visible, timeout=60, what="the signage")
        signage_rss = []
        end = time.monotonic() + (2.5 if rounds <= 3 else 6.0)
        while time.monotonic() < end:
            QApplication.processEvents()
            signage_rss.append(process.memory_info().rss / 2**20)
            time.sleep(0.05)
        signage_items = len(window.signage.history)
        trims = list(window.trim_ms)
        window.shutdown()
        window.close()
    app.processEvents()
    server_code = sorted(name for name in sys.modules if name.split(".")[0] in SERVER_ONLY or
                         name.startswith("kiosk.server"))
    if server_code:  # the RSS above would count them as the display's
        raise RuntimeError(f"the server's modules were loaded in the display's process: {server_code[:5]}")

    return {
        "rounds": rounds,
        "call_to_display_ms_p50": round(statistics.median(display_ms), 1),
        "call_to_display_ms_p95": round(percentile(display_ms, 0.95), 1),
        "call_sent_to_display_ms_p95": round(percentile(display_from_send_ms, 0.95), 1),
        "call_to_audio_playing_ms_p50": round(statistics.median(playing_ms), 1),
        "call_to_audio_playing_ms_p95": round(percentile(playing_ms, 0.95), 1),
        "call_to_audio_position_ms_p50": round(statistics.median(position_ms), 1),
        "call_to_audio_position_ms_p95": round(percentile(position_ms, 0.95), 1),
        "rss_during_playback_mb_max": round(max(rss_mb), 1),
        "bursts": bursts,
        "burst_last_call_to_signing_s_p95": round(percentile(burst_sign_s, 0.95), 2),
        "burst_last_call_to_signing_s_max": round(max(burst_sign_s), 2),
        "burst_last_call_to_voice_s_p95": round(percentile(burst_voice_s, 0.95), 2),
        "rss_with_signage_mb_max": round(max(signage_rss), 1),
        "signage_items_played": signage_items,
        "heap_trim_ms_max": round(max(trims), 2) if trims else None,
    }


def voice_packs(config, synthesizer, folder: Path) -> dict[str, Path]:
    """lang -> a 48 kHz pack of every fragment the config needs (both number styles), spoken by espeak-ng."""
    from datetime import date

    from kiosk.audio.pack_cli import add_fragment, render_test_pack
    from kiosk.audio.packs import write_manifest

    packs = {}
    for lang in config.audio.languages:
        spoken = folder / f"espeak-{lang}"
        with contextlib.redirect_stdout(io.StringIO()):
            if render_test_pack(config, spoken, lang, synthesizer) != 0:
                raise RuntimeError(f"could not render the {lang} test pack (is espeak-ng installed?)")
        pack = folder / f"voice-{lang}"
        pack.mkdir()
        write_manifest(pack, lang, "espeak-ng (synthetic, for the benchmark)", "CC0-1.0", date.today(), 48000)
        for wav in sorted(spoken.glob("*.wav")):
            add_fragment(pack, wav.stem, wav)
        packs[lang] = pack
    return packs


def run_voice_pack(rounds: int, folder: Path) -> dict:
    from kiosk.ui.display.announcer import Announcer

    config = load_config(ROOT / "config.toml")
    synthesizer = Pyttsx3Synthesizer(folder / "voice", voices=dict(config.audio.voices), rate=config.audio.rate)
    packs = voice_packs(config, synthesizer, folder)
    config = config.model_copy(update={"audio": config.audio.model_copy(update={
        "cache_dir": folder / "voice", "chime": None, "voice_packs": packs, "repeat": 1})})
    make_app()
    announcer = Announcer(config, synthesizer)
    assert announcer.voice_packs is not None, "the voice packs were not loaded"
    started: dict = {}
    finished: list = []
    announcer.segment_started.connect(lambda key, path: started.setdefault(key, (time.monotonic(), path)))
    announcer.announcement_finished.connect(finished.append)
    first_sound_ms = []
    for n in range(rounds + 1):  # the first call is not timed: the display has been running
        key = f"bench-{n}"
        code = f"A-{n + 1:03d}"
        asked = time.monotonic()
        announcer.announce(key, code, str(1 + n % 9))
        wait_until(lambda: key in finished, timeout=60, what="the voice-pack call")
        at, path = started[key]
        assert Path(path).name.startswith("call-"), path
        if n:
            first_sound_ms.append((at - asked) * 1000)
    rendered = announcer.voice_packs.rendered
    announcer.shutdown()
    return {"voice_pack_rounds": rounds,
            "voice_pack_calls_joined": rendered,
            "voice_pack_first_sound_ms_p50": round(statistics.median(first_sound_ms), 1),
            "voice_pack_first_sound_ms_p95": round(percentile(first_sound_ms, 0.95), 1)}


def run_bursts(window, server, config, bursts: int) -> tuple[list[float], list[float]]:
    """Three calls in 3 s, ``bursts`` times: seconds from the last call-next returning to its signing's
    start and to its voice's first segment."""
    sign_s, voice_s = [], []
    voice_starts: dict[int, float] = {}
    window.announcer.segment_started.connect(lambda key, _path: voice_starts.setdefault(key, time.monotonic()))
    clients = []
    for counter_id, user in BURST:
        client = ApiClient(server.url, config.server.key_for("counter-app"))
        client.login(user, "1234", counter_id)
        clients.append((counter_id, client))
    for _ in range(bursts):
        wait_until(lambda: not window.sign_panel.busy and not window.announcer.busy, timeout=120,
                   what="an idle display (signs and voice)")
        answers: list[dict] = []

        def burst():
            for index, (counter_id, client) in enumerate(clients):
                if index:
                    time.sleep(BURST_GAP_S)
                body = client.action(counter_id, "call-next")
                answers.append({"seq": body["seq"], "returned": time.monotonic()})

        worker = threading.Thread(target=burst)
        worker.start()
        while worker.is_alive():
            QApplication.processEvents()
            time.sleep(0.0005)
        last = answers[-1]
        signed = wait_until(lambda: any(seq == last["seq"] for seq, _ in window.sign_log), timeout=60,
                            what="the last call's signing")
        started = next(at for seq, at in window.sign_log if seq == last["seq"])
        sign_s.append(started - last["returned"] if started else signed - last["returned"])
        wait_until(lambda: last["seq"] in voice_starts, timeout=60, what="the last call's voice")
        voice_s.append(voice_starts[last["seq"]] - last["returned"])
        assert [seq for seq, _ in window.sign_log][-3:] == [a["seq"] for a in answers], "each call signed, in order"
        for counter_id, client in clients:
            client.action(counter_id, "finish")
    for _counter_id, client in clients:
        client.close()
    return sign_s, voice_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="calls, each announced in full before the next")
    parser.add_argument("--bursts", type=int, default=5, help="bursts of three calls in 3 s")
    parser.add_argument("--tiny", action="store_true", help="the smallest run that still does every step, in a few seconds (tests/ops/test_bench_scripts.py)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.rounds = 1
        args.bursts = 1
    with tempfile.TemporaryDirectory(prefix="mpp-bench-display-") as folder:
        result = run(args.rounds, args.bursts, Path(folder))
        (Path(folder) / "packs").mkdir()
        result |= run_voice_pack(args.rounds, Path(folder) / "packs")
    print(f"{result['rounds']} calls, each on an idle display")
    print(f"call → display updated (painted): p50 {result['call_to_display_ms_p50']} ms, "
          f"p95 {result['call_to_display_ms_p95']} ms (from sending: p95 {result['call_sent_to_display_ms_p95']} ms)")
    print(f"call → chime playing: p50 {result['call_to_audio_playing_ms_p50']} ms, "
          f"p95 {result['call_to_audio_playing_ms_p95']} ms; position > 0: "
          f"p95 {result['call_to_audio_position_ms_p95']} ms")
    print(f"display RSS during playback: max {result['rss_during_playback_mb_max']} MB")
    print(f"display RSS with signage playing: max {result['rss_with_signage_mb_max']} MB "
          f"({result['signage_items_played']} playlist items shown)")
    print(f"{result['bursts']} bursts of 3 calls in 3 s: last call → its signing starts p95 "
          f"{result['burst_last_call_to_signing_s_p95']} s (max {result['burst_last_call_to_signing_s_max']} s), "
          f"→ its voice p95 {result['burst_last_call_to_voice_s_p95']} s")
    print(f"with a voice pack (id and en, 48 kHz, no chime), call → first sound (the call's WAV playing): "
          f"p50 {result['voice_pack_first_sound_ms_p50']} ms, p95 {result['voice_pack_first_sound_ms_p95']} ms "
          f"({result['voice_pack_calls_joined']} calls joined from fragments)")
    checks = [("display p95 ≤ 30 ms", result["call_to_display_ms_p95"] <= TARGETS["display_p95_ms"]),
              ("audio p95 ≤ 400 ms", result["call_to_audio_playing_ms_p95"] <= TARGETS["audio_p95_ms"]),
              ("RSS ≤ 200 MB", result["rss_during_playback_mb_max"] <= TARGETS["rss_mb"]),
              ("RSS with signage ≤ 200 MB", result["rss_with_signage_mb_max"] <= TARGETS["rss_mb"]),
              ("burst: last call → signing p95 ≤ 10 s",
               result["burst_last_call_to_signing_s_p95"] <= TARGETS["burst_sign_p95_s"]),
              ("burst: last call → voice p95 ≤ 12 s",
               result["burst_last_call_to_voice_s_p95"] <= TARGETS["burst_voice_p95_s"]),
              ("voice pack first sound p95 ≤ 150 ms",
               result["voice_pack_first_sound_ms_p95"] <= TARGETS["voice_pack_first_sound_p95_ms"])]
    for name, met in checks:
        print(f"target {name}:", "met" if met else "MISSED")
    print(f"issue limit raised to {ISSUE_LIMITS['issue_per_minute']}/min (burst {ISSUE_LIMITS['issue_burst']}) "
          "for this benchmark (issuing each round's ticket); a lobby's default is 30/min")
    print(json.dumps({**result, "issue_limit_per_minute": ISSUE_LIMITS["issue_per_minute"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
