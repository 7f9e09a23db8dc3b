"""The touch kiosk: what a walk-in visitor uses to take a queue number.

``KioskWindow(config, api, printer, clock=...)`` is a frameless full-screen
window with no way out for a visitor (a technician leaves by holding the
top-left corner for 3 s and typing the exit PIN). The flow:

    home → agencies (or search) → services → requirements + confirm → printing → ticket → home

Every network call and every printer call runs off the GUI thread
(:class:`kiosk.ui.common.tasks.Tasks`); the window only reacts to results. Issuing
one ticket is one background job — check the printer, issue, print — so a
ticket is issued once per confirmed tap, and a visitor whose ticket could not
be printed still gets the number and QR on screen (the printer fault is
reported to the server so staff see it).
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.clock import Clock, SystemClock
from kiosk.config import Config
from kiosk.files import resolve
from kiosk.pins import verify_pin
from kiosk.printer.backends import PrinterFault, PrinterStatus
from kiosk.printer.layout import TicketPrint
from kiosk.protocol.events import NO_QUEUE_CHANGE
from kiosk.protocol.views import AgencyView, CatalogView, ServiceView
from kiosk.ui.kiosk.keyboard import NumericPad
from kiosk.ui.kiosk.screens import (
    AgencyScreen,
    CheckInScreen,
    ConfirmScreen,
    HomeScreen,
    OfflineScreen,
    PrintingScreen,
    Screen,
    SearchScreen,
    ServiceScreen,
    TicketScreen,
)
from kiosk.ui.kiosk.scanner import ScanBuffer
from kiosk.ui.kiosk.search import ServiceSearch
from kiosk.ui.kiosk.speech_model import (Choices, KeyLayout, SpeechQueue, agency_text, item_phrase, printing_phrases,
                                         requirements_text, service_text, ticket_phrases, wait_text)
from kiosk.ui.kiosk.style import STYLE
from kiosk.ui.common import theme
from kiosk.ui.common.pictograms import pictogram_pixmap
from kiosk.i18n import languages, t
from kiosk.ui.kiosk.text import clock_text, date_text
from kiosk.ui.kiosk.widgets import FitText, make_button, make_label, restyle
from kiosk.ui.common.tasks import Tasks
from kiosk.ui.kiosk.retry import (ISSUE_RETRY_BUDGET_S, ISSUE_RETRY_DELAYS_S, IssueResult, _api_error_parts, _is_api_error,
                                   issue_with_retries)

log = logging.getLogger(__name__)

REFRESH_MS = 10_000         # catalog refresh while online: waiting counts and open/closed stay fresh
RETRY_MS = 3_000            # catalog retry while the server cannot be reached
EVENT_REFRESH_MS = 300      # after a lobby event: wait for the rest of a burst, then refresh once
NOTICE_MS = 8_000           # how long an error sentence stays
EXIT_HOLD_MS = 3_000        # the technician's long press in the top-left corner
EXIT_CORNER_PX = 110
PIN_LOCK_AFTER = 5          # wrong PINs in a row before the pad locks for a while
PIN_LOCK_S = 60
NAV_SCREENS = ("agencies", "search", "services", "confirm", "checkin")
HELP_NOTICE_MS = 15_000     # "help is coming" stays this long
SHORT_PX = 900             # a landscape screen under this height is short: the screens drop a row
class _ScreenStack(QStackedWidget):
    """The screens. The header and footer keep their height and the screens get what is
    left: a QStackedWidget would otherwise claim its largest page's minimum and squeeze
    the header (tests check that every screen fits the space it gets)."""

    def sizeHint(self) -> QSize:
        return QSize(0, 0)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, 0)

    def hasHeightForWidth(self) -> bool:
        return False  # a page's wrapped text must not claim height either


class _ExitCorner(QWidget):
    """An invisible square in the top-left corner: hold it for 3 s to ask for the exit PIN."""

    held = Signal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setAttribute(Qt.WA_NoSystemBackground)
        self.setAttribute(Qt.WA_TranslucentBackground)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(EXIT_HOLD_MS)
        self.timer.timeout.connect(self.held)
        self.setGeometry(0, 0, EXIT_CORNER_PX, EXIT_CORNER_PX)

    def mousePressEvent(self, event) -> None:
        self.timer.start()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        self.timer.stop()
        event.accept()


class _SpeechSpot(QPushButton):
    """The marked spot at the bottom of the screen: held for kiosk.speech_hold_seconds it starts speech mode
    (a tap does nothing, so a sighted visitor brushing it is not surprised)."""

    held = Signal()

    def __init__(self, hold_s: float):
        super().__init__()
        self.setProperty("kind", "speech-spot")
        self.setFocusPolicy(Qt.NoFocus)
        self.setMinimumHeight(76)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(hold_s * 1000))
        self.timer.timeout.connect(self.held)
        self.pressed.connect(self.timer.start)
        self.released.connect(self.timer.stop)


class _PinOverlay(QWidget):
    """The technician's exit: a numeric pad over the whole window."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("pin-overlay")
        self.setAttribute(Qt.WA_StyledBackground)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 60, 0, 60)
        outer.addStretch(1)
        self.title = make_label("pin-title", align=Qt.AlignCenter)
        self.prompt = make_label("screen-hint", align=Qt.AlignCenter)
        self.dots = make_label("pin-dots", " ", align=Qt.AlignCenter)
        self.message = make_label("pin-message", " ", align=Qt.AlignCenter)
        self.pad = NumericPad()
        self.pad.setFixedWidth(480)
        self.pad.text_changed.connect(lambda text: self.dots.setText("●" * len(text) or " "))
        row = QHBoxLayout()
        self.cancel_button = make_button("header", "")
        self.ok_button = make_button("confirm", "")
        self.ok_button.setMinimumWidth(220)
        self.cancel_button.setMinimumWidth(220)
        self.cancel_button.clicked.connect(self.cancelled)
        self.ok_button.clicked.connect(lambda: self.submitted.emit(self.pad.text()))
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addSpacing(40)
        row.addWidget(self.ok_button)
        row.addStretch(1)
        for widget in (self.title, self.prompt, self.dots):
            outer.addWidget(widget)
        outer.addWidget(self.pad, 0, Qt.AlignHCenter)
        outer.addWidget(self.message)
        outer.addLayout(row)
        outer.addStretch(1)
        self.hide()

    def open(self, lang: str) -> None:
        self.retranslate(lang)
        self.pad.clear()
        self.message.setText(" ")
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def retranslate(self, lang: str) -> None:
        self.title.setText(t("kiosk.exit_title", lang))
        self.prompt.setText(t("kiosk.exit_prompt", lang))
        self.cancel_button.setText(t("kiosk.exit_cancel", lang))
        self.ok_button.setText(t("kiosk.exit_ok", lang))


class _ActivityWatch(QObject):
    """Sees every touch, click and key press meant for the window (for the idle timer)."""

    def __init__(self, window: "KioskWindow"):
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.MouseButtonPress, QEvent.TouchBegin, QEvent.KeyPress):
            if isinstance(watched, QWidget) and watched.window() is self.window:
                self.window.note_activity()
                if event.type() == QEvent.KeyPress and not self.window.pin_overlay.isVisible():
                    # the visitor's keypad: every key is the kiosk's, none reaches a widget
                    # a barcode scanner types too: its burst (ending in Enter) is a check-in, not keypad keys
                    if not event.isAutoRepeat() and not self.window.scan_key(event):
                        self.window.key_pressed(QKeySequence(event.key()).toString())
                    return True
        return False


class KioskWindow(QWidget):
    """The kiosk. ``api`` is a kiosk.client.ApiClient with the kiosk's device key."""

    screen_changed = Signal(str)
    catalog_loaded = Signal()
    ticket_shown = Signal(object)        # the ticket dict on screen (with "printer_failed")
    ticket_printing = Signal(object)     # (from the issuing thread) the ticket is issued and goes to the printer
    help_answered = Signal(bool)         # True: the server has the call for help
    connection_changed = Signal(bool)    # True: the server answered the last catalog request

    def __init__(self, config: Config, api: Any, printer: Any, *, clock: Clock | None = None,
                 monotonic: Callable[[], float] = time.monotonic, live: bool = True,
                 voice: Callable[[SpeechQueue, QObject], Any] | None = None, parent: QWidget | None = None):
        """``voice(queue, parent)`` makes the speech player (kiosk.ui.kiosk.voice); None: speech mode still
        runs (its queue says what would be spoken) but nothing is played."""
        super().__init__(parent)
        self.config = config
        self.api = api
        self.printer = printer
        self.clock = clock or SystemClock()
        self.monotonic = monotonic  # the exit PIN's lockout runs on it
        self.lang = config.lobby.default_language
        self.accessible = False
        self.catalogs: dict[str, CatalogView] = {}
        self.online: bool | None = None   # None until the first answer
        self.issuing = False
        self.issue_count = 0               # tickets issued by this window (tests, bench)
        self.last_result: IssueResult | None = None
        self.pending_fault_reports: list[tuple[str, str, str | None]] = []
        self.refresh_ms = REFRESH_MS
        self.retry_ms = RETRY_MS
        self.issue_retry_delays_s = ISSUE_RETRY_DELAYS_S
        self.issue_retry_budget_s = ISSUE_RETRY_BUDGET_S
        self.new_request_id = lambda: uuid.uuid4().hex
        self._refreshing = False
        self._refresh_again = False
        self._reporting = False
        self._closed = False
        self._unlocked = False
        self._pin_failures = 0
        self._pin_locked_until = 0.0
        self._history: list[str] = []
        self._agency_id = ""
        self._service_id = ""
        # a new config from the server (kiosk.settings_sync), and a catalog with other agencies or services,
        # wait for the visitor on screen to finish: never change the choices under someone's finger
        self.pending_config: Config | None = None
        self._held_catalogs: dict[str, CatalogView] | None = None
        self.tasks = Tasks(max_threads=4, parent=self)
        # speech mode: the keypad's keys and what the kiosk says (a Qt-free model the player drains)
        self.key_layout = KeyLayout(config.kiosk.keys)
        self.speech = SpeechQueue(volume=config.kiosk.speech_volume)
        self.choices = Choices()
        self.voice = voice(self.speech, self) if voice is not None else None
        self.ticket_printing.connect(self._speak_printing)
        self.help_seq = 0  # the open call for help the server answered with
        self.priority_wanted = False  # chosen on the home screen, for this visit
        # the lobby's events (a ticket issued at another kiosk, a call) refresh the
        # waiting counts at once rather than at the next periodic refresh
        self.live = None
        if live and getattr(api, "base_url", None) and getattr(api, "credential", None):
            from kiosk.ui.common.live import LiveLobby

            self.live = LiveLobby(api.base_url, api.credential, parent=self,
                                  ssl_context=getattr(api, "ssl_context", None))
            self.live.event_applied.connect(self._lobby_event)
            self.live._status_in.connect(self._stream_status)  # "revoked": this kiosk was revoked at the server
        self.revoked: str | None = None  # the server's sentence once this kiosk's key was revoked

        self.setObjectName("kiosk")
        self.setAttribute(Qt.WA_StyledBackground)
        self.setWindowFlag(Qt.FramelessWindowHint)
        self.setWindowTitle(config.lobby.name)
        self.setStyleSheet(STYLE)
        self._build()
        self._build_timers()
        self._watch = _ActivityWatch(self)
        QApplication.instance().installEventFilter(self._watch)
        self.set_accessible(config.kiosk.accessible_layout)
        self.set_language(self.lang)
        self.offline_screen.set_loading(True)
        self._go("offline", push=False)
        self._tick_clock()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        # the window is the screen: content that needs more room must shrink, never
        # make the window taller than the screen (tests check everything fits)
        root.setSizeConstraint(QLayout.SetNoConstraint)

        self.header = QWidget()
        self.header.setObjectName("header")
        self.header.setAttribute(Qt.WA_StyledBackground)
        header_box = QVBoxLayout(self.header)
        header_box.setContentsMargins(EXIT_CORNER_PX // 2, 10, 30, 10)
        top = QHBoxLayout()
        top.setSpacing(24)
        self.logo_label = QLabel()
        logo = self.config.lobby.logo
        if logo is not None:
            pixmap = QPixmap(str(resolve(self.config, logo)))
            if not pixmap.isNull():
                self.logo_label.setPixmap(pixmap.scaledToHeight(84, Qt.SmoothTransformation))
        self.logo_label.setVisible(self.logo_label.pixmap() is not None and not self.logo_label.pixmap().isNull())
        # no word-wrapped QLabel in the header: its height-for-width would override the
        # fixed half-screen height of the accessible layout
        self.lobby_label = FitText(self.config.lobby.name, px=34, min_px=24, bold=True,
                                   align=Qt.AlignLeft | Qt.AlignVCenter)
        clock_box = QVBoxLayout()
        clock_box.setSpacing(0)
        self.date_label = make_label("date", wrap=False, align=Qt.AlignRight | Qt.AlignVCenter)
        self.clock_label = make_label("clock", wrap=False, align=Qt.AlignRight | Qt.AlignVCenter)
        clock_box.addWidget(self.date_label)
        clock_box.addWidget(self.clock_label)
        # the language and layout buttons live in the bottom bar (a wheelchair user reaches them)
        self.language_button = make_button("header", "", min_height=76)
        self.language_button.clicked.connect(self._next_language)
        self.language_button.setVisible(len(self.config.lobby.languages) > 1)
        self.accessible_button = make_button("header", "", min_height=76)
        # the wheelchair pictogram (ISO 7001) says it to a visitor who reads little
        self.accessible_button.setIcon(QIcon(pictogram_pixmap("wheelchair", 36, theme.WHITE, self.devicePixelRatioF())))
        self.accessible_button.setIconSize(QSize(36, 36))
        self.accessible_button.clicked.connect(lambda: self.set_accessible(not self.accessible))
        top.addWidget(self.logo_label)
        top.addWidget(self.lobby_label, 1)
        top.addLayout(clock_box)
        header_box.addLayout(top)
        # shown in the accessible layout: the header tells (the upper half, a quarter on a short screen), the rest is touched
        self.header_title = FitText(px=56, min_px=36, bold=True, colour=theme.YELLOW, lines=2, align=Qt.AlignCenter)
        self.header_hint = FitText(px=32, min_px=24, colour=theme.PALE, lines=2, align=Qt.AlignCenter)
        header_box.addStretch(1)
        header_box.addWidget(self.header_title)
        header_box.addWidget(self.header_hint)
        header_box.addStretch(1)
        root.addWidget(self.header)

        self.stack = _ScreenStack()
        root.addWidget(self.stack, 1)

        self.home_screen = HomeScreen(self.config.lobby.name)
        self.agency_screen = AgencyScreen()
        self.search_screen = SearchScreen(ServiceSearch(self.config))
        self.service_screen = ServiceScreen()
        self.confirm_screen = ConfirmScreen()
        self.printing_screen = PrintingScreen()
        self.ticket_screen = TicketScreen()
        self.offline_screen = OfflineScreen()
        self.checkin_screen = CheckInScreen()
        self.screens: dict[str, Screen] = {
            "home": self.home_screen, "agencies": self.agency_screen, "search": self.search_screen,
            "services": self.service_screen, "confirm": self.confirm_screen, "printing": self.printing_screen,
            "ticket": self.ticket_screen, "offline": self.offline_screen, "checkin": self.checkin_screen,
        }
        for screen in self.screens.values():
            self.stack.addWidget(screen)
        self.home_screen.take_number.connect(lambda: self._take(priority=False))
        self.home_screen.take_priority.connect(lambda: self._take(priority=True))
        self.home_screen.have_booking.connect(self.open_check_in)
        self.home_screen.booking_button.setVisible(_takes_bookings(self.config))
        self.checkin_screen.submitted.connect(self.check_in)
        self.checkin_screen.walk_in.connect(lambda: self._go("agencies"))
        self.scanner = ScanBuffer()
        self.agency_screen.agency_chosen.connect(self._choose_agency)
        self.agency_screen.search_requested.connect(self._open_search)
        self.service_screen.service_chosen.connect(self._choose_service)
        self.search_screen.service_chosen.connect(self._choose_service)
        self.confirm_screen.confirmed.connect(self.issue)
        self.ticket_screen.done.connect(self.reset_to_home)

        self.footer = QWidget()
        self.footer.setObjectName("footer")
        self.footer.setAttribute(Qt.WA_StyledBackground)
        self.footer_row = QHBoxLayout(self.footer)
        self.footer_row.setContentsMargins(30, 10, 30, 10)
        self.footer_row.setSpacing(20)
        self.back_button = make_button("nav", "")
        self.home_button = make_button("nav", "")
        self.back_button.clicked.connect(self.back)
        self.home_button.clicked.connect(self.reset_to_home)
        self.footer_row.addWidget(self.back_button)
        self.footer_row.addWidget(self.home_button)
        self.footer_row.addStretch(1)
        root.addWidget(self.footer)

        # on every screen: speech mode (hold) and help, in reach from a wheelchair
        self.assist_bar = QWidget()
        self.assist_bar.setObjectName("footer")
        self.assist_bar.setAttribute(Qt.WA_StyledBackground)
        assist_rows = QVBoxLayout(self.assist_bar)
        assist_rows.setContentsMargins(0, 0, 0, 0)
        assist_rows.setSpacing(0)
        self.assist_row = QHBoxLayout()
        self.assist_row.setContentsMargins(30, 6, 30, 10)
        self.assist_row.setSpacing(20)
        # a portrait screen is too narrow for the four: speech and help get a row of their own
        self.assist_row2 = QHBoxLayout()
        self.assist_row2.setContentsMargins(0, 0, 0, 0)  # empty (and no height) unless portrait
        self.assist_row2.setSpacing(20)
        assist_rows.addLayout(self.assist_row)
        assist_rows.addLayout(self.assist_row2)
        self._bar_shape: tuple[bool, bool] | None = None
        self.speech_spot = _SpeechSpot(self.config.kiosk.speech_hold_seconds)
        self.speech_spot.held.connect(self.start_speech)
        self.help_button = make_button("help", "", min_height=76)
        self.help_button.clicked.connect(self.request_help)
        self.assist_row.addWidget(self.accessible_button)
        self.assist_row.addWidget(self.language_button)
        self.assist_row.addStretch(1)
        self.assist_row.addWidget(self.speech_spot)
        self.assist_row.addWidget(self.help_button)
        root.addWidget(self.assist_bar)

        # floats over the screen (above the footer) so showing it never moves a button
        self.notice_label = make_label("notice", align=Qt.AlignCenter)
        self.notice_label.setParent(self)
        self.notice_label.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.notice_label.hide()

        self.exit_corner = _ExitCorner(self)
        self.exit_corner.held.connect(self._ask_exit_pin)
        self.pin_overlay = _PinOverlay(self)
        self.pin_overlay.submitted.connect(self._check_exit_pin)
        self.pin_overlay.cancelled.connect(self.pin_overlay.hide)

    def _build_timers(self) -> None:
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self._tick_clock)
        self.clock_timer.start()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.timeout.connect(self.refresh_catalog)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(self.config.kiosk.idle_seconds * 1000)
        self.idle_timer.timeout.connect(self._idle)
        self.ticket_timer = QTimer(self)
        self.ticket_timer.setSingleShot(True)
        self.ticket_timer.setInterval(self.config.kiosk.ticket_seconds * 1000)
        self.ticket_timer.timeout.connect(self.reset_to_home)
        self.notice_timer = QTimer(self)
        self.notice_timer.setSingleShot(True)
        self.notice_timer.setInterval(NOTICE_MS)
        self.notice_timer.timeout.connect(self.notice_label.hide)
        self.event_timer = QTimer(self)  # many events in a burst make one refresh
        self.event_timer.setSingleShot(True)
        self.event_timer.setInterval(EVENT_REFRESH_MS)
        self.event_timer.timeout.connect(self.refresh_catalog)

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        """Load the catalog in the background; the window shows "loading" until it arrives."""
        self.idle_timer.start()
        self.refresh_catalog()
        if self.live is not None:
            self.live.start()

    def shutdown(self) -> None:
        """Stop timers and background work; after this the window closes when asked."""
        if self._closed:
            return
        self._closed = True
        self._unlocked = True
        for timer in (self.clock_timer, self.refresh_timer, self.idle_timer, self.ticket_timer,
                      self.notice_timer, self.event_timer, self.exit_corner.timer, self.speech_spot.timer):
            timer.stop()
        if self.voice is not None:
            self.voice.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._watch)
        if self.live is not None:
            self.live.stop()
        self.tasks.wait(5000)

    def closeEvent(self, event) -> None:
        # Alt+F4 and the like: a visitor must not be able to close the kiosk.
        if self._unlocked or not self.config.kiosk.fullscreen:
            self.shutdown()
            event.accept()
        else:
            event.ignore()

    def scan_key(self, event) -> bool:
        """Every key also goes to the barcode scanner's buffer (on any screen). True when the key is the
        scanner's, not the keypad's: the third and later keys of a fast burst (unless a keypad key), and the Enter
        ending one
        (then the booking's QR or code is checked in)."""
        now = self.monotonic()
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            scanned = self.scanner.enter(now)
            if scanned:
                self.check_in(scanned)
                return True
            return False
        self.scanner.key(event.text(), now)
        # a key of the keypad layout is always the keypad's; any other, in a scanner's burst, the scanner's
        return self.scanner.in_burst and self.key_layout.action(QKeySequence(event.key()).toString()) is None

    def keyPressEvent(self, event) -> None:
        # every key of the window goes through _ActivityWatch (the keypad and the scanner); nothing else acts
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        portrait, short = self._screen_form()
        for screen in self.screens.values():
            screen.set_form(portrait, short)
        self._fit_bottom_bar()
        self._fit_header()
        self.exit_corner.raise_()
        if self.notice_label.isVisible():
            self._place_notice()
        if self.pin_overlay.isVisible():
            self.pin_overlay.setGeometry(self.rect())

    # ------------------------------------------------------------------ language and layout

    def set_language(self, lang: str) -> None:
        self.lang = lang if lang in languages() else self.config.lobby.default_language
        self.language_button.setText(self._language_button_text())
        self._accessible_text()
        self.back_button.setText(t("kiosk.back", self.lang))
        self.home_button.setText(t("kiosk.home", self.lang))
        self.speech_spot.setText("♪  " + t("kiosk.speech_spot", self.lang))
        self.help_button.setText("?  " + t("kiosk.help_button", self.lang))
        self.pin_overlay.retranslate(self.lang)
        self._render_all()
        self._tick_clock()

    def _language_button_text(self) -> str:
        # the button names the language it switches TO, in that language
        return t("language.name", self._language_after()) if len(self.config.lobby.languages) > 1 else ""

    def _language_after(self) -> str:
        lobby_languages = list(self.config.lobby.languages)
        index = lobby_languages.index(self.lang) if self.lang in lobby_languages else -1
        return lobby_languages[(index + 1) % len(lobby_languages)]

    def _next_language(self) -> None:
        self.set_language(self._language_after())

    def set_accessible(self, on: bool) -> None:
        """The accessible layout: every control under a header that tells (wheelchair reach; see _fit_header)."""
        self.accessible = on
        self.header_title.setVisible(on)
        self.header_hint.setVisible(on)
        # the upper half tells, so the two bars below share what is left with the screen: a little tighter
        for button in (self.back_button, self.home_button):
            button.setFixedHeight(70 if on else 84)
        for button in (self.language_button, self.accessible_button, self.speech_spot, self.help_button):
            button.setFixedHeight(64 if on else 76)
        self.footer_row.setContentsMargins(30, 4 if on else 10, 30, 4 if on else 10)
        self.assist_row.setContentsMargins(30, 0 if on else 6, 30, 4 if on else 10)
        for screen in self.screens.values():
            screen.set_accessible(on)
        self._accessible_text()
        self._fit_header()
        self._update_chrome()
        self.layout().activate()  # in place now, not at the next event: the visitor is watching

    def _fit_bottom_bar(self) -> None:
        """One row of smaller buttons on a narrower landscape screen, two rows on a portrait one."""
        narrow, portrait = self.width() < 1500, self.height() > self.width()
        if self._bar_shape == (narrow, portrait):
            return
        self._bar_shape = (narrow, portrait)
        for button in (self.language_button, self.accessible_button, self.speech_spot, self.help_button):
            button.setProperty("narrow", narrow)
            restyle(button)
        target = self.assist_row2 if portrait else self.assist_row
        for widget in (self.speech_spot, self.help_button):
            self.assist_row.removeWidget(widget)
            self.assist_row2.removeWidget(widget)
        self.assist_row2.setContentsMargins(*((30, 0, 30, 10) if portrait else (0, 0, 0, 0)))
        if portrait:
            self.assist_row2.addStretch(1)
        target.addWidget(self.speech_spot)
        target.addWidget(self.help_button)
        if not portrait:  # the stretch left in the second row goes
            while self.assist_row2.count():
                self.assist_row2.takeAt(0)

    def _accessible_text(self) -> None:
        self.accessible_button.setText(t("kiosk.accessible_off" if self.accessible else "kiosk.accessible_on", self.lang))

    def _screen_form(self) -> tuple[bool, bool]:
        """(portrait, short): the screen the kiosk opens on, a standing one or a short landscape one
        (1366x768, 1280x800)."""
        return self.height() > self.width(), self.width() > self.height() and self.height() < SHORT_PX

    def _fit_header(self) -> None:
        if self.accessible:
            # the upper half of a tall screen tells and the lower half is touched; a short landscape screen
            # (a desk or wall kiosk's 15-22" panel, 19-27 cm high) gives its header the upper quarter: half
            # would leave its screens no room, and mounted as docs/operations.md says all of it is in a seated reach
            self.header.setFixedHeight(max(1, self.height() // (4 if self._screen_form()[1] else 2)))
        else:
            self.header.setMinimumHeight(0)
            self.header.setMaximumHeight(16_777_215)

    # ------------------------------------------------------------------ catalog

    @property
    def catalog(self) -> CatalogView | None:
        """The catalog in the language shown (None until the first one arrives)."""
        return self.catalogs.get(self.lang) or next(iter(self.catalogs.values()), None)

    def services_by_id(self) -> dict[str, ServiceView]:
        catalog = self.catalog
        return {s.id: s for s in catalog.services} if catalog else {}

    def agencies_by_id(self) -> dict[str, AgencyView]:
        catalog = self.catalog
        return {a.id: a for a in catalog.agencies} if catalog else {}

    def refresh_catalog(self) -> None:
        """Fetch the catalog (every language) in the background; one request at a time."""
        if self._closed:
            return
        if self._refreshing:
            self._refresh_again = True  # what it brings may be older than the reason to ask
            return
        self._refreshing = True
        self._refresh_again = False
        languages = list(dict.fromkeys([self.lang, *self.config.lobby.languages]))
        api = self.api

        def fetch() -> dict[str, CatalogView]:
            return {lang: api.catalog_view(lang) for lang in languages}

        self.tasks.run(fetch, on_done=self._catalog_arrived, on_error=self._catalog_failed)

    def _lobby_event(self, event: dict) -> None:
        if not self._closed and event.get("type") not in NO_QUEUE_CHANGE:
            if not self.event_timer.isActive():
                self.event_timer.start()

    def _stream_status(self, status: str) -> None:
        if status == "revoked" and self.live is not None and self.live._stream is not None:
            self._revoked(self.live._stream.refusal or "")

    def _revoked(self, sentence: str) -> None:
        """The server refuses this kiosk's key for good: the offline screen says so, and stays."""
        if self._closed:
            return
        # the server said nothing: say it in every language of the lobby (it stays, whoever comes)
        sentence = sentence or " / ".join(t("kiosk.revoked", lang) for lang in self.config.lobby.languages)
        if self.revoked != sentence:
            log.error("kiosk: the server revoked this kiosk: %s", sentence)
        self.revoked = sentence
        self.online = False
        self.connection_changed.emit(False)
        self.offline_screen.set_refusal(sentence)
        self._history.clear()
        self._go("offline", push=False)

    def _catalog_arrived(self, catalogs: dict[str, CatalogView]) -> None:
        self._refreshing = False
        if self._closed:
            return
        if self.revoked:  # the catalog is open to the LAN; a revoked kiosk still issues nothing
            return
        if self.catalogs and not self.between_visitors and _choices(catalogs) != _choices(self.catalogs):
            self._held_catalogs = catalogs  # shown when this visitor is done (_settle_between_visitors)
            self.refresh_timer.start(self.refresh_ms)
            return
        self._held_catalogs = None
        self.catalogs = catalogs
        was_online = self.online
        self.online = True
        if was_online is not True:
            self.connection_changed.emit(True)
            log.info("kiosk: queue server reachable")
        self.offline_screen.set_loading(False)
        if self.current == "offline":
            self._history.clear()
            self._go("home", push=False)
        self._render_all()
        self.refresh_timer.start(0 if self._refresh_again else self.refresh_ms)
        self.catalog_loaded.emit()
        if self.pending_fault_reports:
            self._send_fault_reports()

    def _catalog_failed(self, exc: BaseException) -> None:
        self._refreshing = False
        if self._closed:
            return
        status, code, message = _api_error_parts(exc)
        if not _is_api_error(exc):
            log.exception("kiosk: catalog request failed", exc_info=exc)
        else:
            log.warning("kiosk: catalog request failed: %s %s %s", status, code, message)
        was_online = self.online
        self.online = False
        if was_online is not False:
            self.connection_changed.emit(False)
        self.offline_screen.set_loading(False)
        # a visitor mid-issue keeps the printing/ticket screen; everyone else sees the calm sentence
        if self.current not in ("printing", "ticket") and not self.issuing:
            self._history.clear()
            self._go("offline", push=False)
        self.refresh_timer.start(self.retry_ms)

    # ------------------------------------------------------------------ navigation

    @property
    def current(self) -> str:
        widget = self.stack.currentWidget()
        for name, screen in self.screens.items():
            if screen is widget:
                return name
        return ""

    def _go(self, name: str, push: bool = True) -> None:
        current = self.current
        if push and current and current != name and current in ("home", *NAV_SCREENS):
            self._history.append(current)
        self.stack.setCurrentWidget(self.screens[name])
        if name != current:
            self.notice_label.hide()
        self._render(name)
        self._update_chrome()
        self.choices = Choices(self._choice_items(name))
        if self.speech.active and name != current:
            self._announce(name)
        self.screen_changed.emit(name)
        if name in ("home", "offline"):
            self._settle_between_visitors()

    # ------------------------------------------------------------------ live settings

    @property
    def between_visitors(self) -> bool:
        """Nobody is in the middle of a choice: the home (or offline) screen, no ticket on its way."""
        return self.current in ("home", "offline") and not self.issuing

    def apply_config(self, config: Config) -> None:
        """A new config from the server (kiosk.settings_sync): now if nobody is choosing, else when the
        visitor on screen has finished or timed out."""
        self.pending_config = config
        if self.between_visitors:
            self._settle_between_visitors()

    def _settle_between_visitors(self) -> None:
        if self._closed or not self.between_visitors:
            return
        config, self.pending_config = self.pending_config, None
        if config is not None:
            if config.printer != self.config.printer and hasattr(self.printer, "use_config"):
                self.printer.use_config(config.printer, config.base_dir)  # the next ticket prints by it
                log.info("kiosk: new printer settings from the server (%s)", config.printer.backend)
            self.config = config
            self.setWindowTitle(config.lobby.name)
            self.lobby_label.setText(config.lobby.name)
            self.home_screen.lobby_label.setText(config.lobby.name)
            self.search_screen.search = ServiceSearch(config)
            self.idle_timer.setInterval(config.kiosk.idle_seconds * 1000)
            self.ticket_timer.setInterval(config.kiosk.ticket_seconds * 1000)
            self.language_button.setVisible(len(config.lobby.languages) > 1)
            self.home_screen.booking_button.setVisible(_takes_bookings(config))
            log.info("kiosk: new settings from the server applied between visitors")
        if config is not None or self._held_catalogs is not None:
            held, self._held_catalogs = self._held_catalogs, None
            if held is not None and config is None:
                self._catalog_arrived(held)  # the newer choices, now that nobody is choosing
            else:
                self.refresh_catalog()

    def back(self) -> None:
        if self.issuing:
            return
        target = self._history.pop() if self._history else "home"
        self._go(target, push=False)

    def reset_to_home(self) -> None:
        """The start for the next visitor: home screen, default language, search cleared."""
        if self.issuing:
            return
        self.ticket_timer.stop()
        self.pin_overlay.hide()
        self.speech.end()  # speech mode and the accessible layout end with the visit, like the language
        self.priority_wanted = False
        if self.accessible != self.config.kiosk.accessible_layout:
            self.set_accessible(self.config.kiosk.accessible_layout)
        self._history.clear()
        self.search_screen.reset()
        self.checkin_screen.reset()
        self.agency_screen.grid.show_page(0)
        if self.lang != self.config.lobby.default_language:
            self.set_language(self.config.lobby.default_language)
        self._go("home" if self.online else "offline", push=False)

    def _update_chrome(self) -> None:
        name = self.current
        nav = name in NAV_SCREENS
        self.back_button.setVisible(nav)
        self.home_button.setVisible(nav)
        self.footer.setVisible(nav or self.accessible)
        screen = self.screens.get(name)
        if screen is not None:
            self.header_title.setText(screen.title(self.lang))
            self.header_hint.setText(screen.hint(self.lang))
            alert = screen.title_is_alert()
            self.header_title.set_colour(theme.WHITE if alert else theme.YELLOW, theme.RED if alert else None)
            self.header_title.padding = 16 if alert else 0
        self.exit_corner.raise_()

    def _take(self, priority: bool) -> None:
        self.priority_wanted = priority
        self._go("agencies")

    def _choose_agency(self, agency_id: str) -> None:
        self._agency_id = agency_id
        self.service_screen.agency = None
        self._go("services")
        self.service_screen.grid.show_page(0)

    def _open_search(self) -> None:
        self._go("search")

    def _choose_service(self, service_id: str) -> None:
        service = self.services_by_id().get(service_id)
        if service is None:
            return
        if not service.is_open:
            # closed or full: no confirm screen to tap in vain; the reason in full, and when to come back
            status = service.status.text
            self.show_notice(t("kiosk.service_closed_why", self.lang, service=service.name,
                               status=status[:1].upper() + status[1:]))
            return
        self._service_id = service_id
        self._agency_id = service.agency_id
        self.confirm_screen.service = None
        self._go("confirm")
        if self.priority_wanted:
            if service.priority_allowed and service.is_open:
                self.confirm_screen.priority_toggle.setChecked(True)
                self.choices = Choices(self._choice_items("confirm"))
            elif service.is_open:
                # the service decides: a regular number, and the visitor is told why before taking it
                self.show_notice(t("kiosk.priority_refused", self.lang))
                if self.speech.active:
                    self.speech.say([t("kiosk.priority_refused", self.lang)], self.lang, interrupt=False)

    # ------------------------------------------------------------------ rendering

    def _render_all(self) -> None:
        for name in self.screens:
            self._render(name)
        self._update_chrome()

    def _render(self, name: str) -> None:
        lang = self.lang
        screen = self.screens[name]
        if name == "agencies":
            screen.set_agencies(self.catalog.agencies if self.catalog else [], lang)
            screen.retranslate(lang)
        elif name == "services":
            agency = self.agencies_by_id().get(self._agency_id)
            if agency is not None:
                services = self.services_by_id()
                mine = [services[sid] for sid in agency.services if sid in services]
                shown = self.service_screen.agency
                keep = shown is not None and shown.id == agency.id
                screen.set_agency(agency, mine, lang, keep_page=keep)
            else:
                screen.retranslate(lang)
        elif name == "home":
            screen.set_status(self.catalog.status if self.catalog is not None else None, lang)
        elif name == "search":
            screen.set_catalog(self.services_by_id(), self.agencies_by_id(), lang)
        elif name == "confirm":
            service = self.services_by_id().get(self._service_id)
            if service is not None:
                agency = self.agencies_by_id().get(service.agency_id)
                screen.set_service(service, agency, lang, keep_choice=True)
            else:
                screen.retranslate(lang)
        elif name == "ticket":
            ticket = self.ticket_screen.ticket
            if ticket:
                # the names in the language now shown
                service = self.services_by_id().get(ticket.get("service_id"))
                agency = self.agencies_by_id().get(ticket.get("agency_id"))
                ticket = {**ticket, "service_name": service.name if service else ticket.get("service_name", ""),
                          "agency_name": agency.name if agency else ticket.get("agency_name", ""),
                          "location": service.location if service else ticket.get("location", "")}
                self.ticket_screen.ticket = ticket
            screen.retranslate(lang)
        else:
            screen.retranslate(lang)

    def _tick_clock(self) -> None:
        now = self.clock.now().astimezone(self.config.lobby.tz)
        self.date_label.setText(date_text(now, self.lang))
        self.clock_label.setText(clock_text(now))

    def show_notice(self, text: str) -> None:
        """A plain sentence in the visitor's language, for a few seconds."""
        self.notice_label.setText(text)
        self._place_notice()
        self.notice_label.show()
        self.notice_label.raise_()
        self.notice_timer.start(NOTICE_MS)

    def _place_notice(self) -> None:
        width = min(self.width() - 80, 1500)
        self.notice_label.setFixedWidth(max(200, width))
        self.notice_label.adjustSize()
        bottom = self.footer.geometry().top() if self.footer.isVisible() else self.height()
        left = (self.width() - self.notice_label.width()) // 2
        height = self.notice_label.height()
        # never over a control the visitor may need (the take button after a refusal): just above it
        controls = [button for button in self.stack.currentWidget().findChildren(QAbstractButton)
                    if button.isVisible()]
        tops = sorted((QRect(button.mapTo(self, QPoint(0, 0)), button.size()) for button in controls),
                      key=lambda rect: -rect.bottom())
        for rect in tops:
            if rect.intersects(QRect(left, bottom - height - 24, self.notice_label.width(), height)):
                bottom = rect.top()
        self.notice_label.move(left, max(0, bottom - height - 24))

    # ------------------------------------------------------------------ idle

    def note_activity(self) -> None:
        if not self._closed:
            self.idle_timer.start()

    def _idle(self) -> None:
        if self._closed:
            return
        self.idle_timer.start()
        if self.issuing or self.current == "ticket":
            return  # the ticket screen has its own timer
        at_rest = self.current in ("home", "offline") and self.lang == self.config.lobby.default_language
        if not at_rest or self.pin_overlay.isVisible():
            self.reset_to_home()

    # ------------------------------------------------------------------ speech mode and the keypad

    def key_pressed(self, name: str) -> None:
        """A key of the kiosk's keypad (Qt's name for it, e.g. 'Down', 'Return', 'F1', '*')."""
        if self._closed:
            return
        action = self.key_layout.action(name)
        if self.speech.active:
            self.speech.interrupt()  # any key silences what was being said
        if action is None:
            return
        if action == "help":
            self.request_help()
            return
        if not self.speech.active:
            # a visitor who reaches for the keypad needs speech: any key of it starts speech mode
            self.start_speech()
            return
        if action == "speech":
            self._announce(self.current, intro=True)
        elif action == "repeat":
            self.speech.repeat()
        elif action in ("volume_up", "volume_down"):
            level = self.speech.change_volume(action == "volume_up")
            self.speech.say([t("kiosk.speech.volume", self.lang, percent=round(level * 100))], self.lang,
                            remember=False)
        elif action in ("up", "down"):
            self.choices.move(-1 if action == "up" else 1)
            self.speech.say([item_phrase(self.choices, self.lang)], self.lang)
        elif action == "select":
            self._select_choice()
        elif action == "back":
            if self.current in NAV_SCREENS:
                self.back()
            elif self.current == "ticket":
                self.reset_to_home()
            else:
                self._announce(self.current)

    def start_speech(self) -> None:
        """Speech mode on (the speech key, any keypad key, or the long press at the bottom): say where the
        visitor is, the keys, and the selected item."""
        if self._closed:
            return
        self.speech.start()
        self._announce(self.current, intro=True)

    def _choice_items(self, name: str) -> list[tuple[str, str]]:
        lang, say = self.lang, self.config.audio.say
        if name == "home":
            return [("take", t("kiosk.take_number", lang)), ("priority", t("kiosk.priority_home", lang))]
        if name == "agencies" and self.catalog is not None:
            return [(agency.id, agency_text(agency, lang, say)) for agency in self.catalog.agencies]
        if name == "services":
            agency = self.agencies_by_id().get(self._agency_id)
            services = self.services_by_id()
            if agency is not None:
                return [(sid, service_text(services[sid], lang, say)) for sid in agency.services if sid in services]
        if name == "confirm":
            screen = self.confirm_screen
            if not screen.can_issue:
                return []
            items = [("confirm", screen.confirm_button.text())]
            if screen.priority_toggle.isVisible() or (screen.service and screen.service.priority_allowed):
                chosen = screen.priority_toggle.isChecked()
                items.append(("priority", t("kiosk.speech.priority_on" if chosen else "kiosk.speech.priority_off",
                                            lang)))
            return items
        if name == "ticket":
            return [("repeat", t("kiosk.speech.repeat_ticket", lang)), ("done", t("kiosk.done", lang))]
        return []

    def _announce(self, name: str, intro: bool = False) -> None:
        """Where the visitor is and what is selected; on the confirm screen every detail of the choice."""
        lang, say = self.lang, self.config.audio.say
        phrases = [t("kiosk.speech.start", lang)] if intro else []
        if name == "home":
            phrases.append(t("kiosk.speech.home", lang, lobby=self.config.lobby.name))
            if self.home_screen.closed:
                phrases.append(self.home_screen.status_label.text() + ".")
        elif name == "agencies":
            phrases.append(t("kiosk.speech.agencies", lang, count=len(self.choices.items)))
        elif name == "services":
            agency = self.agencies_by_id().get(self._agency_id)
            phrases.append(t("kiosk.speech.services", lang, agency=agency.name if agency else "",
                             count=len(self.choices.items)))
        elif name == "confirm":
            service = self.services_by_id().get(self._service_id)
            if service is not None:
                agency = self.agencies_by_id().get(service.agency_id)
                phrases += [t("kiosk.speech.confirm", lang, service=service.name, agency=agency.name if agency else ""),
                            service.status.text[:1].upper() + service.status.text[1:] + ".",
                            wait_text(service, lang), requirements_text(service, lang)]
        elif name == "ticket":
            ticket = self.ticket_screen.ticket
            phrases += ticket_phrases(ticket, lang, printed=not ticket.get("printer_failed"), say=say)
            # after the words said while printing, not over them
            self.speech.say(phrases, lang, interrupt=intro)
            return
        elif name == "printing":
            phrases.append(t("kiosk.printing", lang))
        elif name == "offline":
            phrases += [self.offline_screen.title(lang), self.offline_screen.message_label.text()]
        if self.choices.items:
            phrases.append(item_phrase(self.choices, lang))
        self.speech.say(phrases, lang)

    def _select_choice(self) -> None:
        selected = self.choices.selected
        name = self.current
        if selected is None:
            self._announce(name)
            return
        choice = selected[0]
        if name == "home":
            self._take(priority=choice == "priority")
        elif name == "agencies":
            self._choose_agency(choice)
        elif name == "services":
            service = self.services_by_id().get(choice)
            if service is not None and not service.is_open:
                self.speech.say([service_text(service, self.lang, self.config.audio.say)], self.lang)
                return
            self._choose_service(choice)
        elif name == "confirm":
            if choice == "priority":
                self.confirm_screen.priority_toggle.toggle()
                index = self.choices.index
                self.choices = Choices(self._choice_items(name), index)
                self.speech.say([item_phrase(self.choices, self.lang)], self.lang)
            else:
                self.confirm_screen._confirm()
        elif name == "ticket":
            if choice == "repeat":
                self.ticket_timer.start()  # the visitor is still listening
                ticket = self.ticket_screen.ticket
                self.speech.say(ticket_phrases(ticket, self.lang, printed=not ticket.get("printer_failed"),
                                               say=self.config.audio.say), self.lang)
            else:
                self.reset_to_home()

    def _speak_printing(self, ticket: dict) -> None:
        if self.speech.active and not self._closed:
            self.speech.say(printing_phrases(ticket, self.lang, self.config.audio.say), self.lang)

    # ------------------------------------------------------------------ help

    def request_help(self) -> None:
        """The help button or key: staff are told (a help_requested event naming this kiosk)."""
        if self._closed:
            return
        api, screen, lang = self.api, self.current, self.lang
        self.help_button.setEnabled(False)  # one call at a time; the server keeps one open call per kiosk

        def sent(answer) -> None:
            self.help_seq = int(answer.get("seq", 0)) if isinstance(answer, dict) else 0
            self._help_answered("kiosk.help_coming")

        def failed(exc: BaseException) -> None:
            log.warning("kiosk: the call for help was not sent: %r", exc)
            self._help_answered("kiosk.help_failed")

        self.tasks.run(lambda: api.request_help(screen, lang), on_done=sent, on_error=failed)

    def _help_answered(self, msgid: str) -> None:
        if self._closed:
            return
        self.help_button.setEnabled(True)
        sentence = t(msgid, self.lang)
        self.show_notice(sentence)
        self.notice_timer.start(HELP_NOTICE_MS)
        if self.speech.active:
            self.speech.say([sentence], self.lang)
        self.help_answered.emit(msgid == "kiosk.help_coming")

    # ------------------------------------------------------------------ issuing

    def issue(self, service_id: str, priority: bool = False) -> bool:
        """Issue one ticket for the visitor (and print it). False when a ticket is already on its way."""
        if self.issuing or self._closed:
            return False
        service = self.services_by_id().get(service_id)
        if service is None or not service.is_open:
            self.show_notice(service.status.text if service else t("kiosk.service_not_open", self.lang))
            return False
        self.issuing = True
        self.confirm_screen.set_busy(True)
        self._go("printing", push=False)
        lang, api, printer = self.lang, self.api, self.printer
        priority = bool(priority and service.priority_allowed)
        agency = self.agencies_by_id().get(service.agency_id)
        tapped_at = time.perf_counter()
        make_print = self._ticket_print
        request_id = self.new_request_id()  # one per tap: every retry of this tap carries it
        retry_delays_s, retry_budget_s = self.issue_retry_delays_s, self.issue_retry_budget_s
        announce_printing = self.ticket_printing.emit

        def work() -> IssueResult:
            # Check first: a printer that is already known to be down is not tried
            # again, but the visitor still gets a number (shown on screen).
            started = time.perf_counter()
            status: PrinterStatus = printer.check()
            checked = time.perf_counter()
            ticket, attempts = issue_with_retries(api, service_id, priority=priority, lang=lang, request_id=request_id,
                                                  delays_s=retry_delays_s, budget_s=retry_budget_s)
            announce_printing(ticket)  # queued to the GUI thread: spoken while the ticket prints
            if attempts > 1:
                log.info("kiosk: %s issued on attempt %d (replayed: %s)", ticket.get("code"), attempts,
                         ticket.get("replayed"))
            issued = time.perf_counter()
            fault = None
            printed_at = None
            if not status.can_print:
                fault = PrinterFault(status.kind, status.detail)
            else:
                try:
                    printer.print_ticket(make_print(ticket, lang, service, agency))
                    printed_at = time.perf_counter()
                except PrinterFault as exc:
                    fault = exc
                except Exception as exc:  # never lose an issued number to a printing bug
                    log.exception("kiosk: printing failed unexpectedly")
                    fault = PrinterFault.of("setup", f"{type(exc).__name__}: {exc}")
            steps = {"queued": started - tapped_at, "check": checked - started, "issue": issued - checked,
                     "print": (printed_at or time.perf_counter()) - issued}
            return IssueResult(ticket, fault, tapped_at, printed_at, {k: v * 1000 for k, v in steps.items()}, attempts)

        self.tasks.run(work, on_done=self._issued, on_error=self._issue_failed)
        return True

    def open_check_in(self) -> None:
        self.checkin_screen.reset()
        self._go("checkin")

    def check_in(self, code: str) -> bool:
        """Check a booking in (a scan anywhere, or the code typed) and print its ticket, marked as booked.
        False when a ticket is already on its way."""
        if self.issuing or self._closed or self.current in ("offline", "printing"):
            return False
        self.issuing = True
        self.checkin_screen.set_busy(True)
        self._go("printing", push=False)
        lang, api, printer = self.lang, self.api, self.printer
        services, agencies = self.services_by_id(), self.agencies_by_id()
        make_print = self._ticket_print
        tapped_at = time.perf_counter()

        def work() -> IssueResult:
            started = time.perf_counter()
            status: PrinterStatus = printer.check()
            checked = time.perf_counter()
            # not retried: a lost answer would come back "already checked in"; the staff reprint from the counter
            ticket = api.check_in(code, lang=lang)
            issued = time.perf_counter()
            service = services.get(ticket.get("service_id"))
            agency = agencies.get(ticket.get("agency_id"))
            fault, printed_at = None, None
            if not status.can_print:
                fault = PrinterFault(status.kind, status.detail)
            else:
                try:
                    printer.print_ticket(make_print(ticket, lang, service, agency))
                    printed_at = time.perf_counter()
                except PrinterFault as exc:
                    fault = exc
                except Exception as exc:  # never lose an issued number to a printing bug
                    log.exception("kiosk: printing failed unexpectedly")
                    fault = PrinterFault.of("setup", f"{type(exc).__name__}: {exc}")
            steps = {"queued": started - tapped_at, "check": checked - started, "issue": issued - checked,
                     "print": (printed_at or time.perf_counter()) - issued}
            return IssueResult(ticket, fault, tapped_at, printed_at, {k: v * 1000 for k, v in steps.items()}, 1)

        self.tasks.run(work, on_done=self._checked_in, on_error=self._check_in_failed)
        return True

    def _checked_in(self, result: IssueResult) -> None:
        self.checkin_screen.set_busy(False)
        self.checkin_screen.reset()
        self._issued(result)

    def _check_in_failed(self, exc: BaseException) -> None:
        failed = self._request_failed(exc, self.checkin_screen, "check-in")
        if failed is None:
            return
        _status, _code, message = failed
        # a refusal (too early, too late, cancelled, ...): its sentence stays on the check-in screen
        self._history = ["home"]
        self._go("checkin", push=False)
        self.checkin_screen.show_refusal(message or t("kiosk.checkin_failed", self.lang))

    def _ticket_print(self, ticket: dict, lang: str, service: ServiceView | None,
                      agency: AgencyView | None) -> TicketPrint:
        """The ticket to print: its names from the answer, else from the catalog the visitor chose from."""
        config = self.config
        issued_at = ticket.get("issued_at")
        moment = datetime.fromisoformat(issued_at) if issued_at else self.clock.now()
        return TicketPrint(
            lobby_name=config.lobby.name,
            agency_name=ticket.get("agency_name") or (agency.name if agency else ""),
            service_name=ticket.get("service_name") or (service.name if service else ""),
            code=ticket["code"],
            priority=bool(ticket.get("priority")),
            issued_at=moment,
            people_ahead=int(ticket.get("position", 0)),
            estimate_minutes=ticket.get("estimate_minutes"),
            status_url=ticket["status_url"],
            lang=lang,
            footer=config.printer.footer.get(lang),
            paper_mm=config.printer.paper_mm,
            location=service.location,
            local_tz=config.lobby.tz,
            booked_slot=ticket.get("slot_time") if ticket.get("booked") else None,
        )

    def _issued(self, result: IssueResult) -> None:
        self.issuing = False
        self.issue_count += 1
        self.last_result = result
        if self._closed:
            return
        self.confirm_screen.set_busy(False)
        ticket = dict(result.ticket)
        service = self.services_by_id().get(ticket.get("service_id"))
        ticket["location"] = service.location if service is not None else ""
        failed = result.fault is not None
        ticket["printer_failed"] = failed
        if failed:
            fault = result.fault
            log.warning("kiosk: ticket %s not printed: %s (%s)", ticket.get("code"), fault.kind, fault.detail)
            message = f"{fault.message('en')} {fault.detail}".strip()[:300]  # the API takes 300 characters
            self.pending_fault_reports.append((fault.kind, message, ticket.get("code")))
            self._send_fault_reports()
        fault_message = {lang: result.fault.message(lang) for lang in languages()} if failed else None
        self.ticket_screen.set_ticket(ticket, self.lang, printer_failed=failed, fault_message=fault_message)
        self._history.clear()
        self._go("ticket", push=False)
        # a visitor photographing the screen needs longer than one taking a paper ticket
        seconds = self.config.kiosk.ticket_seconds * (3 if failed or self.speech.active else 1)
        self.ticket_timer.start(seconds * 1000)
        self.refresh_catalog()
        self.ticket_shown.emit(ticket)

    def _request_failed(self, exc: BaseException, screen, what: str) -> tuple | None:
        """What an issue or a check-in that failed has in common: (status, code, sentence) of a refusal to show,
        or None when it is handled here (the window closed, the device revoked, or no answer: offline)."""
        self.issuing = False
        if self._closed:
            return None
        screen.set_busy(False)
        status, code, message = _api_error_parts(exc)
        if code == "device_revoked":
            self._revoked(message)
            return None
        if not _is_api_error(exc):
            log.error("kiosk: %s failed: %r", what, exc)
            message, status = "", 0
        if status is None:
            # no answer, even to the retries with the same request_id (the client tells
            # unreachable from refused): as far as the kiosk knows, nothing was issued
            self.online = False
            self.connection_changed.emit(False)
            self._history.clear()
            self._go("offline", push=False)
            self.refresh_timer.start(self.retry_ms)
            return None
        return status, code, message

    def _issue_failed(self, exc: BaseException) -> None:
        failed = self._request_failed(exc, self.confirm_screen, "issuing")
        if failed is None:
            return
        status, code, message = failed
        # a refusal (closed, full, over the server's issue limit): the server's sentence, and the visitor
        # may tap again; never retried here, the answer was not lost
        if status:
            log.warning("kiosk: the server refused the issue: %s %s%s", status, code,
                        f" (retry after {exc.retry_after:g} s)" if getattr(exc, "retry_after", None) else "")
        self._go("confirm", push=False)
        self.show_notice(message or t("kiosk.issue_failed", self.lang))
        self.refresh_catalog()

    def _send_fault_reports(self) -> None:
        if self._reporting or not self.pending_fault_reports or self._closed:
            return
        self._reporting = True
        reports, self.pending_fault_reports = self.pending_fault_reports, []
        api = self.api

        def send() -> None:
            unsent = []
            for index, (kind, message, code) in enumerate(reports):
                try:
                    api.printer_fault(kind, message, code)
                except Exception as exc:
                    log.warning("kiosk: printer fault not reported yet: %r", exc)
                    unsent = reports[index:]
                    break
            return unsent

        def done(unsent) -> None:
            self._reporting = False
            # kept for the next successful catalog refresh
            self.pending_fault_reports = list(unsent) + self.pending_fault_reports

        def failed(exc) -> None:
            self._reporting = False
            self.pending_fault_reports = reports + self.pending_fault_reports

        self.tasks.run(send, on_done=done, on_error=failed)

    # ------------------------------------------------------------------ technician exit

    def _ask_exit_pin(self) -> None:
        if self._closed:
            return
        self.pin_overlay.open(self.lang)
        if not self.config.kiosk.exit_pin_hash:
            self.pin_overlay.message.setText(t("kiosk.exit_no_pin", self.lang))

    def _check_exit_pin(self, pin: str) -> None:
        pin_hash = self.config.kiosk.exit_pin_hash
        if not pin_hash:
            self.pin_overlay.message.setText(t("kiosk.exit_no_pin", self.lang))
            return
        if self.monotonic() < self._pin_locked_until:
            self.pin_overlay.message.setText(t("kiosk.exit_wrong", self.lang))
            return
        self.pin_overlay.ok_button.setEnabled(False)
        self.pin_overlay.message.setText(t("kiosk.exit_checking", self.lang))
        self.tasks.run(lambda: verify_pin(pin, pin_hash), on_done=self._exit_pin_checked,
                       on_error=lambda exc: self._exit_pin_checked(False))

    def _exit_pin_checked(self, ok: bool) -> None:
        if self._closed:
            return
        self.pin_overlay.ok_button.setEnabled(True)
        if ok:
            log.info("kiosk: technician exit")
            self._unlocked = True
            self.close()
            return
        self._pin_failures += 1
        if self._pin_failures >= PIN_LOCK_AFTER:
            self._pin_failures = 0
            self._pin_locked_until = self.monotonic() + PIN_LOCK_S
        self.pin_overlay.pad.clear()
        self.pin_overlay.message.setText(t("kiosk.exit_wrong", self.lang))


def _takes_bookings(config: Config) -> bool:
    return any(s.booking is not None and s.booking.enabled for s in config.services)


def _choices(catalogs: dict[str, CatalogView]) -> tuple:
    """What a visitor chooses from: the agencies and services (names included), not their waiting counts."""
    catalog = next(iter(catalogs.values()), None)
    if catalog is None:
        return ()
    return (tuple((a.id, a.name) for a in catalog.agencies),
            tuple((s.id, s.agency_id, s.name, tuple(s.requirements), s.priority_allowed) for s in catalog.services))


# --------------------------------------------------------------------------- the sub-command


def main(args) -> int:
    """`mpp-kiosk kiosk [--config PATH] [--server URL]`; exit codes in kiosk.ui.common.entry."""
    from kiosk.ui.common.entry import run_window

    return run_window(args, _build_window, command="kiosk", role="kiosk", settings=lambda config: config.kiosk)


def _build_window(config, credential) -> KioskWindow:
    from kiosk.client import ApiClient
    from kiosk.printer.backends import make_ticket_printer

    api = ApiClient(credential.url, credential.key, ssl_context=credential.ssl_context)
    from kiosk.ui.kiosk.voice import voice_from_config

    return KioskWindow(config, api, make_ticket_printer(config.printer, config.base_dir),
                       voice=lambda queue, parent: voice_from_config(config, queue, parent))
