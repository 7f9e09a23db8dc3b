"""The studio's Qt-free model: what the config needs, what the pack has, and one take at a time.

A take goes IDLE → COUNTDOWN → RECORDING → REVIEW; in REVIEW it is kept (saved into the
pack, the next missing item becomes current) or redone. Keys are named here ("space",
"enter", "r", "p", "up", "down") so the window only translates Qt's key codes.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

KINDS = ("voice", "sign")
VOICE_SAMPLE_RATE = 48000  # a new voice pack's rate: every kept take is resampled to it


class Phase(StrEnum):
    IDLE = "idle"
    COUNTDOWN = "countdown"
    RECORDING = "recording"
    REVIEW = "review"
    SAVING = "saving"


@dataclass
class Item:
    """One fragment (voice) or token (sign) the config's calls need."""
    id: str
    prompt: str     # voice: the words to say; sign: the gloss
    category: str   # phrase | word | letter | number | agency: picks the reference note's text
    recorded: bool


@dataclass
class PackFields:
    """A new pack's manifest: who recorded, under which licence, with whose consent."""
    person: str = ""        # the speaker (voice) or the signer (sign)
    licence: str = ""
    consent: str = ""
    language: str = "id"    # voice: the language spoken
    region: str = ""        # sign: where the signs are from (BISINDO differs by region)
    numbers: str = "digits"  # sign: "whole" when the signers sign 12 as one sign

    def problems(self, kind: str) -> list[str]:
        """The msgids of what is missing (the window words them)."""
        missing = []
        if not self.person.strip():
            missing.append("studio.need_person")
        if not self.licence.strip():
            missing.append("studio.need_licence")
        if not self.consent.strip():
            missing.append("studio.need_consent")
        if kind == "sign" and not self.region.strip():
            missing.append("studio.need_region")
        return missing


def pack_exists(folder: Path) -> bool:
    return (Path(folder) / "pack.toml").is_file()


def create_pack(folder: Path, kind: str, fields: PackFields, today: date) -> Path:
    """Write a new pack's pack.toml (the folder is made); returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "voice":
        from kiosk.audio.packs import write_manifest

        # a voice manifest has no consent key: it is kept in its notes, word for word
        return write_manifest(folder, fields.language, fields.person.strip(), fields.licence.strip(), today,
                              VOICE_SAMPLE_RATE, notes=f"consent: {fields.consent.strip()}")
    import tomlkit

    document = tomlkit.document()
    document["signer"] = fields.person.strip()
    document["sign_language"] = "BISINDO"
    document["region"] = fields.region.strip()
    document["licence"] = fields.licence.strip()
    document["date"] = today.isoformat()
    document["consent"] = fields.consent.strip()
    document["numbers"] = fields.numbers
    document.add("clips", tomlkit.table())
    path = folder / "pack.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def _voice_category(fragment: str) -> str:
    if fragment.startswith("letter_"):
        return "letter"
    return "phrase" if "_" in fragment else "word"


def voice_items(config, folder: Path) -> list[Item]:
    """Every fragment the config's calls need in the pack's language, and whether the pack has it."""
    import tomllib

    from kiosk.audio.packs import _covered, needed_fragments

    folder = Path(folder)
    try:
        lang = tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8")).get("language", "id")
    except (OSError, ValueError):
        lang = "id"
    clips = {p.stem: p for p in sorted(folder.glob("*.wav"))}
    numbers = _number_word_ids(lang)
    items = []
    for need in needed_fragments(config, lang if lang in ("id", "en") else "id"):
        category = "number" if need.id in numbers else _voice_category(need.id)
        items.append(Item(need.id, need.speech, category, _covered(need, clips, lang)))
    return items


def _number_word_ids(lang: str) -> set[str]:
    from kiosk.audio.phrases import digit_words, number_words

    words: set[str] = set()
    for n in list(range(0, 1000)) + [1000, 2000]:
        words.update(w for w in number_words(n, lang).replace("-", " ").split())
    words.update(digit_words("0123456789", lang).split())
    return words


def sign_items(config, folder: Path) -> list[Item]:
    """Every token the config's calls need, and whether the pack covers it (sign_packs.coverage)."""
    from kiosk.sign_packs import AGENCY_PREFIX, PackError, config_needs, coverage, load_pack

    try:
        pack = load_pack(folder)
    except PackError:
        pack = None
    numbers = pack.numbers if pack is not None else "digits"
    missing = {need.token for need in coverage(config, pack)} if pack is not None else None
    items = []
    for need, _covering in config_needs(config, numbers):
        token = need.token
        if token.startswith(AGENCY_PREFIX):
            agency = config.agency_by_id.get(token.removeprefix(AGENCY_PREFIX))
            gloss, category = (agency.short_name if agency else token).upper(), "agency"
        elif token.isdigit():
            gloss, category = token, "number"
        elif all(ch in string.ascii_uppercase for ch in token):
            gloss, category = token, "letter"
        else:
            gloss, category = token.upper(), "word"
        items.append(Item(token, gloss, category, missing is not None and token not in missing))
    return items


@dataclass
class Studio:
    """The list, the current item and the take's phase. ``save(item, take)`` puts a take into the pack
    (it raises with sentences on a bad take); the window calls it off the GUI thread."""
    kind: str
    folder: Path
    config: object
    items: list[Item] = field(default_factory=list)
    current: int = 0
    phase: Phase = Phase.IDLE
    take: Path | None = None
    problems: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        self.folder = Path(self.folder)
        self.refresh()
        self.current = self.next_missing(-1)

    # ------------------------------------------------------------------ the list

    def refresh(self) -> None:
        self.items = (voice_items if self.kind == "voice" else sign_items)(self.config, self.folder)

    @property
    def item(self) -> Item | None:
        return self.items[self.current] if self.items else None

    @property
    def recorded_count(self) -> int:
        return sum(item.recorded for item in self.items)

    def next_missing(self, after: int) -> int:
        """The first unrecorded item after ``after`` (wrapping), else the one after it."""
        count = len(self.items)
        for step in range(1, count + 1):
            index = (after + step) % count
            if not self.items[index].recorded:
                return index
        return min(max(after + 1, 0), count - 1) if count else 0

    def move(self, delta: int) -> bool:
        if self.phase in (Phase.RECORDING, Phase.COUNTDOWN, Phase.SAVING) or not self.items:
            return False
        self.current = max(0, min(len(self.items) - 1, self.current + delta))
        self._discard()
        return True

    def select(self, index: int) -> bool:
        return self.move(index - self.current)

    # ------------------------------------------------------------------ a take

    def key(self, name: str) -> str | None:
        """What a key does now: 'countdown', 'cancel', 'stop', 'keep', 'redo', 'play', 'move' or None."""
        if name == "space":
            if self.phase in (Phase.IDLE, Phase.REVIEW):
                self._discard()
                self.phase = Phase.COUNTDOWN
                return "countdown"
            if self.phase == Phase.COUNTDOWN:
                self.phase = Phase.IDLE
                return "cancel"
            if self.phase == Phase.RECORDING:
                return "stop"
        elif name == "enter" and self.phase == Phase.REVIEW and self.take is not None:
            self.phase = Phase.SAVING
            return "keep"
        elif name == "r" and self.phase == Phase.REVIEW:
            self._discard()
            self.phase = Phase.COUNTDOWN
            return "redo"
        elif name == "p" and self.phase == Phase.REVIEW and self.take is not None:
            return "play"
        elif name in ("up", "down") and self.move(-1 if name == "up" else 1):
            return "move"
        return None

    def countdown_over(self) -> None:
        if self.phase == Phase.COUNTDOWN:
            self.phase = Phase.RECORDING

    def take_ready(self, path: Path) -> None:
        if self.phase == Phase.RECORDING:
            self.take = Path(path)
            self.phase = Phase.REVIEW

    def take_failed(self, problems: list[str]) -> None:
        self.problems = list(problems)
        self.take = None
        self.phase = Phase.IDLE

    def save(self, item: Item, take: Path) -> Path:
        """Put ``take`` into the pack as ``item``'s clip; raises RecordingError / AddError / ClipError."""
        if self.kind == "voice":
            from kiosk.audio.pack_cli import add_fragment

            return add_fragment(self.folder, item.id, take)
        from kiosk.sign_pack_cli import add_clip

        name, _facts = add_clip(self.folder, item.id, take)
        return self.folder / name

    def saved(self) -> None:
        """After a keep: the list is read again from the pack and the next missing item is current."""
        kept = self.current
        self._discard()
        self.phase = Phase.IDLE
        self.refresh()
        self.current = self.next_missing(kept)

    def save_failed(self, problems: list[str]) -> None:
        self.problems = list(problems)
        self.phase = Phase.REVIEW

    def _discard(self) -> None:
        self.take = None
        self.problems = []
        if self.phase == Phase.REVIEW:
            self.phase = Phase.IDLE
