"""Voice packs: a speaker's recorded fragments, and each call built from them.

A pack is a folder: ``pack.toml`` (language, speaker, licence, date, sample_rate,
optional notes) and one WAV per fragment, named by the fragment's id:
``nomor_antrean.wav``, ``loket.wav``, ``letter_a.wav``, ``dua.wav``, ``belas.wav``.
A pack may also hold longer units (``dua_belas.wav``, ``silakan_menuju_loket.wav``):
the longest unit it has wins (whole phrase > word > number > letter).

A call is worded as :mod:`kiosk.audio.phrases` words it (template, number_style,
spoken code and counter, the ``[audio.say]`` table), split into fragments, and
each fragment the pack lacks is spoken by espeak-ng on its own, so a half-recorded
pack already works. The pieces are joined into one WAV per call (see
:class:`CallRenderer` for the join). Pure Python (wave + array): no Qt, no numpy.
"""
from __future__ import annotations

import array
import hashlib
import math
import operator
import re
import string
import sys
import tomllib
import unicodedata
import wave
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Mapping

from kiosk.disk_cache import CacheBound
from kiosk.files import resolve
from kiosk.audio.phrases import (
    LETTER_NAMES_EN,
    LETTER_NAMES_ID,
    digit_words,
    letter_name,
    number_words,
    said_parts,
    template_parts,
)
from kiosk.problems import ProblemsError

MANIFEST = "pack.toml"
FRAGMENT_ID_RE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
LANGS = ("id", "en")

# Multi-word phrases recorded as one clip (said as one breath). Other words of a template
# or a counter word ("loket", "number", "counter", an agency name) are one fragment each.
PHRASES = {
    "id": ("nomor antrean", "silakan menuju"),
    "en": ("please go to",),
}
# A clip may be this many words long (a whole phrase such as "silakan menuju loket tujuh").
LONGEST_UNIT_WORDS = 8

# --------------------------------------------------------------------------- the join, documented targets

TARGET_RMS_DBFS = -20.0   # loudness of every fragment: RMS over its voiced 10 ms windows
GATE_DBFS = -50.0         # windows quieter than this are not voice (loudness gate)
TRIM_BELOW_PEAK_DB = 35.0  # leading/trailing windows this far below the loudest window are silence
TRIM_MARGIN_MS = 15       # kept around the voice after trimming, so breaths and stops are not cut
FADE_MS = 5               # fade in/out at each fragment's edges ...
CROSSFADE_MS = 5          # ... overlapped at a join: a short crossfade, never a click
PEAK_CEILING = 0.89       # -1 dBFS: a loud fragment is turned down less than the target asks
COMMA_PAUSE_MS = 200      # a comma in the template
LANGUAGE_PAUSE_MS = 600   # between the languages of one call
RENDER_VERSION = 1        # part of the call cache key: bump when the join changes


class PackError(ProblemsError):
    """A voice pack that cannot be used; ``problems`` lists every reason at once."""
    prefix = "voice pack "

    @property
    def folder(self) -> Path:
        return self.path


# --------------------------------------------------------------------------- fragments of a call

@dataclass(frozen=True)
class Word:
    """One spoken unit before the pack is consulted: its fragment id and what espeak-ng says for it."""
    id: str
    speech: str
    joinable: bool = True  # may be part of a longer clip; a spelled letter stands alone


@dataclass(frozen=True)
class Pause:
    ms: int


@dataclass(frozen=True)
class Piece:
    """One piece of a call as it will sound: a pack clip (``path``), espeak-ng (``path`` None) or a pause."""
    id: str
    speech: str = ""
    path: Path | None = None
    pause_ms: int = 0

    @property
    def source(self) -> str:
        return "pause" if self.pause_ms else ("pack" if self.path is not None else "espeak")


def fragment_id(text: str) -> str:
    """'Silakan menuju' -> 'silakan_menuju', 'twenty-one' -> 'twenty_one' (ASCII, lower case)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "_".join(re.findall(r"[a-z0-9]+", folded.lower()))


def letter_id(letter: str) -> str:
    return f"letter_{letter.lower()}"


_LETTER_BY_NAME = {lang: {name: letter for letter, name in names.items()}
                   for lang, names in (("id", LETTER_NAMES_ID), ("en", LETTER_NAMES_EN))}
_TEXT_RE = re.compile(r"[^\W_]+(?:['-][^\W_]+)*|[,.;:!?]")


def _text_words(text: str, lang: str, letters_by_name: bool = False) -> list[Word | Pause]:
    """Written words as fragments; punctuation becomes a pause. With `letters_by_name` (a say-table
    value such as 'be pe je es'), a letter's spoken name is that letter's clip."""
    words: list[Word | Pause] = []
    for token in _TEXT_RE.findall(text):
        if token in ",.;:!?":
            words.append(Pause(COMMA_PAUSE_MS))
            continue
        letter = _LETTER_BY_NAME[lang].get(token.lower()) if letters_by_name else None
        if letter is not None:
            words.append(Word(letter_id(letter), letter_name(letter, lang), joinable=False))
            continue
        for part in re.split(r"-", token):
            if fragment_id(part):
                words.append(Word(fragment_id(part), part.lower()))
    return words


def _said_words(text: str, lang: str, say: Mapping[str, str] | None) -> list[Word | Pause]:
    """A template's or counter word's text with the pronunciation table applied (as for espeak-ng)."""
    words: list[Word | Pause] = []
    for part, from_table in said_parts(text, dict(say or {})):
        words += _text_words(part, lang, letters_by_name=from_table)
    return words


def _number_words(words: str) -> list[Word]:
    # 'dua belas' -> dua, belas; 'twenty-one' -> twenty, one
    return [Word(w, w) for w in re.split(r"[\s-]+", words) if w]


_PIECE_RE = re.compile(r"[A-Za-z]|[0-9]+|[-\s]+|.", re.DOTALL)


def _spoken_words(text: str, lang: str, number_style: str) -> list[Word]:
    """A code or counter number as fragments, worded exactly as phrases.spoken_code does."""
    words: list[Word] = []
    for piece in _PIECE_RE.findall(text.strip()):
        if piece[0] in string.digits:
            spoken = digit_words(piece, lang) if number_style == "digits" else number_words(int(piece), lang)
            words += _number_words(spoken)
        elif piece in string.ascii_letters:
            words.append(Word(letter_id(piece), letter_name(piece, lang), joinable=False))
        elif piece.replace("-", "").strip():
            raise ValueError(f"{text!r}: cannot speak {piece!r} (only letters A-Z, digits and '-')")
    return words


def call_words(audio, code: str, counter_number: str, lang: str) -> list[Word | Pause]:
    """The fragments of one call in one language, before the pack is consulted."""
    say = getattr(audio, "say", None)
    words: list[Word | Pause] = []
    for literal, name in template_parts(audio.templates.get(lang)):
        words += _said_words(literal, lang, say)
        if name == "code":
            words += _spoken_words(code, lang, audio.number_style)
        elif name == "counter":
            words += _said_words(audio.counter_word.get(lang), lang, say)
            words += _spoken_words(str(counter_number), lang, "whole")
    # a pause only between words, and one at a time
    kept: list[Word | Pause] = []
    for word in words:
        if isinstance(word, Pause) and (not kept or isinstance(kept[-1], Pause)):
            continue
        kept.append(word)
    while kept and isinstance(kept[-1], Pause):
        kept.pop()
    return kept


def _espeak_units(run: list[Word], lang: str) -> list[Piece]:
    """Words no pack clip covers, grouped into the vocabulary's units (a known phrase is one unit)."""
    pieces: list[Piece] = []
    i = 0
    phrases = {tuple(fragment_id(w) for w in phrase.split()): phrase for phrase in PHRASES.get(lang, ())}
    while i < len(run):
        for phrase_ids, phrase in phrases.items():
            n = len(phrase_ids)
            if all(w.joinable for w in run[i:i + n]) and tuple(w.id for w in run[i:i + n]) == phrase_ids:
                pieces.append(Piece("_".join(phrase_ids), " ".join(w.speech for w in run[i:i + n])))
                i += n
                break
        else:
            pieces.append(Piece(run[i].id, run[i].speech))
            i += 1
    return pieces


def plan_pieces(words: list[Word | Pause], clips: Mapping[str, Path], lang: str) -> list[Piece]:
    """Each stretch of the call as the longest clip the pack has, the rest as espeak-ng units."""
    pieces: list[Piece] = []
    uncovered: list[Word] = []

    def flush():
        pieces.extend(_espeak_units(uncovered, lang))
        uncovered.clear()

    i = 0
    while i < len(words):
        word = words[i]
        if isinstance(word, Pause):
            flush()
            pieces.append(Piece("", pause_ms=word.ms))
            i += 1
            continue
        taken = 0
        limit = 1
        while limit < LONGEST_UNIT_WORDS and i + limit < len(words) and isinstance(words[i + limit], Word) \
                and words[i + limit].joinable and word.joinable:
            limit += 1
        for n in range(limit, 0, -1):
            unit = words[i:i + n]
            unit_id = "_".join(w.id for w in unit)
            if unit_id in clips:
                flush()
                pieces.append(Piece(unit_id, " ".join(w.speech for w in unit), clips[unit_id]))
                taken = n
                break
        if not taken:
            uncovered.append(word)
            taken = 1
        i += taken
    flush()
    return pieces


# --------------------------------------------------------------------------- the pack on disk

@dataclass(frozen=True)
class VoicePack:
    folder: Path
    language: str
    speaker: str
    licence: str
    date: date
    sample_rate: int
    notes: str = ""
    clips: dict[str, Path] = field(default_factory=dict)  # fragment id -> WAV


def _manifest_problems(data: dict) -> tuple[list[str], dict]:
    problems: list[str] = []
    values: dict = {}
    known = {"language", "speaker", "licence", "date", "sample_rate", "notes"}
    for key in sorted(set(data) - known):
        import difflib

        close = difflib.get_close_matches(key, sorted(known), n=1)
        problems.append(f"{MANIFEST}: {key}: unknown key" + (f" — did you mean {close[0]!r}?" if close else ""))
    for key in ("speaker", "licence"):
        value = data.get(key)
        if value is None:
            problems.append(f"{MANIFEST}: {key}: missing (required)")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"{MANIFEST}: {key}: must be a non-empty text, got {value!r}")
        else:
            values[key] = value.strip()
    language = data.get("language")
    if language is None:
        problems.append(f"{MANIFEST}: language: missing (required)")
    elif language not in LANGS:
        problems.append(f"{MANIFEST}: language: must be 'id' or 'en', got {language!r}")
    else:
        values["language"] = language
    day = data.get("date")
    if day is None:
        problems.append(f"{MANIFEST}: date: missing (required; the day of the recording, e.g. 2026-11-23)")
    else:
        try:
            values["date"] = day if isinstance(day, date) else date.fromisoformat(str(day))
        except ValueError:
            problems.append(f"{MANIFEST}: date: must be a date such as 2026-11-23, got {day!r}")
    rate = data.get("sample_rate")
    if rate is None:
        problems.append(f"{MANIFEST}: sample_rate: missing (required, e.g. 48000)")
    elif isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 96000:
        problems.append(f"{MANIFEST}: sample_rate: must be a whole number of Hz from 8000 to 96000, got {rate!r}")
    else:
        values["sample_rate"] = rate
    notes = data.get("notes", "")
    if not isinstance(notes, str):
        problems.append(f"{MANIFEST}: notes: must be a text, got {notes!r}")
    else:
        values["notes"] = notes
    return problems, values


def _clip_problems(path: Path, sample_rate: int | None, deep: bool) -> list[str]:
    name = path.name
    if not FRAGMENT_ID_RE.match(path.stem):
        return [f"{name}: a fragment's file is named by its id (a-z, 0-9 and '_', e.g. nomor_antrean.wav)"]
    try:
        with wave.open(str(path), "rb") as wav:
            rate, frames, width = wav.getframerate(), wav.getnframes(), wav.getsampwidth()
    except (wave.Error, EOFError, OSError) as exc:
        return [f"{name}: not a PCM WAV file ({exc})"]
    problems = []
    if width not in (1, 2, 3, 4):
        problems.append(f"{name}: {8 * width}-bit samples are not supported (use 16 or 24 bit)")
    if frames == 0:
        problems.append(f"{name}: is empty")
    elif rate and frames / rate > 10:
        problems.append(f"{name}: {frames / rate:.1f} s long; a fragment is a word or a phrase (at most 10 s)")
    if sample_rate is not None and rate != sample_rate:
        problems.append(f"{name}: sample rate {rate} Hz, the manifest says {sample_rate} Hz")
    if deep and not problems:
        samples, _ = read_wav(path)
        if _db(_active_rms(samples, rate)) < GATE_DBFS:
            problems.append(f"{name}: is silent (quieter than {GATE_DBFS:g} dBFS)")
    return problems


def pack_problems(folder: Path | str, lang: str | None = None, deep: bool = False) -> list[str]:
    """Every problem of a pack at once ([] when usable). `deep` also reads every clip (silence)."""
    folder = Path(folder)
    if not folder.is_dir():
        return [f"folder not found: {folder}"]
    manifest = folder / MANIFEST
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems, values = [f"{MANIFEST}: missing (language, speaker, licence, date, sample_rate)"], {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems, values = [f"{MANIFEST}: not valid TOML: {exc}"], {}
    else:
        problems, values = _manifest_problems(data)
    if lang is not None and values.get("language") not in (None, lang):
        problems.append(f"{MANIFEST}: language: the pack speaks {values['language']!r}, it is configured for {lang!r}")
    clips = sorted(folder.glob("*.wav"))
    if not clips:
        problems.append("has no fragments (one WAV per fragment, e.g. nomor_antrean.wav)")
    for clip in clips:
        problems += _clip_problems(clip, values.get("sample_rate"), deep)
    return problems


def load_pack(folder: Path | str, lang: str | None = None) -> VoicePack:
    folder = Path(folder)
    problems = pack_problems(folder, lang)
    if problems:
        raise PackError(folder, problems)
    _, values = _manifest_problems(tomllib.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    clips = {p.stem: p for p in sorted(folder.glob("*.wav"))}
    return VoicePack(folder=folder, clips=clips, **values)


def write_manifest(folder: Path, language: str, speaker: str, licence: str, day: date, sample_rate: int,
                   notes: str = "") -> Path:
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [f"language = {quoted(language)}", f"speaker = {quoted(speaker)}", f"licence = {quoted(licence)}",
             f"date = {day.isoformat()}", f"sample_rate = {int(sample_rate)}"]
    if notes:
        lines.append(f"notes = {quoted(notes)}")
    path = Path(folder) / MANIFEST
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- samples

def read_wav(path: Path | str) -> tuple[list[float], int]:
    """A PCM WAV as mono floats (-1..1) and its sample rate; channels are averaged."""
    with wave.open(str(path), "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width == 1:
        values = [(b - 128) / 128.0 for b in raw]
    elif width == 3:
        values = [int.from_bytes(raw[i:i + 3], "little", signed=True) / 8388608.0 for i in range(0, len(raw) - 2, 3)]
    elif width in (2, 4):
        data = array.array("h" if width == 2 else "i", raw)
        if sys.byteorder == "big":
            data.byteswap()
        full = float(2 ** (8 * width - 1))
        values = [v / full for v in data]
    else:
        raise ValueError(f"{path}: {8 * width}-bit samples are not supported")
    if channels > 1:
        values = [sum(values[i:i + channels]) / channels for i in range(0, len(values) - channels + 1, channels)]
    return values, rate


def resample(samples: list[float], source_rate: int, target_rate: int) -> list[float]:
    """Linear interpolation: enough for speech, whose energy lies far below either Nyquist."""
    if source_rate == target_rate or not samples:
        return list(samples)
    step = source_rate / target_rate
    last = len(samples) - 1
    out = []
    for i in range(int(len(samples) / step)):
        pos = i * step
        j = int(pos)
        a = samples[j]
        b = samples[j + 1] if j < last else a
        out.append(a + (b - a) * (pos - j))
    return out


def _db(level: float) -> float:
    return 20 * math.log10(level) if level > 0 else -math.inf


def _window_rms(samples: list[float], rate: int) -> tuple[list[float], int]:
    size = max(1, rate // 100)
    windows = []
    for i in range(0, len(samples), size):
        window = samples[i:i + size]
        windows.append(math.sqrt(sum(map(operator.mul, window, window)) / len(window)))
    return windows, size


def _active_rms(samples: list[float], rate: int) -> float:
    """RMS over the 10 ms windows above the gate: loudness of the voice, not of its pauses."""
    windows, _ = _window_rms(samples, rate)
    gate = 10 ** (GATE_DBFS / 20)
    voiced = [w for w in windows if w >= gate]
    return math.sqrt(sum(w * w for w in voiced) / len(voiced)) if voiced else 0.0


def trim_silence(samples: list[float], rate: int) -> list[float]:
    windows, size = _window_rms(samples, rate)
    if not windows or max(windows) <= 0:
        return []
    threshold = max(10 ** (GATE_DBFS / 20), max(windows) * 10 ** (-TRIM_BELOW_PEAK_DB / 20))
    loud = [i for i, w in enumerate(windows) if w >= threshold]
    margin = int(rate * TRIM_MARGIN_MS / 1000)
    start = max(0, loud[0] * size - margin)
    end = min(len(samples), (loud[-1] + 1) * size + margin)
    return samples[start:end]


def prepare_fragment(samples: list[float], source_rate: int, rate: int) -> array.array:
    """Resampled, trimmed, at the loudness target, faded at both edges: 16-bit samples ready to join."""
    voiced = trim_silence(resample(samples, source_rate, rate), rate)
    if not voiced:
        return array.array("h")
    level = _active_rms(voiced, rate)
    peak = max(abs(v) for v in voiced)
    gain = min(10 ** (TARGET_RMS_DBFS / 20) / level if level else 1.0, PEAK_CEILING / peak if peak else 1.0)
    scale = gain * 32767  # gain <= PEAK_CEILING / peak: nothing can clip
    out = array.array("h", [int(v * scale) for v in voiced])
    count = len(out)
    fade = min(count // 2, int(rate * FADE_MS / 1000))
    for i in range(fade):
        out[i] = int(out[i] * i / fade)
        out[count - 1 - i] = int(out[count - 1 - i] * i / fade)
    return out


def join(call: array.array, fragment: array.array, rate: int) -> None:
    """Append `fragment` to `call`, overlapping CROSSFADE_MS of the faded edges (in place)."""
    overlap = min(len(call), len(fragment), int(rate * CROSSFADE_MS / 1000))
    base = len(call) - overlap
    for k in range(overlap):
        call[base + k] = max(-32767, min(32767, call[base + k] + fragment[k]))
    call.extend(fragment[overlap:])


# --------------------------------------------------------------------------- the renderer

@dataclass
class Segment:
    piece: Piece
    lang: str
    start: int  # sample offsets in the call's WAV
    end: int


@dataclass
class RenderedCall:
    samples: array.array
    sample_rate: int
    segments: list[Segment]


class CallRenderer:
    """One WAV per call from the configured packs, espeak-ng filling in what a pack lacks.

    Prepared fragments are kept in memory (a pack is a few hundred kB), so a call is
    a handful of array joins; the finished WAV is cached in `cache_dir` by a hash of
    its pieces (their files and modification times), like the espeak cache.
    """

    def __init__(self, packs: Mapping[str, VoicePack], synthesizer, cache_dir: Path | str,
                 sample_rate: int | None = None, cache_max_mb: float | None = None, prepared_max: int = 2048):
        self.packs = dict(packs)
        self.synthesizer = synthesizer
        self.cache_dir = Path(cache_dir)
        # bounded, on disk and in memory: a display runs for months (kiosk.disk_cache)
        self.bound = CacheBound(self.cache_dir, int(cache_max_mb * 1e6)) if cache_max_mb else None
        self.prepared_max = prepared_max
        # the highest rate of the packs: a human voice is never down-sampled, espeak (22050) is up-sampled
        self.sample_rate = sample_rate or max((p.sample_rate for p in self.packs.values()), default=22050)
        self._prepared: OrderedDict[tuple, array.array] = OrderedDict()  # least recently used first
        self.rendered = 0  # calls actually built (not taken from the cache)

    def plan(self, audio, code: str, counter_number: str, lang: str) -> list[Piece]:
        pack = self.packs.get(lang)
        return plan_pieces(call_words(audio, code, counter_number, lang), pack.clips if pack else {}, lang)

    def _resolve(self, audio, code: str, counter_number: str) -> list[tuple[str, Piece, Path | None]]:
        """(lang, piece, file) for the whole call; espeak pieces are synthesized (cached) here."""
        resolved = []
        for n, lang in enumerate(audio.languages):
            if n:
                resolved.append((lang, Piece("", pause_ms=LANGUAGE_PAUSE_MS), None))
            for piece in self.plan(audio, code, counter_number, lang):
                if piece.pause_ms:
                    resolved.append((lang, piece, None))
                elif piece.path is not None:
                    resolved.append((lang, piece, piece.path))
                else:
                    resolved.append((lang, piece, Path(self.synthesizer.synthesize(piece.speech, lang))))
        return resolved

    def _fragment(self, path: Path) -> array.array:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, self.sample_rate)
        prepared = self._prepared.get(key)
        if prepared is None:
            samples, rate = read_wav(path)
            prepared = self._prepared[key] = prepare_fragment(samples, rate, self.sample_rate)
            while len(self._prepared) > self.prepared_max:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(key)
        return prepared

    def warm_up(self, config) -> int:
        """Prepare every pack clip and the espeak-ng stand-in of every fragment a pack lacks, so no call
        waits for them (run once, off the GUI thread). Returns the fragments prepared."""
        from kiosk.audio.speech import SpeechError

        paths = [path for pack in self.packs.values() for path in pack.clips.values()]
        for lang in config.audio.languages:
            pack = self.packs.get(lang)
            clips = pack.clips if pack else {}
            for need in needed_fragments(config, lang):
                if not _covered(need, clips, lang):
                    try:
                        paths.append(Path(self.synthesizer.synthesize(need.speech, lang)))
                    except SpeechError:
                        break  # espeak-ng is not working: each call reports it
        for path in paths:
            self._fragment(path)
        return len(paths)

    def render_call(self, audio, code: str, counter_number: str) -> RenderedCall:
        return self._build(self._resolve(audio, code, counter_number))

    def _build(self, resolved) -> RenderedCall:
        call = array.array("h")
        segments = []
        for lang, piece, path in resolved:
            start = len(call)
            if piece.pause_ms:
                call.extend(bytes(2 * int(self.sample_rate * piece.pause_ms / 1000)))
            else:
                fragment = self._fragment(path)
                join(call, fragment, self.sample_rate)
                start = len(call) - len(fragment)
            segments.append(Segment(piece, lang, start, len(call)))
        return RenderedCall(call, self.sample_rate, segments)

    def render(self, audio, code: str, counter_number: str) -> Path:
        """The WAV of one call (all of audio.languages in order), from the cache when it was made before."""
        resolved = self._resolve(audio, code, counter_number)
        key = [RENDER_VERSION, self.sample_rate]
        for lang, piece, path in resolved:
            if path is None:
                key.append(piece.pause_ms)
            else:
                stat = path.stat()
                key += [str(path), stat.st_mtime_ns, stat.st_size]
        digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:24]
        target = self.cache_dir / f"call-{digest}.wav"
        if target.is_file():
            if self.bound is not None:
                self.bound.used(target)
            return target
        from kiosk.audio.speech import write_wav

        self.cache_dir.mkdir(parents=True, exist_ok=True)
        write_wav(target, self._build(resolved).samples, self.sample_rate)
        self.rendered += 1
        if self.bound is not None:
            self.bound.added(target)
        return target


def renderer_from_config(config, synthesizer) -> CallRenderer | None:
    """The renderer of audio.voice_packs, or None (espeak-ng only, as without packs).

    A pack that cannot be loaded is left out with a log line: that language is spoken by espeak-ng.
    """
    import logging

    audio = config.audio
    packs = {}
    for lang, folder in dict(getattr(audio, "voice_packs", {}) or {}).items():
        try:
            packs[lang] = load_pack(resolve(config, folder), lang)
        except PackError as exc:
            logging.getLogger(__name__).error("%s; %s is spoken by espeak-ng", exc, lang)
    if not packs or synthesizer is None:
        return None
    return CallRenderer(packs, synthesizer, config.path(audio.cache_dir) / "calls", cache_max_mb=audio.cache_max_mb)


# --------------------------------------------------------------------------- coverage

@dataclass(frozen=True)
class Need:
    """A fragment the config's calls use, and why."""
    id: str
    speech: str
    reason: str


def group_max_number(config, group_id: str) -> int:
    """The highest number a group can reach in a day: its services' quotas added up, if all have one."""
    from kiosk.protocol.requests import MAX_TICKET_NUMBER

    quotas = [s.daily_quota for s in config.services if s.group == group_id]
    if not quotas or any(q is None for q in quotas):
        return MAX_TICKET_NUMBER
    return min(sum(quotas), MAX_TICKET_NUMBER)


def _number_needs(max_number: int, lang: str, style: str) -> dict[str, str]:
    """word -> an example number that uses it, for every number 1..max_number in that style."""
    found: dict[str, str] = {}
    below = range(1, min(max_number, 999) + 1)
    for n in below:
        spoken = digit_words(f"{n:03d}", lang) if style == "digits" else number_words(n, lang)
        for word in _number_words(spoken):
            found.setdefault(word.id, str(n))
    if max_number >= 1000:
        extra = (1000, 2000) if max_number >= 2000 else (1000,)
        for n in extra:
            spoken = digit_words(str(n), lang) if style == "digits" else number_words(n, lang)
            for word in _number_words(spoken):
                found.setdefault(word.id, str(n))
    return found


def _units_of(words: Iterable[Word | Pause], lang: str) -> list[Piece]:
    return [p for p in plan_pieces(list(words), {}, lang) if not p.pause_ms]


def needed_fragments(config, lang: str, number_styles: Iterable[str] | None = None) -> list[Need]:
    """Every fragment the config's calls in `lang` are made of, in a stable order, each once."""
    audio = config.audio
    styles = list(number_styles or [audio.number_style])
    say = getattr(audio, "say", None)
    needs: dict[str, Need] = {}

    def need(unit_id: str, speech: str, reason: str):
        needs.setdefault(unit_id, Need(unit_id, speech, reason))

    for literal, _ in template_parts(audio.templates.get(lang)):
        for piece in _units_of(_said_words(literal, lang, say), lang):
            need(piece.id, piece.speech, "the announcement template")
    for piece in _units_of(_said_words(audio.counter_word.get(lang), lang, say), lang):
        need(piece.id, piece.speech, "audio.counter_word")
    for group in config.groups:
        for letter in group.prefix:
            need(letter_id(letter), letter_name(letter, lang), f"codes {group.prefix}-…")
    for group in config.groups:
        top = group_max_number(config, group.id)
        for style in styles:
            for word, example in _number_needs(top, lang, style).items():
                need(word, word, f"code numbers ({style}), e.g. {group.prefix}-{int(example):03d}")
    for counter in config.counters:
        for word in _spoken_words(counter.number, lang, "whole"):
            need(word.id, word.speech, f"counter {counter.number}")
    return list(needs.values())


def _covered(need: Need, clips: Mapping[str, Path], lang: str) -> bool:
    if need.id in clips:
        return True
    words = [Word(part, part) for part in need.id.split("_")] if not need.id.startswith("letter_") else []
    return bool(words) and all(p.source == "pack" for p in plan_pieces(words, clips, lang))


def missing_fragments(config, pack: VoicePack, number_styles: Iterable[str] | None = None) -> list[Need]:
    """What the config's calls need that the pack lacks (espeak-ng speaks those)."""
    return [n for n in needed_fragments(config, pack.language, number_styles) if not _covered(n, pack.clips, pack.language)]


def coverage_notes(config) -> list[str]:
    """check-config's notes: per configured pack, each fragment it lacks (not errors: espeak-ng fills in)."""
    notes = []
    for lang, folder in dict(getattr(config.audio, "voice_packs", {}) or {}).items():
        if lang not in config.audio.languages:
            notes.append(f"audio.voice_packs.{lang}: {lang!r} is not in audio.languages {list(config.audio.languages)}; "
                         f"the pack is not used")
            continue
        try:
            pack = load_pack(config.path(folder), lang)
        except PackError:
            continue  # its problems are config errors, reported by cross_check
        for need in missing_fragments(config, pack):
            notes.append(f"audio.voice_packs.{lang}: no fragment {need.id!r} ({need.speech!r}, for {need.reason}); "
                         f"espeak-ng speaks it — record {need.id}.wav")
    return notes
