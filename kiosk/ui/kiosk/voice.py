"""Speech mode's player: drains the Qt-free :class:`SpeechQueue` through one long-lived QMediaPlayer.

Each phrase becomes a WAV off the GUI thread (a voice pack's recorded fragment when the
pack has the whole phrase, espeak-ng otherwise, through kiosk/audio), in order, on one
thread. The GUI thread never waits on media: an interruption mutes the output and
drops what is stale, and the next phrase replaces the source (``setSource``); the
player is never ``stop()``ped (it can block under load). The output is the kiosk's
own (``kiosk.speech_device``: the headphone jack), never the lobby speakers.
"""
from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.audio.packs import fragment_id, load_pack
from kiosk.ui.common.media import PostedPlayer
from kiosk.ui.common.tasks import Tasks
from kiosk.ui.kiosk.speech_model import SpeechQueue, Utterance

log = logging.getLogger(__name__)

STUCK_MS = 20_000  # a phrase that has not ended after this long is given up (a broken audio backend)


class KioskVoice(QObject):
    sample_ready = Signal(object, str)   # Utterance, WAV path: synthesized and next in line
    sample_playing = Signal(object)      # Utterance: the player reports it playing

    def __init__(self, queue: SpeechQueue, synthesizer, *, packs: dict | None = None, device: str = "",
                 play: bool = True, parent: QObject | None = None):
        super().__init__(parent)
        self.queue = queue
        self.synthesizer = synthesizer
        self.packs = packs or {}
        self.device = device
        self.play_audio = play
        self.failures = 0
        self._tasks = Tasks(max_threads=1, parent=self)  # in order: the phrases of a message come out in turn
        self._ready: deque[tuple[Utterance, Path]] = deque()
        self._playing: Utterance | None = None
        self._player = None
        self._output = None
        self._media: PostedPlayer | None = None
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.setInterval(STUCK_MS)
        self._watchdog.timeout.connect(self._ended)
        queue.subscribe(self._queue_changed)

    # ------------------------------------------------------------------ the queue

    def _queue_changed(self, what: str, queue: SpeechQueue) -> None:
        if what == "say":
            while (utterance := queue.take()) is not None:
                self._tasks.run(lambda u=utterance: self._file_for(u), on_done=lambda path, u=utterance: self._made(u, path),
                                on_error=lambda exc, u=utterance: self._failed(u, exc))
        elif what in ("interrupt", "end"):
            self._ready.clear()
            if self._playing is not None:
                self._playing = None
                self._watchdog.stop()
                if self._media is not None:
                    self._media.set_muted(True)  # silent now; the next phrase replaces the source
        elif what == "volume" and self._media is not None:
            self._media.set_volume(queue.volume)

    def _file_for(self, utterance: Utterance) -> Path:
        """Runs on the speech thread."""
        if utterance.generation != self.queue.generation:
            return Path()  # stale before it was made: not worth the synthesis
        pack = self.packs.get(utterance.lang)
        if pack is not None:
            clip = pack.clips.get(fragment_id(utterance.text))
            if clip is not None:
                return clip
        return self.synthesizer.synthesize(utterance.text, utterance.lang)

    def _made(self, utterance: Utterance, path: Path) -> None:
        if utterance.generation != self.queue.generation or not str(path) or path == Path():
            return
        self._ready.append((utterance, path))
        self.sample_ready.emit(utterance, str(path))
        self._play_next()

    def _failed(self, utterance: Utterance, exc: BaseException) -> None:
        self.failures += 1
        log.warning("kiosk speech: %r not spoken: %s", utterance.text[:60], exc)

    # ------------------------------------------------------------------ the player

    def _make_player(self) -> None:
        from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

        device = None
        if self.device:
            wanted = self.device.lower()
            device = next((d for d in QMediaDevices.audioOutputs() if wanted in d.description().lower()), None)
            if device is None:
                log.warning("kiosk speech: no audio output named like %r; using the default", self.device)
        self._output = QAudioOutput(device, self) if device is not None else QAudioOutput(self)
        self._player = QMediaPlayer(self)
        self._player.setAudioOutput(self._output)
        # every call that reaches the engine is posted (kiosk/ui/common/media.py: a GIL/Qt-mutex deadlock)
        self._media = PostedPlayer(self._player, self._output)
        self._media.set_volume(self.queue.volume)
        self._player.mediaStatusChanged.connect(self._on_media_status)
        self._player.playbackStateChanged.connect(self._on_state)
        self._player.errorOccurred.connect(lambda error, message: error and self._ended())

    def _play_next(self) -> None:
        if self._playing is not None or not self._ready:
            return
        utterance, path = self._ready.popleft()
        self._playing = utterance
        if not self.play_audio:
            # no audio here (tests, benches of the synthesis): the phrase counts as played at once
            self.sample_playing.emit(utterance)
            self._playing = None
            QTimer.singleShot(0, self._play_next)
            return
        if self._player is None:
            self._make_player()
        self._media.set_muted(False)
        self._media.set_volume(self.queue.volume)
        self._media.set_source(path)
        self._media.play()
        self._watchdog.start()

    def _on_state(self, state) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if state == QMediaPlayer.PlaybackState.PlayingState and self._playing is not None and self._media.is_current():
            self.sample_playing.emit(self._playing)

    def _on_media_status(self, status) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia) \
                and self._media.is_current():
            self._ended()

    def _ended(self) -> None:
        self._watchdog.stop()
        self._playing = None
        self._play_next()

    def shutdown(self) -> None:
        self.queue.end()
        if self._media is not None:
            self._media.release()
        self._tasks.wait(2000)


def voice_from_config(config, queue: SpeechQueue, parent: QObject | None = None) -> KioskVoice:
    """The real voice: espeak-ng (kiosk/audio/speech.py) and the config's voice packs."""
    from kiosk.audio.speech import synthesizer_from_config

    packs = {}
    for lang, folder in config.audio.voice_packs.items():
        try:
            packs[lang] = load_pack(config.path(folder), lang)
        except Exception as exc:  # a broken pack: espeak-ng speaks that language
            log.warning("kiosk speech: voice pack %s not used: %s", folder, exc)
    return KioskVoice(queue, synthesizer_from_config(config), packs=packs, device=config.kiosk.speech_device,
                      parent=parent)
