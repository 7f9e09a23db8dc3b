"""Every word a visitor or the staff reads, in every language: ``t(msgid, lang, **fields)``.

The words live in gettext catalogs, one per language:
``kiosk/locale/<lang>/LC_MESSAGES/mpp_kiosk.po``. A message id is a stable dotted
key ("kiosk.take_number", "error.unknown_service"); its text may hold ``{field}``
placeholders, filled from ``fields``. The set of languages is the set of catalogs
(:func:`languages`), Indonesian first: it is the lobby's language and the fallback
for a message a catalog lacks (logged once, never an error a visitor sees).

Only the ``.po`` files are in git and in the wheel. On first use each one is
compiled with Babel into a ``.mo`` in a writable cache (``$XDG_CACHE_HOME/mpp-kiosk``),
again whenever the ``.po`` is newer, so a translator's edit shows on the next start.

Lobby data (agency and service names, requirements, the lobby name, the ticker) is
in config.toml, not here. Voice phrases are in kiosk/audio/phrases.py.
"""
from __future__ import annotations

import gettext
import hashlib
import io
import logging
import os
import threading
from pathlib import Path


log = logging.getLogger(__name__)

DOMAIN = "mpp_kiosk"
FALLBACK = "id"
LOCALE_DIR = Path(__file__).parent / "locale"
# Extra locale directories (os.pathsep-separated), searched before the shipped one:
# a lobby's own translation, or a test's pseudo-language.
LOCALE_DIRS_ENV = "MPP_KIOSK_LOCALE_DIRS"

_lock = threading.Lock()
_load_lock = threading.Lock()
_NOT_LOADED = object()
_extra_dirs: list[Path] = []
_translations: dict[str, gettext.GNUTranslations | None] = {}
_languages: dict[tuple[Path, ...], tuple[str, ...]] = {}
_warned: set[tuple[str, str]] = set()


def locale_dirs() -> list[Path]:
    """Where catalogs are looked for, first match wins."""
    from_env = [Path(p) for p in os.environ.get(LOCALE_DIRS_ENV, "").split(os.pathsep) if p]
    return [*_extra_dirs, *from_env, LOCALE_DIR]


def add_locale_dir(path: Path | str) -> None:
    """Search ``path`` (holding ``<lang>/LC_MESSAGES/mpp_kiosk.po``) before the shipped catalogs."""
    with _lock:
        _extra_dirs.insert(0, Path(path))
    reload()


def remove_locale_dir(path: Path | str) -> None:
    with _lock:
        if Path(path) in _extra_dirs:
            _extra_dirs.remove(Path(path))
    reload()


def reload() -> None:
    """Forget the loaded catalogs (they are read again on next use)."""
    with _load_lock, _lock:
        _translations.clear()
        _languages.clear()
        _warned.clear()


def _po_path(lang: str) -> Path | None:
    for directory in locale_dirs():
        po = directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            return po
    return None


def languages() -> tuple[str, ...]:
    """Every language with a catalog: Indonesian first, then the others by code."""
    dirs = tuple(locale_dirs())
    if dirs not in _languages:  # asked on every request: look at the disk once per set of directories
        found = {
            child.name
            for directory in dirs if directory.is_dir()
            for child in directory.iterdir() if (child / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
        }
        _languages[dirs] = (FALLBACK, *sorted(found - {FALLBACK}))
    return _languages[dirs]


def other_language(lang: str) -> str:
    """The language a 'switch language' button goes to: the next catalog, round."""
    langs = languages()
    return langs[(langs.index(lang) + 1) % len(langs)] if lang in langs else FALLBACK


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mpp-kiosk" / "locale"


def compile_po(po: Path) -> bytes:
    """The .mo bytes of one .po file (Babel imported here: a start with its cached .mo does without it)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _mo_bytes(po: Path) -> bytes:
    """The compiled catalog: a cached .mo when it is at least as new as the .po, else compiled now."""
    key = hashlib.sha256(str(po.resolve()).encode()).hexdigest()[:16]
    mo = _cache_dir() / key / f"{DOMAIN}.mo"
    try:
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            return mo.read_bytes()
    except OSError:
        pass
    data = compile_po(po)
    try:
        mo.parent.mkdir(parents=True, exist_ok=True)
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(mo)  # atomic: a second process never reads half a file
    except OSError as exc:  # a read-only home: the catalog still works, compiled each start
        log.debug("catalog cache %s not writable: %s", mo, exc)
    return data


def _translation(lang: str) -> gettext.GNUTranslations | None:
    translation = _translations.get(lang, _NOT_LOADED)
    if translation is not _NOT_LOADED:
        return translation
    with _load_lock:  # one thread compiles; the others wait for it rather than write the same cache file
        if lang not in _translations:
            po = _po_path(lang)
            _translations[lang] = gettext.GNUTranslations(io.BytesIO(_mo_bytes(po))) if po else None
        return _translations[lang]


def _warn_once(lang: str, msgid: str, what: str) -> None:
    with _lock:
        if (lang, msgid) in _warned:
            return
        _warned.add((lang, msgid))
    log.warning("catalog %s: %s %r", lang, what, msgid)


def _lookup(msgid: str, lang: str) -> str | None:
    translation = _translation(lang)
    if translation is None:
        return None
    text = translation.gettext(msgid)
    return None if text == msgid else text  # gettext hands back the id for a missing message


def t(msgid: str, lang: str, **fields) -> str:
    """The text of ``msgid`` in ``lang`` with its ``{fields}`` filled in.

    A message (or a whole language) missing falls back to Indonesian, logged once;
    missing there too, the id itself is shown rather than failing in front of a visitor.
    """
    text = _lookup(msgid, lang)
    if text is None:
        if lang != FALLBACK:
            _warn_once(lang, msgid, "no message, using Indonesian for")
        text = _lookup(msgid, FALLBACK)
        if text is None:
            _warn_once(FALLBACK, msgid, "no message")
            return msgid
    return text.format(**fields) if fields else text


def messages(lang: str) -> dict[str, str]:
    """Every message id of one catalog and its text (for tests and the translators' script)."""
    from babel.messages.pofile import read_po

    po = _po_path(lang)
    if po is None:
        return {}
    with po.open("rb") as source:
        catalog = read_po(source)
    return {message.id: message.string for message in catalog if message.id}
