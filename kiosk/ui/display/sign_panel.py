"""The sign-language panel of the display: each call signed clip by clip, the current word as a caption.

Video goes through a ``QVideoSink`` into a widget that paints the last frame
itself, so the panel also shows in ``grab()`` screenshots (a ``QVideoWidget``
is blank offscreen). A token whose clip is missing or will not play is shown as
large text for about a second instead, and the call goes on. Between calls the
panel loops the information clip. A clip from a stand-in pack (a placeholder, not
a recorded sign) carries a badge saying so; a recorded pack's clips do not.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Hashable

from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from kiosk.sign import PlaylistItem
from kiosk.ui.common import theme
from kiosk.ui.common.media import PostedPlayer

log = logging.getLogger(__name__)

MISSING_TOKEN_MS = 1000
STUCK_MARGIN_MS = 3000
UNKNOWN_DURATION_LIMIT_MS = 15000
# Calls waiting behind the one signed (a burst's calls are signed briefly, ~3 s each: this is minutes of signing).
# Beyond it the oldest waiting call is left to the board and the voice: signed that late it tells no one
# anything, and a queue that only grows would hold the display's memory for as long as the calls come faster
# than they can be signed (bench/soak.py: 1,300 calls waited after 30 days of a call every 1.2 s).
MAX_WAITING_CALLS = 40
# the badge over a stand-in clip; the display passes its catalog text (display.stand_in) in its languages
STAND_IN_BADGE = "CONTOH · stand-in"


def token_caption(token: str) -> str:
    """How a token reads under the video: words capitalised, letters and digits as they are; a notice's clip
    has no caption (its words are the panel's title and the ticker's)."""
    if token.startswith("notice:"):
        return ""
    return token.upper() if len(token) == 1 else token.capitalize()


class VideoView(QWidget):
    """Paints the latest video frame (kept 16:9, letterboxed), or a token as large text."""

    def __init__(self, parent: QWidget | None = None, *, badge: str = STAND_IN_BADGE):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.image: QImage | None = None
        self.text: str = ""
        self.frames_shown = 0
        # over the video, outside any layout: showing it moves nothing
        self.stand_in_badge = QLabel(badge, self)
        self.stand_in_badge.setObjectName("signStandIn")
        self.stand_in_badge.setStyleSheet(f"background: {theme.YELLOW}; color: black; padding: 2px 6px;")
        self.stand_in_badge.hide()

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width * 9 // 16

    def show_frame(self, image: QImage) -> None:
        self.image = image
        self.text = ""
        self.frames_shown += 1
        self.update()

    def show_text(self, text: str) -> None:
        self.image = None
        self.text = text
        self.set_stand_in(False)  # the text is not a clip
        self.update()

    def set_stand_in(self, stand_in: bool) -> None:
        self.stand_in_badge.setVisible(stand_in)
        if stand_in:
            self._place_badge()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_badge()

    def _place_badge(self) -> None:
        area = self._video_rect()
        font = QFont(theme.FONT_FAMILY)
        font.setBold(True)
        font.setPixelSize(max(10, area.height() // 16))
        self.stand_in_badge.setFont(font)
        self.stand_in_badge.adjustSize()
        margin = max(2, area.height() // 40)
        self.stand_in_badge.move(area.right() - self.stand_in_badge.width() - margin,
                                 area.bottom() - self.stand_in_badge.height() - margin)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(theme.NAVY_DARK))
        area = self._video_rect()
        if self.image is not None and not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(area), self.image)
        elif self.text:
            font = QFont(theme.FONT_FAMILY)
            font.setBold(True)
            # a single letter fills the panel; a word or two still fit on one or two lines
            size = area.height() * (0.6 if len(self.text) <= 2 else 0.2)
            font.setPixelSize(max(12, int(size)))
            painter.setFont(font)
            painter.setPen(QColor(theme.YELLOW))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text)
        painter.end()

    def _video_rect(self) -> QRect:
        width, height = self.width(), self.height()
        if width * 9 > height * 16:
            w = height * 16 // 9
            return QRect((width - w) // 2, 0, w, height)
        h = width * 9 // 16
        return QRect(0, (height - h) // 2, width, h)


@dataclass
class _SignedCall:
    key: Hashable
    title: str
    items: list[PlaylistItem]
    notice: bool = False  # a notice signed between calls: the first call that comes stops it


class SignPanel(QWidget):
    token_started = Signal(str, bool)   # token, has a playable clip
    token_finished = Signal(str, str)   # token, outcome: ended | missing | error | stuck
    call_started = Signal(object)       # key
    call_finished = Signal(object)      # key
    call_skipped = Signal(object)       # key of a call left unsigned: MAX_WAITING_CALLS were waiting before it
    idle_started = Signal()
    notice_started = Signal(object)     # key of a notice being signed between calls
    notice_finished = Signal(object, bool)  # key, True when it was signed to its end (False: a call stopped it)

    def __init__(self, info_clip: Path | None = None, *, idle_caption: str = "", parent: QWidget | None = None,
                 playback_rate: float = 1.0, missing_ms: int = MISSING_TOKEN_MS, info_stand_in: bool = False,
                 stand_in_badge: str = STAND_IN_BADGE):
        super().__init__(parent)
        self.info_clip = info_clip
        self.info_stand_in = info_stand_in
        self.idle_caption = idle_caption
        self.playback_rate = playback_rate
        self.missing_ms = missing_ms
        self.history: deque[tuple[str, str]] = deque(maxlen=1000)  # (token, outcome) of the tokens handled lately
        self.queued_keys: deque = deque(maxlen=1000)  # the key of every call queued here, latest last
        self.skipped_calls = 0  # calls left unsigned since the start (MAX_WAITING_CALLS)
        self._queue: list[_SignedCall] = []
        self._call: _SignedCall | None = None
        self._item: PlaylistItem | None = None
        self._idle = False
        self._closed = False
        self._generation = 0  # a step scheduled before a notice was stopped is about nothing any more

        self.title = QLabel(self)
        self.title.setObjectName("signTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view = VideoView(self, badge=stand_in_badge)
        self.caption = QLabel(self)
        self.caption.setObjectName("signCaption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)

        # the player first: children go in the order they came, so the player (and its threads) stops
        # before the sink it sends frames to is destroyed
        self.player = QMediaPlayer(self)
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.player.setVideoSink(self.sink)  # the clips are silent: no audio output, nothing competes with the voice
        self.media = PostedPlayer(self.player)  # every call that reaches the engine is posted (common/media.py)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(self._on_error)
        self.player.durationChanged.connect(self._on_duration)
        self._step_timer = QTimer(self)  # the ~1 s a missing token is shown as text
        self._step_timer.setSingleShot(True)
        self._step_timer.timeout.connect(self._after_text)
        self._text_token: tuple[str, str] | None = None
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_stuck)

    # ------------------------------------------------------------------ public

    def start(self) -> None:
        self._go_idle()

    def play_call(self, key: Hashable, items: list[PlaylistItem], title: str = "") -> None:
        """Queue one call's playlist; calls are signed one after another, never cut short (a notice is); with
        MAX_WAITING_CALLS already waiting, the oldest of them is left unsigned."""
        if self._closed or not items:
            return
        self.queued_keys.append(key)
        self._queue.append(_SignedCall(key, title, list(items)))
        while len(self._queue) > MAX_WAITING_CALLS:
            skipped = self._queue.pop(0)
            self.skipped_calls += 1
            log.warning("sign panel: %d calls wait to be signed; call %s left to the board", MAX_WAITING_CALLS,
                        skipped.key)
            self.call_skipped.emit(skipped.key)
        if self._call is not None and self._call.notice:
            self._stop_notice()
        if self._call is None:
            self._next_call()

    def play_notice(self, key: Hashable, items: list[PlaylistItem], title: str = "") -> bool:
        """Sign a notice between calls: only when no call is signed or waiting (False: not now); the first
        call that comes stops it at once."""
        if self._closed or not items or self._call is not None or self._queue:
            return False
        self._queue.append(_SignedCall(key, title, list(items), notice=True))
        self._next_call()
        return True

    @property
    def signing_notice(self) -> Hashable | None:
        """The key of the notice being signed now, or None."""
        return self._call.key if self._call is not None and self._call.notice else None

    def _stop_notice(self) -> None:
        notice, self._call = self._call, None
        self._generation += 1
        self._step_timer.stop()
        self._watchdog.stop()
        self._text_token = None
        if self._item is not None:
            self._record(self._item.token, "interrupted")
        self._item = None
        self.media.stop()
        self.notice_finished.emit(notice.key, False)

    @property
    def waiting_calls(self) -> int:
        """Calls queued behind the one being signed."""
        return len(self._queue)

    def drop_pending(self, predicate) -> None:
        """Leave out the clips not yet started (of the call being signed and of those queued) that match."""
        for call in ([self._call] if self._call is not None else []) + self._queue:
            kept = [item for item in call.items if not predicate(item)]
            call.items[:] = kept if kept or call is self._call else call.items

    @property
    def busy(self) -> bool:
        """A call is being signed or waits (a notice between calls is not: a call stops it)."""
        return (self._call is not None and not self._call.notice) or bool(self._queue)

    @property
    def showing_stand_in(self) -> bool:
        """True while the clip on screen carries the stand-in badge."""
        return self.view.stand_in_badge.isVisibleTo(self.view)

    @property
    def current_token(self) -> str | None:
        return self._item.token if self._item is not None else None

    def shutdown(self) -> None:
        self._closed = True
        self._queue.clear()
        self._item = None
        self._step_timer.stop()
        self._watchdog.stop()
        self.media.release()

    # ------------------------------------------------------------------ calls

    def _next_call(self) -> None:
        if self._closed:
            return
        if not self._queue:
            self._call = None
            self._go_idle()
            return
        if self._idle:
            self._idle = False
            self.media.stop()  # end the information loop
        self._call = self._queue.pop(0)
        self.title.setText(self._call.title)
        if self._call.notice:
            self.notice_started.emit(self._call.key)
        else:
            self.call_started.emit(self._call.key)
        self._next_item()

    def _next_item(self) -> None:
        call = self._call
        if call is None or self._closed:
            return
        if not call.items:
            self._item = None
            if call.notice:
                self.notice_finished.emit(call.key, True)
            else:
                self.call_finished.emit(call.key)
            self._next_call()
            return
        self._item = item = call.items.pop(0)
        self.caption.setText(item.label or token_caption(item.token))
        self.view.set_stand_in(item.stand_in and not item.missing)
        self.token_started.emit(item.token, not item.missing)
        if item.missing:
            self._show_token_text(item.token, "missing", item.label)  # the playlist's maker has logged it
            return
        self.player.setLoops(1)
        self.media.set_source(item.path)
        self.media.set_rate(self.playback_rate)
        self._watchdog.start(UNKNOWN_DURATION_LIMIT_MS)
        self.media.play()

    def _show_token_text(self, token: str, outcome: str, label: str | None = None) -> None:
        """The visitor still gets the token, as large text, before the call moves on."""
        self._item = None  # later reports of the player are about nothing we wait for
        self._text_token = (token, outcome)
        self.view.show_text(label or token_caption(token))
        self._step_timer.start(self.missing_ms)

    def _after_text(self) -> None:
        if self._text_token is None:
            return
        token, outcome = self._text_token
        self._text_token = None
        self._record(token, outcome)
        self._next_item()

    def _clip_ended(self) -> None:
        item, self._item = self._item, None
        self._watchdog.stop()
        self._record(item.token, "ended")
        # the next clip starts from the event loop, not inside the player's own signal
        generation = self._generation
        QTimer.singleShot(0, self, lambda: generation == self._generation and self._next_item())

    def _clip_failed(self, outcome: str) -> None:
        item = self._item
        self._watchdog.stop()
        self.media.stop()
        self._show_token_text(item.token, outcome, item.label)

    def _record(self, token: str, outcome: str) -> None:
        self.history.append((token, outcome))
        self.token_finished.emit(token, outcome)

    # ------------------------------------------------------------------ idle

    def _go_idle(self) -> None:
        if self._closed or self._idle:
            return
        self._idle = True
        self._item = None
        self.title.setText(self.idle_caption)
        self.caption.setText("")
        if self.info_clip is not None:
            self.view.set_stand_in(self.info_stand_in)
            self.player.setLoops(QMediaPlayer.Loops.Infinite)
            self.media.set_source(self.info_clip)
            self.media.set_rate(1.0)
            self.media.play()
        else:
            self.media.stop()
            self.view.show_text(self.idle_caption)
        self.idle_started.emit()

    # ------------------------------------------------------------------ player

    def _on_frame(self, frame: QVideoFrame) -> None:
        # the last frame at end of media is invalid: keep showing the one before it
        if frame.isValid() and self._text_token is None:
            image = frame.toImage()
            if not image.isNull():
                self.view.show_frame(image)

    def _on_duration(self, duration_ms: int) -> None:
        if self._item is not None and duration_ms > 0 and self.media.is_current():
            self._watchdog.start(int(duration_ms / max(self.playback_rate, 0.01)) + STUCK_MARGIN_MS)

    def _on_media_status(self, status) -> None:
        if not self.media.is_current():
            return  # about a clip asked for before the last one (the calls are posted)
        if self._item is None:
            if status == QMediaPlayer.MediaStatus.InvalidMedia and self._idle:
                log.warning("the information clip %s cannot be played", self.info_clip)
                self.info_clip = None
                self.view.show_text(self.idle_caption)
            return
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._clip_ended()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            log.warning("sign clip for %r cannot be played: %s", self._item.token, self._item.path)
            self._clip_failed("error")

    def _on_error(self, error, message: str) -> None:
        if error == QMediaPlayer.Error.NoError or not self.media.is_current():
            return
        if self._item is not None and not self._item.missing:
            log.warning("sign clip for %r cannot be played (%s): %s", self._item.token, self._item.path, message)
            self._clip_failed("error")
        elif self._idle and self.info_clip is not None:
            log.warning("the information clip %s cannot be played: %s", self.info_clip, message)
            self.info_clip = None
            self.view.show_text(self.idle_caption)

    def _on_stuck(self) -> None:
        if self._item is not None and not self._item.missing:
            log.warning("sign clip for %r did not finish in time; skipped", self._item.token)
            self._clip_failed("stuck")
