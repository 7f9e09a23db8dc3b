"""A pseudo-language for the catalog tests: "xx", every text the Indonesian one in ⟦ ⟧.

A window, ticket or page shown in "xx" must show only marked texts (and lobby data): any
unmarked word is a string that does not come from the catalog.
"""
from __future__ import annotations

import contextlib
import json
import re
import string
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from kiosk import dates, i18n

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"


def pseudo(text: str) -> str:
    """The pseudo-language's text for an Indonesian one: marked, its {fields} kept."""
    return f"{OPEN}{text}{CLOSE}"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def write_pseudo_catalog(locale_dir: Path, lang: str = PSEUDO) -> Path:
    catalog = Catalog(locale=None, domain=i18n.DOMAIN)
    for msgid, text in i18n.messages(i18n.FALLBACK).items():
        catalog.add(msgid, pseudo(text))
    po = locale_dir / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as out:
        write_po(out, catalog, width=0)
    return po


@contextlib.contextmanager
def pseudo_language(locale_dir: Path):
    """The catalog loader sees "xx" (in ``locale_dir``) while the block runs."""
    write_pseudo_catalog(locale_dir)
    i18n.add_locale_dir(locale_dir)
    try:
        yield PSEUDO
    finally:
        i18n.remove_locale_dir(locale_dir)


# --------------------------------------------------------------------------- what a window shows

_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_CODE = re.compile(r"\b[A-Z]{1,3}-\d{1,4}\b|\bF\d{1,2}\b")  # a ticket code, a key's name (F1)


def lobby_data(config) -> list[str]:
    """Every text of config.toml (agency and service names, requirements, the lobby name, the ticker…),
    and the dates and times kiosk/dates.py words, longest first: shown as they are, never catalog text."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, str):
            if len(value) >= 2 and any(ch.isalpha() for ch in value):
                found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple, set)):
            for item in value:
                walk(item)

    walk(config.model_dump(mode="json"))
    for names in (*dates.DAY_NAMES.values(), *dates.MONTH_NAMES.values()):
        found.update(names)
    found.update(dates.ZONE_ABBREVIATIONS.values())
    # the gloss of the sign-language clip being signed (assets/sign/mapping.toml: Indonesian signs)
    found.update(token.capitalize() for token in config.sign.clips)
    # a language's own name on the button that switches to it
    found.update(i18n.t("language.name", lang) for lang in i18n.languages())
    return sorted(found, key=len, reverse=True)


def unmarked_words(text: str, data: list[str]) -> str:
    """What is left of ``text`` without its catalog text (⟦…⟧), lobby data, codes and numbers: letters here
    are a string that does not come from the catalog."""
    rest = text
    while True:  # ⟦ ⟦inner⟧ outer ⟧: the inner ones first
        shorter = _MARKED.sub(" ", rest)
        if shorter == rest:
            break
        rest = shorter
    for item in data:
        rest = rest.replace(item, " ")
    rest = _CODE.sub(" ", rest)
    return "".join(ch for ch in rest if ch.isalpha())


def shown_texts(window, visible=None) -> list[tuple[str, str]]:
    """(where, text) for every text a person can see in ``window`` now: labels, buttons, fitted texts,
    tooltips, line-edit placeholders, combo-box entries, table headers and cells, the window title.
    ``visible(widget)`` narrows "visible" further (the kiosk: on the current screen)."""
    from PySide6.QtCore import QAbstractListModel, Qt
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLabel, QLineEdit, QWidget

    found = []
    if window.windowTitle():
        found.append(("window title", window.windowTitle()))
    for widget in [window, *window.findChildren(QWidget)]:
        if widget is not window and (not widget.isVisibleTo(window) or (visible and not visible(widget))):
            continue
        name = f"{type(widget).__name__} {widget.objectName()}".strip()
        texts = []
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        elif hasattr(widget, "shown_text"):  # the kiosk's FitText
            texts.append(widget.shown_text())
        texts.append(widget.toolTip())  # shown on hover
        if isinstance(widget, QLineEdit):
            texts += [widget.placeholderText(), widget.text()]
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            # a list model's columnCount is private in PySide6 (a QListWidget's): it has one column
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
            texts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(columns)]
            texts += [str(model.index(r, c).data() or "") for r in range(min(model.rowCount(), 20))
                      for c in range(columns)]
        found += [(name, text) for text in texts if text and text.strip()]
    return found


def not_from_the_catalog(window, config, visible=None, typed: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The texts ``window`` shows that are neither catalog text (in the pseudo-language) nor lobby data.

    Also excepted: a single character (a key of the on-screen keyboard) and what the person ``typed``."""
    data = sorted([*lobby_data(config), *typed], key=len, reverse=True)
    return [(where, text) for where, text in shown_texts(window, visible)
            if len(text.strip()) > 1 and unmarked_words(text, data)]


def page_texts(html: str) -> list[str]:
    """The words of an HTML page a person reads: text nodes (not scripts or styles), the title, button
    labels, and the page's own texts for its script (the JSON in <script id="phone-text">)."""
    from html.parser import HTMLParser

    class Texts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found, self.skip, self.json = [], 0, None

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.skip += 1
                if dict(attrs).get("type") == "application/json":
                    self.json = ""

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.skip -= 1
                if self.json is not None:
                    self.found += [str(v) for v in json.loads(self.json).values()]
                    self.json = None

        def handle_data(self, data):
            if self.json is not None:
                self.json += data
            elif not self.skip and data.strip():
                self.found.append(data.strip())

    parser = Texts()
    parser.feed(html)
    return parser.found


def not_from_the_catalog_html(html: str, config, extra: tuple[str, ...] = ()) -> list[str]:
    data = sorted([*lobby_data(config), *extra], key=len, reverse=True)
    return [text for text in page_texts(html) if len(text) > 1 and unmarked_words(text, data)]
