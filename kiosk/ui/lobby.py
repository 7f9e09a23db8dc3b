"""`mpp-kiosk run`: the whole lobby on one PC.

Starts the queue server in-process (on the configured address), then opens the
kiosk, the display and one counter window, each on the screen config.toml names
(windows that share a screen are tiled side by side on it, or become the tabs of
one lobby window when tiles would cut them: ``place_windows``). Ctrl+C, SIGTERM or
closing the last window shut everything down: windows, streams, players, the
server, the database. The log says when each window painted its first frame
("all windows shown in … s", counted from the start of the process); a database
that cannot be opened or a port in use ends the command with one sentence.

``--journey`` walks one visitor through the real windows once everything is up
(kiosk issues → counter calls → display announces → counter finishes) and logs
each step: how a machine without a screen (CI, a technician over SSH) sees that
the whole lobby works. The command then exits 3 (when it ends) if the journey
stopped or the ticket could not be printed, else 0.
"""
from __future__ import annotations

import errno
import logging
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QEvent, QLoggingCategory, QObject, QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from kiosk.config import Config

log = logging.getLogger("kiosk.lobby")
# The shipped config's demo staff member; the journey logs in with it unless told otherwise.
JOURNEY_USER, JOURNEY_PIN = "petugas1", "1234"


@dataclass
class Lobby:
    config: Config
    server: object  # kiosk.server.runner.ServerThread
    windows: dict[str, QWidget] = field(default_factory=dict)
    started_at: float = field(default_factory=time.perf_counter)
    demo_marks: dict = field(default_factory=dict)  # the DEMO tags of `run --demo` (kiosk/ui/common/demo_mark.py)

    @property
    def url(self) -> str:
        return self.server.url

    def shutdown(self) -> None:
        for name, window in list(self.windows.items()):
            try:
                window.shutdown()
            except Exception:  # one window failing to stop must not keep the others (or the server) running
                log.exception("stopping the %s window failed", name)
        self.server.stop()
        log.info("lobby stopped")


class LobbyStartError(Exception):
    """The lobby cannot start; the message is one sentence for the technician."""


def start_server(config: Config, host: str | None = None, port: int | None = None, db: Path | None = None,
                 clock=None):
    """The queue server on uvicorn in this process; LobbyStartError when the database or the port is unusable."""
    from kiosk.server.app import create_app
    from kiosk.server.runner import ServerThread
    from kiosk.tls import TlsError

    db_path = db if db is not None else config.path(config.server.database)
    host = host or config.server.host
    port = config.server.port if port is None else port
    try:
        app = create_app(config, db_path=db_path, clock=clock)
    except (OSError, sqlite3.Error) as exc:
        raise LobbyStartError(f"cannot open the database {db_path}: {exc}") from None
    server = ServerThread(app, host, port)
    try:
        return server.start()
    except TlsError as exc:
        app.state.backend.engine.store.close()
        raise LobbyStartError(str(exc)) from None
    except OSError as exc:
        hint = (f" (another program, perhaps another `mpp-kiosk run` or `mpp-kiosk server`, is using port {port}: "
                "stop it, or choose another port with --port or server.port)"
                if exc.errno == errno.EADDRINUSE else "")
        app.state.backend.engine.store.close()  # the server never ran: nothing else to stop
        raise LobbyStartError(f"cannot start the queue server on {host}:{port}: {exc.strerror or exc}{hint}") from None


class LobbyWindows(dict):
    """The lobby's windows by name; ``tabs``: the one lobby window holding them on a small screen, or None."""

    tabs: "LobbyTabs | None" = None

    def bring_forward(self, name: str) -> None:
        if self.tabs is not None:
            self.tabs.bring_forward(name)


def open_windows(config: Config, server_url: str, *, synthesizer=None, clock=None) -> LobbyWindows:
    from kiosk.client import ApiClient
    from kiosk.printer.backends import make_ticket_printer
    from kiosk.ui.counter.window import CounterWindow
    from kiosk.ui.display.window import DisplayWindow
    from kiosk.ui.kiosk.voice import voice_from_config
    from kiosk.ui.kiosk.window import KioskWindow

    from kiosk.tls import client_ssl_context

    kiosk = KioskWindow(config, ApiClient(server_url, config.server.key_for("kiosk"),
                                          ssl_context=client_ssl_context(config, server_url)),
                        make_ticket_printer(config.printer, config.base_dir), clock=clock,
                        voice=lambda queue, parent: voice_from_config(config, queue, parent))
    display = DisplayWindow(config, server_url, config.server.key_for("display"), synthesizer=synthesizer,
                            clock=clock)
    counter = CounterWindow(config, server_url, counter_id=config.counter_app.counter or None, clock=clock)
    windows = LobbyWindows(kiosk=kiosk, display=display, counter=counter)
    windows.tabs = place_windows(config, windows)
    for window in windows.values():
        window.start()
    return windows


def place_windows(config: Config, windows: dict[str, QWidget]) -> QWidget | None:
    """Each window on its configured screen. Windows that land on one screen share it side by side when
    each tile still gives every window its minimum size; else (three windows on one 1920x1080 screen, two
    on a 1366x768 one) they become the tabs of one lobby window filling that screen, so no control is cut.
    Returns that lobby window, or None."""
    from kiosk.ui.common.app import find_screen, place_on_screen

    settings = {"kiosk": config.kiosk, "display": config.display, "counter": config.counter_app}
    by_screen: dict[object, list[str]] = {}
    for name in windows:
        by_screen.setdefault(find_screen(settings[name].screen), []).append(name)
    tabbed = None
    for screen, names in by_screen.items():
        if len(names) == 1:
            name = names[0]
            place_on_screen(windows[name], settings[name].screen, settings[name].fullscreen)
            continue
        rects = tiles(screen.availableGeometry(), len(names))
        if all(rect.width() >= windows[name].minimumWidth() and rect.height() >= windows[name].minimumHeight()
               for name, rect in zip(names, rects)):
            for name, rect in zip(names, rects):
                windows[name].setGeometry(rect)
                windows[name].show()
            log.info("windows %s share screen %s: tiled side by side", ", ".join(names), screen.name())
            continue
        tabbed = LobbyTabs(config, {name: windows[name] for name in names})
        tabbed.setGeometry(screen.availableGeometry())
        tabbed.show()
        log.info("windows %s share screen %s (%dx%d), too small to tile them whole: tabs of one lobby window",
                 ", ".join(names), screen.name(), screen.size().width(), screen.size().height())
    return tabbed


class LobbyTabs(QTabWidget):
    """The all-in-one lobby on one small screen: each window a tab, whole (F1-F3 or a click change the tab)."""

    KEYS = {Qt.Key.Key_F1: 0, Qt.Key.Key_F2: 1, Qt.Key.Key_F3: 2}

    def __init__(self, config: Config, windows: dict[str, QWidget]):
        from kiosk.i18n import t

        super().__init__()
        self.setObjectName("lobbyTabs")
        self.setWindowTitle(config.lobby.name)
        self.setDocumentMode(True)
        self.setStyleSheet("QTabBar::tab { font-size: 16px; padding: 6px 18px; }")
        lang = config.lobby.languages[0]
        self.pages = dict(windows)
        for name, window in windows.items():
            window.setParent(None)
            self.addTab(window, t(f"lobby.tab.{name}", lang))

    def bring_forward(self, name: str) -> None:
        if name in self.pages:
            self.setCurrentWidget(self.pages[name])

    def keyPressEvent(self, event) -> None:
        # Ctrl+F1..F3 (the counter uses F1-F12 itself): the lobby's own keys, never a window's
        index = self.KEYS.get(event.key()) if event.modifiers() & Qt.KeyboardModifier.ControlModifier else None
        if index is not None and index < self.count():
            self.setCurrentIndex(index)
            return
        super().keyPressEvent(event)


def tiles(area: QRect, count: int) -> list[QRect]:
    """The first window takes the left half; the others share the right half, one above the other."""
    if count == 1:
        return [QRect(area)]
    half = area.width() // 2
    left = QRect(area.x(), area.y(), half, area.height())
    rest = count - 1
    height = area.height() // rest
    return [left] + [QRect(area.x() + half, area.y() + i * height, area.width() - half, height) for i in range(rest)]


class Journey(QObject):
    """One visitor through the real windows, each step logged; ``finished`` tells how it went."""

    def __init__(self, lobby: Lobby, user: str = JOURNEY_USER, pin: str = JOURNEY_PIN, timeout_s: float = 30.0):
        super().__init__()
        self.lobby = lobby
        self.user, self.pin = user, pin
        self.timeout_s = timeout_s
        self.kiosk = lobby.windows["kiosk"]
        self.counter = lobby.windows["counter"]
        self.display = lobby.windows["display"]
        self.code: str | None = None
        self.ok: bool | None = None
        self._steps: list = []
        self._deadline = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)
        self._call_seq = None
        self.printed: str = ""  # "printed", or why not
        # what the display's players reported, per call (event seq): recorded as it happens and read once the
        # journey knows which call is its own, so a call announced quickly is never missed
        self._heard: dict[object, list[str]] = {}
        self._announced: set = set()
        self._signed: dict[object, list[str]] = {}
        self._signing = None
        announcer, signs = self.display.announcer, self.display.sign_panel
        announcer.segment_ended.connect(self._on_segment)
        announcer.announcement_finished.connect(self._announced.add)
        signs.call_started.connect(self._on_sign_call)
        signs.token_finished.connect(self._on_sign)

    def _on_segment(self, key, path: str) -> None:
        self._heard.setdefault(key, []).append(Path(path).name)

    def _on_sign_call(self, key) -> None:
        self._signing = key

    def _on_sign(self, token: str, outcome: str) -> None:
        self._signed.setdefault(self._signing, []).append(token if outcome == "ended" else f"{token}({outcome})")

    def start(self) -> None:
        self._steps = [
            self._step_issue, self._wait_issued,
            self._step_login, self._wait_logged_in,
            self._step_call, self._wait_called_on_display, self._wait_announced_and_signed,
            self._step_finish, self._wait_finished,
        ]
        self._next()
        self._timer.start()

    def _next(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def _end(self, ok: bool, why: str, outcome: str = "") -> None:
        self._timer.stop()
        self.ok = ok
        (log.info if ok else log.warning)("journey %s: %s", outcome or ("done" if ok else "stopped"), why)

    def _poll(self) -> None:
        if not self._steps:
            return
        if time.monotonic() > self._deadline:
            self._end(False, f"step '{self._steps[0].__name__.lstrip('_')}' took more than {self.timeout_s:.0f} s")
            return
        try:
            done = self._steps[0]()
        except JourneyStop as stop:
            self._end(False, str(stop))
            return
        except Exception:  # a bug in a step must end the journey with a log line, not loop silently
            log.exception("journey step %s failed", self._steps[0].__name__)
            self._end(False, "a step raised an error")
            return
        if done:
            self._steps.pop(0)
            self._next()
            if not self._steps:
                printed = self.printed == "printed"
                # the visitor still got a number (on screen), but a lobby whose printer fails does not work
                self._end(printed, f"{self.code} issued, {self.printed}, called, shown and finished"
                          + ("" if printed else ": check the printer"), "done" if printed else "done with a fault")

    # -- the steps: each returns True when done (polled every 50 ms)

    def _open_service(self) -> str:
        catalog = self.kiosk.catalog
        services = catalog.services if catalog else []
        counter_id = self._counter_id()
        served = self.lobby.config.counter_by_id[counter_id].services
        for service in services:
            if service.id in served and service.is_open:
                return service.id
        states = {s.status.text for s in services if s.id in served}
        raise JourneyStop(f"no service of counter {counter_id} takes tickets now ({'; '.join(sorted(states)) or 'no catalog'})")

    def _counter_id(self) -> str:
        return self.counter.counter_id or self.counter.preselected or self.lobby.config.counters[0].id

    def _front(self, name: str) -> None:
        """On a small screen the windows are tabs: the one the step happens in comes to the front."""
        bring = getattr(self.lobby.windows, "bring_forward", None)
        if bring is not None:
            bring(name)

    def _step_issue(self) -> bool:
        self._front("kiosk")
        if not self.kiosk.catalog:
            return False  # the catalog is still loading
        service_id = self._open_service()
        log.info("journey: a visitor takes a ticket for %s at the kiosk", service_id)
        return self.kiosk.issue(service_id)

    def _wait_issued(self) -> bool:
        result = getattr(self.kiosk, "last_result", None)
        if result is None:
            return False
        self.code = result.ticket["code"]
        self.printed = "printed" if result.fault is None else f"NOT printed ({result.fault.kind})"
        log.info("journey: kiosk issued %s (%s), status page %s", self.code,
                 self.printed if result.fault is None else f"{self.printed}, shown on screen", result.ticket["status_url"])
        return True

    def _step_login(self) -> bool:
        self._front("counter")
        log.info("journey: %s logs in at counter %s", self.user, self._counter_id())
        self.counter.login(self._counter_id(), self.user, self.pin)
        return True

    def _wait_logged_in(self) -> bool:
        if self.counter.logged_in:
            return True
        panel = self.counter.login_panel
        # a refused login (wrong PIN, unknown user, not this counter) ends with a sentence under the form
        if not panel.busy and panel.message.text():
            raise JourneyStop(f"login refused: {panel.message.text()}")
        return False

    def _ready(self, action: str) -> bool:
        """The counter window offers the action now (connected, state loaded, nothing in flight)."""
        return not self.counter.busy() and self.counter.reasons().get(action) is None

    def _step_call(self) -> bool:
        if not self._ready("call_next"):
            return False
        log.info("journey: counter presses Call next")
        self.counter.press("call_next")
        return True

    def _wait_called_on_display(self) -> bool:
        self._front("display")
        ticket = self.counter.current_ticket()
        shown = self.display.board.current.code if self.display.board.current else None
        if ticket and ticket.get("code") == self.code and shown == self.code:
            self._call_seq = self.display.board.current.seq
            log.info("journey: display shows %s for counter %s", self.code,
                     self.lobby.config.counter_by_id[self.counter.counter_id].number)
            return True
        return False

    def _wait_announced_and_signed(self) -> bool:
        announcer, signs = self.display.announcer, self.display.sign_panel
        seq = self._call_seq
        if announcer.enabled and seq not in self._announced:
            return False
        if signs.busy:
            return False
        if announcer.enabled:
            heard = self._heard.get(seq)
            log.info("journey: display played %s", " → ".join(heard) if heard else "nothing (no chime, no speech)")
        else:
            log.info("journey: voice is off in config (audio.enabled = false)")
        log.info("journey: display signed %s", " → ".join(self._signed.get(seq, [])) or "nothing (sign.enabled = false?)")
        return True

    def _step_finish(self) -> bool:
        self._front("counter")
        if not self._ready("finish"):
            return False
        log.info("journey: counter presses Finish")
        self.counter.press("finish")
        return True

    def _wait_finished(self) -> bool:
        asked = self.counter.confirm_dialog
        if asked is not None and asked.isVisible():
            # the counter asks once when Finish comes seconds after the call (issue 18): a journey is that fast
            log.info("journey: the counter asks \"%s\"; the officer confirms", " ".join(asked.text_label.text().split()))
            asked.accept()
            return False
        return self.counter.current_ticket() is None and not self.counter.busy()


class JourneyStop(Exception):
    pass


def seconds_since_process_start() -> float | None:
    """How long this process has existed (Linux /proc, 10 ms steps); None elsewhere.

    The lobby's start-up time must include the interpreter, the imports and Qt, which all
    come before any line of this module runs.
    """
    try:
        stat = Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime, in clock ticks after boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


class FirstFrames(QObject):
    """Logs when each window paints for the first time, and when the last one has: the lobby is on screen.
    Windows in the tabs of one lobby window (a small screen) are on screen, one tab away, when it paints."""

    def __init__(self, windows: dict[str, QWidget], started_at: float):
        super().__init__()
        self.started_at = started_at
        self.shown: dict[str, float] = {}  # window name -> seconds after the start when it first painted
        tabs = getattr(windows, "tabs", None)
        self._waiting = {name: (tabs if tabs is not None and tabs.indexOf(window) >= 0 else window)
                         for name, window in windows.items()}
        for watched in set(self._waiting.values()):
            watched.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.Paint:
            return False
        names = [name for name, widget in self._waiting.items() if widget is watched]
        if not names:
            return False
        watched.removeEventFilter(self)
        for name in names:
            del self._waiting[name]
            self.shown[name] = time.perf_counter() - self.started_at
            log.info("%s window: first frame %.2f s after start", name, self.shown[name])
        if not self._waiting:
            log.info("all windows shown in %.2f s", max(self.shown.values()))
        return False


def start_demo(config: Config, args):
    """`run --demo`: (the demo config, the journey's login, the clock or None, the demo clock's start or None).

    The scratch database is emptied; when the lobby's counter takes no tickets now (night, Sunday, a
    holiday, a break), the demo runs on a clock from the next opening, said in one line on stdout."""
    from kiosk.clock import ShiftedClock, SystemClock
    from kiosk.demo import demo_lobby, demo_start, empty_demo_database
    from kiosk.dates import day_name

    config, login = demo_lobby(config, args.host, args.port, journey=getattr(args, "journey", False))
    database = args.db or config.path(config.server.database)
    if args.db is None:
        empty_demo_database(database)
    pretend = getattr(args, "demo_at", None)
    now = pretend or SystemClock().now()
    start = demo_start(config, now)
    local_now = now.astimezone(config.lobby.tz)
    if start is None and pretend is None:
        log.info("demo: the lobby's own hours, on %s only, scratch database %s", config.server.host, database)
        return config, login, None, None
    start = start or local_now
    if start != local_now:
        line = (f"demo: the lobby is closed at {day_name(local_now, 'en')} {local_now:%H:%M}; the demo runs on a "
                f"demo clock from {day_name(start, 'en')} {start:%H:%M} (windows marked DEMO)")
        print(line, flush=True)
    else:
        line = f"demo: on a demo clock from {day_name(start, 'en')} {start:%H:%M} (windows marked DEMO)"
    log.info("%s, on %s only, scratch database %s", line, config.server.host, database)
    return config, login, ShiftedClock(start), start


def main(args) -> int:
    started_at = time.perf_counter() - (seconds_since_process_start() or 0.0)
    from kiosk.cli import load_or_report
    from kiosk.demo import DemoRefused
    from kiosk.logs import setup_logging

    config = load_or_report(args.config)
    if config is None:
        return 1
    setup_logging("lobby", config.path(config.server.log_dir), retention=config.retention)
    # every request is in the server's access log already; the client's copy of each line only doubles the log
    logging.getLogger("httpx").setLevel(logging.WARNING)
    journey_login = {}
    demo = getattr(args, "demo", False)
    clock, clock_start = None, None
    if demo:
        try:
            config, journey_login, clock, clock_start = start_demo(config, args)
        except DemoRefused as exc:
            print(f"run: {exc}", file=sys.stderr)
            return 2
    from kiosk.secrets import refuse_on_network

    if refuse_on_network(config, [args.host or config.server.host, config.server.public_host], args.config, "run"):
        return 2  # before any window or socket exists
    from kiosk.ui.common.app import make_app, quit_on_sigint

    app = make_app()
    # FFmpeg describes every clip it opens (a dozen lines each) and that it decodes without hardware; the
    # display logs what matters, a clip that will not play. QT_LOGGING_RULES still wins over this.
    QLoggingCategory.setFilterRules("qt.multimedia.ffmpeg*=false\nqt.multimedia.playbackengine.codec=false")
    try:
        server = start_server(config, args.host, args.port, args.db, clock=clock)
    except LobbyStartError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 1
    from kiosk.tls import pin_own_certificate

    config = pin_own_certificate(config)  # the in-process windows trust the certificate served here
    lobby = Lobby(config, server, started_at=started_at)
    log.info("queue server on %s, %.2f s after start", lobby.url, time.perf_counter() - started_at)
    try:
        lobby.windows = open_windows(config, lobby.url, clock=clock)
        if demo:
            from kiosk.ui.common.demo_mark import mark_demo

            lobby.demo_marks = mark_demo(lobby.windows, config.lobby.languages[0], clock_start)
    except Exception:
        log.exception("opening the windows failed")
        lobby.shutdown()
        return 1
    frames = FirstFrames(lobby.windows, started_at)  # noqa: F841 - kept alive until the loop ends
    display = lobby.windows["display"]
    display.live.connection_changed.connect(
        lambda ok: log.info("display: %s", "receiving the queue's events" if ok else "lost the queue server"))
    log.info("lobby up in %.2f s: kiosk, display and counter %s on %s", time.perf_counter() - started_at,
             lobby.windows["counter"].preselected, QApplication.platformName())

    stopping = {"signal": None}
    wake = quit_on_sigint(app, on_signal=lambda signum: stopping.update(signal=signum))  # noqa: F841
    app.setQuitOnLastWindowClosed(True)

    journey = None
    if getattr(args, "journey", False):
        journey = Journey(lobby, **journey_login)
        QTimer.singleShot(500, journey.start)
    if args.exit_after:
        QTimer.singleShot(int(args.exit_after * 1000), lambda: app.exit(0))
    from kiosk.server import watch_config

    watcher = watch_config(args.config, "lobby")
    try:
        app.exec()
    finally:
        watcher.stop()
        lobby.shutdown()
    if stopping["signal"] is not None:
        log.info("stopped by signal %d", stopping["signal"])
    return 0 if journey is None or journey.ok is not False else 3
