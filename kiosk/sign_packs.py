"""Sign packs: a folder of recorded sign clips with a manifest, and how a call is cut into them.

A pack is a folder with ``pack.toml`` (who signed, which sign language, licence,
consent, how numbers are signed) and a ``[clips]`` table token -> file. Tokens:

- the phrase words ``nomor antrean``, ``silakan menuju``, ``loket``;
- letters ``A``..``Z`` (and a run such as ``KT`` if the signers have one sign for it);
- whole numbers ``0``, ``7``, ``12``, ``105`` (no leading zeros);
- agency names ``agency:<agency id>``;
- whole phrases: tokens joined by spaces, e.g. ``silakan menuju loket`` or ``silakan menuju loket 7``.

A call is chosen from the longest clips there are (whole phrase > word > number >
letter), from the configured pack first and from the shipped stand-ins token by
token. Pure and Qt-free.
"""
from __future__ import annotations

import datetime
import difflib
import functools
import logging
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.files import resolve
from kiosk.problems import ProblemsError
from kiosk.sign import WORD_CALL, WORD_COUNTER, WORD_GO_TO, WORDS, PlaylistItem, _spell

log = logging.getLogger(__name__)

PACK_FILE = "pack.toml"
NUMBER_STYLES = ("whole", "digits")
AGENCY_PREFIX = "agency:"
_MANIFEST_KEYS = ("signer", "sign_language", "region", "licence", "date", "consent", "stand_in", "numbers",
                  "info_clip", "clips")
_REQUIRED = ("signer", "region", "licence", "date", "consent")
_NUMBER_RE = re.compile(r"0|[1-9][0-9]{0,3}")
_LETTERS_RE = re.compile(r"[A-Z]{1,3}")
_AGENCY_RE = re.compile(r"agency:[a-z0-9][a-z0-9_-]*")
_NOTICE_RE = re.compile(r"notice:[a-z0-9][a-z0-9_-]{0,59}")  # a whole notice signed in one clip


class PackError(ProblemsError):
    """A pack that cannot be used; ``problems`` holds every problem found, each a sentence."""

    @property
    def folder(self) -> Path:
        return self.path


@dataclass(frozen=True)
class SignPack:
    folder: Path
    signer: str
    region: str
    licence: str
    date: str
    consent: str
    sign_language: str = "BISINDO"
    stand_in: bool = False
    numbers: str = "digits"  # "whole": the signers sign 12 as one sign; "digits": 1, 2
    info_clip: str | None = None
    clips: dict[str, str] = field(default_factory=dict)

    def clip_path(self, token: str) -> Path | None:
        name = self.clips.get(token)
        return self.folder / name if name is not None else None


# --------------------------------------------------------------------------- tokens

def token_parts(token: str) -> list[str] | None:
    """The single tokens a clip's token is made of (a phrase has several), or None if it is no token."""
    parts, rest = [], token.strip()
    if _NOTICE_RE.fullmatch(rest):
        return [rest]  # a notice's clip stands alone: never part of a phrase
    while rest:
        word = next((w for w in WORDS if rest == w or rest.startswith(w + " ")), None)
        piece = word if word is not None else rest.split(" ", 1)[0]
        if word is None and not (_NUMBER_RE.fullmatch(piece) or _LETTERS_RE.fullmatch(piece)
                                 or _AGENCY_RE.fullmatch(piece)):
            return None
        parts.append(piece)
        rest = rest[len(piece):].lstrip(" ")
    return parts or None


def token_kind(token: str) -> str:
    """'phrase', 'word', 'number', 'letters', 'agency', 'notice' (or 'unknown')."""
    parts = token_parts(token)
    if parts is None:
        return "unknown"
    if len(parts) > 1:
        return "phrase"
    if token in WORDS:
        return "word"
    if _NUMBER_RE.fullmatch(token):
        return "number"
    if _AGENCY_RE.fullmatch(token):
        return "agency"
    if _NOTICE_RE.fullmatch(token):
        return "notice"
    return "letters"


# --------------------------------------------------------------------------- loading

def check_pack(folder: Path) -> list[str]:
    """Every problem of the pack in ``folder``, each a sentence; [] when it can be used."""
    try:
        load_pack(folder)
    except PackError as exc:
        return exc.problems
    return []


def load_pack(folder: Path | str) -> SignPack:
    folder = Path(folder)
    manifest = folder / PACK_FILE
    try:
        stat = manifest.stat()
    except OSError:
        raise PackError(folder, [f"{manifest} not found: a sign pack is a folder with a {PACK_FILE}"]) from None
    return _load_pack(folder.resolve(), (stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=16)
def _load_pack(folder: Path, _version: tuple[int, int]) -> SignPack:
    # keyed on pack.toml's mtime and size: `sign-pack add` changes the manifest, and the next call sees it
    manifest = folder / PACK_FILE
    try:
        with open(manifest, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PackError(folder, [f"{PACK_FILE} cannot be read: {exc}"]) from None
    problems: list[str] = []
    for key in data:
        if key not in _MANIFEST_KEYS:
            close = difflib.get_close_matches(key, _MANIFEST_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{key}: unknown key{hint}")
    stand_in = data.get("stand_in", False)
    if not isinstance(stand_in, bool):
        problems.append(f"stand_in: must be true or false, got {stand_in!r}")
        stand_in = False
    values = {}
    for key in (*_REQUIRED, "sign_language"):
        value = data.get(key, "BISINDO" if key == "sign_language" else None)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{key}: required, a non-empty text (who, where, under which terms)")
            value = ""
        values[key] = value
    if values["date"]:
        try:
            datetime.date.fromisoformat(values["date"])
        except ValueError:
            problems.append(f"date: must be YYYY-MM-DD, got {values['date']!r}")
    numbers = data.get("numbers", "digits")
    if numbers not in NUMBER_STYLES:
        problems.append(f"numbers: must be \"whole\" or \"digits\", got {numbers!r}")
        numbers = "digits"
    clips = data.get("clips", {})
    if not isinstance(clips, dict):
        problems.append("clips: must be a table of token = \"file.mp4\"")
        clips = {}
    for token, name in clips.items():
        where = f"clips.{token!r}" if " " in token else f"clips.{token}"
        if token_parts(token) is None:
            problems.append(f"{where}: not a token (a phrase word, letters A-Z, a whole number, "
                            f"agency:<id>, such tokens joined by spaces, or notice:<key>)")
        problems += _file_problems(folder, where, name)
    info_clip = data.get("info_clip")
    if info_clip is not None:
        problems += _file_problems(folder, "info_clip", info_clip)
    if problems:
        raise PackError(folder, problems)
    return SignPack(folder=folder, stand_in=stand_in, numbers=numbers, info_clip=info_clip,
                    clips=dict(clips), **values)


def _file_problems(folder: Path, where: str, name) -> list[str]:
    if not isinstance(name, str) or not name:
        return [f"{where}: must be a file name, got {name!r}"]
    path = Path(name)
    if path.is_absolute() or ".." in path.parts:
        return [f"{where}: {name!r} must be a file inside the pack folder"]
    if not (folder / path).is_file():
        return [f"{where}: file not found: {folder / path}"]
    return []


def legacy_pack(clips_dir: Path, clips: dict[str, str], info_clip: str | None) -> SignPack:
    """The old config.toml [sign.clips] table as a pack; stand-ins when clips_dir holds the shipped ones."""
    stand_in = False
    if (clips_dir / PACK_FILE).is_file():
        try:
            stand_in = load_pack(clips_dir).stand_in
        except PackError:
            pass
    return SignPack(folder=clips_dir, signer="", region="", licence="", date="", consent="",
                    stand_in=stand_in, info_clip=info_clip, clips=dict(clips))


# --------------------------------------------------------------------------- a call

@dataclass(frozen=True)
class Unit:
    """One piece of a call before clips are chosen: its token and what it falls back to without a clip."""
    token: str
    fallback: tuple[str, ...] = ()
    label: str | None = None


def _runs(text: str, what: str, numbers: str) -> list[Unit]:
    """'KT-105' -> units for KT and 105 (one whole number, or its digits one by one)."""
    chars = _spell(text, what)  # validates: letters, digits and '-' only
    units: list[Unit] = []
    for run in re.findall(r"[A-Z]+|[0-9]+", "".join(chars)):
        if run.isdigit():
            if numbers == "whole":
                units.append(Unit(str(int(run)), tuple(run)))  # A-012 is signed "A, 12", else 0, 1, 2
            else:
                units += [Unit(d) for d in run]
        else:
            units.append(Unit(run, tuple(run)) if len(run) > 1 else Unit(run))
    return units


def call_units(code: str, counter_number: str, numbers: str = "digits",
               agency: tuple[str, str] | None = None) -> list[Unit]:
    """The pieces of one call; ``agency`` (id, short name) ends the call with the agency's name."""
    units = [Unit(WORD_CALL), *_runs(code, "ticket code", numbers), Unit(WORD_GO_TO), Unit(WORD_COUNTER),
             *_runs(str(counter_number), "counter number", numbers)]
    if agency is not None:
        agency_id, short_name = agency
        letters = tuple(c for c in short_name.upper() if c in string.ascii_uppercase)
        units.append(Unit(AGENCY_PREFIX + agency_id, letters, label=short_name))
    return units


@dataclass(frozen=True)
class Clip:
    path: Path
    stand_in: bool


def clip_table(*packs: SignPack | None) -> dict[str, Clip]:
    """token -> clip whose file exists; an earlier pack wins over a later one (the pack over the stand-ins)."""
    table: dict[str, Clip] = {}
    for pack in reversed([p for p in packs if p is not None]):
        for token, name in pack.clips.items():
            path = pack.folder / name
            if path.is_file():
                table[token] = Clip(path, pack.stand_in)
            else:
                _log_missing_once(token, path)
    return table


_logged_missing: set[tuple[str, Path]] = set()


def _log_missing_once(token: str, path: Path) -> None:
    if (token, path) not in _logged_missing:
        _logged_missing.add((token, path))
        log.warning("sign clip for %r: file not found: %s; another clip or the text is shown instead", token, path)


def select_clips(units: list[Unit], table: dict[str, Clip]) -> list[PlaylistItem]:
    """The fewest clips for the call: at each point the longest phrase the table has, then the
    unit's own clip, then its fallback (letters, digits) one by one; a token with no clip at all
    stays as a missing item, shown as text."""
    items: list[PlaylistItem] = []
    i = 0
    while i < len(units):
        for j in range(len(units), i + 1, -1):
            phrase = " ".join(unit.token for unit in units[i:j])
            if phrase in table:
                items.append(_item(phrase, table[phrase]))
                i = j
                break
        else:
            unit = units[i]
            if unit.token in table:
                items.append(_item(unit.token, table[unit.token], unit.label))
            elif unit.fallback:
                items += [_item(part, table.get(part)) for part in unit.fallback]
            else:
                items.append(_item(unit.token, None, unit.label))
            i += 1
    return items


def _item(token: str, clip: Clip | None, label: str | None = None) -> PlaylistItem:
    if clip is None:
        return PlaylistItem(token, None, label=label)
    return PlaylistItem(token, clip.path, stand_in=clip.stand_in, label=label)


# --------------------------------------------------------------------------- from the config

@dataclass(frozen=True)
class ActivePacks:
    pack: SignPack | None        # sign.pack, when set and usable
    stand_ins: SignPack | None   # the shipped stand-ins (sign.clips_dir), the fallback token by token
    problems: tuple[str, ...]    # why sign.pack is not used, if it is not

    @property
    def numbers(self) -> str:
        """How the call's numbers are cut: the configured pack decides, else the stand-ins."""
        leading = self.pack if self.pack is not None else self.stand_ins
        return leading.numbers if leading is not None else "digits"

    def table(self) -> dict[str, Clip]:
        return clip_table(self.pack, self.stand_ins)


def active_packs(config) -> ActivePacks:
    sign = config.sign
    clips_dir = resolve(config, sign.clips_dir)
    if sign.clips:
        stand_ins = legacy_pack(clips_dir, sign.clips, sign.info_clip)
    else:
        try:
            stand_ins = load_pack(clips_dir)
        except PackError as exc:
            _warn_once(f"the stand-in sign clips cannot be used: {exc}")
            stand_ins = None
    pack, problems = None, ()
    if sign.pack is not None:
        try:
            pack = load_pack(resolve(config, sign.pack))
        except PackError as exc:
            problems = tuple(exc.problems)
    return ActivePacks(pack, stand_ins, problems)


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    # a call every minute would otherwise repeat the same warning all day
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


def pack_call_playlist(config, code: str, counter_number: str, agency_id: str | None = None) -> list[PlaylistItem]:
    packs = active_packs(config)
    if packs.problems:
        _warn_once(f"sign.pack is not used, the stand-ins are shown: {'; '.join(packs.problems)}")
    agency = None
    if agency_id is not None and config.sign.with_agency:
        short_name = next((a.short_name for a in config.agencies if a.id == agency_id), agency_id)
        agency = (agency_id, short_name)
    return select_clips(call_units(code, counter_number, packs.numbers, agency), packs.table())


def notice_playlist(config, sign: str | None) -> list[PlaylistItem]:
    """A notice signed: its one clip (token ``notice:<sign>``) from the pack, else from the stand-ins; [] when
    neither has it (the notice is then on the ticker only: a notice is never spelt out letter by letter)."""
    if not sign:
        return []
    token = f"notice:{sign}"
    clip = active_packs(config).table().get(token)
    return [_item(token, clip)] if clip is not None else []


def pack_info_clip(config) -> Path | None:
    """The pack's own information clip, else the stand-ins' (the config's info_clip names it)."""
    packs = active_packs(config)
    if packs.pack is not None and packs.pack.info_clip:
        return packs.pack.folder / packs.pack.info_clip
    return None


def info_clip_is_stand_in(config) -> bool:
    """Whether the information clip comes from the stand-ins (the pack has none of its own)."""
    if pack_info_clip(config) is not None:
        return False
    stand_ins = active_packs(config).stand_ins
    return bool(stand_ins and stand_ins.stand_in)


# --------------------------------------------------------------------------- coverage

@dataclass(frozen=True)
class Need:
    token: str
    why: str

    def sentence(self) -> str:
        return f"{self.token!r}: {self.why}"


COVERED_MEANS = (
    "covered means: a phrase word has its own clip or a clip of a phrase of phrase words only "
    "(\"silakan menuju loket\", not \"silakan menuju loket 7\"); a letter has its clip; "
    "a number has its clip (packs with numbers = \"whole\" need each counter number whole, and the digits 0-9 "
    "for ticket numbers, which are signed whole when the pack has the number); an agency has an agency:<id> "
    "clip, or every letter of its short name (it is then fingerspelled)"
)


def config_needs(config, numbers: str) -> list[tuple[Need, tuple[str, ...]]]:
    """What a call of this config can contain: (need, the tokens that together cover it without its own clip)."""
    needs: list[tuple[Need, tuple[str, ...]]] = []
    for word in WORDS:
        needs.append((Need(word, "a phrase word of every call"), (word,)))
    letters: dict[str, str] = {}
    for group in config.groups:
        for letter in group.prefix:
            letters.setdefault(letter, f"in the prefix {group.prefix!r} of group {group.id!r}")
    for counter in config.counters:
        for letter in counter.number.upper():
            if letter in string.ascii_uppercase:
                letters.setdefault(letter, f"in the number of counter {counter.id!r}")
    for letter in sorted(letters):
        needs.append((Need(letter, f"a letter {letters[letter]}"), (letter,)))
    for digit in string.digits:
        needs.append((Need(digit, "a digit of ticket numbers"), (digit,)))
    if numbers == "whole":
        seen = set(string.digits)  # a one-digit number is its digit's clip
        for counter in config.counters:
            for run in re.findall(r"[0-9]+", counter.number):
                whole = str(int(run))
                if whole not in seen:
                    seen.add(whole)
                    needs.append((Need(whole, f"counter {counter.id!r} (Loket {counter.number}) as a whole number"),
                                  (whole,)))
    for agency in config.agencies:
        letters_of_name = tuple(dict.fromkeys(c for c in agency.short_name.upper() if c in string.ascii_uppercase))
        needs.append((Need(AGENCY_PREFIX + agency.id, f"the name of {agency.short_name!r}"), letters_of_name))
    return needs


def coverage(config, pack: SignPack) -> list[Need]:
    """What this config's calls need that ``pack`` lacks (see COVERED_MEANS); [] when it has it all."""
    have = set(pack.clips)
    # only a phrase of fixed words is in every call: "silakan menuju loket 7" serves counter 7 alone
    in_phrases = {part for token in have if set(token_parts(token) or ()) <= set(WORDS)
                  for part in token_parts(token)}
    missing = []
    for need, covering in config_needs(config, pack.numbers):
        if need.token in have:
            continue
        if need.token in WORDS and need.token in in_phrases:
            continue
        if need.token.startswith(AGENCY_PREFIX) and covering and all(t in have for t in covering):
            continue
        missing.append(need)
    return missing


def coverage_notes(config) -> list[str]:
    """check-config's notes on the sign clips: an unusable pack, the old clip table, what is missing."""
    if not config.sign.enabled:
        return []
    notes = []
    packs = active_packs(config)
    if config.sign.clips:
        notes.append("sign.clips: the clip table in config.toml is the old form; it still works as the stand-ins, "
                     "but a recorded pack goes in a folder with pack.toml and [sign] pack = \"...\" "
                     "(see docs/voice-and-sign.md#sign-packs)")
    for problem in packs.problems:
        notes.append(f"sign.pack: {problem} (the stand-ins are shown instead)")
    pack = packs.pack if packs.pack is not None else packs.stand_ins
    if pack is None:
        return notes
    which = "sign.pack" if packs.pack is not None else "the stand-in sign clips"
    for need in coverage(config, pack):
        fallback = " (a stand-in or the text is shown instead)" if packs.pack is not None else ""
        notes.append(f"{which} lacks {need.sentence()}{fallback}")
    table = packs.table()
    for notice in config.display.notices:
        if notice.sign and f"notice:{notice.sign}" not in table:
            notes.append(f"display.notices: no sign pack has the clip notice:{notice.sign} for {notice.id!r}: "
                         f"it is on the ticker only (add it with `mpp-kiosk sign-pack add`)")
    return notes
