"""Speech synthesis to WAV files, and the playlist of one call.

The display plays files itself (QtMultimedia) so it controls order and timing;
this module only makes the files. pyttsx3 keeps one engine per process and is
not thread-safe, so every pyttsx3 call runs on one worker thread
(:class:`SpeechWorker`); callers wait on a future with a timeout and never hang.
"""
from __future__ import annotations

import array
import hashlib
import logging
import math
import os
import queue
import sys
import tempfile
import threading
import time
import wave
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from kiosk.disk_cache import CacheBound
from typing import Callable, NamedTuple, Protocol

from kiosk.audio.phrases import announcement_texts
from kiosk.files import resolve

log = logging.getLogger(__name__)


class SpeechError(Exception):
    """Speech could not be made (no espeak-ng, unknown voice, timeout...). The message says which."""


class Synthesizer(Protocol):
    def synthesize(self, text: str, lang: str) -> Path:
        """A WAV file that speaks `text` in `lang`; raises SpeechError."""


def _cache_name(lang: str, text: str, *parts) -> str:
    key = "\x00".join(str(p) for p in (text, *parts))
    return f"{lang}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.wav"


def _atomic_target(path: Path) -> Path:
    # unique per thread and process, so two writers never share a half-written file
    return path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.wav")


# --------------------------------------------------------------------------- the worker thread

class SpeechWorker:
    """One daemon thread that owns the pyttsx3 engine and runs jobs ``job(engine)`` in order.

    The engine is made on the thread at its first job; if that fails, every job's
    future gets the same SpeechError.
    """

    def __init__(self, engine_factory: Callable[[], object] | None = None, name: str = "speech-worker"):
        self._engine_factory = engine_factory or _pyttsx3_engine
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._engine = None
        self._init_error: SpeechError | None = None
        self._job_started: float | None = None  # monotonic time the running job began
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[object], object]) -> Future:
        future: Future = Future()
        self._jobs.put((job, future))
        return future

    def stop(self) -> None:
        """Finish queued jobs, then end the thread (tests; the app lets the daemon die)."""
        self._jobs.put(None)
        self._thread.join(timeout=5)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def busy_for(self) -> float:
        """Seconds the current job has been running (0 when idle)."""
        started = self._job_started
        return time.monotonic() - started if started is not None else 0.0

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            self._job_started = time.monotonic()
            try:
                if self._engine is None and self._init_error is None:
                    self._engine = self._start_engine()
                if self._init_error is not None:
                    raise SpeechError(str(self._init_error))  # a fresh one per caller
                future.set_result(job(self._engine))
            except SpeechError as exc:
                future.set_exception(exc)
            except Exception as exc:  # a job's bug must not kill the only speech thread
                future.set_exception(SpeechError(f"speech synthesis failed: {type(exc).__name__}: {exc}"))
            finally:
                self._job_started = None

    def _start_engine(self):
        try:
            return self._engine_factory()
        except SpeechError as exc:
            self._init_error = exc
        except Exception as exc:
            self._init_error = SpeechError(
                f"cannot start the speech engine (pyttsx3 + espeak-ng): {type(exc).__name__}: {exc}. "
                "Install it with 'sudo apt-get install espeak-ng'.")
        return None


def _silence_driver_prints() -> None:
    """pyttsx3's espeak driver print()s "Audio saved to …" on stdout for every file: log it instead."""
    driver = sys.modules.get("pyttsx3.drivers.espeak")
    if driver is not None:
        driver.print = lambda *args, **_kwargs: log.debug(" ".join(str(a) for a in args))


def _pyttsx3_engine():
    try:
        import pyttsx3
    except ImportError as exc:
        raise SpeechError(f"pyttsx3 is not installed ({exc}); run 'pip install pyttsx3'") from None
    engine = pyttsx3.init()
    _silence_driver_prints()
    engine._mpp_errors = []  # filled by pyttsx3's 'error' notifications, read after each job
    engine.connect("error", lambda name=None, exception=None, **_: engine._mpp_errors.append(exception))
    # pyttsx3 queues property changes until its first run loop; one throw-away phrase makes
    # later setProperty calls take effect at once, so _save_wav can wait for them.
    with tempfile.TemporaryDirectory(prefix="mpp-speech-") as folder:
        engine.save_to_file("a", str(Path(folder) / "warm-up.wav"))
        engine.runAndWait()
    engine._mpp_errors.clear()
    return engine


def _wait_for_espeak(engine) -> None:
    """Block until espeak-ng has applied the queued parameter changes.

    pyttsx3 runs espeak-ng in its asynchronous mode, where a rate or volume change
    is a queued command; without this wait, a change made while espeak's own
    thread was idle was sometimes lost and the phrase came out at the old rate.
    """
    if getattr(engine, "proxy", None) is None:
        return  # not a pyttsx3 engine (tests)
    driver = getattr(engine.proxy, "_driver", None)
    if type(driver).__module__ == "pyttsx3.drivers.espeak":
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()


_shared_worker: SpeechWorker | None = None
_shared_lock = threading.Lock()


def shared_worker() -> SpeechWorker:
    """The process's one pyttsx3 worker (pyttsx3.init() returns one shared engine)."""
    global _shared_worker
    with _shared_lock:
        if _shared_worker is None or not _shared_worker.alive:
            _shared_worker = SpeechWorker()
        return _shared_worker


# --------------------------------------------------------------------------- pyttsx3

class Pyttsx3Synthesizer:
    """Speech with pyttsx3's espeak-ng driver, one WAV per phrase, cached on disk.

    `voices` maps a language to an espeak-ng voice: the language code ("id" selects
    espeak-ng's Indonesian voice 'poz/id', "en" British English 'gmw/en') or a full
    voice id from `espeak-ng --voices`. The file name is a hash of (text, voice,
    rate, volume), so a phrase is synthesized once and later calls reuse the file.
    """

    def __init__(self, cache_dir: Path | str, voices: dict[str, str] | None = None, rate: int = 150,
                 volume: float = 1.0, timeout_s: float = 10.0, worker: SpeechWorker | None = None,
                 cache_max_mb: float | None = None):
        self.cache_dir = Path(cache_dir)
        # bounded: a display that runs for months says many phrases (kiosk.disk_cache)
        self.bound = CacheBound(self.cache_dir, int(cache_max_mb * 1e6)) if cache_max_mb else None
        self.voices = dict(voices or {"id": "id", "en": "en"})
        self.rate = int(rate)
        self.volume = float(volume)
        self.timeout_s = timeout_s
        self._worker = worker
        self.synthesized = 0  # phrases actually made (not taken from the cache)

    def path_for(self, text: str, lang: str) -> Path:
        """Where the WAV of this phrase is (or will be) cached."""
        return self.cache_dir / _cache_name(lang, text.strip(), self._voice(lang), self.rate, self.volume)

    def synthesize(self, text: str, lang: str) -> Path:
        text = text.strip()
        if not text:
            # pyttsx3's espeak loop never ends on an empty text
            raise SpeechError("nothing to say: the phrase is empty")
        voice = self._voice(lang)
        path = self.path_for(text, lang)
        if path.is_file():
            if self.bound is not None:
                self.bound.used(path)
            return path
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpeechError(f"cannot create the voice cache folder {self.cache_dir}: {exc}") from None
        worker = self._worker or shared_worker()
        if worker.busy_for() > self.timeout_s:
            # a job that never returned holds the only speech thread: fail now, not after another timeout
            raise SpeechError(f"the speech engine has been stuck for {worker.busy_for():.0f} s; "
                              "restart the display to recover")
        future = worker.submit(lambda engine: _save_wav(engine, text, voice, self.rate, self.volume, path))
        try:
            result = future.result(timeout=self.timeout_s)
        except FutureTimeout:
            future.cancel()
            raise SpeechError(f"speech synthesis took longer than {self.timeout_s:g} s "
                              f"(voice {voice!r}): is espeak-ng working?") from None
        self.synthesized += 1
        if self.bound is not None:
            self.bound.added(result)
        return result

    def _voice(self, lang: str) -> str:
        try:
            return self.voices[lang]
        except KeyError:
            raise SpeechError(f"no voice configured for language {lang!r} "
                              f"(audio.voices has {sorted(self.voices)})") from None


EMPTY_RETRIES = 1  # an empty file said again once (see _save_wav)


def _save_wav(engine, text: str, voice: str, rate: int, volume: float, path: Path) -> Path:
    """Runs on the worker thread: one phrase, one runAndWait (pyttsx3 keeps only the last queued one)."""
    if path.is_file():  # another synthesizer made it while this job waited
        return path
    errors = getattr(engine, "_mpp_errors", [])
    tmp = _atomic_target(path)
    try:
        # espeak-ng now and then writes a file of no samples (seen on a machine short of memory): said once
        # more before it is an error
        for attempt in range(EMPTY_RETRIES + 1):
            errors.clear()
            engine.setProperty("voice", voice)
            engine.setProperty("rate", rate)
            engine.setProperty("volume", volume)
            _wait_for_espeak(engine)
            engine.save_to_file(text, str(tmp))
            engine.runAndWait()
            if errors:
                # espeak keeps the previous voice when a name is unknown: never speak in the wrong one
                raise SpeechError(_explain(errors[0], voice))
            if not tmp.is_file():
                raise SpeechError(f"the speech engine wrote no file for voice {voice!r}")
            with wave.open(str(tmp), "rb") as wav:
                if wav.getnframes() > 0:
                    break
            log.warning("the speech engine wrote an empty file for voice %r (%r), attempt %d", voice, text,
                        attempt + 1)
        else:
            raise SpeechError(f"the speech engine wrote an empty file for voice {voice!r}")
        os.replace(tmp, path)
        return path
    finally:
        tmp.unlink(missing_ok=True)


def _explain(exc: BaseException, voice: str) -> str:
    if "SetVoiceByName" in str(exc):
        return (f"espeak-ng has no voice {voice!r}: use a language code such as 'id' or 'en' or an id "
                f"from 'espeak-ng --voices' ({exc})")
    return f"speech engine error with voice {voice!r}: {type(exc).__name__}: {exc}"


def synthesizer_from_config(config) -> Pyttsx3Synthesizer:
    """The real synthesizer for a loaded Config. Volume stays 1.0: the player applies audio.volume
    to the chime and the voice alike."""
    audio = config.audio
    return Pyttsx3Synthesizer(config.path(audio.cache_dir), voices=dict(audio.voices), rate=audio.rate,
                              cache_max_mb=audio.cache_max_mb)


# --------------------------------------------------------------------------- fake

class FakeSynthesizer:
    """For tests of other parts: writes a short real tone WAV per phrase and records what was asked.

    `fail` makes every call raise SpeechError with that message.
    """

    def __init__(self, cache_dir: Path | str, duration_s: float = 0.3, sample_rate: int = 22050,
                 fail: str | None = None):
        self.cache_dir = Path(cache_dir)
        self.duration_s = duration_s
        self.sample_rate = sample_rate
        self.fail = fail
        self.calls: list[tuple[str, str]] = []

    def synthesize(self, text: str, lang: str) -> Path:
        self.calls.append((text, lang))
        if self.fail:
            raise SpeechError(self.fail)
        if not text.strip():
            raise SpeechError("nothing to say: the phrase is empty")
        path = self.cache_dir / _cache_name(lang, text.strip(), "fake", self.duration_s)
        if not path.is_file():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            # a different pitch per language, so a recording tells them apart
            write_tone(path, 440.0 if lang == "id" else 554.37, self.duration_s, self.sample_rate)
        return path


def write_tone(path: Path, frequency: float, duration_s: float, sample_rate: int = 22050,
               amplitude: float = 0.5) -> Path:
    """A plain sine tone as a 16-bit mono WAV, written atomically."""
    count = max(1, int(duration_s * sample_rate))
    fade = max(1, min(count // 2, int(0.01 * sample_rate)))  # 10 ms fades: no clicks
    samples = array.array("h", (
        int(32767 * amplitude * min(1.0, i / fade, (count - 1 - i) / fade)
            * math.sin(2 * math.pi * frequency * i / sample_rate))
        for i in range(count)))
    write_wav(path, samples, sample_rate)
    return path


def write_wav(path: Path, samples: array.array, sample_rate: int) -> None:
    """16-bit mono little-endian WAV from an array('h'), via a temp name and a rename."""
    path = Path(path)
    data = array.array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    tmp = _atomic_target(path)
    try:
        with wave.open(str(tmp), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(data.tobytes())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- WAV facts

class WavInfo(NamedTuple):
    sample_rate: int
    channels: int
    duration_s: float
    rms: float  # root mean square of all samples, 0.0 (silence) .. 1.0 (full scale)


def wav_info(path: Path | str) -> WavInfo:
    """Sample rate, channels, duration and loudness of a PCM WAV file (8, 16 or 32 bit)."""
    with wave.open(str(path), "rb") as wav:
        rate, channels, width, frames = wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes()
        raw = wav.readframes(frames)
    if width == 1:  # 8-bit WAV is unsigned
        values = [b - 128 for b in raw]
        full = 128.0
    elif width in (2, 4):
        values = array.array("h" if width == 2 else "i", raw)
        if sys.byteorder == "big":
            values.byteswap()
        full = float(2 ** (8 * width - 1))
    else:
        raise ValueError(f"{path}: {8 * width}-bit samples are not supported")
    rms = math.sqrt(sum(v * v for v in values) / len(values)) / full if len(values) else 0.0
    return WavInfo(rate, channels, frames / rate if rate else 0.0, rms)


# --------------------------------------------------------------------------- the playlist of one call

def announcement_playlist(config, code: str, counter_number: str, synthesizer: Synthesizer,
                          voice_packs=None) -> list[Path]:
    """The WAV files of one call, in play order: [chime, phrase per language] × audio.repeat.

    With `voice_packs` (a kiosk.audio.packs.CallRenderer) the phrases are one WAV of the
    packs' recorded fragments instead: [chime, call] × audio.repeat.

    Empty when audio is disabled. A configured chime that is missing is left out
    (and logged once); a synthesis failure raises SpeechError for the caller to log.
    """
    audio = config.audio
    if not audio.enabled:
        return []
    one_round: list[Path] = []
    if audio.chime is not None:
        chime = resolve(config, audio.chime)
        if chime.is_file():
            one_round.append(chime)
        else:
            _warn_once(f"chime not found, calls go without it: {chime}")
    if voice_packs is not None:
        one_round.append(voice_packs.render(audio, code, counter_number))
        return one_round * audio.repeat
    for lang, text in announcement_texts(audio, code, counter_number):
        one_round.append(synthesizer.synthesize(text, lang))
    return one_round * audio.repeat


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)

