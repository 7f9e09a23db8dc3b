"""The display's voice: each call becomes [chime, phrase per language] × repeat, played strictly in turn.

Synthesis runs on a background thread (the synthesizer itself talks to pyttsx3 on
its own worker); playback is one ``QMediaPlayer`` + ``QAudioOutput``. The next
file starts only at the previous file's EndOfMedia, so announcements are never
cut off and never overlap. ``QSoundEffect`` is not used: with no audio device it
goes to Error, while ``QMediaPlayer`` still plays in real time to nowhere.

If speech cannot be made, the call still gets its chime, the failure is logged
once (until speech works again), and the display carries on.
"""
from __future__ import annotations

import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Hashable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from kiosk.audio.packs import renderer_from_config
from kiosk.audio.speech import Synthesizer, announcement_playlist
from kiosk.files import resolve
from kiosk.ui.common.media import PostedPlayer
from kiosk.ui.common.tasks import Tasks

log = logging.getLogger(__name__)

# A file that plays longer than its own duration plus this is stuck (a broken
# audio backend): give up on it rather than silence every later call.
STUCK_MARGIN_MS = 3000
UNKNOWN_DURATION_LIMIT_MS = 20000
HISTORY = 1000
# a call within this long of the last sound needs no chime of its own when calls are catching up
CHIME_FRESH_S = 3.0


@dataclass
class Announcement:
    key: Hashable          # the event seq of the call: one announcement per call, ever
    code: str
    counter_number: str
    files: list[Path] | None = None  # None while the speech is being made
    made_at: float = field(default_factory=time.monotonic)


@dataclass
class PlayRecord:
    """One file played: when it started playing and when it reached its end (time.monotonic())."""
    key: Hashable
    path: Path
    started: float | None = None
    ended: float | None = None
    outcome: str = "playing"  # ended | error | stuck


class Announcer(QObject):
    enqueued = Signal(object)               # key: a call was accepted for announcing
    segment_started = Signal(object, str)   # key, file: the player is playing it
    segment_ended = Signal(object, str)     # key, file: it reached its end (or was skipped on error)
    announcement_finished = Signal(object)  # key: every file of the call has been played
    speech_failed = Signal(str)             # a plain sentence, for a status line

    def __init__(self, config, synthesizer: Synthesizer | None, parent: QObject | None = None):
        super().__init__(parent)
        self.config = config
        self.synthesizer = synthesizer
        self.enabled = bool(config.audio.enabled) and synthesizer is not None
        self.enqueue_counts: Counter = Counter()
        self.history: deque[PlayRecord] = deque(maxlen=HISTORY)  # bounded: the display runs for months
        self._queue: list[Announcement] = []
        self._files: list[tuple[Hashable, Path]] = []  # the announcement being played, file by file
        self._phrase_started: deque = deque(maxlen=HISTORY)  # calls whose first phrase has begun to play
        self._current: PlayRecord | None = None
        self._last_sound_ended = float("-inf")  # monotonic: when the player last finished a file
        self._speech_failing = False
        self._closed = False
        self._chime = resolve(config, config.audio.chime) if config.audio.chime is not None else None
        # audio.voice_packs: each call is one WAV of recorded fragments (None: espeak-ng phrases)
        self.voice_packs = renderer_from_config(config, synthesizer) if self.enabled else None
        # one thread: the speech of calls is made (and so becomes playable) in call order
        self._tasks = Tasks(max_threads=1, parent=self)
        if self.voice_packs is not None:
            self._tasks.run(lambda: self.voice_packs.warm_up(config),
                            on_error=lambda exc: log.warning("voice pack warm-up failed: %s", exc))

        self.player = QMediaPlayer(self)
        self.audio_output = QAudioOutput(self)
        self.player.setAudioOutput(self.audio_output)
        self.media = PostedPlayer(self.player, self.audio_output)  # calls into the engine posted (common/media.py)
        self.media.set_volume(float(config.audio.volume))
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.playbackStateChanged.connect(self._on_playback_state)
        self.player.errorOccurred.connect(self._on_error)
        self.player.durationChanged.connect(self._on_duration)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_stuck)

    # ------------------------------------------------------------------ public

    def use_config(self, config) -> None:
        """A new config (live settings from the server): the next call takes its chime, volume, voice
        packs and wording; the call being played finishes as it was made."""
        if config.audio == self.config.audio:
            self.config = config
            return
        self.config = config
        self.enabled = bool(config.audio.enabled) and self.synthesizer is not None
        self._chime = resolve(config, config.audio.chime) if config.audio.chime is not None else None
        self.media.set_volume(float(config.audio.volume))
        self.voice_packs = renderer_from_config(config, self.synthesizer) if self.enabled else None
        if self.voice_packs is not None:
            renderer = self.voice_packs
            self._tasks.run(lambda: renderer.warm_up(config),
                            on_error=lambda exc: log.warning("voice pack warm-up failed: %s", exc))
        log.info("announcer: new audio settings (chime %s, voice packs %s)", self._chime,
                 "on" if self.voice_packs is not None else "off")

    def announce(self, key: Hashable, code: str, counter_number: str) -> bool:
        """Queue one call; False (nothing queued) when audio is off.

        Deciding whether a call is new is the caller's job (by event seq); every
        call queued here is counted in ``enqueue_counts`` so a test can prove no
        call was announced twice.
        """
        if self._closed or not self.enabled:
            return False
        self.enqueue_counts[key] += 1
        if len(self.enqueue_counts) > 10 * HISTORY:
            for old in list(self.enqueue_counts)[:HISTORY]:  # the oldest calls (dicts keep insertion order)
                del self.enqueue_counts[old]
        announcement = Announcement(key, code, str(counter_number))
        self._queue.append(announcement)
        self._shorten_current()
        self.enqueued.emit(key)
        config, synthesizer, voice_packs = self.config, self.synthesizer, self.voice_packs
        self._tasks.run(
            lambda: announcement_playlist(config, code, str(counter_number), synthesizer, voice_packs),
            on_done=lambda files: self._speech_ready(announcement, files),
            on_error=lambda exc: self._speech_error(announcement, exc),
        )
        return True

    @property
    def busy(self) -> bool:
        return bool(self._queue or self._files or self._current)

    def pending(self) -> int:
        """Calls accepted but not yet fully played."""
        return len(self._queue) + (1 if (self._files or self._current) else 0)

    def shutdown(self) -> None:
        self._closed = True
        self._queue.clear()
        self._files.clear()
        self._watchdog.stop()
        self.media.release()
        self._tasks.wait(3000)

    # ------------------------------------------------------------------ speech

    def _speech_ready(self, announcement: Announcement, files: list[Path]) -> None:
        if self._speech_failing:
            self._speech_failing = False
            log.info("speech synthesis works again")
        announcement.files = list(files)
        self._play_next()

    def _speech_error(self, announcement: Announcement, exc: BaseException) -> None:
        message = str(exc) or type(exc).__name__
        if not self._speech_failing:
            # once per outage, not once per call: a lobby makes hundreds of calls a day
            self._speech_failing = True
            log.error("speech synthesis failed, calls are shown and signed without voice: %s", message)
            self.speech_failed.emit(message)
        # the chime alone still tells the hall to look up
        chime_ok = self._chime is not None and self._chime.is_file()
        announcement.files = [self._chime] * self.config.audio.repeat if chime_ok else []
        self._play_next()

    # ------------------------------------------------------------------ playback

    def _play_next(self) -> None:
        if self._closed or self._current is not None:
            return
        while not self._files:
            if not self._queue or self._queue[0].files is None:
                return  # nothing to play, or the head call's speech is still being made
            announcement = self._queue.pop(0)
            if not announcement.files:
                self.announcement_finished.emit(announcement.key)
                continue
            files = announcement.files
            if self._queue:
                files = self._catch_up(files)
            self._files = [(announcement.key, path) for path in files]
        key, path = self._files.pop(0)
        self._current = PlayRecord(key, Path(path))
        if self._chime is None or Path(path) != Path(self._chime):
            self._phrase_started.append(key)  # this call's words have begun: a shortened rest drops the others
        self.history.append(self._current)
        self._watchdog.start(UNKNOWN_DURATION_LIMIT_MS)
        self.media.set_source(path)
        self.media.play()

    def _catch_up(self, files: list[Path]) -> list[Path]:
        """A call with more calls waiting behind it, in its short form: once (no repeat), in the lobby's
        first language only, and without the chime when the hall has just heard a sound (CHIME_FRESH_S),
        so the voice keeps up with a burst (the screen shows the call in every language and the sign
        panel signs it). The last call of a burst, with nobody behind it, is played in full."""
        rounds = max(1, self.config.audio.repeat)
        once = list(files[:max(1, len(files) // rounds)])
        has_chime = self._chime is not None and len(once) > 1 and Path(once[0]) == Path(self._chime)
        chime, phrases = (once[:1], once[1:]) if has_chime else ([], once)
        if time.monotonic() - self._last_sound_ended < CHIME_FRESH_S:
            chime = []
        return chime + phrases[:1]  # the first phrase: the first language's (or a voice pack's joined call)

    def _shorten_current(self) -> None:
        """A call now waits behind the one being played: the rest of that one in its short form too (as
        ``_catch_up``): its first phrase if it has not been spoken yet, no other language, no repeat. In a
        burst the first call's English and repeat would otherwise hold every later call back (bench: the
        last of 3 calls in 3 s heard after 12 s)."""
        current = self._current
        if current is None:
            return
        rest = [entry for entry in self._files if entry[0] == current.key]
        if not rest:
            return
        chime = Path(self._chime) if self._chime is not None else None
        spoken = current.key in self._phrase_started
        keep = [] if spoken else [entry for entry in rest if chime is None or Path(entry[1]) != chime][:1]
        self._files = keep + [entry for entry in self._files if entry[0] != current.key]

    def _on_playback_state(self, state) -> None:
        record = self._current
        if state == QMediaPlayer.PlaybackState.PlayingState and record is not None and record.started is None \
                and self.media.is_current():
            record.started = time.monotonic()
            self.segment_started.emit(record.key, str(record.path))

    def _on_duration(self, duration_ms: int) -> None:
        if self._current is not None and duration_ms > 0 and self.media.is_current():
            self._watchdog.start(int(duration_ms / max(self.player.playbackRate(), 0.01)) + STUCK_MARGIN_MS)

    def _on_media_status(self, status) -> None:
        if not self.media.is_current():
            return  # about a file asked for before the last one (the calls are posted)
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._finish_segment("ended")
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._finish_segment("error")

    def _on_error(self, error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError and self._current is not None and self.media.is_current():
            log.warning("cannot play %s: %s", self._current.path, message)
            self._finish_segment("error")

    def _on_stuck(self) -> None:
        if self._current is not None:
            log.warning("%s did not finish playing in time; skipped", self._current.path)
            self.media.stop()
            self._finish_segment("stuck")

    def _finish_segment(self, outcome: str) -> None:
        record = self._current
        if record is None:
            return  # a second report of the same end (status and error both fire)
        self._watchdog.stop()
        record.ended = self._last_sound_ended = time.monotonic()
        record.outcome = outcome
        self._current = None
        self.segment_ended.emit(record.key, str(record.path))
        if not self._files or self._files[0][0] != record.key:
            self.announcement_finished.emit(record.key)
        # start the next file from the event loop, not inside the player's own signal
        QTimer.singleShot(0, self._play_next)
