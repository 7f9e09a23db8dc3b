"""A call in sign language: the tokens to sign and the clips that sign them.

Pure and Qt-free; the display plays the clips in order. A token without a clip
is kept (path None, missing True) so the display shows it as large text instead:
a visitor always sees the whole call even while clips are still being recorded.
"""
from __future__ import annotations

import logging
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kiosk.files import resolve

log = logging.getLogger(__name__)

WORD_CALL = "nomor antrean"
WORD_GO_TO = "silakan menuju"
WORD_COUNTER = "loket"
WORDS = (WORD_CALL, WORD_GO_TO, WORD_COUNTER)
# every token a call can contain, in the order docs and mapping list them
ALL_TOKENS = (*WORDS, *string.ascii_uppercase, *string.digits)


@dataclass(frozen=True)
class PlaylistItem:
    token: str
    path: Path | None  # None: no clip, show `token` as text
    stand_in: bool = False  # the clip is a labelled placeholder, not a recorded sign
    label: str | None = None  # the caption when the token itself is not for reading (agency:<id>)

    @property
    def missing(self) -> bool:
        return self.path is None


def _spell(text: str, what: str) -> list[str]:
    """Letters and digits one by one (fingerspelling); '-' and spaces are dropped."""
    tokens = []
    for char in text.strip().upper():
        if char in string.ascii_uppercase or char in string.digits:
            tokens.append(char)
        elif char in "- ":
            continue
        else:
            raise ValueError(f"{what} {text!r}: cannot sign {char!r} (only letters A-Z, digits and '-')")
    if not tokens:
        raise ValueError(f"{what} {text!r} has nothing to sign")
    return tokens


def call_tokens(code: str, counter_number: str) -> list[str]:
    """'A-012', '7' -> ['nomor antrean', 'A', '0', '1', '2', 'silakan menuju', 'loket', '7']."""
    return [WORD_CALL, *_spell(code, "ticket code"), WORD_GO_TO, WORD_COUNTER,
            *_spell(str(counter_number), "counter number")]


_logged_missing: set[tuple[str, str]] = set()


def _log_missing_once(token: str, reason: str) -> None:
    if (token, reason) not in _logged_missing:
        _logged_missing.add((token, reason))
        log.warning("sign clip for %r: %s; the display shows the text instead", token, reason)


def build_playlist(tokens: list[str], clips: dict[str, str], clips_dir: Path) -> list[PlaylistItem]:
    """One item per token, in order; a token with no mapping or no file gets path None."""
    items = []
    for token in tokens:
        clip = clips.get(token)
        if clip is None:
            _log_missing_once(token, "no entry in sign.clips")
            items.append(PlaylistItem(token, None))
            continue
        path = Path(clips_dir) / clip
        if not path.is_file():
            _log_missing_once(token, f"file not found: {path}")
            items.append(PlaylistItem(token, None))
            continue
        items.append(PlaylistItem(token, path))
    return items


def call_playlist(config, code: str, counter_number: str, agency_id: str | None = None) -> list[PlaylistItem]:
    """The sign playlist of one call from a loaded Config ([] when sign.enabled is false): the
    longest clips of sign.pack, the stand-ins where it has none (kiosk.sign_packs)."""
    if not config.sign.enabled:
        return []
    from kiosk.sign_packs import pack_call_playlist

    return pack_call_playlist(config, code, counter_number, agency_id)


def info_clip_path(config) -> Path | None:
    """The looping information clip shown between calls, if configured and present."""
    sign = config.sign
    if not sign.enabled:
        return None
    from kiosk.sign_packs import pack_info_clip

    own = pack_info_clip(config)
    if own is not None:
        return own
    if not sign.info_clip:
        return None
    path = resolve(config, sign.clips_dir) / sign.info_clip
    if not path.is_file():
        _log_missing_once("(info)", f"file not found: {path}")
        return None
    return path


def load_clip_mapping(path: Path) -> tuple[dict[str, str], str | None]:
    """(clips, info_clip) from a mapping file like assets/sign/mapping.toml."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    clips = data.get("clips", {})
    if not isinstance(clips, dict) or not all(isinstance(v, str) for v in clips.values()):
        raise ValueError(f"{path}: [clips] must map each token to a file name")
    return dict(clips), data.get("info_clip")
