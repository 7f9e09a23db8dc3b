"""On-screen keyboards for a touch kiosk: letters for searching, digits for the technician's PIN.

Our own widgets rather than the platform's virtual keyboard: big keys, the same
on every PC, no focus games, and nothing that can open a system menu.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.ui.common import theme
from kiosk.i18n import t

LETTER_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
DIGITS = "1234567890"
NARROW_PX = 1400

KEY_STYLE = f"""
QPushButton {{
    background: {theme.PANEL}; color: {theme.WHITE}; border: 2px solid {theme.PALE};
    border-radius: 10px; font-size: 30px; font-weight: bold; padding: 0;
}}
QPushButton:pressed {{ background: {theme.YELLOW}; color: {theme.NAVY}; }}
QPushButton[role="action"] {{ font-size: 24px; }}
QPushButton[role="action"][narrow="true"] {{ font-size: 20px; }}
"""


def _key(label: str, min_height: int) -> QPushButton:
    button = QPushButton(label)
    button.setFocusPolicy(Qt.NoFocus)  # a key never steals focus: nothing to type into but the query
    button.setMinimumSize(64, min_height)
    button.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
    button.setAutoRepeat(False)
    return button


class OnScreenKeyboard(QWidget):
    """QWERTY letters (and digits unless compact), space, delete, clear. Holds the typed text."""

    text_changed = Signal(str)

    MAX_LENGTH = 40

    def __init__(self, lang: str = "id", parent: QWidget | None = None):
        super().__init__(parent)
        self._text = ""
        self._lang = lang
        self.setStyleSheet(KEY_STYLE)
        self.keys: dict[str, QPushButton] = {}
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(8)
        self.digit_row = self._row(DIGITS)
        rows = [self._row(letters) for letters in LETTER_ROWS]
        # delete ends the second letter row, clear and space the third: three rows
        # in all when compact, each as wide as the ten-key top row
        self.space_key = _key("", 64)
        self.delete_key = _key("", 64)
        self.clear_key = _key("", 64)
        for button in (self.space_key, self.delete_key, self.clear_key):
            button.setProperty("role", "action")
        self.space_key.clicked.connect(lambda: self._insert(" "))
        self.delete_key.clicked.connect(self._delete)
        self.clear_key.clicked.connect(self.clear)
        rows[1].addWidget(self.delete_key, 2)
        rows[2].addWidget(self.clear_key, 2)
        rows[2].addWidget(self.space_key, 4)
        self._action_row = rows[2]
        self.narrow = False  # under NARROW_PX wide (a portrait kiosk): the action keys' words smaller, clear wider
        self.set_language(lang)
        self.set_compact(False)

    def _row(self, letters: str) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        for letter in letters:
            button = _key(letter, 64)
            button.clicked.connect(lambda _=False, ch=letter: self._insert(ch))
            self.keys[letter] = button
            row.addWidget(button, 2)
        self._rows.addLayout(row)
        return row

    # ------------------------------------------------------------------ state

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        text = text[: self.MAX_LENGTH]
        if text != self._text:
            self._text = text
            self.text_changed.emit(text)

    def clear(self) -> None:
        self.set_text("")

    def _insert(self, char: str) -> None:
        if char == " " and (not self._text or self._text.endswith(" ")):
            return  # leading or double spaces find nothing new
        self.set_text(self._text + char.lower())

    def _delete(self) -> None:
        self.set_text(self._text[:-1])

    # ------------------------------------------------------------------ look

    def set_language(self, lang: str) -> None:
        self._lang = lang
        self.space_key.setText(t("kiosk.key_space", lang))
        delete = t("kiosk.key_delete", lang)
        self.delete_key.setText(delete.replace(" ", "\n", 1) if self.narrow else delete)  # "⌫" over its word
        self.clear_key.setText(t("kiosk.key_clear", lang))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        narrow = self.width() < NARROW_PX
        if narrow != self.narrow:
            self.narrow = narrow
            for key in (self.space_key, self.delete_key, self.clear_key):
                key.setProperty("narrow", narrow)
                key.style().unpolish(key)
                key.style().polish(key)
            self._action_row.setStretchFactor(self.clear_key, 3 if narrow else 2)
            self._action_row.setStretchFactor(self.space_key, 3 if narrow else 4)
            self.set_language(self._lang)

    def set_compact(self, compact: bool) -> None:
        """Compact: no digit row and lower keys (the accessible layout has half the height)."""
        for i in range(self.digit_row.count()):
            self.digit_row.itemAt(i).widget().setVisible(not compact)
        for key in [*self.keys.values(), self.space_key, self.delete_key, self.clear_key]:
            key.setFixedHeight(60 if compact else 80)
        self._rows.setSpacing(6 if compact else 8)


class NumericPad(QWidget):
    """Digits 0-9, delete and clear, for a PIN. Emits the digits typed so far."""

    text_changed = Signal(str)

    MAX_LENGTH = 12

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._text = ""
        self.setStyleSheet(KEY_STYLE)
        grid = QGridLayout(self)
        grid.setSpacing(10)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        labels = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "⌫"]
        for index, label in enumerate(labels):
            button = _key(label, 90)
            button.setMinimumWidth(120)
            button.clicked.connect(lambda _=False, key=label: self._press(key))
            self.keys[label] = button
            grid.addWidget(button, index // 3, index % 3)

    def text(self) -> str:
        return self._text

    def clear(self) -> None:
        self._set("")

    def _set(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.text_changed.emit(text)

    def _press(self, key: str) -> None:
        if key == "C":
            self._set("")
        elif key == "⌫":
            self._set(self._text[:-1])
        elif len(self._text) < self.MAX_LENGTH:
            self._set(self._text + key)
