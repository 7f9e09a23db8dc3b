"""Signage between calls: a playlist of videos, images and the sign information clip, each for its time.

The display shows it in the calls' place while the lobby is quiet and hides it the moment a call comes
(:meth:`SignagePanel.pause`); :meth:`SignagePanel.resume` goes on with the item it was showing. A file
that cannot be shown (an image Qt cannot read, a video FFmpeg refuses, no information clip) is logged
once and skipped; when nothing of the playlist can be shown, :attr:`SignagePanel.playable` is False and
the display keeps its calls on screen instead: never a black screen.

Videos are silent (no audio output: nothing competes with the voice) and every call that reaches the
media engine is posted (kiosk/ui/common/media.py).
"""
from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.ui.common.media import PostedPlayer
from kiosk.ui.display.sign_panel import VideoView

log = logging.getLogger(__name__)


class SignagePanel(QWidget):
    item_started = Signal(str)        # the item's name (its file's name, or "sign_info")
    item_skipped = Signal(str, str)   # name, why

    def __init__(self, items: list, resolve_path, info_clip: Path | None, parent: QWidget | None = None):
        """``items``: config SignageItems; ``resolve_path(file)`` gives a file's path; ``info_clip`` the
        sign information clip (None: a sign_info item is skipped)."""
        super().__init__(parent)
        self.setObjectName("signage")
        self.items = list(items)
        self.resolve_path = resolve_path
        self.info_clip = info_clip
        self.broken: set[int] = set()          # indexes that could not be shown: skipped from now on
        self.history: deque[str] = deque(maxlen=1000)   # names of the items started, in order
        self.skipped: deque[tuple[str, str]] = deque(maxlen=1000)
        self.paused = True
        self._index = -1
        self._remaining_ms = 0
        self._video = False
        self._unseen: str | None = None
        self._closed = False
        self.view = VideoView(self, badge="")
        self.view.setObjectName("signageView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.player = QMediaPlayer(self)
        self.player.setVideoSink(self.sink)
        self.media = PostedPlayer(self.player)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(self._on_error)
        self._timer = QTimer(self)   # the item's time on screen
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._next)
        self._shown_for = QElapsedTimer()

    # ------------------------------------------------------------------ public

    @property
    def playable(self) -> bool:
        """Something of the playlist can still be shown."""
        return any(i not in self.broken for i in range(len(self.items)))

    @property
    def current_name(self) -> str | None:
        return self._name(self._index) if 0 <= self._index < len(self.items) else None

    def resume(self) -> None:
        """Go on: the item that was paused for its remaining time, or the next one."""
        if self._closed or not self.paused:
            return
        self.paused = False
        if self._index < 0 or self._remaining_ms <= 0:
            self._next()
            return
        if self._video:
            self.media.play()
        self._start_timer(self._remaining_ms)

    def pause(self) -> None:
        """A call: stop at once; the item keeps what was left of its time."""
        if self.paused:
            return
        self.paused = True
        if self._timer.isActive():
            self._remaining_ms = max(0, self._timer.remainingTime())
        self._timer.stop()
        if self._video:
            self.media.pause()

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self.media.release()

    # ------------------------------------------------------------------ the playlist

    def _name(self, index: int) -> str:
        item = self.items[index]
        return "sign_info" if item.kind == "sign_info" else Path(item.file).name

    def _start_timer(self, ms: int) -> None:
        self._remaining_ms = ms
        self._timer.start(max(1, ms))

    def _next(self) -> None:
        if self._closed or self.paused:
            return
        if self._video:
            self._video = False
            self._unseen = None
            self.media.stop()
        for _ in range(len(self.items)):
            self._index = (self._index + 1) % len(self.items)
            if self._index not in self.broken and self._show(self._index):
                return
        self._index = -1  # nothing can be shown: the display keeps the calls on screen
        self.view.show_text("")

    def _show(self, index: int) -> bool:
        item = self.items[index]
        name = self._name(index)
        if item.kind == "image":
            image = self._picture(self.resolve_path(item.file))
            if image.isNull():
                self._skip(index, "not an image Qt can read")
                return False
            self.view.show_frame(image)
        else:
            path = self.info_clip if item.kind == "sign_info" else self.resolve_path(item.file)
            if path is None or not Path(path).is_file():
                self._skip(index, "no sign information clip" if item.kind == "sign_info" else "file not found")
                return False
            self._video = True
            self.player.setLoops(QMediaPlayer.Loops.Infinite if item.kind == "sign_info" else 1)
            self.media.set_source(path)
            self.media.play()
            self._unseen = name  # in the history once its first frame is on screen
            self._start_timer(round(item.seconds * 1000))
            return True
        self._started(name)
        self._start_timer(round(item.seconds * 1000))
        return True

    def _picture(self, path) -> QImage:
        """The picture decoded at most at the screen's size (its shape kept): a 4K picture on a 1080p TV would
        hold 32 MB decoded, against 8 MB, and be scaled down again at every paint."""
        screen = self.screen()
        reader = QImageReader(str(path))
        size = reader.size()
        if screen is not None and size.isValid():
            bounds = screen.size() * screen.devicePixelRatio()
            if size.width() > bounds.width() or size.height() > bounds.height():
                reader.setScaledSize(size.scaled(bounds, Qt.AspectRatioMode.KeepAspectRatio))
        return reader.read()

    def _started(self, name: str) -> None:
        self.history.append(name)
        self.item_started.emit(name)

    def _skip(self, index: int, why: str) -> None:
        name = self._name(index)
        self.broken.add(index)
        self.skipped.append((name, why))
        log.warning("signage: %s skipped (%s)", name, why)
        self.item_skipped.emit(name, why)

    # ------------------------------------------------------------------ player

    def _on_frame(self, frame: QVideoFrame) -> None:
        if frame.isValid() and self._video:
            image = frame.toImage()
            if not image.isNull():
                self.view.show_frame(image)
                if self._unseen is not None:
                    name, self._unseen = self._unseen, None
                    self._started(name)

    def _on_media_status(self, status) -> None:
        if not self._video or not self.media.is_current():
            return
        if status == QMediaPlayer.MediaStatus.EndOfMedia and not self.paused:
            QTimer.singleShot(0, self._next)  # a video shorter than its time: the next item
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._video_failed("the video cannot be played")

    def _on_error(self, error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError and self._video and self.media.is_current():
            self._video_failed(message or "the video cannot be played")

    def _video_failed(self, why: str) -> None:
        index = self._index
        if index < 0 or index in self.broken:
            return
        self._timer.stop()
        self._skip(index, why)
        self._video = False
        self._unseen = None
        self.media.stop()
        if not self.paused:
            QTimer.singleShot(0, self._next)
