"""The lobby display: what waiting visitors watch and hear.

The current call fills most of the screen (ticket code, counter, agency) and
flashes when it arrives, so a visitor who looks up late still sees it; calls
that arrive together queue for the big slot and each gets its full time there.
Beside it: the call signed in sign language, the previous calls, the people
waiting per agency, the date and time, and a running ticker. Each call is
spoken (chime, then the phrase in each configured language) by the
:class:`~kiosk.ui.display.announcer.Announcer`.

The display follows the server's event stream (:class:`~kiosk.ui.common.live.LiveLobby`);
a call is identified by the seq of its event, so a reconnect or a resync can
neither repeat a call nor lose one. Nothing here blocks the Qt loop: speech is
made on a worker thread, media play in Qt's own threads.
"""
from __future__ import annotations

import linecache
import logging
import math
import os
import time
from collections import deque
from datetime import datetime

from PySide6.QtCore import QElapsedTimer, QPointF, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.clock import Clock, SystemClock
from kiosk.dates import long_date
from kiosk.files import resolve
from kiosk.i18n import t
from kiosk.lobby_state import call_entry
from kiosk.protocol.events import NO_QUEUE_CHANGE, EventType
from kiosk.sign import call_playlist, info_clip_path
from kiosk.sign_packs import info_clip_is_stand_in, notice_playlist
from kiosk.ui.common import theme
from kiosk.ui.common.app import release_free_memory
from kiosk.ui.display.announcer import Announcer
from kiosk.ui.display.board import (NOTICE_SIGN_EVERY_S, REPEATED_WORDS, SLOTS, Call, CallSlots, CounterLine, Notice, Zone,
                                     active_notices, brief_playlist, counter_lines, display_languages, lobby_notice,
                                     profile_named, signage_items, signed_notices, spoken_config, ticker_text,
                                     waiting_pages, zone_counters)
from kiosk.ui.common.live import LiveLobby
from kiosk.ui.common.media import limit_decoding_threads
from kiosk.ui.common.pictograms import pictogram_pixmap
from kiosk.ui.common.tasks import Tasks
from kiosk.ui.display.sign_panel import SignPanel
from kiosk.ui.display.signage import SignagePanel

log = logging.getLogger(__name__)

FLASH_PERIOD_MS = 500        # one colour change per half second: 1 flash/s, far below the 3/s seizure limit
WAITING_PAGE_MS = 7000       # how long one page of the waiting counts stays
OFFLINE_GRACE_MS = 3000      # no "connection lost" sign during an ordinary start-up
TRIM_MEMORY_MS = 5000       # the C heap's free pages handed back this often (a few ms on the GUI thread)
NOTICE_CHECK_MS = 2000       # a notice with a sign clip is signed within this long of going up, between calls
TICKER_PX_PER_S = 90
TICKER_FRAME_MS = 33
# shares of the screen's height; READABLE is the least a visitor must read from 5 m (1/20 of the height)
READABLE = 0.05
CODE = 0.095
CARD_COUNTER = 0.06
CATCH_UP_RATE = 1.5
CATCH_UP_AFTER_RESTART_S = 300  # calls missed while the display was down, at most this old, are announced  # the sign clips' speed while calls wait to be signed


# --------------------------------------------------------------------------- widgets

class Ticker(QWidget):
    """A line of text running right to left, endlessly, at a constant speed."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = text
        self.offset = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._step)

    def start(self) -> None:
        self._clock.start()
        self._timer.start(TICKER_FRAME_MS)

    def stop(self) -> None:
        self._timer.stop()

    def _step(self) -> None:
        elapsed = self._clock.restart() / 1000
        self.offset -= TICKER_PX_PER_S * min(elapsed, 0.25)  # after a stall, move on rather than jump
        span = QFontMetrics(self.font()).horizontalAdvance(self.text) + self._gap()
        if span > 0 and self.offset <= -span:
            self.offset += span
        self.update()

    def _gap(self) -> int:
        return QFontMetrics(self.font()).horizontalAdvance("   •   ")

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.NAVY_DARK))
        painter.setPen(QColor(theme.WHITE))
        painter.setFont(self.font())
        metrics = QFontMetrics(self.font())
        span = metrics.horizontalAdvance(self.text) + self._gap()
        baseline = (self.height() + metrics.ascent() - metrics.descent()) / 2
        x = self.offset
        while x < self.width():
            painter.drawText(QPointF(x, baseline), self.text)
            painter.drawText(QPointF(x + metrics.horizontalAdvance(self.text), baseline), "   •   ")
            x += max(span, 1)
        painter.end()


class CallCard(QFrame):
    """One current call: the code large on the left, the counter and the agency (or "Panggilan ulang") beside it."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("card")
        self.call: Call | None = None
        self.since = float("-inf")
        layout = QHBoxLayout(self)
        self.code = QLabel(self, objectName="code")
        self.code.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        side = QVBoxLayout()
        side.setSpacing(0)
        self.counter = QLabel(self, objectName="counter")
        self.agency = QLabel(self, objectName="agency")
        self.recall = QLabel(self, objectName="recallBadge")
        self.recall.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for label in (self.counter, self.agency):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # the badge is as wide as its words, never wider than the card (it must not widen the column)
        self.recall.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        side.addStretch(1)
        side.addWidget(self.counter)
        side.addWidget(self.agency)
        side.addWidget(self.recall, 0, Qt.AlignmentFlag.AlignLeft)
        side.addStretch(1)
        layout.addWidget(self.code)
        layout.addLayout(side, 1)
        # an empty card keeps its room: the others do not move when a call comes or goes
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)


class DisplayWindow(QWidget):
    """The lobby TV. ``start()`` connects to the server; ``shutdown()`` stops streams, players and threads."""

    def __init__(self, config, server_url: str, key: str, *, synthesizer=None, clock: Clock | None = None,
                 parent: QWidget | None = None, ssl_context=None, monotonic=time.monotonic,
                 profile: str | None = None, handled_file=None):
        super().__init__(parent)
        # the seq of the last call this display took (a restart mid-burst announces what came meanwhile)
        self.handled_file = handled_file
        self.config = config
        self.server_url = server_url
        self.key = key
        self.clock = clock or SystemClock()
        self.monotonic = monotonic
        # a [[displays]] profile: its zone, languages, layout, ticker and signage (None: the whole lobby)
        self.profile = profile_named(config, profile)
        self.langs = _display_languages(config, self.profile)
        self.api_notices: list = []  # the notices the server holds (manager API), shown on the ticker
        self._notices_events = 0  # notices_changed events taken: a fetch begun before one is older than it
        self._tasks = Tasks(max_threads=1, parent=self)
        self.setWindowTitle(f"{config.lobby.name} — display")
        self.setObjectName("display")
        self.flash_seconds = float(config.display.flash_seconds)
        # a [[displays]] profile: only its zone's calls, counters and waiting (None: the whole lobby)
        self.zone = Zone.of_profile(config, profile) if profile else None
        self.board = CallSlots(SLOTS, self.flash_seconds, tz=config.lobby.tz, zone=self.zone)
        # (seq, code, monotonic time) each time a call took a slot, the latest ones
        self.slot_log: deque[tuple[int, str, float]] = deque(maxlen=1000)
        # (seq, monotonic time) each time a call's signing started
        self.sign_log: deque[tuple[int, float]] = deque(maxlen=1000)
        self._snapshots = 0
        self._closed = False
        self._flash_on = False
        self._waiting_page = 0
        self._waiting_items: list[tuple[str, int, str | None]] = []  # (short name, waiting, pictogram)
        self._counter_page = 0
        self._counter_lines: list[CounterLine] = []
        self.notice: Notice | None = None

        if self.zone is not None and not self.zone.voice:
            synthesizer = None  # a silent zone display: shown and signed, never spoken
        elif synthesizer is None and config.audio.enabled:
            from kiosk.audio.speech import synthesizer_from_config

            synthesizer = synthesizer_from_config(config)
        self.announcer = Announcer(spoken_config(config, self.profile), synthesizer, self)
        from kiosk.tls import client_ssl_context

        # ssl_context: an enrolled PC's (kiosk.device_file.window_credential) pins the fingerprint of its device file
        self._board_stale = False  # an event changed the queue and the board has not been drawn for it yet
        self.live = LiveLobby(server_url, key, self,
                              ssl_context=ssl_context if ssl_context is not None else client_ssl_context(config, server_url))
        self.live.snapshot_loaded.connect(self._on_snapshot)
        self.live.event_applied.connect(self._on_event)
        self.live.drained.connect(self._draw_if_stale)
        self.live.connection_changed.connect(self._on_connection)
        # the stream's own status words tell a refused key from a server that is away
        self.live._status_in.connect(self._on_stream_status)

        self._build()
        limit_decoding_threads()  # the players exist: FFmpeg is loaded
        self.sign_panel.call_started.connect(self._on_signing_started)
        self._slot_timer = QTimer(self)  # when a waiting call may take a slot
        self._slot_timer.setSingleShot(True)
        self._slot_timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire 5% early
        self._slot_timer.timeout.connect(self._update_slots)
        self._flash_timer = QTimer(self)
        self._flash_timer.timeout.connect(self._flash_step)
        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick_clock)
        self._waiting_timer = QTimer(self)
        self._waiting_timer.timeout.connect(self._next_pages)
        self._offline_timer = QTimer(self)
        self._offline_timer.setSingleShot(True)
        self._offline_timer.timeout.connect(self._offline_grace_over)
        self._last_call_at = float("-inf")  # monotonic: when the last call of this display came
        self._signage_timer = QTimer(self)  # when the lobby may be quiet enough for signage
        self._signage_timer.setSingleShot(True)
        self._signage_timer.timeout.connect(self._signage_check)
        self.trim_ms: deque[float] = deque(maxlen=100)  # how long each hand-back took
        self._trim_timer = QTimer(self)  # the video frames freed meanwhile go back to the system
        self._trim_timer.setInterval(TRIM_MEMORY_MS)
        self._trim_timer.timeout.connect(self._trim_memory)
        self._tick_clock()
        self._show_calls()
        self._refresh_counters()
        self._refresh_waiting()

    # ------------------------------------------------------------------ building

    def _ticker_text(self) -> str:
        now = self.clock.now()
        return ticker_text(self.config, self.langs, self.profile, active_notices(self.api_notices, now))

    def _refresh_ticker(self) -> None:
        text = self._ticker_text()
        if text != self.ticker.text:
            self.ticker.text = text
            self.ticker.update()

    def _fetch_notices(self) -> None:
        """The notices the server holds, off the GUI thread (at each snapshot: a start or a reconnect)."""
        from kiosk.client import ApiClient

        def fetch():
            client = ApiClient(self.server_url, self.key, ssl_context=self.live.ssl_context)
            try:
                return client.notices()
            finally:
                client.close()

        asked_at = self._notices_events

        def fetched(notices: list) -> None:
            # a notices_changed event that came while the answer was on its way is newer: the answer is stale
            if self._notices_events == asked_at:
                self._take_notices(notices)

        self._tasks.run(fetch, on_done=fetched,
                        on_error=lambda exc: log.warning("display: the notices could not be read: %s", exc))

    def _take_notices(self, notices: list) -> None:
        if self._closed:
            return
        self.api_notices = list(notices)
        self._refresh_ticker()

    def _trim_memory(self) -> None:
        """The freed heap back to the system while the lobby is quiet: never in the seconds after a call, when
        the board, the voice and the signs are busy (the few ms it takes would delay the next call's paint)."""
        if self.monotonic() - self._last_call_at >= TRIM_MEMORY_MS / 1000 and not self.announcer.busy:
            started = time.perf_counter()
            # PySide's import hook reads the source of every module imported after it (inspect.getsource, looking
            # for `from __feature__ import`) and linecache keeps it all: 300 files, 11 MB of the display's RSS
            linecache.clearcache()
            release_free_memory()
            self.trim_ms.append((time.perf_counter() - started) * 1000)

    def _sign_a_notice(self) -> None:
        """Between calls, the next notice due whose clip a sign pack has: signed once, again a minute later."""
        panel = self.sign_panel
        if self._closed or panel.busy or panel.signing_notice is not None:
            return
        now = self.monotonic()
        for key, sign, words in signed_notices(self.config, self.api_notices, self.clock.now()):
            last = self._notice_signed_at.get(key)
            if last is not None and now - last < NOTICE_SIGN_EVERY_S:
                continue
            items = notice_playlist(self.config, sign)
            if not items:
                continue  # no clip: the ticker has it (check-config names the missing clip)
            text = words.get(self.langs[0])
            fits = QFontMetrics(panel.title.font()).horizontalAdvance(text) <= panel.title.width()
            if panel.play_notice(key, items, text if fits else t("display.notice_signed", self.langs[0])):
                self._notice_signed_at[key] = now
                self.notice_sign_log.append((key, now))
            return

    @property
    def one_counter(self) -> bool:
        """A profile for one counter (a small screen above a loket): its number and state, large."""
        return self.profile is not None and self.profile.layout == "counter"

    def _text(self, key: str, joiner: str = " · ") -> str:
        return joiner.join(t(f"display.{key}", lang) for lang in self.langs)

    def _build(self) -> None:
        config = self.config
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # the screen's size is given: contents are sized to fit it, never the other way round
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)

        # header: logo, lobby name, date and time
        self.header = QFrame(self, objectName="header")
        header = QHBoxLayout(self.header)
        self.logo = QLabel(self.header, objectName="logo")
        self._logo_pixmap = QPixmap(str(resolve(config, config.lobby.logo))) if config.lobby.logo else QPixmap()
        self.logo.setVisible(not self._logo_pixmap.isNull())
        self.lobby_name = QLabel(config.lobby.name, self.header, objectName="lobbyName")
        self.lobby_name.setWordWrap(True)
        self.date_label = QLabel(self.header, objectName="date")
        self.date_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.time_label = QLabel(self.header, objectName="time")
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.logo)
        header.addWidget(self.lobby_name, 1)
        header.addWidget(self.date_label)
        header.addWidget(self.time_label)
        outer.addWidget(self.header)

        body = QHBoxLayout()
        self.body_layout = body
        outer.addLayout(body, 1)

        # left: the lobby's notice (a break, closing), then the current calls, newest on top
        left = QVBoxLayout()
        self.left_layout = left
        self.notice_label = QLabel(self, objectName="notice")
        self.notice_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice_label.setWordWrap(True)
        self.notice_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notice_label.hide()
        left.addWidget(self.notice_label)
        self.slot = QFrame(self, objectName="slot")
        slot = QVBoxLayout(self.slot)
        self.slot_layout = slot
        self.slot_caption = QLabel(self._text("number"), self.slot, objectName="slotCaption")
        self.slot_caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        slot.addWidget(self.slot_caption)
        self.cards = [CallCard(self.slot) for _ in range(SLOTS)]
        for card in self.cards:
            slot.addWidget(card, 1)
        left.addWidget(self.slot, 1)
        # signage between calls, in the calls' place (kiosk/ui/display/signage.py)
        self.signage = SignagePanel(signage_items(config, self.profile), lambda file: resolve(self.config, file),
                                    info_clip_path(config), self)
        self.signage.hide()
        self.signage.item_skipped.connect(self._on_signage_skipped)
        left.addWidget(self.signage, 1)
        body.addLayout(left, 60)

        # right column: sign language, the counter board
        right = QVBoxLayout()
        self.right_layout = right
        self.sign_frame = QFrame(self, objectName="signFrame")
        sign_layout = QVBoxLayout(self.sign_frame)
        sign_layout.setContentsMargins(0, 0, 0, 0)
        # the title in the first language: both would not fit the column at the readable size (the clip is bilingual)
        self.sign_panel = SignPanel(info_clip_path(config), idle_caption=t("display.sign", self.langs[0]),
                                    parent=self.sign_frame,
                                    info_stand_in=info_clip_is_stand_in(config),
                                    stand_in_badge=self._text("stand_in"))
        sign_layout.addWidget(self.sign_panel)
        self.sign_frame.setVisible(bool(config.sign.enabled))
        # notices with a clip in the sign pack are signed between calls: 2 s after they go up, then every minute
        self.notice_sign_log: deque[tuple[tuple, float]] = deque(maxlen=1000)
        self._notice_signed_at: dict[tuple, float] = {}
        self._notice_timer = QTimer(self)
        self._notice_timer.setInterval(NOTICE_CHECK_MS)
        self._notice_timer.timeout.connect(self._sign_a_notice)
        right.addWidget(self.sign_frame)

        self.counters_frame = QFrame(self, objectName="counters")
        counters = QGridLayout(self.counters_frame)
        self.counters_grid = counters
        self.counter_rows: list[tuple[QLabel, QLabel]] = []
        self.counters_page_label = QLabel(self.counters_frame, objectName="countersPage")
        self.counters_page_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        right.addWidget(self.counters_frame, 1)
        body.addLayout(right, 40)

        # one counter's screen (layout = "counter"): its name, the number it serves and its state, large
        self.counter_screen = QFrame(self, objectName="counterScreen")
        screen = QVBoxLayout(self.counter_screen)
        self.counter_screen_name = QLabel(self.counter_screen, objectName="counterScreenName")
        self.counter_screen_code = QLabel(self.counter_screen, objectName="counterScreenCode")
        self.counter_screen_state = QLabel(self.counter_screen, objectName="counterScreenState")
        for label in (self.counter_screen_name, self.counter_screen_code, self.counter_screen_state):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setWordWrap(label is self.counter_screen_state)
            screen.addWidget(label, 1 if label is self.counter_screen_code else 0)
        body.addWidget(self.counter_screen, 1)
        self.counter_screen.setVisible(self.one_counter)
        if self.one_counter:
            # the whole body is the counter's; the lobby's notice (a break, closing) goes on top of it
            body.setStretch(0, 0)
            body.setStretch(1, 0)
            screen.insertWidget(0, self.notice_label)

        # waiting per agency
        self.waiting_frame = QFrame(self, objectName="waiting")
        waiting = QHBoxLayout(self.waiting_frame)
        self.waiting_title = QLabel(t("display.waiting", self.langs[0]), self.waiting_frame, objectName="waitingTitle")
        waiting.addWidget(self.waiting_title)
        self.waiting_chips_box = QWidget(self.waiting_frame)
        self.waiting_chips_box.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.waiting_chips_layout = QHBoxLayout(self.waiting_chips_box)
        self.waiting_chips_layout.setContentsMargins(0, 0, 0, 0)
        waiting.addWidget(self.waiting_chips_box, 1)
        self.waiting_page_label = QLabel(self.waiting_frame, objectName="waitingPage")
        waiting.addWidget(self.waiting_page_label)
        self.waiting_chips: list[QLabel] = []
        outer.addWidget(self.waiting_frame)

        for label in (self.lobby_name, self.sign_panel.title, self.sign_panel.caption):
            # a long text must not widen the window: it is sized (or wrapped) to the space it gets
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        if self.one_counter:  # the counter's screen has the whole body: no calls of others, no board
            for part in (self.slot, self.sign_frame, self.counters_frame, self.waiting_frame):
                part.hide()
        self.ticker = Ticker(self._ticker_text(), self)
        self.ticker.setObjectName("ticker")
        outer.addWidget(self.ticker)

        # the connection sign floats over the top of the body; it is not part of the layout
        self.offline_sign = QLabel(self, objectName="offline")
        self.offline_sign.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.offline_sign.setText(self._text("offline", "\n"))
        self.offline_sign.hide()

    # the newest call's card, by the names the single big slot had
    @property
    def code_label(self) -> QLabel:
        return self.cards[0].code

    @property
    def counter_label(self) -> QLabel:
        return self.cards[0].counter

    @property
    def agency_label(self) -> QLabel:
        return self.cards[0].agency

    @property
    def recall_badge(self) -> QLabel:
        return self.cards[0].recall

    def readable_labels(self) -> list[QLabel]:
        """Every visible label a visitor must read from 5 m: each is held to 1/20 of the screen's height."""
        labels = [self.slot_caption, self.notice_label, self.time_label, self.waiting_title,
                  self.counter_screen_name, self.counter_screen_code, self.counter_screen_state,
                  self.sign_panel.title, self.sign_panel.caption, *self.waiting_chips]
        for card in self.cards:
            labels += [card.code, card.counter, card.agency, card.recall]
        for number, state in self.counter_rows:
            labels += [number, state]
        return [label for label in labels if label.isVisible() and label.text()]

    # ------------------------------------------------------------------ sizes and colours

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._apply_sizes()

    def _px(self, share: float) -> int:
        # rounded up: 1/20 of 768 is 38.4, and 38 px would be below it
        return max(8, math.ceil(self.height() * share))

    def _font(self, share: float, bold: bool = False) -> QFont:
        return _pixel_font(self._px(share), bold)

    def _apply_sizes(self) -> None:
        width, height = self.width(), self.height()
        pad = max(6, round(height * 0.012))
        self.layout().setSpacing(0)
        self.header.setFixedHeight(round(height * 0.09))
        self.header.layout().setContentsMargins(pad * 2, pad // 2, pad * 2, pad // 2)
        self.header.layout().setSpacing(pad * 2)
        self.body_layout.setContentsMargins(pad, pad, pad, pad)
        self.body_layout.setSpacing(pad)
        self.left_layout.setSpacing(pad)
        self.right_layout.setSpacing(pad)
        self.waiting_frame.setFixedHeight(round(height * 0.085))
        self.waiting_frame.layout().setContentsMargins(pad * 2, pad // 2, pad * 2, pad // 2)
        self.waiting_frame.layout().setSpacing(pad * 2)
        self.waiting_chips_layout.setSpacing(pad)
        self.ticker.setFixedHeight(round(height * 0.065))

        self.lobby_name.setFont(self._font(0.036, bold=True))
        self.date_label.setFont(self._font(0.026))
        self.time_label.setFont(self._font(READABLE, bold=True))
        if not self._logo_pixmap.isNull():
            side = round(height * 0.07)
            self.logo.setPixmap(self._logo_pixmap.scaled(
                QSize(side * 2, side), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

        self.notice_label.setFont(self._font(READABLE, bold=True))
        self.slot_layout.setContentsMargins(pad, pad // 2, pad, pad)
        self.slot_layout.setSpacing(pad // 2)
        self.slot_caption.setFont(self._font(READABLE, bold=True))
        self.slot_caption.setFixedHeight(round(self._px(READABLE) * 1.25))
        for card in self.cards:
            card.layout().setContentsMargins(pad * 2, 0, pad, 0)
            card.layout().setSpacing(pad * 3)
            card.code.setFont(self._font(CODE, bold=True))
            card.counter.setFont(self._font(CARD_COUNTER, bold=True))
            card.agency.setFont(self._font(READABLE))
            card.recall.setFont(self._font(READABLE, bold=True))
            # a crowded screen must not squash a line below its font's height
            for label in (card.code, card.counter, card.agency, card.recall):
                label.setMinimumHeight(QFontMetrics(label.font()).height())
        self._size_code_column()

        # the sign video: 16:9 in the right column's width, at most a quarter of the height
        right_width = round((width - 3 * pad) * 0.4)
        video_height = min(right_width * 9 // 16, round(height * 0.25))
        self.sign_panel.title.setFont(self._font(READABLE, bold=True))
        self.sign_panel.caption.setFont(self._font(READABLE, bold=True))
        self.sign_panel.view.setFixedHeight(video_height)
        # fixed rows: the video does not jump when a caption comes or goes
        self.sign_panel.title.setFixedHeight(round(self._px(READABLE) * 1.3))
        self.sign_panel.caption.setFixedHeight(round(self._px(READABLE) * 1.3))

        self.counters_frame.layout().setContentsMargins(pad * 2, pad, pad * 2, pad)
        self.counters_grid.setHorizontalSpacing(pad * 2)
        self.counters_grid.setVerticalSpacing(max(2, pad // 3))
        # as many counter rows as fit at the readable size in what the sign panel leaves of the column
        body = height - self.header.height() - self.waiting_frame.height() - self.ticker.height() - 2 * pad
        sign = video_height + 2 * round(self._px(READABLE) * 1.3) + 4 + pad if self.config.sign.enabled else 0
        free = body - sign - 2 * pad - round(self._px(0.026) * 1.4)
        self._counter_rows_fit = max(1, int(free // (round(self._px(READABLE) * 1.3) + max(2, pad // 3))))
        self.counters_page_label.setFont(self._font(0.026))
        self.counters_page_label.setFixedHeight(round(self._px(0.026) * 1.4))
        self._layout_counter_rows()
        QTimer.singleShot(0, self._layout_counter_rows)  # the closed counters' rows need the frame's width

        # one counter's screen: the number as large as the body allows, the words at twice the readable size
        body_height = height - self.header.height() - self.ticker.height()
        self.counter_screen_name.setFont(self._font(0.1, bold=True))
        self.counter_screen_code.setFont(_pixel_font(min(round(body_height * 0.45), round(width * 0.22)), bold=True))
        self.counter_screen_state.setFont(self._font(0.08, bold=True))
        self.counter_screen.layout().setContentsMargins(pad * 2, pad, pad * 2, pad)

        self.waiting_title.setFont(self._font(READABLE, bold=True))
        self.waiting_page_label.setFont(self._font(0.026))
        # always room for "2/4", so the chips' space does not change when pages appear
        self.waiting_page_label.setFixedWidth(QFontMetrics(self.waiting_page_label.font()).horizontalAdvance("00/00"))
        self.waiting_page_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.ticker.setFont(self._font(READABLE))
        self.offline_sign.setFont(self._font(0.05, bold=True))
        self.setStyleSheet(self._style_sheet(pad))
        self._paint_cards()
        self._layout_waiting()
        # the chip row's width is known once the layouts have run
        QTimer.singleShot(0, self._layout_waiting)
        self._place_offline_sign()

    def _size_code_column(self) -> None:
        """One column for the codes, as wide as the widest code shown (the counters line up beside it)."""
        metrics = QFontMetrics(self._font(CODE, bold=True))
        codes = [card.code.text() for card in self.cards] + ["A-000"]
        column = max(metrics.horizontalAdvance(code) for code in codes) + 8
        for card in self.cards:
            card.code.setFixedWidth(column)

    def _style_sheet(self, pad: int) -> str:
        radius = max(6, pad)
        return f"""
            QWidget#display {{ background: {theme.NAVY}; }}
            QFrame#header {{ background: {theme.NAVY_DARK}; }}
            QLabel#lobbyName, QLabel#time {{ color: {theme.WHITE}; }}
            QLabel#date {{ color: {theme.PALE}; }}
            QLabel#notice {{ background: {theme.RED}; color: {theme.WHITE}; border-radius: {radius}px;
                            padding: {pad // 2}px {pad}px; }}
            QFrame#slot {{ background: {theme.NAVY_DARK}; border-radius: {radius}px; }}
            QLabel#slotCaption {{ color: {theme.PALE}; }}
            QFrame#signFrame {{ background: {theme.NAVY_DARK}; border-radius: {radius}px; }}
            QLabel#signTitle {{ color: {theme.WHITE}; }}
            QLabel#signCaption {{ color: {theme.YELLOW}; }}
            QFrame#counters {{ background: {theme.PANEL}; border-radius: {radius}px; }}
            QLabel#counterNumber {{ color: {theme.WHITE}; }}
            QLabel#counterState[status="serving"] {{ color: {theme.YELLOW}; }}
            QLabel#counterState[status="open"] {{ color: {theme.PALE}; }}
            QLabel#counterState[status="paused"] {{ color: {theme.AMBER_TEXT}; }}
            QLabel#counterState[status="closed"] {{ color: {theme.GREY_TEXT}; }}
            QLabel#countersPage {{ color: {theme.GREY_TEXT}; }}
            QFrame#waiting {{ background: {theme.NAVY}; border-top: 2px solid {theme.PANEL}; }}
            QLabel#waitingTitle {{ color: {theme.PALE}; }}
            QLabel#waitingPage {{ color: {theme.GREY_TEXT}; }}
            QLabel#waitingChip {{ background: {theme.PANEL}; color: {theme.WHITE}; border-radius: {radius}px;
                                 padding: 0px {pad * 2}px; }}
            QLabel#waitingNone {{ color: {theme.GREY_TEXT}; }}
            QFrame#counterScreen {{ background: {theme.NAVY_DARK}; border-radius: {radius}px; }}
            QLabel#counterScreenName {{ color: {theme.WHITE}; }}
            QLabel#counterScreenCode {{ color: {theme.YELLOW}; }}
            QLabel#counterScreenState {{ color: {theme.PALE}; }}
            QLabel#counterScreenState[status="paused"] {{ color: {theme.AMBER_TEXT}; }}
            QLabel#counterScreenState[status="closed"] {{ color: {theme.GREY_TEXT}; }}
            QLabel#offline {{ background: {theme.RED}; color: {theme.WHITE}; border: 3px solid {theme.WHITE};
                             border-radius: {radius}px; padding: {pad}px {pad * 3}px; }}
        """

    def _paint_cards(self) -> None:
        """Each card's colours: steady, or the bright half of the flash while the call is new."""
        radius = max(6, round(self.height() * 0.012))
        now = self.monotonic()
        for card in self.cards:
            bright = self._flash_on and self._card_flashing(card, now)
            if bright:
                background, code, counter, second = theme.YELLOW, theme.NAVY, theme.NAVY, theme.NAVY
            else:
                background, code, counter, second = theme.PANEL, theme.YELLOW, theme.WHITE, theme.PALE
            card.setStyleSheet(f"""
                QFrame#card {{ background: {background}; border-radius: {radius}px; }}
                QLabel#code {{ color: {code}; }}
                QLabel#counter {{ color: {counter}; }}
                QLabel#agency {{ color: {second}; }}
                QLabel#recallBadge {{ background: {theme.PRIORITY}; color: {theme.WHITE}; border-radius: {radius}px;
                                      padding: 0px {radius * 2}px; }}
            """)
        if self.one_counter:
            # the counter's own new call flashes its number as the lobby's cards do
            bright = self._flash_on and self._card_flashing(self.cards[0], now)
            self.counter_screen_code.setStyleSheet(
                f"background: {theme.YELLOW}; color: {theme.NAVY}; border-radius: {radius}px;" if bright else "")

    def _card_flashing(self, card: CallCard, now: float) -> bool:
        return card.call is not None and now - card.since < self.flash_seconds

    def _place_offline_sign(self) -> None:
        self.offline_sign.adjustSize()
        hint = self.offline_sign.sizeHint()
        w = min(self.width() - 40, hint.width())
        x = (self.width() - w) // 2
        y = self.header.height() + round(self.height() * 0.03)
        self.offline_sign.setGeometry(QRect(x, y, w, hint.height()))
        self.offline_sign.raise_()

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        """Connect to the server and start the clocks, ticker and sign panel. Returns at once."""
        self.live.start()
        self._clock_timer.start(1000)
        self._waiting_timer.start(WAITING_PAGE_MS)
        self._offline_timer.start(OFFLINE_GRACE_MS)
        self.ticker.start()
        if self.config.sign.enabled and not self.one_counter:
            self.sign_panel.start()
            self._notice_timer.start()
        self._trim_timer.start()
        self._last_call_at = self.monotonic()  # what the snapshot shows stays up a while first
        self._arm_signage(self.config.display.signage_after_s)

    def shutdown(self) -> None:
        """Stop the stream, the players, the timers and the speech thread. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for timer in (self._slot_timer, self._flash_timer, self._clock_timer, self._waiting_timer, self._offline_timer,
                      self._signage_timer, self._notice_timer, self._trim_timer):
            timer.stop()
        self.signage.shutdown()
        self._tasks.wait(3000)
        self.ticker.stop()
        self.live.stop()
        self.sign_panel.shutdown()
        self.announcer.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ the server's news

    def _on_snapshot(self) -> None:
        state = self.live.state
        self._snapshots += 1
        self._fetch_notices()
        if self._snapshots == 1:
            # what was called before the display started was announced then: show it, quietly
            self.board.load(state)
            self._catch_up(state)
        else:
            # a resync after a long outage: calls made meanwhile are still new to the hall
            for entry in state.recent_calls:
                call = Call.from_entry(entry)
                if self.board.tz is None or not state.day or self._local_day(call.at) == state.day:
                    self._new_call(call)
            self.board.seen(state.seq)
        self._update_slots()
        self._refresh_counters()
        self._refresh_waiting()

    def _on_event(self, event: dict) -> None:
        if event["type"] == EventType.NOTICES_CHANGED:
            self._notices_events += 1
            self._take_notices(event["payload"]["notices"])
        if event["type"] in (EventType.CALLED, EventType.RECALLED):
            self._new_call(Call.from_entry(call_entry(event)))
            if self.live.behind:
                # a call takes its slot in its own event even in a backlog: the finish queued behind it must
                # not make it vanish unseen (the counter board and the waiting counts wait for the last event)
                self._update_slots()
        else:
            self.board.seen(event["seq"])
        if event["type"] == EventType.DAY_ROLLED_OVER:
            self.board.new_day()
        if event["type"] not in NO_QUEUE_CHANGE:
            self._board_stale = True
        self._draw_if_stale()

    def _draw_if_stale(self) -> None:
        if self._board_stale and not self.live.behind:
            # within this one event: a transfer, finish, no-show, void or pause shows now (with events queued
            # behind it, the last of them draws the board once: a backlog never keeps the loop busy for minutes)
            self._board_stale = False
            self._update_slots()
            self._refresh_counters()
            self._refresh_waiting()

    def _catch_up(self, state) -> None:
        """Restarted mid-burst: the calls made since the last one this display took (by its handled file),
        of the last few minutes, are new to the hall: shown, spoken and signed once."""
        handled = _read_handled(self.handled_file)
        if handled is None:
            self._save_handled(self.board.last_seq)
            return
        now = self.clock.now()
        missed = []
        for entry in state.recent_calls:
            call = Call.from_entry(entry)
            try:
                recent = (now - datetime.fromisoformat(call.at)).total_seconds() <= CATCH_UP_AFTER_RESTART_S
            except (TypeError, ValueError):
                recent = False
            if call.seq > handled and recent:
                missed.append(call)
        last = self.board.last_seq
        if missed:
            self.board.last_seq = handled
            for call in sorted(missed, key=lambda c: c.seq):
                self._new_call(call)
        self.board.seen(last)
        self._save_handled(self.board.last_seq)

    def _save_handled(self, seq: int) -> None:
        if self.handled_file is None:
            return
        path = self.handled_file

        def write():
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(path.name + ".tmp")
            temp.write_text(str(int(seq)), encoding="utf-8")
            os.replace(temp, path)

        self._tasks.run(write, on_error=lambda exc: log.warning("display: cannot keep %s: %s", path, exc))

    def _new_call(self, call: Call) -> None:
        if not self.board.add(call):
            return
        self._save_handled(call.seq)
        self._pause_signage()
        if self.zone is None or self.zone.voice:
            self.announcer.announce(call.seq, call.code, call.counter_number)
        if self.config.sign.enabled:
            try:
                items = call_playlist(self.config, call.code, call.counter_number, call.agency_id)
            except ValueError as exc:  # a code the clips cannot spell; the call is still shown and spoken
                log.warning("cannot sign call %s: %s", call.code, exc)
                items = []
            if self.sign_panel.busy:
                # behind: every call still signed, the repeated words left out and the clips a little faster
                items = brief_playlist(items)
                self.sign_panel.drop_pending(lambda item: item.token in REPEATED_WORDS)
                self.sign_panel.playback_rate = CATCH_UP_RATE
            self.sign_panel.play_call(call.seq, items, f"{call.code}  →  {self._counter_text(call, self.langs[0])}")

    def _on_signing_started(self, key) -> None:
        self.sign_log.append((key, self.monotonic()))
        if not self.sign_panel.waiting_calls:
            self.sign_panel.playback_rate = 1.0  # caught up: the last call of a burst at its own pace

    # ------------------------------------------------------------------ signage between calls

    @property
    def signage_visible(self) -> bool:
        return self.signage.isVisible()

    def _arm_signage(self, seconds: float) -> None:
        if self.signage.items and not self.one_counter and not self._closed:
            self._signage_timer.start(max(1, math.ceil(seconds * 1000)))

    def _pause_signage(self) -> None:
        """A call: the calls take the screen back at once; signage waits for the lobby to be quiet again."""
        self._last_call_at = self.monotonic()
        self.signage.pause()
        if self.signage.isVisible():
            self.signage.hide()
            self.slot.show()
        self._arm_signage(self.config.display.signage_after_s)

    def _quiet(self) -> bool:
        """Every call has had its time on screen and was spoken and signed."""
        return not self.board.queue and not self.announcer.busy and not self.sign_panel.busy

    def _signage_check(self) -> None:
        if self._closed or not self.signage.playable:
            return
        since = self.monotonic() - self._last_call_at
        after = self.config.display.signage_after_s
        if since < after or not self._quiet():
            self._arm_signage(max(0.5, after - since))
            return
        self.slot.hide()
        self.signage.show()
        self.signage.resume()
        if not self.signage.playable:  # every item broken: the calls stay, never a black screen
            self._on_signage_skipped("", "")

    def _on_signage_skipped(self, _name: str, _why: str) -> None:
        if not self.signage.playable and self.signage.isVisible():
            self.signage.pause()
            self.signage.hide()
            self.slot.show()

    def _local_day(self, at: str) -> str | None:
        try:
            return datetime.fromisoformat(at).astimezone(self.config.lobby.tz).date().isoformat()
        except ValueError:
            return None

    def _on_connection(self, connected: bool) -> None:
        if connected:
            self._offline_timer.stop()
            self.offline_sign.hide()
        else:
            self._show_offline()

    def _on_stream_status(self, status: str) -> None:
        key = "unauthorized" if status == "unauthorized" else "offline"
        if status == "untrusted" and self.live.tls_problem is not None:
            from kiosk.tls import failure_sentence

            # not "offline": the technician must see that it is the certificate, and whose
            self.offline_sign.setText("\n".join(failure_sentence(self.live.tls_problem, lang) for lang in self.langs))
            self._show_offline()
            return
        if status == "revoked":
            # the server's own sentence: this display was revoked, it will not come back by itself
            refusal = self.live._stream.refusal if self.live._stream is not None else None
            self.offline_sign.setText(refusal or self._text("revoked", "\n"))
            log.error("the server says this display was revoked: %s", refusal)
            self._show_offline()
            return
        self.offline_sign.setText(self._text(key, "\n"))
        if key == "unauthorized":
            log.error("the server refused the display's key (server.devices, role 'display')")
            self._show_offline()

    def _offline_grace_over(self) -> None:
        if not self.live.connected:
            self._show_offline()

    def _show_offline(self) -> None:
        self._place_offline_sign()
        self.offline_sign.show()
        self.offline_sign.raise_()

    @property
    def offline_sign_visible(self) -> bool:
        return self.offline_sign.isVisible()

    # ------------------------------------------------------------------ the current calls

    def _update_slots(self) -> None:
        if self._closed:
            return
        now = self.monotonic()
        taken = self.board.update(self.live.state, now)
        for call in taken:
            self.slot_log.append((call.seq, call.code, now))
        self._show_calls()
        if taken:
            self._flash_on = True
            self._flash_timer.start(FLASH_PERIOD_MS)
        self._paint_cards()
        wait = self.board.next_change(now)
        if wait is not None:
            self._slot_timer.start(max(1, math.ceil(wait * 1000)))

    def _flash_step(self) -> None:
        now = self.monotonic()
        if not any(self._card_flashing(card, now) for card in self.cards):
            self._flash_timer.stop()
            self._flash_on = False
        else:
            self._flash_on = not self._flash_on
        self._paint_cards()

    @property
    def flashing(self) -> bool:
        now = self.monotonic()
        return self._flash_timer.isActive() and any(self._card_flashing(card, now) for card in self.cards)

    def shown_calls(self) -> list[tuple[str, str]]:
        """The cards on screen, newest first: [(code, counter text)]."""
        return [(card.code.text(), card.counter.text()) for card in self.cards if card.call is not None]

    def _counter_text(self, call: Call, lang: str) -> str:
        return f"{t('display.counter', lang)} {call.counter_number}"

    def _agency_name(self, agency_id: str) -> str:
        agency = self.config.agency_by_id.get(agency_id)
        return agency.short_name if agency is not None else agency_id

    def _show_calls(self) -> None:
        shown = self.board.shown
        for index, card in enumerate(self.cards):
            entry = shown[index] if index < len(shown) else None
            card.call = entry.call if entry else None
            card.since = entry.since if entry else float("-inf")
            if entry is None:
                card.code.setText("")
                card.counter.setText("")
                card.agency.setText("")
                card.recall.hide()
                card.setVisible(index == 0)  # the first card says that nobody was called yet
                if index == 0:
                    card.counter.setText(t("display.no_call", self.langs[0]))
                    card.agency.setText(" · ".join(t("display.no_call", lang) for lang in self.langs[1:]))
                    card.code.hide()
                continue
            call = entry.call
            card.setVisible(True)
            card.code.show()
            card.code.setText(call.code)
            card.counter.setText(self._counter_text(call, self.langs[0]))
            recalled = call.recall > 0
            # a recall: "Panggilan ulang" large, in place of the agency's name
            card.agency.setText("" if recalled else self._agency_name(call.agency_id))
            card.agency.setVisible(not recalled)
            # in the lobby's first language: both would not fit beside the code at the readable size
            card.recall.setText(t("display.recall", self.langs[0]))
            card.recall.setVisible(recalled)
        self._size_code_column()

    # ------------------------------------------------------------------ the counter board and the notice

    def _refresh_counters(self) -> None:
        notice = lobby_notice(self.config, self.clock.now())
        pause_until = f"{notice.until:%H:%M}" if notice is not None and notice.kind == "break" else None
        lines = counter_lines(self.live.state, zone_counters(self.config, self.zone), pause_until)
        if lines != self._counter_lines:
            self._counter_lines = lines
            self._layout_counter_rows()
        if self.one_counter:
            self._show_counter_screen()

    def _show_counter_screen(self) -> None:
        """The one counter's screen: "Loket 3", then the number it serves large, then its state in words."""
        line = self._counter_lines[0] if self._counter_lines else None
        if line is None:
            return
        self.counter_screen_name.setText(f"{t('display.counter', self.langs[0])} {line.number}")
        serving = line.status == "serving"
        self.counter_screen_code.setText(line.code if serving else "")
        self.counter_screen_code.setVisible(serving)
        if serving:
            state = self._text("counter_screen_serving", "\n")
        else:
            state = "\n".join(line.text(lang) for lang in self.langs)
        self.counter_screen_state.setText(state)
        self.counter_screen_state.setProperty("status", line.status)
        self.counter_screen_state.style().unpolish(self.counter_screen_state)
        self.counter_screen_state.style().polish(self.counter_screen_state)

    def counter_screen_text(self) -> tuple[str, str, str]:
        """(name, code, state) of the one counter's screen, e.g. ('Loket 3', 'B-001', 'Sedang melayani')."""
        return (self.counter_screen_name.text(), self.counter_screen_code.text() if self.counter_screen_code.isVisible()
                else "", self.counter_screen_state.text())

    def _state_fits(self, text: str) -> bool:
        """A counter's state fits its column on the board (beside "Loket 12"), at the readable size."""
        room = self.counters_frame.width() * 0.6
        return room <= 0 or QFontMetrics(self._font(READABLE)).horizontalAdvance(text) <= room

    def counter_board_text(self) -> list[str]:
        """Every counter's line (all pages), e.g. ['Loket 1 A-003', 'Loket 2 Jeda: Salat', 'Loket 3 Tutup']."""
        lang = self.langs[0]
        return [f"{t('display.counter', lang)} {line.number} {line.text(lang, self._state_fits)}"
                for line in self._counter_lines]

    def _counter_rows_all(self) -> list[tuple[str, str, str]]:
        """(left, right, status) rows: each counter that is open, serving or paused on its own row, then the
        closed ones together ("Tutup | 4, 5, 6, …"), as many numbers a row as fit at the readable size."""
        lang = self.langs[0]
        word = t("display.counter", lang)
        rows = [(f"{word} {line.number}", line.text(lang, self._state_fits), line.status)
                for line in self._counter_lines if line.status != "closed"]
        closed = [line.number for line in self._counter_lines if line.status == "closed"]
        if closed:
            left = t("display.counter_closed", lang)
            metrics = QFontMetrics(self._font(READABLE))
            bold = QFontMetrics(self._font(READABLE, bold=True))
            first_column = max(bold.horizontalAdvance(text) for text in [left] + [row[0] for row in rows])
            width = max(100, self.counters_frame.width() - 2 * self.counters_frame.layout().contentsMargins().left()
                        - first_column - self.counters_grid.horizontalSpacing() - 8)
            chunk: list[str] = []
            for number in closed:
                if chunk and metrics.horizontalAdvance(", ".join(chunk + [number])) > width:
                    rows.append((left, ", ".join(chunk), "closed"))
                    left, chunk = "", []
                chunk.append(number)
            rows.append((left, ", ".join(chunk), "closed"))
        return rows

    def _counter_pages(self) -> list[list[tuple[str, str, str]]]:
        per_page = max(1, getattr(self, "_counter_rows_fit", 4))
        frame = self.counters_frame
        if frame.height() > 0 and frame.isVisible():
            # the frame's own height, once laid out: the estimate from the screen size is a lower bound
            margins = frame.layout().contentsMargins()
            pitch = round(self._px(READABLE) * 1.3) + self.counters_grid.verticalSpacing()
            room = frame.height() - margins.top() - margins.bottom() - self.counters_page_label.height()
            per_page = max(per_page, room // pitch)
        rows = self._counter_rows_all()
        pages = [rows[i:i + per_page] for i in range(0, len(rows), per_page)] or [[]]
        closed_word = t("display.counter_closed", self.langs[0])
        for page in pages:
            # a page that goes on with the closed counters says again what they are
            if page and page[0][2] == "closed" and not page[0][0]:
                page[0] = (closed_word, page[0][1], "closed")
        return pages

    def _layout_counter_rows(self) -> None:
        grid = self.counters_grid
        for number, state in self.counter_rows:
            for label in (number, state):
                grid.removeWidget(label)
                label.hide()  # deleteLater leaves it painted until the loop comes round
                label.deleteLater()
        grid.removeWidget(self.counters_page_label)
        self.counter_rows = []
        pages = self._counter_pages()
        self._counter_page %= len(pages)
        font_bold, font = self._font(READABLE, bold=True), self._font(READABLE)
        row_height = round(self._px(READABLE) * 1.3)
        for row, (left, right, status) in enumerate(pages[self._counter_page]):
            number = QLabel(left, self.counters_frame, objectName="counterNumber")
            state = QLabel(right, self.counters_frame, objectName="counterState")
            state.setProperty("status", status)
            state.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            state.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            for label, label_font in ((number, font_bold), (state, font_bold if status == "serving" else font)):
                label.setFont(label_font)
                label.setFixedHeight(row_height)
            grid.addWidget(number, row, 0)
            grid.addWidget(state, row, 1)
            self.counter_rows.append((number, state))
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(self.counter_rows), 1)
        grid.addWidget(self.counters_page_label, len(self.counter_rows) + 1, 0, 1, 2)
        self.counters_page_label.setText(f"{self._counter_page + 1}/{len(pages)}" if len(pages) > 1 else "")
        for number, state in self.counter_rows:
            number.show()
            state.show()

    def _refresh_notice(self) -> None:
        now = self.clock.now()
        self.notice = notice = lobby_notice(self.config, now)
        today = now.astimezone(self.config.lobby.tz).date()
        text = "\n".join(notice.text(lang, today) for lang in self.langs) if notice else ""
        if text != self.notice_label.text():
            self.notice_label.setText(text)
            self.notice_label.setVisible(bool(text))
            # the notice takes the caption's place: four cards still fit below it
            self.slot_caption.setVisible(not text)
            if hasattr(self, "_counter_lines"):
                self._refresh_counters()  # a break began or ended: the paused counters' end time with it

    def _next_pages(self) -> None:
        self._next_waiting_page()
        if len(self._counter_pages()) > 1:
            self._counter_page = (self._counter_page + 1) % len(self._counter_pages())
            self._layout_counter_rows()

    # ------------------------------------------------------------------ live settings

    def apply_config(self, config) -> None:
        """A new config from the server (kiosk.settings_sync), at once: names, ticker, languages, waiting
        chips; the next call's chime, voice packs and sign clips (a call being played finishes as it was)."""
        self.config = config
        self.announcer.use_config(spoken_config(config, self.profile))
        self.sign_panel.info_clip = info_clip_path(config)  # read when the panel next goes idle
        self.sign_panel.info_stand_in = info_clip_is_stand_in(config)
        self.profile = profile_named(config, self.profile.name) if self.profile is not None else None
        self.langs = _display_languages(config, self.profile)
        self.setWindowTitle(f"{config.lobby.name} — display")
        self._refresh_ticker()
        self._waiting_items = None  # names may have changed: lay the chips out again
        self._refresh_waiting()
        log.info("display: new settings from the server applied")

    # ------------------------------------------------------------------ waiting counts

    def _refresh_waiting(self) -> None:
        counts = self.live.state.waiting_counts("agency_id")
        agencies = self.config.agencies
        if self.zone is not None:
            zone_agencies = self.zone.agencies | {self.config.counter_by_id[c].agency for c in self.zone.counters}
            agencies = [agency for agency in agencies if agency.id in zone_agencies]
        items = [(agency.short_name, counts[agency.id], agency.pictogram) for agency in agencies if counts.get(agency.id)]
        if items != self._waiting_items:
            self._waiting_items = items
            self._layout_waiting()

    def waiting_text(self) -> list[str]:
        """The chips on screen now, e.g. ['Disdukcapil 3', 'Imigrasi 1']."""
        return [chip.text().replace("\u2002", " ") for chip in self.waiting_chips if chip.isVisible()]

    def _layout_waiting(self) -> None:
        layout = self.waiting_chips_layout
        while layout.count():
            item = layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.waiting_chips = []
        font = self._font(READABLE, bold=True)
        if not self._waiting_items:
            none = QLabel(t("display.nobody_waiting", self.langs[0]), self.waiting_chips_box, objectName="waitingNone")
            none.setFont(self._font(READABLE))
            layout.addWidget(none)
            layout.addStretch(1)
            self.waiting_page_label.setText("")
            self._pages = []
            return
        pad = max(6, round(self.height() * 0.012))
        height = round(self.height() * 0.07)
        drawn = round(height * 0.62)  # the agency's pictogram before its name, for a visitor who reads little
        texts = [f"{name}\u2002{count}" for name, count, _pictogram in self._waiting_items]
        widths = [QFontMetrics(font).horizontalAdvance(text) + 4 * pad + 4 + (drawn + pad if pictogram else 0)
                  for text, (_name, _count, pictogram) in zip(texts, self._waiting_items)]
        available = self.waiting_chips_box.width() or int(self.width() * 0.75)
        self._pages = waiting_pages(self._waiting_items, widths, available, layout.spacing())
        self._waiting_page %= len(self._pages)
        for index in self._pages[self._waiting_page]:
            chip = QLabel(texts[index], self.waiting_chips_box, objectName="waitingChip")
            chip.setFont(font)
            chip.setFixedSize(widths[index], height)
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pictogram = pictogram_pixmap(self._waiting_items[index][2], drawn, theme.WHITE, self.devicePixelRatioF())
            if not pictogram.isNull():
                chip.setContentsMargins(drawn + pad, 0, 0, 0)  # the text after the drawing
                drawing = QLabel(chip, objectName="waitingPictogram")
                drawing.setPixmap(pictogram)
                drawing.setGeometry(2 * pad, (height - drawn) // 2, drawn, drawn)
            layout.addWidget(chip)
            self.waiting_chips.append(chip)
        layout.addStretch(1)
        self.waiting_page_label.setText(f"{self._waiting_page + 1}/{len(self._pages)}" if len(self._pages) > 1 else "")

    def _next_waiting_page(self) -> None:
        if len(getattr(self, "_pages", [])) > 1:
            self._waiting_page = (self._waiting_page + 1) % len(self._pages)
            self._layout_waiting()

    # ------------------------------------------------------------------ clock

    def _tick_clock(self) -> None:
        if hasattr(self, "ticker"):
            self._refresh_ticker()  # a notice ends at its own time
        now = self.clock.now().astimezone(self.config.lobby.tz)
        self.time_label.setText(now.strftime("%H:%M"))
        self.date_label.setText(long_date(now.date(), self.langs[0]))
        self._refresh_notice()


def _pixel_font(pixels: int, bold: bool = False) -> QFont:
    font = QFont(theme.FONT_FAMILY)
    font.setPixelSize(max(8, int(pixels)))
    font.setBold(bold)
    return font


def _read_handled(path) -> int | None:
    if path is None:
        return None
    try:
        return int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _display_languages(config, profile=None) -> list[str]:
    return display_languages(config, profile)


# --------------------------------------------------------------------------- the sub-command

def device_profile(config, credential) -> str | None:
    """The profile this display's device takes without --profile: the server's word (an enrolled PC's settings
    answer), else the [[displays]] profile that names the device of config.toml's key."""
    from kiosk.live_config import profile_for_device

    if credential.profile and any(p.name == credential.profile for p in config.displays):
        return credential.profile
    return profile_for_device(config, credential.name)


def main(args) -> int:
    """``mpp-kiosk display [--config PATH] [--server URL]``; exit codes in kiosk.ui.common.entry."""
    from kiosk.ui.common.entry import run_window

    # FFmpeg describes every clip it opens; the display logs what goes wrong itself
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")
    profile = getattr(args, "profile", None)

    def build(config, credential) -> DisplayWindow:
        chosen = profile or device_profile(config, credential)
        if chosen:
            log.info("display: profile %r (%s)", chosen, "--profile" if profile else f"device {credential.name!r}")
        handled = config.path(config.server.database).parent / f"display-{chosen or 'lobby'}.seq"
        return DisplayWindow(config, credential.url, credential.key, ssl_context=credential.ssl_context,
                             profile=chosen, handled_file=handled)

    def check(config) -> str | None:
        if profile:
            try:
                Zone.of_profile(config, profile)
            except ValueError as exc:
                return str(exc)
        return None

    return run_window(args, build, command="display", role="display", settings=lambda config: config.display,
                      check=check)
