"""QMediaPlayer driven from the event loop, never from Python code that holds the GIL.

Why (found with gdb on a hung CI run, every thread's stack): a thread of Qt Multimedia's FFmpeg
backend, destroying one of its own objects, calls a virtual function of our player or audio output.
Those objects were made from Python, so PySide asks Python whether the virtual is overridden and waits
for the GIL, while holding a Qt signal-slot mutex. The GUI thread, holding the GIL inside
``player.stop()`` (or ``setSource``, ``play``: PySide does not release the GIL in them), waits for
that same mutex. Neither moves again: the display, the studio or a test run freezes for good.

So every call that reaches the FFmpeg engine is posted (``QMetaObject.invokeMethod``, queued) and made
by the event loop in C++, where no Python code holds the GIL. Posted calls to one object run in the
order they were posted. What the player reports about a source asked for before the last one is stale:
``is_current()`` tells the caller to ignore it.
"""
from __future__ import annotations

import ctypes
from pathlib import Path

from PySide6.QtCore import Q_ARG, QEventLoop, QMetaObject, Qt, QTimer, QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

QUEUED = Qt.ConnectionType.QueuedConnection
DECODING_THREADS = 1  # one thread per video decoder; FFmpeg's own choice is one per core, plus one


def limit_decoding_threads() -> bool:
    """Decode video on one thread per decoder, not FFmpeg's one per core plus one (Qt asks for "auto"): each
    frame thread holds its own decoder state and frames, so on an 8-core PC two clips playing at once (the sign
    panel's and the signage's) held 16 MB more than on one thread each. A sign clip (640x360) or a lobby's
    1080p video decodes far faster than real time on one core (156 frames/s, measured on the 2-core test
    machine under load). For the whole process, from the next clip opened on; called once a player exists
    (FFmpeg comes with Qt's media plugin). False where no FFmpeg library is mapped (another media backend)."""
    library = _mapped_library("libavutil.so")
    if library is None:
        return False
    try:
        ctypes.CDLL(library).av_cpu_force_count(DECODING_THREADS)  # "auto" counts these cores: one, one thread
    except (OSError, AttributeError):
        return False
    return True


def _mapped_library(name: str) -> str | None:
    """The path of the loaded shared library whose file name starts with ``name`` (the very copy Qt's
    plugin uses), or None."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rstrip("\n").partition("/")[2]
                if path and Path("/" + path).name.startswith(name):
                    return "/" + path
    except OSError:
        return None
    return None


def post(target, method: str, *arguments) -> None:
    if not QMetaObject.invokeMethod(target, method, QUEUED, *arguments):
        raise RuntimeError(f"cannot post {type(target).__name__}.{method}")  # a typo in this module, never input


def settle(done, wait_ms: int) -> bool:
    """Run the event loop (posted calls run in C++, with no Python code holding the GIL) until ``done()`` or
    ``wait_ms`` have passed; ``done()`` at the end."""
    if wait_ms > 0 and not done():
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(10)
        poll.timeout.connect(lambda: done() and loop.quit())
        QTimer.singleShot(wait_ms, loop.quit)
        poll.start()
        loop.exec()
        poll.stop()
    return done()


class PostedPlayer:
    """The calls of one QMediaPlayer (and its QAudioOutput) that reach the engine, posted in order."""

    def __init__(self, player: QMediaPlayer, audio_output: QAudioOutput | None = None):
        self.player = player
        self.audio_output = audio_output
        self.asked = QUrl()  # the source last asked for

    def set_source(self, path: Path | str | None) -> None:
        self.asked = QUrl.fromLocalFile(str(path)) if path is not None else QUrl()
        post(self.player, "setSource", Q_ARG(QUrl, self.asked))

    def play(self) -> None:
        post(self.player, "play")

    def stop(self) -> None:
        post(self.player, "stop")

    def pause(self) -> None:
        post(self.player, "pause")

    def set_rate(self, rate: float) -> None:
        post(self.player, "setPlaybackRate", Q_ARG(float, float(rate)))

    def set_volume(self, volume: float) -> None:
        if self.audio_output is not None:
            post(self.audio_output, "setVolume", Q_ARG("float", float(volume)))  # C++ float, not double

    def set_muted(self, muted: bool) -> None:
        if self.audio_output is not None:
            post(self.audio_output, "setMuted", Q_ARG(bool, bool(muted)))

    def release(self, wait_ms: int = 2000) -> bool:
        """Stop and let go of the source, and let the event loop run those calls (up to ``wait_ms``), so the
        engine's threads have ended before the window, its video sink or audio output is destroyed (a frame
        sent to a destroyed sink kills the process). True when the player stopped in time."""
        self.stop()
        self.set_source(None)
        return settle(self._released, wait_ms)

    def _released(self) -> bool:
        return self.player.source().isEmpty() and \
            self.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState

    def is_current(self) -> bool:
        """The player is on the source last asked for (its reports are about it, not an earlier one)."""
        return self.player.source() == self.asked
