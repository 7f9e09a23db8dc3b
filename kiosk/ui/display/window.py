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

import logging
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
from kiosk.sign_packs import info_clip_is_stand_in
from kiosk.ui.common import theme
from kiosk.ui.display.announcer import Announcer
from kiosk.ui.display.board import Call, CallBoard, waiting_pages
from kiosk.ui.common.live import LiveLobby
from kiosk.ui.display.sign_panel import SignPanel

log = logging.getLogger(__name__)

FLASH_PERIOD_MS = 500        # one colour change per half second: 1 flash/s, far below the 3/s seizure limit
WAITING_PAGE_MS = 7000       # how long one page of the waiting counts stays
OFFLINE_GRACE_MS = 3000      # no "connection lost" sign during an ordinary start-up
TICKER_PX_PER_S = 90
TICKER_FRAME_MS = 33


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


class DisplayWindow(QWidget):
    """The lobby TV. ``start()`` connects to the server; ``shutdown()`` stops streams, players and threads."""

    def __init__(self, config, server_url: str, key: str, *, synthesizer=None, clock: Clock | None = None,
                 parent: QWidget | None = None, ssl_context=None):
        super().__init__(parent)
        self.config = config
        self.server_url = server_url
        self.key = key
        self.clock = clock or SystemClock()
        self.langs = _display_languages(config)
        self.setWindowTitle(f"{config.lobby.name} — display")
        self.setObjectName("display")
        self.board = CallBoard(config.display.recent_calls)
        # (seq, code, monotonic time) each time a call took the slot, the latest ones
        self.slot_log: deque[tuple[int, str, float]] = deque(maxlen=1000)
        self._snapshots = 0
        self._closed = False
        self._flash_on = False
        self._waiting_page = 0
        self._waiting_items: list[tuple[str, int]] = []

        if synthesizer is None and config.audio.enabled:
            from kiosk.audio.speech import synthesizer_from_config

            synthesizer = synthesizer_from_config(config)
        self.announcer = Announcer(config, synthesizer, self)
        from kiosk.tls import client_ssl_context

        # ssl_context: an enrolled PC's (kiosk.device_file.window_credential) pins the fingerprint of its device file
        self.live = LiveLobby(server_url, key, self,
                              ssl_context=ssl_context if ssl_context is not None else client_ssl_context(config, server_url))
        self.live.snapshot_loaded.connect(self._on_snapshot)
        self.live.event_applied.connect(self._on_event)
        self.live.connection_changed.connect(self._on_connection)
        # the stream's own status words tell a refused key from a server that is away
        self.live._status_in.connect(self._on_stream_status)

        self._build()
        self._slot_timer = QTimer(self)  # the big slot's time for the current call
        self._slot_timer.setSingleShot(True)
        self._slot_timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire 5% early
        self._slot_timer.timeout.connect(self._slot_time_up)
        self._flash_timer = QTimer(self)
        self._flash_timer.timeout.connect(self._flash_step)
        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick_clock)
        self._waiting_timer = QTimer(self)
        self._waiting_timer.timeout.connect(self._next_waiting_page)
        self._offline_timer = QTimer(self)
        self._offline_timer.setSingleShot(True)
        self._offline_timer.timeout.connect(self._offline_grace_over)
        self._tick_clock()
        self._show_current()
        self._refresh_recent()
        self._refresh_waiting()

    # ------------------------------------------------------------------ building

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

        # the big slot
        self.slot = QFrame(self, objectName="slot")
        slot = QVBoxLayout(self.slot)
        self.slot_caption = QLabel(self._text("number"), self.slot, objectName="slotCaption")
        self.recall_badge = QLabel(self._text("recall"), self.slot, objectName="recallBadge")
        self.recall_badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label = QLabel(self.slot, objectName="code")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.counter_label = QLabel(self.slot, objectName="counter")
        self.counter_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.counter_second = QLabel(self.slot, objectName="counterSecond")
        self.counter_second.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.agency_label = QLabel(self.slot, objectName="agency")
        self.agency_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.agency_label.setWordWrap(True)
        slot.addWidget(self.slot_caption, 0, Qt.AlignmentFlag.AlignHCenter)
        slot.addWidget(self.recall_badge, 0, Qt.AlignmentFlag.AlignHCenter)
        slot.addStretch(1)
        slot.addWidget(self.code_label)
        slot.addWidget(self.counter_label)
        slot.addWidget(self.counter_second)
        slot.addStretch(1)
        slot.addWidget(self.agency_label)
        body.addWidget(self.slot, 60)

        # right column: sign language, previous calls
        right = QVBoxLayout()
        self.right_layout = right
        self.sign_frame = QFrame(self, objectName="signFrame")
        sign_layout = QVBoxLayout(self.sign_frame)
        sign_layout.setContentsMargins(0, 0, 0, 0)
        self.sign_panel = SignPanel(info_clip_path(config), idle_caption=self._text("sign"), parent=self.sign_frame,
                                    info_stand_in=info_clip_is_stand_in(config),
                                    stand_in_badge=self._text("stand_in"))
        sign_layout.addWidget(self.sign_panel)
        self.sign_frame.setVisible(bool(config.sign.enabled))
        right.addWidget(self.sign_frame)

        self.recent_frame = QFrame(self, objectName="recent")
        recent = QVBoxLayout(self.recent_frame)
        self.recent_title = QLabel(self._text("recent"), self.recent_frame, objectName="recentTitle")
        recent.addWidget(self.recent_title)
        self.recent_grid = QGridLayout()
        self.recent_rows: list[tuple[QLabel, QLabel, QLabel]] = []
        for row in range(config.display.recent_calls):
            code = QLabel(self.recent_frame, objectName="recentCode")
            counter = QLabel(self.recent_frame, objectName="recentCounter")
            agency = QLabel(self.recent_frame, objectName="recentAgency")
            agency.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.recent_grid.addWidget(code, row, 0)
            self.recent_grid.addWidget(counter, row, 1)
            self.recent_grid.addWidget(agency, row, 2)
            self.recent_rows.append((code, counter, agency))
        self.recent_grid.setColumnStretch(2, 1)
        recent.addLayout(self.recent_grid)
        self.recent_empty = QLabel(self._text("no_recent"), self.recent_frame, objectName="recentEmpty")
        recent.addWidget(self.recent_empty)
        recent.addStretch(1)
        right.addWidget(self.recent_frame, 1)
        body.addLayout(right, 40)

        # waiting per agency
        self.waiting_frame = QFrame(self, objectName="waiting")
        waiting = QHBoxLayout(self.waiting_frame)
        self.waiting_title = QLabel(self._text("waiting"), self.waiting_frame, objectName="waitingTitle")
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

        for label in (self.lobby_name, self.slot_caption, self.code_label, self.counter_label, self.counter_second,
                      self.agency_label, self.sign_panel.title, self.sign_panel.caption, self.recent_title):
            # a long text must not widen the window: it is sized (or wrapped) to the space it gets
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for row in self.recent_rows:
            for label in row:
                label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.ticker = Ticker(_ticker_text(config, self.langs), self)
        self.ticker.setObjectName("ticker")
        outer.addWidget(self.ticker)

        # the connection sign floats over the top of the body; it is not part of the layout
        self.offline_sign = QLabel(self, objectName="offline")
        self.offline_sign.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.offline_sign.setText(self._text("offline", "\n"))
        self.offline_sign.hide()

    # ------------------------------------------------------------------ sizes and colours

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._apply_sizes()

    def _px(self, share: float) -> int:
        return max(8, round(self.height() * share))

    def _font(self, share: float, bold: bool = False) -> QFont:
        font = QFont(theme.FONT_FAMILY)
        font.setPixelSize(self._px(share))
        font.setBold(bold)
        return font

    def _apply_sizes(self) -> None:
        width, height = self.width(), self.height()
        pad = max(6, round(height * 0.012))
        self.layout().setSpacing(0)
        self.header.setFixedHeight(round(height * 0.09))
        self.header.layout().setContentsMargins(pad * 2, pad // 2, pad * 2, pad // 2)
        self.header.layout().setSpacing(pad * 2)
        self.body_layout.setContentsMargins(pad, pad, pad, pad)
        self.body_layout.setSpacing(pad)
        self.right_layout.setSpacing(pad)
        self.waiting_frame.setFixedHeight(round(height * 0.085))
        self.waiting_frame.layout().setContentsMargins(pad * 2, pad // 2, pad * 2, pad // 2)
        self.waiting_frame.layout().setSpacing(pad * 2)
        self.waiting_chips_layout.setSpacing(pad)
        self.ticker.setFixedHeight(round(height * 0.06))

        self.lobby_name.setFont(self._font(0.036, bold=True))
        self.date_label.setFont(self._font(0.026))
        self.time_label.setFont(self._font(0.05, bold=True))
        if not self._logo_pixmap.isNull():
            side = round(height * 0.07)
            self.logo.setPixmap(self._logo_pixmap.scaled(
                QSize(side * 2, side), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

        slot_margin = pad * 2
        self.slot.layout().setContentsMargins(slot_margin, slot_margin, slot_margin, slot_margin)
        self.slot_caption.setFont(self._font(0.04, bold=True))
        self.recall_badge.setFont(self._font(0.03, bold=True))
        self.counter_label.setFont(self._font(0.095 if self.board.current is not None else 0.05, bold=True))
        self.counter_second.setFont(self._font(0.045))
        self._fit_code()
        self._fit_agency()

        # the sign video: 16:9 in the right column's width, at most a third of the height
        right_width = round((width - 3 * pad) * 0.4)
        video_height = min(right_width * 9 // 16, round(height * 0.34))
        self.sign_panel.title.setFont(self._font(0.024, bold=True))
        self.sign_panel.caption.setFont(self._font(0.04, bold=True))
        self.sign_panel.view.setFixedHeight(video_height)
        # fixed rows: the video does not jump when a caption comes or goes
        self.sign_panel.title.setFixedHeight(round(self._px(0.024) * 1.5))
        self.sign_panel.caption.setFixedHeight(round(self._px(0.04) * 1.35))
        self.recent_title.setFont(self._font(0.03, bold=True))
        self.recent_frame.layout().setContentsMargins(pad * 2, pad, pad * 2, pad)
        self.recent_grid.setHorizontalSpacing(pad * 3)
        self.recent_grid.setVerticalSpacing(max(2, pad // 3))
        # the previous calls share what the sign panel leaves of the column
        body = height - self.header.height() - self.waiting_frame.height() - self.ticker.height() - 2 * pad
        sign = video_height + 1.5 * self._px(0.024) + 1.35 * self._px(0.04) + 2 * pad if self.config.sign.enabled else 0
        free = body - sign - pad - 1.2 * self._px(0.03) - 3 * pad
        rows = max(1, len(self.recent_rows))
        row_px = max(12, min(round(height * 0.05), int(free / rows / 1.25)))
        for code, counter, agency in self.recent_rows:
            code.setFont(_pixel_font(row_px, bold=True))
            counter.setFont(_pixel_font(row_px))
            agency.setFont(_pixel_font(round(row_px * 0.75)))
        self.recent_empty.setFont(_pixel_font(row_px))
        self._recent_row_px = row_px
        self._size_recent_columns()

        self.waiting_title.setFont(self._font(0.03, bold=True))
        self.waiting_page_label.setFont(self._font(0.024))
        # always room for "2/4", so the chips' space does not change when pages appear
        self.waiting_page_label.setFixedWidth(QFontMetrics(self.waiting_page_label.font()).horizontalAdvance("00/00"))
        self.waiting_page_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.ticker.setFont(self._font(0.034))
        self.offline_sign.setFont(self._font(0.042, bold=True))
        self.setStyleSheet(self._style_sheet(pad))
        self._paint_slot()
        self._layout_waiting()
        # the chip row's width is known once the layouts have run
        QTimer.singleShot(0, self._layout_waiting)
        self._place_offline_sign()

    def _fit_agency(self) -> None:
        """The agency's full name on at most two lines; a nested layout would give a wrapped label only one."""
        text = self.agency_label.text()
        width = max(50, self.slot.width() - 2 * self.slot.layout().contentsMargins().left())
        for share in (0.036, 0.03, 0.025):
            font = self._font(share)
            metrics = QFontMetrics(font)
            needed = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text).height()
            if needed <= 2 * metrics.lineSpacing():
                break
        self.agency_label.setFont(font)
        self.agency_label.setMinimumHeight(needed if text else 0)

    def _fit_code(self) -> None:
        """The code as large as fits: about a fifth of the screen's height, never below an eighth."""
        text = self.code_label.text() or "A-000"
        size = self._px(0.2)
        available = max(50, self.slot.width() - 4 * self.slot.layout().contentsMargins().left())
        font = _pixel_font(size, bold=True)
        advance = QFontMetrics(font).horizontalAdvance(text)
        if advance > available:
            size = max(int(size * available / advance), self._px(0.125))
            font = _pixel_font(size, bold=True)
        self.code_label.setFont(font)

    def _style_sheet(self, pad: int) -> str:
        radius = max(6, pad)
        return f"""
            QWidget#display {{ background: {theme.NAVY}; }}
            QFrame#header {{ background: {theme.NAVY_DARK}; }}
            QLabel#lobbyName, QLabel#time {{ color: {theme.WHITE}; }}
            QLabel#date {{ color: {theme.PALE}; }}
            QFrame#signFrame {{ background: {theme.NAVY_DARK}; border-radius: {radius}px; }}
            QLabel#signTitle {{ color: {theme.PALE}; }}
            QLabel#signCaption {{ color: {theme.YELLOW}; }}
            QFrame#recent {{ background: {theme.PANEL}; border-radius: {radius}px; }}
            QLabel#recentTitle {{ color: {theme.PALE}; }}
            QLabel#recentCode {{ color: {theme.YELLOW}; }}
            QLabel#recentCounter {{ color: {theme.WHITE}; }}
            QLabel#recentAgency, QLabel#recentEmpty {{ color: {theme.PALE}; }}
            QFrame#waiting {{ background: {theme.NAVY}; border-top: 2px solid {theme.PANEL}; }}
            QLabel#waitingTitle {{ color: {theme.PALE}; }}
            QLabel#waitingPage {{ color: {theme.GREY_TEXT}; }}
            QLabel#waitingChip {{ background: {theme.PANEL}; color: {theme.WHITE}; border-radius: {radius}px;
                                 padding: 0px {pad * 2}px; }}
            QLabel#waitingNone {{ color: {theme.GREY_TEXT}; }}
            QLabel#offline {{ background: {theme.RED}; color: {theme.WHITE}; border: 3px solid {theme.WHITE};
                             border-radius: {radius}px; padding: {pad}px {pad * 3}px; }}
        """

    def _paint_slot(self) -> None:
        """The big slot's colours: steady, or the bright half of the flash."""
        radius = max(6, round(self.height() * 0.012))
        if self._flash_on:
            background, main, second = theme.YELLOW, theme.NAVY, theme.NAVY
        else:
            background, main, second = theme.PANEL, theme.YELLOW, theme.PALE
        counter = theme.NAVY if self._flash_on else theme.WHITE
        self.slot.setStyleSheet(f"""
            QFrame#slot {{ background: {background}; border-radius: {radius}px; }}
            QLabel#code {{ color: {main}; }}
            QLabel#counter {{ color: {counter}; }}
            QLabel#slotCaption, QLabel#counterSecond, QLabel#agency {{ color: {second}; }}
            QLabel#recallBadge {{ background: {theme.PRIORITY}; color: {theme.WHITE}; border-radius: {radius}px;
                                  padding: 2px {radius * 2}px; }}
        """)

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
        if self.config.sign.enabled:
            self.sign_panel.start()

    def shutdown(self) -> None:
        """Stop the stream, the players, the timers and the speech thread. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for timer in (self._slot_timer, self._flash_timer, self._clock_timer, self._waiting_timer, self._offline_timer):
            timer.stop()
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
        calls = [Call.from_entry(entry) for entry in state.recent_calls]
        if state.day:
            # the server keeps its last calls across midnight; a code of yesterday would mislead today
            calls = [call for call in calls if self._local_day(call.at) == state.day]
        self._snapshots += 1
        if self._snapshots == 1:
            # what was called before the display started was announced then: show it, quietly
            self.board.load(calls, state.seq)
            self._show_current()
            self._refresh_recent()
        else:
            # a resync after a long outage: calls made meanwhile are still new to the hall
            for call in calls:
                self._new_call(call)
            self.board.seen(state.seq)
        self._refresh_waiting()

    def _on_event(self, event: dict) -> None:
        if event["type"] in (EventType.CALLED, EventType.RECALLED):
            self._new_call(Call.from_entry(call_entry(event)))
        else:
            self.board.seen(event["seq"])
        if event["type"] == EventType.DAY_ROLLED_OVER:
            self.board.new_day()
            if not self._slot_timer.isActive():
                self._show_current()
            self._refresh_recent()
        if event["type"] not in NO_QUEUE_CHANGE:
            self._refresh_waiting()

    def _new_call(self, call: Call) -> None:
        if not self.board.add(call):
            return
        self.announcer.announce(call.seq, call.code, call.counter_number)
        if self.config.sign.enabled:
            try:
                items = call_playlist(self.config, call.code, call.counter_number, call.agency_id)
            except ValueError as exc:  # a code the clips cannot spell; the call is still shown and spoken
                log.warning("cannot sign call %s: %s", call.code, exc)
                items = []
            self.sign_panel.play_call(call.seq, items, f"{call.code}  →  {self._counter_text(call, self.langs[0])}")
        if not self._slot_timer.isActive():
            self._take_slot()

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

    # ------------------------------------------------------------------ the big slot

    def _take_slot(self) -> None:
        call = self.board.advance()
        if call is None:
            return
        self.slot_log.append((call.seq, call.code, time.monotonic()))
        self._show_current()
        self._refresh_recent()
        self._slot_timer.start(round(self.config.display.flash_seconds * 1000))
        self._flash_on = True
        self._paint_slot()
        self._flash_timer.start(FLASH_PERIOD_MS)

    def _slot_time_up(self) -> None:
        self._flash_timer.stop()
        self._flash_on = False
        self._paint_slot()
        if self.board.queue:
            self._take_slot()
        elif self.board.current is None:
            self._show_current()  # midnight came while the call was up

    def _flash_step(self) -> None:
        self._flash_on = not self._flash_on
        self._paint_slot()

    @property
    def flashing(self) -> bool:
        return self._flash_timer.isActive()

    def _counter_text(self, call: Call, lang: str) -> str:
        return f"{t('display.counter', lang)} {call.counter_number}"

    def _agency_name(self, agency_id: str, short: bool = False) -> str:
        agency = self.config.agency_by_id.get(agency_id)
        if agency is None:
            return agency_id
        return agency.short_name if short else agency.name

    def _show_current(self) -> None:
        call = self.board.current
        if call is None:
            self.code_label.setText("—")
            self.counter_label.setText(t("display.no_call", self.langs[0]))
            self.counter_second.setText(" · ".join(t("display.no_call", lang) for lang in self.langs[1:]))
            self.agency_label.setText("")
            self.recall_badge.hide()
        else:
            self.code_label.setText(call.code)
            self.counter_label.setText(self._counter_text(call, self.langs[0]))
            self.counter_second.setText(" · ".join(self._counter_text(call, lang) for lang in self.langs[1:]))
            self.agency_label.setText(self._agency_name(call.agency_id))
            self.recall_badge.setVisible(call.recall > 0)
        self.counter_second.setVisible(bool(self.counter_second.text()))
        self.counter_label.setFont(self._font(0.095 if call is not None else 0.05, bold=True))
        self.code_label.setVisible(call is not None)
        self._fit_code()
        self._fit_agency()

    def _size_recent_columns(self) -> None:
        """Room for the widest code and counter shown; the agency takes the rest (the labels never widen the window)."""
        row_px = getattr(self, "_recent_row_px", 20)
        codes = [row[0].text() for row in self.recent_rows] + ["A-000"]
        counters = [row[1].text() for row in self.recent_rows] + ["Loket 00"]
        code_metrics = QFontMetrics(_pixel_font(row_px, bold=True))
        counter_metrics = QFontMetrics(_pixel_font(row_px))
        self.recent_grid.setColumnMinimumWidth(0, max(code_metrics.horizontalAdvance(t) for t in codes) + 4)
        self.recent_grid.setColumnMinimumWidth(1, max(counter_metrics.horizontalAdvance(t) for t in counters) + 4)

    def _refresh_recent(self) -> None:
        calls = self.board.recent()
        for index, (code, counter, agency) in enumerate(self.recent_rows):
            if index < len(calls):
                call = calls[index]
                code.setText(call.code)
                counter.setText(self._counter_text(call, self.langs[0]))
                agency.setText(self._agency_name(call.agency_id, short=True))
            else:
                code.setText("")
                counter.setText("")
                agency.setText("")
        self.recent_empty.setVisible(not calls)
        self._size_recent_columns()

    # ------------------------------------------------------------------ live settings

    def apply_config(self, config) -> None:
        """A new config from the server (kiosk.settings_sync), at once: names, ticker, languages, waiting chips.
        The voice and sign panel keep what they loaded at the start (their packs are files)."""
        self.config = config
        self.langs = _display_languages(config)
        self.setWindowTitle(f"{config.lobby.name} — display")
        self.ticker.text = _ticker_text(config, self.langs)
        self.ticker.update()
        self._waiting_items = None  # names may have changed: lay the chips out again
        self._refresh_waiting()
        log.info("display: new settings from the server applied")

    # ------------------------------------------------------------------ waiting counts

    def _refresh_waiting(self) -> None:
        counts = self.live.state.waiting_counts("agency_id")
        items = [(agency.short_name, counts[agency.id]) for agency in self.config.agencies if counts.get(agency.id)]
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
        font = self._font(0.032, bold=True)
        if not self._waiting_items:
            none = QLabel(self._text("nobody_waiting"), self.waiting_chips_box, objectName="waitingNone")
            none.setFont(self._font(0.03))
            layout.addWidget(none)
            layout.addStretch(1)
            self.waiting_page_label.setText("")
            self._pages = []
            return
        pad = max(6, round(self.height() * 0.012))
        texts = [f"{name}\u2002{count}" for name, count in self._waiting_items]
        widths = [QFontMetrics(font).horizontalAdvance(text) + 4 * pad + 4 for text in texts]
        available = self.waiting_chips_box.width() or int(self.width() * 0.75)
        self._pages = waiting_pages(self._waiting_items, widths, available, layout.spacing())
        self._waiting_page %= len(self._pages)
        for index in self._pages[self._waiting_page]:
            chip = QLabel(texts[index], self.waiting_chips_box, objectName="waitingChip")
            chip.setFont(font)
            chip.setFixedSize(widths[index], round(self.height() * 0.06))
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
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
        now = self.clock.now().astimezone(self.config.lobby.tz)
        self.time_label.setText(now.strftime("%H:%M"))
        self.date_label.setText(long_date(now.date(), self.langs[0]))


def _pixel_font(pixels: int, bold: bool = False) -> QFont:
    font = QFont(theme.FONT_FAMILY)
    font.setPixelSize(max(8, int(pixels)))
    font.setBold(bold)
    return font


def _display_languages(config) -> list[str]:
    """The display's languages: the lobby's default first, then the others."""
    langs = [config.lobby.default_language]
    langs += [lang for lang in config.lobby.languages if lang not in langs]
    return langs


def _ticker_text(config, langs: list[str]) -> str:
    return "   •   ".join(config.display.ticker.get(lang) for lang in langs)


# --------------------------------------------------------------------------- the sub-command

def main(args) -> int:
    """``mpp-kiosk display [--config PATH] [--server URL]``; exit codes in kiosk.ui.common.entry."""
    from kiosk.ui.common.entry import run_window

    # FFmpeg describes every clip it opens; the display logs what goes wrong itself
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")
    return run_window(args, _build_window, command="display", role="display", settings=lambda config: config.display)


def _build_window(config, credential) -> DisplayWindow:
    return DisplayWindow(config, credential.url, credential.key, ssl_context=credential.ssl_context)
