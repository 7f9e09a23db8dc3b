"""Building blocks of the kiosk screens: text that fits its box, big cards, paged grids, the QR image."""
from __future__ import annotations

from typing import Callable

import qrcode
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget, QGridLayout

from kiosk.ui.common import theme
from kiosk.ui.common.pictograms import pictogram_pixmap
from kiosk.i18n import t

# A touch target of 15 mm at the 96 dpi Qt assumes for logical pixels.
MIN_TOUCH_PX = theme.mm_to_px(15, 96)

DISABLED_BG = "#252B34"   # a closed or full service, a disabled button (GREY_TEXT on it)

# (foreground, background) text pairs the kiosk adds to theme.TEXT_PAIRS; tested for 7:1.
KIOSK_TEXT_PAIRS = [
    (theme.GREY_TEXT, DISABLED_BG), (theme.WHITE, DISABLED_BG), (theme.NAVY, theme.YELLOW),
    (theme.PALE, theme.NAVY_DARK), (theme.AMBER_TEXT, theme.NAVY_DARK), (theme.AMBER_TEXT, theme.PANEL),
    (theme.GREY_TEXT, theme.PANEL), (theme.NAVY, theme.WHITE),
]


def tile_background(colour: str) -> str:
    """The agency colour when white text on it reaches 7:1, else the panel colour."""
    try:
        return colour if theme.contrast(theme.WHITE, colour) >= 7.0 else theme.PANEL
    except (ValueError, IndexError):
        return theme.PANEL


# --------------------------------------------------------------------------- QR


def _qr_matrix(data: str, border_modules: int = 4) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border_modules)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()  # includes the quiet zone


def qr_image(data: str, module_px: int = 10, border_modules: int = 4) -> QImage:
    """The QR code of ``data`` as a black-on-white QImage, ``module_px`` pixels per module."""
    matrix = _qr_matrix(data, border_modules)
    side = len(matrix) * module_px
    image = QImage(side, side, QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    black = QColor("black")
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(x * module_px, y * module_px, module_px, module_px, black)
    painter.end()
    return image


def qr_pixmap(data: str, max_side_px: int) -> QPixmap:
    """The QR at the largest whole module size that fits ``max_side_px`` (sharp edges, no scaling)."""
    modules = len(_qr_matrix(data))
    return QPixmap.fromImage(qr_image(data, max(2, max_side_px // modules)))


# --------------------------------------------------------------------------- text


class FitText(QWidget):
    """Text drawn as large as its box allows (``px`` down to ``min_px``), wrapped at words,
    and cut with '…' only if even ``min_px`` does not fit. Touches go through to the parent.

    ``fit_lines``: ask the layout for only as many of its ``lines`` as the text needs at ``px`` in its width (a
    short name on one line leaves the line to the text under it). ``whole``: a secondary text (a tile's full
    agency name) is drawn whole or not at all, never cut; the heading beside it says what the tile is.

    Painted by hand rather than a QLabel so that a long agency or service name never
    makes its tile (and so the window) grow past the screen.
    """

    def __init__(self, text: str = "", *, px: int = 30, min_px: int | None = None, bold: bool = False,
                 colour: str = theme.WHITE, align=Qt.AlignLeft | Qt.AlignTop, lines: int = 1,
                 background: str | None = None, padding: int = 0, fit_lines: bool = False, whole: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._text = text
        self.fit_lines, self.whole = fit_lines, whole
        self.px, self.min_px = px, min_px or px
        self.bold = bold
        self.colour = colour
        self.align = align
        self.lines = lines
        self.background = background
        self.padding = padding
        self._fitted: tuple[int, int, int, str] | None = None  # (width, height, px, text)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self._fitted = None
            self.updateGeometry()
            self.update()

    def set_colour(self, colour: str, background: str | None = None) -> None:
        self.colour, self.background = colour, background
        self.update()

    def _font(self, px: int) -> QFont:
        font = QFont(theme.FONT_FAMILY)
        font.setPixelSize(px)
        font.setBold(self.bold)
        return font

    def shown_px(self) -> int:
        """The font size the text is drawn at now (tests: readable at arm's length)."""
        return self._fit()[2]

    def shown_text(self) -> str:
        return self._fit()[3]

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self._font(self.px))
        width = metrics.horizontalAdvance(self._text) + 2 * self.padding + 2
        return QSize(min(width, 900), metrics.lineSpacing() * self._hint_lines(metrics) + 2 * self.padding)

    def _hint_lines(self, metrics: QFontMetrics) -> int:
        if not self.fit_lines or self.width() <= 1:
            return self.lines
        room = QRect(0, 0, max(1, self.width() - 2 * self.padding), 100_000)
        needed = -(-metrics.boundingRect(room, self._flags(), self._text).height() // metrics.lineSpacing())
        return max(1, min(self.lines, needed))

    def minimumSizeHint(self) -> QSize:
        if self.whole:
            return QSize(0, 0)  # it gives its room up first, and is then not drawn
        return QSize(0, QFontMetrics(self._font(self.min_px)).lineSpacing() + 2 * self.padding)

    def _flags(self) -> int:
        return int(self.align) | int(Qt.TextWordWrap)

    def _fit(self) -> tuple[int, int, int, str]:
        width = max(1, self.width() - 2 * self.padding)
        height = max(1, self.height() - 2 * self.padding)
        if self._fitted and self._fitted[:2] == (width, height):
            return self._fitted
        text = self._text
        words = text.split()
        chosen = None
        for px in range(self.px, self.min_px - 1, -2):
            metrics = QFontMetrics(self._font(px))
            if any(metrics.horizontalAdvance(word) > width for word in words):
                continue  # a word cut in the middle reads badly: go smaller first
            box = metrics.boundingRect(QRect(0, 0, width, 100_000), self._flags(), text)
            if box.height() <= height:
                chosen = (width, height, px, text)
                break
        if chosen is None:
            chosen = (width, height, self.min_px, "" if self.whole else self._elide(text, self.min_px, width, height))
        self._fitted = chosen
        return chosen

    def _elide(self, text: str, px: int, width: int, height: int) -> str:
        metrics = QFontMetrics(self._font(px))

        def fits(candidate: str) -> bool:
            return metrics.boundingRect(QRect(0, 0, width, 100_000), self._flags(), candidate).height() <= height

        low, high = 0, len(text)
        while low < high:  # the longest prefix that fits with an ellipsis
            middle = (low + high + 1) // 2
            if fits(text[:middle].rstrip() + "…"):
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "…" if low else ""

    def resizeEvent(self, event) -> None:
        self._fitted = None
        super().resizeEvent(event)
        if self.fit_lines and event.oldSize().width() != event.size().width():
            self.updateGeometry()  # the lines it needs follow its width

    def paintEvent(self, event) -> None:
        _w, _h, px, text = self._fit()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        if self.background:
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(self.background))
            painter.drawRoundedRect(QRectF(self.rect()), 8, 8)
        painter.setFont(self._font(px))
        painter.setPen(QColor(self.colour))
        inner = self.rect().adjusted(self.padding, self.padding, -self.padding, -self.padding)
        painter.drawText(inner, self._flags(), text)
        painter.end()


def make_label(kind: str, text: str = "", *, wrap: bool = True, align=Qt.AlignLeft | Qt.AlignVCenter) -> QLabel:
    """A label styled by the window's style sheet through its ``kind`` property."""
    label = QLabel(text)
    label.setProperty("kind", kind)
    label.setWordWrap(wrap)
    label.setAlignment(align)
    label.setTextFormat(Qt.PlainText)
    return label


def make_button(kind: str, text: str = "", min_height: int = 96) -> QPushButton:
    button = QPushButton(text)
    button.setProperty("kind", kind)
    button.setFocusPolicy(Qt.NoFocus)
    button.setMinimumHeight(max(min_height, MIN_TOUCH_PX))
    button.setMinimumWidth(MIN_TOUCH_PX)
    return button


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def keep_space_when_hidden(widget: QWidget) -> None:
    policy = widget.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(policy)


class Card(QPushButton):
    """A big button holding fitted text (a QPushButton alone cannot wrap)."""

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("kind", kind)
        self.setFocusPolicy(Qt.NoFocus)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(MIN_TOUCH_PX * 2, MIN_TOUCH_PX * 2)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(22, 12, 22, 12)
        self.box.setSpacing(4)

    def add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        widget.setAttribute(Qt.WA_TransparentForMouseEvents)  # the card takes the touch
        self.box.addWidget(widget, stretch)
        return widget

    def sizeHint(self) -> QSize:
        return self.box.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.minimumSize()


class Pictogram(QLabel):
    """A shipped pictogram drawn ``px`` square in one colour; hidden while its item names none (or an unknown
    one), so the text beside it takes the room."""

    def __init__(self, px: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.name: str | None = None
        self.colour = theme.WHITE
        self.px = px
        self.setFixedSize(px, px)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)  # the card under it takes the touch

    def set_px(self, px: int) -> None:
        if px != self.px:
            self.px = px
            self.setFixedSize(px, px)
            if self.name:
                self.show_pictogram(self.name, self.colour, not self.isHidden())

    def show_pictogram(self, name: str | None, colour: str = theme.WHITE, shown: bool = True) -> None:
        self.name, self.colour = name, colour
        pixmap = pictogram_pixmap(name, self.px, colour, self.devicePixelRatioF())
        self.setPixmap(pixmap)
        self.setVisible(shown and not pixmap.isNull())


def beside_pictogram(text: QWidget, px: int, spacing: int = 12) -> tuple[QHBoxLayout, Pictogram]:
    """A row of a pictogram (top-aligned) and ``text`` taking the rest of the width."""
    row = QHBoxLayout()
    row.setSpacing(spacing)
    pictogram = Pictogram(px)
    text.setAttribute(Qt.WA_TransparentForMouseEvents)
    row.addWidget(pictogram, 0, Qt.AlignTop)
    row.addWidget(text, 1)
    return row, pictogram


class PagedGrid(QWidget):
    """A grid of reusable slots with big previous/next buttons, below it or at its sides.

    Slots are made once (``make_slot``) and refilled with ``slot.show_item(item, lang)``,
    so a refresh of the data never deletes a tile under a visitor's finger.
    """

    def __init__(self, make_slot: Callable[[], QWidget], columns: int, rows: int, nav: str = "bottom",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._make_slot = make_slot
        self.columns, self.rows = columns, rows
        self.items: list = []
        self.page = 0
        self.lang = "id"
        self.nav = ""
        self.show_page_label = True
        self.slots: list[QWidget] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(12)
        self.middle = QHBoxLayout()
        self.middle.setSpacing(16)
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        self.middle.addLayout(self.grid, 1)
        outer.addLayout(self.middle, 1)
        self.bottom = QHBoxLayout()
        self.bottom.setSpacing(16)
        outer.addLayout(self.bottom)
        self.prev_button = make_button("page", "", min_height=84)
        self.next_button = make_button("page", "", min_height=84)
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.page_label = make_label("page", "", wrap=False, align=Qt.AlignCenter)
        self.set_nav(nav)
        self._layout_slots()
        self.show_page(0)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.items) // self.per_page))

    def set_nav(self, nav: str) -> None:
        """'bottom': one row under the grid (tall screens); 'sides': tall buttons left and right (short ones)."""
        if nav == self.nav:
            return
        self.nav = nav
        for widget in (self.prev_button, self.next_button, self.page_label):
            self.middle.removeWidget(widget)
            self.bottom.removeWidget(widget)
        while self.bottom.count():
            self.bottom.takeAt(0)
        for button in (self.prev_button, self.next_button):
            button.setProperty("nav", nav)
            restyle(button)
        if nav == "sides":
            for button in (self.prev_button, self.next_button):
                button.setMinimumWidth(150)
                button.setMaximumWidth(170)
                button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Expanding)
            self.middle.insertWidget(0, self.prev_button)
            self.middle.addWidget(self.next_button)
            self.bottom.addWidget(self.page_label, 1)
        else:
            for button in (self.prev_button, self.next_button):
                button.setMinimumWidth(340)
                button.setMaximumWidth(16_777_215)
                button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
            self.bottom.addWidget(self.prev_button)
            self.bottom.addWidget(self.page_label, 1)
            self.bottom.addWidget(self.next_button)
        self.retranslate(self.lang)

    def set_shape(self, columns: int, rows: int) -> None:
        if (columns, rows) == (self.columns, self.rows):
            return
        first = self.page * self.per_page
        self.columns, self.rows = columns, rows
        self._layout_slots()
        self.show_page(first // self.per_page)

    def _layout_slots(self) -> None:
        for slot in self.slots:
            self.grid.removeWidget(slot)
        while len(self.slots) < self.per_page:
            self.slots.append(self._make_slot())
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 0)
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        for index, slot in enumerate(self.slots):
            if index < self.per_page:
                self.grid.addWidget(slot, index // self.columns, index % self.columns)
            else:
                slot.hide()  # not in this shape; kept (a child of the grid) for a larger one
        for column in range(self.columns):
            self.grid.setColumnStretch(column, 1)
        for row in range(self.rows):
            self.grid.setRowStretch(row, 1)

    def set_items(self, items: list, lang: str, keep_page: bool = True) -> None:
        self.items = list(items)
        self.lang = lang
        self.show_page(self.page if keep_page else 0)

    def shown_items(self) -> list:
        start = self.page * self.per_page
        return self.items[start:start + self.per_page]

    def show_page(self, page: int) -> None:
        self.page = max(0, min(page, self.pages - 1))
        shown = self.shown_items()
        for index, slot in enumerate(self.slots):
            if index < len(shown) and index < self.per_page:
                slot.show_item(shown[index], self.lang)
                slot.show()
            else:
                slot.hide()  # keeps its space in the grid (see keep_space_when_hidden)
        several = self.pages > 1
        self.prev_button.setVisible(several)
        self.next_button.setVisible(several)
        self.page_label.setVisible(several and self.show_page_label)
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages - 1)
        self.retranslate(self.lang)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        # at the sides the buttons are narrow: arrow and word on two lines
        sides = self.nav == "sides"
        self.prev_button.setText(t("kiosk.prev_page", lang).replace("  ", "\n") if sides else t("kiosk.prev_page", lang))
        self.next_button.setText(t("kiosk.next_page", lang).replace("  ", "\n") if sides else t("kiosk.next_page", lang))
        self.page_label.setText(t("kiosk.page_of", lang, page=self.page + 1, pages=self.pages))
