"""The kiosk's screens: home, agencies, search, services, confirm, printing, ticket, offline.

Each screen is a view: it shows the data it is given (catalog dicts from the
server, in the visitor's language) and emits what the visitor chose. The
window (kiosk_window.py) owns the flow, the timers and every network call.

Every screen has ``retranslate(lang)``, ``set_accessible(on)`` (the layout for
wheelchair users: controls under a header that tells, fewer and larger items) and a
``title(lang)`` / ``hint(lang)`` the window shows in its header in that mode.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QSizePolicy, QSpacerItem, QVBoxLayout, QWidget

from kiosk.ui.common import theme
from kiosk.ui.common.pictograms import pictogram_strip
from kiosk.ui.kiosk.keyboard import OnScreenKeyboard
from kiosk.ui.kiosk.search import ServiceSearch
from kiosk.printer.layout import estimate_amount
from kiosk.i18n import t
from kiosk.protocol.views import AgencyView, ServiceView
from kiosk.ui.kiosk.text import estimate_text
from kiosk.ui.kiosk.widgets import (
    Card,
    FitText,
    PagedGrid,
    beside_pictogram,
    keep_space_when_hidden,
    make_button,
    make_label,
    qr_pixmap,
    restyle,
    tile_background,
)

CONFIRM_PICTOGRAM_PX = 96
SHORT_CONFIRM_PICTOGRAM_PX = 64
SHORT_PICTOGRAM_PX = 44  # on a tile of a short screen (1366x768, 1280x800)
PICTOGRAM_PX = 56  # on a tile; readable from a wheelchair's distance, leaving the name its two lines
PRIORITY_PICTOGRAMS = ("wheelchair", "elderly", "pregnant", "baby")
PRIORITY_PICTOGRAM_PX = 44
SHORT_PRIORITY_PICTOGRAM_PX = 32
STATE_BACKGROUND = {"open": theme.GREEN, "closed": theme.RED, "full": theme.RED}


def queue_line(service: ServiceView, lang: str) -> str:
    """'7 menunggu · tunggu ± 1 jam 10 menit' (no wait for a closed or full service)."""
    count = service.waiting
    if not service.is_open:
        return t("kiosk.waiting_count", lang, count=count)
    return t("kiosk.queue_line", lang, count=count, amount=estimate_amount(service.estimate_minutes, lang))


def status_sentence(service: ServiceView) -> str:
    text = service.status.text
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- tiles


class AgencyTile(Card):
    """An agency: its colour, short name, full name and how many wait."""

    def __init__(self, on_choose: Callable[[str], None]):
        super().__init__("agency")
        keep_space_when_hidden(self)
        self.agency_id = ""
        self.short_label = FitText(px=32, min_px=18, bold=True, lines=2, fit_lines=True)
        top, self.pictogram = beside_pictogram(self.short_label, PICTOGRAM_PX)
        self.box.addLayout(top)
        # the full name where the tile has room for all of it (the services screen shows it in full)
        self.name_label = self.add(FitText(px=21, min_px=16, lines=3, whole=True), 1)
        self.waiting_label = self.add(FitText(px=22, min_px=18, bold=True))
        self.clicked.connect(lambda: on_choose(self.agency_id))

    def show_item(self, agency: AgencyView, lang: str) -> None:
        self.agency_id = agency.id
        self.short_label.setText(agency.short_name)
        self.name_label.setText(agency.name)
        # white on the tile: tile_background keeps white text at 7:1, so the pictogram reads as well
        self.pictogram.show_pictogram(agency.pictogram, theme.WHITE)
        self.waiting_label.setText(t("kiosk.waiting_count", lang, count=agency.waiting))
        background = tile_background(agency.colour or theme.PANEL)
        stripe = agency.colour or theme.PANEL
        # a panel-coloured tile still carries the agency colour as a thick left edge
        self.setStyleSheet(
            f"QPushButton {{ background: {background}; border: 3px solid {theme.PALE}; "
            f"border-left: 14px solid {stripe}; border-radius: 14px; padding: 0; }}"
            f"QPushButton:pressed {{ border-color: {theme.YELLOW}; }}")


class ServiceCard(Card):
    """A service: name, status (open / closed until … / full), waiting and estimate."""

    def __init__(self, on_choose: Callable[[str], None], with_agency: bool = False):
        super().__init__("service")
        keep_space_when_hidden(self)
        self.service_id = ""
        self.agencies: dict[str, AgencyView] = {}
        self.name_label = FitText(px=30, min_px=20, bold=True, lines=2)
        self.agency_label = None
        names: QWidget = self.name_label
        if with_agency:  # a search result: its agency above its name, both beside the pictogram
            self.agency_label = FitText(px=20, min_px=16, bold=True, colour=theme.YELLOW)
            self.box.setContentsMargins(22, 8, 22, 8)  # a search result is one of a row under the keyboard's rows
            names = QWidget()
            column = QVBoxLayout(names)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(self.agency_label)
            column.addWidget(self.name_label, 1)
        top, self.pictogram = beside_pictogram(names, PICTOGRAM_PX)
        self.box.addLayout(top, 1)
        row = QHBoxLayout()
        row.setSpacing(14)
        self.status_label = FitText(px=24, min_px=16, bold=True, background=theme.GREEN, padding=6,
                                    align=Qt.AlignCenter)
        self.status_label.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)
        self.queue_label = FitText(px=24, min_px=17, colour=theme.PALE, lines=2, fit_lines=True,
                                  align=Qt.AlignLeft | Qt.AlignVCenter)
        self.queue_label.setMinimumWidth(150)
        row.addWidget(self.status_label)
        row.addWidget(self.queue_label, 1)
        self.box.addLayout(row)
        self.clicked.connect(lambda: on_choose(self.service_id))

    def show_item(self, service: ServiceView, lang: str) -> None:
        self.service_id = service.id
        state = service.status.state
        open_ = service.is_open
        self.name_label.setText(service.name)
        # grey like the name on a closed service: the card reads as not for now
        self.pictogram.show_pictogram(service.pictogram, theme.WHITE if open_ else theme.GREY_TEXT)
        if self.agency_label is not None:
            agency = self.agencies.get(service.agency_id)
            self.agency_label.setText(agency.short_name if agency else "")
        self.status_label.setText(status_sentence(service))
        self.status_label.set_colour(theme.WHITE, STATE_BACKGROUND.get(state, theme.RED))
        # a search result has its agency's line too: its wait is the count alone (the confirmation gives the
        # estimate), so the name keeps its two lines
        self.queue_label.setText(queue_line(service, lang) if self.agency_label is None
                                 else t("kiosk.waiting_count", lang, count=service.waiting))
        self.name_label.set_colour(theme.WHITE if open_ else theme.GREY_TEXT)
        self.queue_label.set_colour(theme.PALE if open_ else theme.GREY_TEXT)
        # closed and full services take no ticket; a touch says why (the window), the chip says it already
        self.setProperty("closed", not open_)
        restyle(self)


# --------------------------------------------------------------------------- screens


class Screen(QWidget):
    """Common parts: a title and a hint, hidden in the accessible layout (the header shows them)."""

    title_key = ""
    hint_key = ""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lang = "id"
        self.accessible = False
        self.portrait = False  # a standing kiosk (1080x1920)
        self.short = False     # a landscape screen under 900 px high (1366x768, 1280x800)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(40, 16, 40, 16)
        self.layout_.setSpacing(16)
        self.title_label = make_label("screen-title")
        self.hint_label = make_label("screen-hint")

    def title(self, lang: str) -> str:
        return t(self.title_key, lang) if self.title_key else ""

    def hint(self, lang: str) -> str:
        return t(self.hint_key, lang) if self.hint_key else ""

    def title_is_alert(self) -> bool:
        return False

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.title_label.setText(self.title(lang))
        self.hint_label.setText(self.hint(lang))
        self._sync_titles()

    def _sync_titles(self) -> None:
        self.title_label.setVisible(not self.accessible and bool(self.title_label.text()))
        self.hint_label.setVisible(not self.accessible and bool(self.hint_label.text()))

    def set_accessible(self, on: bool) -> None:
        self.accessible = on
        self.layout_.setContentsMargins(40, 8 if on else 16, 40, 8 if on else 16)
        self.layout_.setSpacing(10 if on else 16)
        self._sync_titles()
        self._shape()

    def set_form(self, portrait: bool, short: bool) -> None:
        """The screen the kiosk opens on (the window tells at every resize): each screen shapes itself for it."""
        if (portrait, short) != (self.portrait, self.short):
            self.portrait, self.short = portrait, short
            self._shape()

    def _shape(self) -> None:
        """Lay out for the accessible layout, a portrait or a short screen (nothing to do on most screens)."""


def _lines_at_commas(text: str, metrics, room: int) -> str:
    """``text`` with each line longer than ``room`` px broken after its last comma that fits."""
    lines = []
    for line in text.split("\n"):
        while metrics.horizontalAdvance(line) > room and ", " in line:
            cuts = [i for i in range(len(line)) if line.startswith(", ", i)]
            fitting = [i for i in cuts if metrics.horizontalAdvance(line[:i + 1]) <= room] or cuts[:1]
            lines.append(line[:fitting[-1] + 1])
            line = line[fitting[-1] + 2:]
        lines.append(line)
    return "\n".join(lines)


class HomeScreen(Screen):
    take_number = Signal()
    take_priority = Signal()  # one tap: a priority number (the service chosen next may still refuse it)
    have_booking = Signal()
    title_key = "kiosk.welcome"
    hint_key = "kiosk.home_hint"

    def __init__(self, lobby_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title_label.setProperty("kind", "home-title")
        self.title_label.setAlignment(Qt.AlignCenter)
        self.lobby_label = make_label("home-lobby", lobby_name, align=Qt.AlignCenter)
        self.hint_label.setAlignment(Qt.AlignCenter)
        # closed, or on a break: the lobby's state in full, before anyone taps (from the catalog's status)
        self.status = None
        self.status_label = FitText(px=44, min_px=26, bold=True, background=theme.RED, padding=14, lines=2,
                                    align=Qt.AlignCenter)
        self.status_label.hide()
        self.take_button = make_button("take", "", min_height=220)
        self.take_button.setMinimumWidth(900)
        self.take_button.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.take_button.clicked.connect(self.take_number)
        self.priority_button = make_button("priority-home", "", min_height=120)
        self.priority_button.setMinimumWidth(900)
        self.priority_button.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.priority_button.clicked.connect(self.take_priority)
        # who it is for, drawn as well as written: a wheelchair, an elderly person, a pregnant woman, a pram
        self.priority_button.setIcon(QIcon(pictogram_strip(PRIORITY_PICTOGRAMS, PRIORITY_PICTOGRAM_PX, theme.WHITE,
                                                           device_ratio=self.devicePixelRatioF())))
        self.priority_button.setIconSize(QSize(len(PRIORITY_PICTOGRAMS) * (PRIORITY_PICTOGRAM_PX + 8) - 8,
                                               PRIORITY_PICTOGRAM_PX))
        # shown when a service takes bookings (kiosk.bookings): the check-in screen, or a scan anywhere
        self.booking_button = make_button("nav", "", min_height=110)
        self.booking_button.setMinimumWidth(900)
        self.booking_button.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.booking_button.clicked.connect(self.have_booking)
        self.booking_button.setVisible(False)
        # the gaps between the lines (their full sizes): tightened on a short screen with three buttons
        self._gaps = [(QSpacerItem(0, size, QSizePolicy.Minimum, QSizePolicy.Fixed), size) for size in (20, 30, 24, 12)]
        self.layout_.addStretch(2)
        self.layout_.addWidget(self.title_label)
        self.layout_.addWidget(self.lobby_label)
        self.layout_.addItem(self._gaps[0][0])
        self.layout_.addWidget(self.hint_label)
        self.layout_.addItem(self._gaps[1][0])
        self.layout_.addWidget(self.status_label)
        self.layout_.addWidget(self.take_button, 0, Qt.AlignHCenter)
        self.layout_.addItem(self._gaps[2][0])
        self.layout_.addWidget(self.priority_button, 0, Qt.AlignHCenter)
        self.layout_.addItem(self._gaps[3][0])
        self.layout_.addWidget(self.booking_button, 0, Qt.AlignHCenter)
        self.layout_.addStretch(3)

    def set_status(self, status, lang: str) -> None:
        """The lobby's ServiceStatusView from the catalog, in ``lang`` (None: not known yet, shown as open)."""
        self.status = status
        self.retranslate(lang)

    @property
    def closed(self) -> bool:
        return self.status is not None and self.status.state != "open"

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        closed = self.closed
        self.take_button.setText(t("kiosk.take_closed" if closed else "kiosk.take_number", lang))
        text = self.status.text if closed else ""
        self.status_label.setText(text[:1].upper() + text[1:])
        self.status_label.setVisible(closed)
        self.priority_button.setVisible(not closed)
        self.booking_button.setText(t("kiosk.have_booking", lang))
        self._fit()

    def set_accessible(self, on: bool) -> None:
        super().set_accessible(on)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        # a short screen (1366x768, 1280x800, or the lower half in the accessible layout): smaller buttons and
        # no second lobby name (the header has it), so both buttons stay whole and touchable
        stacked = not self.booking_button.isHidden()  # "I have a booking" as well: a third button
        short = self.height() < ((520 if stacked else 420) if self.accessible else 720)
        # a portrait screen: the priority line in two (who it is for under "Prioritas:")
        text = t("kiosk.priority_home", self.lang)
        self.priority_button.ensurePolished()  # the style sheet's font, for its metrics
        full = min(900, max(600, self.width() - 100))
        metrics = self.priority_button.fontMetrics()
        drawn = SHORT_PRIORITY_PICTOGRAM_PX if short else PRIORITY_PICTOGRAM_PX  # a short screen: the line whole
        self.priority_button.setIconSize(QSize(len(PRIORITY_PICTOGRAMS) * (drawn + 8) - 8, drawn))
        room = self.width() - 130 - self.priority_button.iconSize().width()  # the margins, padding and drawings
        narrow = metrics.horizontalAdvance(text) > room
        # narrow (portrait): "Prioritas:" on its own line, who it is for under it, broken after a comma if need be
        self.priority_button.setText(_lines_at_commas(text.replace(": ", ":\n", 1), metrics, room) if narrow else text)
        self.take_button.setMinimumWidth(full)
        self.priority_button.setMinimumWidth(full)
        self.booking_button.setMinimumWidth(full)
        self.lobby_label.setVisible(not self.accessible and not short)
        # on a short screen with three buttons the hint line gives way (the buttons say what they do)
        self.hint_label.setVisible(not (short and stacked))
        for gap, size in self._gaps:
            gap.changeSize(0, min(size, 8) if short and stacked else size, QSizePolicy.Minimum, QSizePolicy.Fixed)
        self.layout_.invalidate()
        if self.accessible:
            self.take_button.setFixedHeight((96 if stacked else 110) if short else 150)
            priority = (72 if stacked else 80) if short else 100
        else:
            self.take_button.setFixedHeight((130 if stacked else 170) if short else (190 if stacked else 220))
            priority = (120 if short else 150) if narrow else 100 if short else 120
        # as many lines as the text was broken into, whatever the layout
        lines = self.priority_button.text().count("\n") + 1
        self.priority_button.setFixedHeight(max(priority, lines * metrics.lineSpacing() + 16))
        self.booking_button.setFixedHeight(60 if short else 80)


class AgencyScreen(Screen):
    agency_chosen = Signal(str)
    search_requested = Signal()
    title_key = "kiosk.agencies_title"
    hint_key = "kiosk.agencies_hint"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.top = QBoxLayout(QBoxLayout.LeftToRight)
        self.top.setSpacing(24)
        titles = QVBoxLayout()
        titles.addWidget(self.title_label)
        titles.addWidget(self.hint_label)
        self.top.addLayout(titles, 1)
        self.search_button = make_button("search", "", min_height=96)
        self.search_button.clicked.connect(self.search_requested)
        self.top.addWidget(self.search_button)
        self.layout_.addLayout(self.top)
        self.grid = PagedGrid(lambda: AgencyTile(self.agency_chosen.emit), columns=5, rows=3)
        self.layout_.addWidget(self.grid, 1)
        self._shape()

    def set_agencies(self, agencies: list[AgencyView], lang: str) -> None:
        self.lang = lang
        self.grid.set_items(agencies, lang)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.search_button.setText("⌕  " + t("kiosk.search_button", lang))
        self.grid.set_items(self.grid.items, lang)

    def _shape(self) -> None:
        on, portrait, short = self.accessible, self.portrait, self.short
        # portrait: the search under the title, three tiles a row; short: four a row in two rows, no hint line
        self.top.setDirection(QBoxLayout.TopToBottom if portrait else QBoxLayout.LeftToRight)
        self.search_button.setMinimumWidth(0 if portrait else 640 if short else 760)
        self._sync_titles()  # no hint line on a short screen
        # the accessible layout's tiles in one row between the page buttons; a short screen's accessible layout
        # (its header a quarter high) has the height for the buttons under the row and the width for the names
        self.grid.set_nav("sides" if on and not portrait and not short else "bottom")
        if portrait:
            self.grid.set_shape(3, 3 if on else 5)
        else:
            self.grid.set_shape(4 if short else 5, (1 if short else 2) if on else (2 if short else 3))
        self.search_button.setFixedHeight(76 if on or short else 96)
        for tile in self.grid.slots:  # a short tile: a smaller pictogram leaves the name its two lines
            tile.pictogram.set_px(SHORT_PICTOGRAM_PX if short and not portrait else PICTOGRAM_PX)

    def _sync_titles(self) -> None:
        super()._sync_titles()
        self.hint_label.setVisible(self.hint_label.isVisibleTo(self) and not self.short)


class ServiceScreen(Screen):
    service_chosen = Signal(str)
    title_key = "kiosk.services_title"
    hint_key = "kiosk.services_hint"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.agency: AgencyView | None = None
        self.band = QWidget()
        band_row = QHBoxLayout(self.band)
        band_row.setContentsMargins(0, 0, 0, 0)
        band_row.setSpacing(20)
        self.swatch = QLabel()
        self.swatch.setFixedSize(28, 84)
        self.agency_short = make_label("agency-title", wrap=False)
        self.agency_short.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Preferred)
        self.agency_name = FitText(px=30, min_px=22, colour=theme.PALE, lines=2, align=Qt.AlignLeft | Qt.AlignVCenter)
        band_row.addWidget(self.swatch)
        band_row.addWidget(self.agency_short)
        band_row.addWidget(self.agency_name, 1)
        self.layout_.addWidget(self.band)
        self.grid = PagedGrid(lambda: ServiceCard(self.service_chosen.emit), columns=2, rows=4)
        self.layout_.addWidget(self.grid, 1)

    def title(self, lang: str) -> str:
        if self.agency is not None:
            return f"{self.agency.short_name}: {t('kiosk.services_title', lang)}"
        return t("kiosk.services_title", lang)

    def set_agency(self, agency: AgencyView, services: list[ServiceView], lang: str, keep_page: bool = False) -> None:
        self.agency = agency
        self.agency_short.setText(agency.short_name)
        self.agency_name.setText(agency.name)
        self.swatch.setStyleSheet(f"background: {agency.colour or theme.PANEL}; border: 2px solid {theme.PALE};")
        self.grid.set_items(services, lang, keep_page=keep_page)
        self.retranslate(lang)

    def _sync_titles(self) -> None:
        # the agency band says where the visitor is; the header does in the accessible layout
        self.title_label.setVisible(False)
        self.hint_label.setVisible(False)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.grid.retranslate(lang)

    def _shape(self) -> None:
        on, portrait, short = self.accessible, self.portrait, self.short
        self.band.setVisible(not on)
        self.grid.set_nav("sides" if (on or short) and not portrait else "bottom")
        if portrait:
            self.grid.set_shape(1 if on else 2, 3 if on else 5)
        else:
            self.grid.set_shape(2, (1 if short else 2) if on else (2 if short else 4))


class SearchScreen(Screen):
    service_chosen = Signal(str)
    title_key = "kiosk.search_title"
    hint_key = "kiosk.search_hint"

    def __init__(self, search: ServiceSearch, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = search
        self.services: dict[str, ServiceView] = {}
        self.agencies: dict[str, AgencyView] = {}
        self.result_ids: list[str] = []
        query_row = QHBoxLayout()
        query_row.setSpacing(24)
        self.query_label = make_label("query", wrap=False)
        self.count_label = make_label("count", wrap=False, align=Qt.AlignRight | Qt.AlignVCenter)
        query_row.addWidget(self.query_label, 3)
        query_row.addWidget(self.count_label, 2)
        self.layout_.addLayout(query_row)
        self.results = QWidget()
        results_box = QVBoxLayout(self.results)
        results_box.setContentsMargins(0, 0, 0, 0)
        self.none_label = make_label("screen-hint", align=Qt.AlignCenter)
        self.grid = PagedGrid(self._make_card, columns=3, rows=2, nav="sides")
        results_box.addWidget(self.none_label)
        results_box.addWidget(self.grid, 1)
        self.layout_.addWidget(self.results, 1)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.text_changed.connect(self._query_changed)
        self.layout_.addWidget(self.keyboard)
        self.set_accessible(False)

    def _make_card(self) -> ServiceCard:
        card = ServiceCard(self.service_chosen.emit, with_agency=True)
        card.agencies = self.agencies
        return card

    def _sync_titles(self) -> None:
        # the query field, with its placeholder, is the title of this screen
        self.title_label.setVisible(False)
        self.hint_label.setVisible(False)

    def set_catalog(self, services: dict[str, ServiceView], agencies: dict[str, AgencyView], lang: str) -> None:
        self.services = services
        self.agencies.clear()
        self.agencies.update(agencies)
        self.lang = lang
        self._show_results(keep_page=True)

    def reset(self) -> None:
        self.keyboard.clear()
        self._show_results(keep_page=False)

    def _query_changed(self, _text: str) -> None:
        self._show_results(keep_page=False)

    def _show_results(self, keep_page: bool) -> None:
        query = self.keyboard.text()
        self.result_ids = [sid for sid in self.search.find(query) if sid in self.services]
        self.grid.set_items([self.services[sid] for sid in self.result_ids], self.lang, keep_page=keep_page)
        self.retranslate(self.lang)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.keyboard.set_language(lang)
        query = self.keyboard.text()
        self.query_label.setProperty("empty", not query)
        self.query_label.setText(query + "▏" if query else t("kiosk.search_placeholder", lang))
        restyle(self.query_label)
        found = len(self.result_ids)
        if not query:
            self.count_label.setText(t("kiosk.search_hint", lang) if not self.accessible else "")
        else:
            count = t("kiosk.search_found", lang, count=found)
            if self.grid.pages > 1:
                count += "  ·  " + t("kiosk.page_of", lang, page=self.grid.page + 1, pages=self.grid.pages)
            self.count_label.setText(count)
        self.none_label.setText(t("kiosk.search_none", lang))
        self.none_label.setVisible(bool(query) and not found)
        self.grid.setVisible(found > 0)
        self.grid.retranslate(lang)

    def _shape(self) -> None:
        on, portrait, short = self.accessible, self.portrait, self.short
        self.keyboard.set_compact(on or short)
        self.grid.show_page_label = False  # the count line says which page
        if portrait:
            self.grid.set_nav("bottom")
            self.grid.set_shape(1 if on else 2, 2 if on else 3)
        else:  # a short screen or the lower half: one row of two wider results, their names whole
            self.grid.set_nav("sides")
            self.grid.set_shape(2 if on or short else 3, 1 if on or short else 2)
        self.query_label.setFixedHeight(60 if on or short else 84)
        self.layout_.setContentsMargins(40, 4 if on or short else 16, 40, 4 if on or short else 16)
        self.retranslate(self.lang)


class ConfirmScreen(Screen):
    confirmed = Signal(str, bool)  # service id, priority
    hint_key = "kiosk.confirm_hint"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.service: ServiceView | None = None
        self.agency: AgencyView | None = None
        self.busy = False
        self.title_label.setProperty("kind", "confirm-title")
        self.agency_label = make_label("agency-name")
        names = QWidget()
        stacked = QVBoxLayout(names)
        stacked.setContentsMargins(0, 0, 0, 0)
        stacked.addWidget(self.title_label)
        stacked.addWidget(self.agency_label)
        heading, self.pictogram = beside_pictogram(names, CONFIRM_PICTOGRAM_PX, spacing=20)
        self.layout_.addLayout(heading)
        self.columns = QBoxLayout(QBoxLayout.LeftToRight)
        self.columns.setSpacing(40)
        left = QVBoxLayout()
        left.setSpacing(10)
        self.requirements_title = make_label("section")
        self.requirements_list = FitText(px=30, min_px=20, lines=6)
        self.requirements_list.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        left.addWidget(self.requirements_title)
        left.addWidget(self.requirements_list, 1)
        right = QVBoxLayout()
        right.setSpacing(14)
        self.status_label = FitText(px=30, min_px=20, bold=True, background=theme.GREEN, padding=8,
                                    align=Qt.AlignCenter)
        self.status_label.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)
        self.status_label.setFixedHeight(56)
        self.queue_label = FitText(px=32, min_px=24, lines=2)
        self.priority_toggle = Card("priority")
        self.priority_toggle.setCheckable(True)
        self.priority_toggle.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.priority_text = self.priority_toggle.add(
            FitText(px=28, min_px=20, bold=True, lines=2, align=Qt.AlignLeft | Qt.AlignVCenter), 1)
        self.priority_toggle.toggled.connect(lambda _on: self.retranslate(self.lang))
        self.confirm_button = make_button("confirm", "", min_height=150)
        self.confirm_button.clicked.connect(self._confirm)
        right.addWidget(self.status_label)
        right.addWidget(self.queue_label)
        right.addStretch(1)
        right.addWidget(self.priority_toggle)
        right.addWidget(self.confirm_button)
        self.columns.addLayout(left, 5)
        self.columns.addLayout(right, 4)
        self.layout_.addLayout(self.columns, 1)
        self.set_accessible(False)

    def title(self, lang: str) -> str:
        return self.service.name if self.service is not None else ""

    def set_service(self, service: ServiceView, agency: AgencyView | None, lang: str, keep_choice: bool = False) -> None:
        if not keep_choice or self.service is None or service.id != self.service.id:
            self.priority_toggle.setChecked(False)
        self.service, self.agency = service, agency
        self.retranslate(lang)

    @property
    def can_issue(self) -> bool:
        return self.service is not None and self.service.is_open

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.confirm_button.setEnabled(self.can_issue and not busy)
        self.priority_toggle.setEnabled(not busy)

    def _confirm(self) -> None:
        if self.busy or not self.can_issue:
            return
        priority = self.priority_toggle.isChecked() and self.service.priority_allowed
        self.confirmed.emit(self.service.id, priority)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        service = self.service
        if service is None:
            return
        self.agency_label.setText(self.agency.name if self.agency is not None else "")
        self.agency_label.setVisible(not self.accessible and not self.short)
        self.pictogram.show_pictogram(service.pictogram, theme.WHITE, shown=not self.accessible)
        self.requirements_title.setText(t("kiosk.requirements", lang))
        requirements = service.requirements
        self.requirements_list.setText(
            "\n".join(f"•  {item}" for item in requirements) if requirements else t("kiosk.no_requirements", lang))
        state = service.status.state
        self.status_label.setText(status_sentence(service))
        self.status_label.set_colour(theme.WHITE, STATE_BACKGROUND.get(state, theme.RED))
        info = [t("kiosk.waiting_count", lang, count=service.waiting)]
        if self.can_issue:
            info.append(estimate_text(service.estimate_minutes, lang))
        # the lower half or a short screen has a line for it, not two
        self.queue_label.setText(("  ·  " if self.accessible or self.short else "\n").join(i for i in info if i))
        allowed = service.priority_allowed and self.can_issue
        self.priority_toggle.setVisible(allowed)
        chosen = self.priority_toggle.isChecked()
        mark = "☑" if chosen else "☐"
        self.priority_text.setText(f"{mark}  {t('kiosk.priority_choice', lang)}")
        self.confirm_button.setText(t("kiosk.confirm_priority" if chosen and allowed else "kiosk.confirm", lang))
        self.confirm_button.setVisible(self.can_issue)
        self.set_busy(self.busy)

    def _shape(self) -> None:
        on, portrait, short = self.accessible, self.portrait, self.short
        # portrait: the requirements above the buttons; short: lower buttons, and the agency's name (secondary:
        # the visitor just chose it) gives its line up
        self.columns.setDirection(QBoxLayout.TopToBottom if portrait else QBoxLayout.LeftToRight)
        self.agency_label.setVisible(not on and not short and self.agency is not None)
        self.confirm_button.setFixedHeight(110 if on or short else 150)
        self.priority_toggle.setFixedHeight(96 if short else 110 if on else 130)
        self.status_label.setFixedHeight(48 if short else 56)
        self.pictogram.set_px(SHORT_CONFIRM_PICTOGRAM_PX if short else CONFIRM_PICTOGRAM_PX)
        self.confirm_button.setProperty("compact", short)
        restyle(self.confirm_button)
        # the lower half has no row to spare, and the header above it names the service: the pictogram with
        # the title it stands beside, in the standard layout only (the card just touched showed it)
        if self.service is not None:
            self.pictogram.show_pictogram(self.service.pictogram, theme.WHITE, shown=not on)


class PrintingScreen(Screen):
    title_key = "kiosk.printing"
    hint_key = "kiosk.printing_hint"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title_label.setProperty("kind", "big-message")
        self.title_label.setAlignment(Qt.AlignCenter)
        self.hint_label.setAlignment(Qt.AlignCenter)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.title_label)
        self.layout_.addWidget(self.hint_label)
        self.layout_.addStretch(1)

    def _sync_titles(self) -> None:
        # nothing to touch here: the message stays in the body in every layout
        self.title_label.setVisible(True)
        self.hint_label.setVisible(True)


class CheckInScreen(Screen):
    """A booking's check-in: the code typed on the on-screen keyboard (a scan types it anywhere); the
    server's sentence for a refusal stays on screen with the way to a walk-in number."""

    submitted = Signal(str)
    walk_in = Signal()
    title_key = "kiosk.checkin_title"
    hint_key = "kiosk.checkin_hint"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.code_label = make_label("query", wrap=False, align=Qt.AlignCenter)
        self.code_label.setMinimumHeight(84)
        self.refusal_label = make_label("checkin-refusal", align=Qt.AlignCenter)
        self.refusal_label.setVisible(False)
        buttons = QHBoxLayout()
        buttons.setSpacing(24)
        self.submit_button = make_button("take", "", min_height=110)
        self.submit_button.clicked.connect(lambda: self.submitted.emit(self.code()))
        self.walk_in_button = make_button("nav", "", min_height=110)
        self.walk_in_button.clicked.connect(self.walk_in)
        buttons.addWidget(self.submit_button, 3)
        buttons.addWidget(self.walk_in_button, 2)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.text_changed.connect(self._typed)
        self.layout_.addWidget(self.title_label)
        self.layout_.addWidget(self.hint_label)
        self.layout_.addWidget(self.code_label)
        self.layout_.addWidget(self.refusal_label)
        self.layout_.addStretch(1)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.keyboard)

    def code(self) -> str:
        return self.keyboard.text().replace(" ", "").upper()

    def reset(self) -> None:
        self.keyboard.clear()
        self.show_refusal("")

    def show_refusal(self, sentence: str) -> None:
        self.refusal_label.setText(sentence)
        self.refusal_label.setVisible(bool(sentence))

    def set_busy(self, busy: bool) -> None:
        self.submit_button.setEnabled(not busy)

    def _typed(self, _text: str) -> None:
        self.show_refusal("")
        self._show_code()

    def _show_code(self) -> None:
        code = self.code()
        shown = f"{code[:4]}-{code[4:]}" if len(code) > 4 else code
        self.code_label.setText(t("kiosk.checkin_code", self.lang, code=shown) if code
                                else t("kiosk.checkin_code_empty", self.lang))
        self.submit_button.setEnabled(len(code) >= 8)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.keyboard.set_language(lang)
        self.submit_button.setText(t("kiosk.checkin_submit", lang))
        self.walk_in_button.setText(t("kiosk.checkin_walk_in", lang))
        self._show_code()

    def set_accessible(self, on: bool) -> None:
        super().set_accessible(on)
        self.keyboard.set_compact(on)


class TicketScreen(Screen):
    done = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.ticket: dict = {}
        self.printer_failed = False
        self.fault_message = ""
        self.qr_url = ""
        self.qr_side = 380
        self.title_label.setAlignment(Qt.AlignCenter)
        self.title_label.setMinimumHeight(90)
        self.layout_.addWidget(self.title_label)
        self.columns = QBoxLayout(QBoxLayout.LeftToRight)
        self.columns.setSpacing(60)
        left = QVBoxLayout()
        left.setSpacing(6)
        self.number_caption = make_label("ticket-caption", align=Qt.AlignCenter)
        self.code_label = make_label("ticket-code", wrap=False, align=Qt.AlignCenter)
        self.priority_label = make_label("priority-mark", wrap=False, align=Qt.AlignCenter)
        self.service_label = FitText(px=40, min_px=26, bold=True, lines=2, align=Qt.AlignCenter)
        self.agency_label = FitText(px=28, min_px=20, colour=theme.PALE, align=Qt.AlignCenter)
        self.location_label = FitText(px=34, min_px=24, bold=True, colour=theme.YELLOW, lines=2, align=Qt.AlignCenter)
        self.ahead_label = make_label("ticket-info", align=Qt.AlignCenter)
        self.estimate_label = make_label("ticket-info", align=Qt.AlignCenter)
        self.fault_label = FitText(px=28, min_px=20, colour=theme.AMBER_TEXT, lines=2, align=Qt.AlignCenter)
        left.addStretch(1)
        left.addWidget(self.number_caption)
        left.addWidget(self.code_label)
        left.addWidget(self.priority_label, 0, Qt.AlignHCenter)
        self.booked_label = make_label("priority-mark", wrap=False, align=Qt.AlignCenter)
        left.addWidget(self.booked_label, 0, Qt.AlignHCenter)
        for widget in (self.service_label, self.agency_label, self.location_label, self.ahead_label,
                       self.estimate_label, self.fault_label):
            left.addWidget(widget)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(10)
        self.qr_label = QLabel()
        self.qr_label.setAlignment(Qt.AlignCenter)
        self.qr_label.setProperty("kind", "qr")
        self.scan_label = FitText(px=28, min_px=20, lines=2, align=Qt.AlignHCenter | Qt.AlignTop)
        self.done_button = make_button("done", "", min_height=96)
        self.done_button.clicked.connect(self.done)
        right.addStretch(1)
        right.addWidget(self.qr_label, 0, Qt.AlignHCenter)
        right.addWidget(self.scan_label)
        right.addStretch(1)
        right.addWidget(self.done_button)
        self.columns.addLayout(left, 3)
        self.columns.addLayout(right, 2)
        self.layout_.addLayout(self.columns, 1)

    def title(self, lang: str) -> str:
        return t("kiosk.printer_fallback" if self.printer_failed else "kiosk.take_ticket", lang)

    def title_is_alert(self) -> bool:
        return self.printer_failed

    def set_ticket(self, ticket: dict, lang: str, printer_failed: bool, fault_message: dict | None = None) -> None:
        """``fault_message``: {'id': ..., 'en': ...}, what the printer said (for staff and visitor)."""
        self.ticket = ticket
        self.printer_failed = printer_failed
        self.fault_message = fault_message or {}
        self.title_label.setProperty("kind", "alert-title" if printer_failed else "ticket-title")
        restyle(self.title_label)
        self._draw_qr()
        self.retranslate(lang)

    def _draw_qr(self) -> None:
        url = self.ticket.get("status_url", "")
        self.qr_url = url
        if url:
            self.qr_label.setPixmap(qr_pixmap(url, self.qr_side))
        else:
            self.qr_label.clear()

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        ticket = self.ticket
        if not ticket:
            return
        self.number_caption.setText(t("kiosk.your_number", lang))
        self.number_caption.setVisible(not self.accessible and not self.short)
        self.code_label.setText(ticket.get("code", ""))
        self.priority_label.setText(f"  {t('kiosk.priority_mark', lang)}  ")
        self.priority_label.setVisible(bool(ticket.get("priority")))
        self.booked_label.setText(f"  {t('kiosk.booked_badge', lang, time=ticket.get('slot_time') or '')}  ")
        self.booked_label.setVisible(bool(ticket.get("booked")))
        self.service_label.setText(ticket.get("service_name", ""))
        self.agency_label.setText(ticket.get("agency_name", ""))
        self.agency_label.setVisible(not self.accessible)
        self.location_label.setText(ticket.get("location", ""))
        self.location_label.setVisible(bool(ticket.get("location")))
        self.ahead_label.setText(t("kiosk.people_ahead", lang, count=ticket.get("position", 0)))
        self.estimate_label.setText(estimate_text(ticket.get("estimate_minutes"), lang))
        self.fault_label.setText(self.fault_message.get(lang, "") if self.printer_failed else "")
        self.fault_label.setVisible(self.printer_failed and bool(self.fault_message))
        self.scan_label.setText(t("kiosk.scan_hint", lang))
        self.done_button.setText(t("kiosk.done", lang))

    def _shape(self) -> None:
        on, portrait, short = self.accessible, self.portrait, self.short
        # portrait: the QR code under the number; short: the smaller number and code, as in the lower half
        self.columns.setDirection(QBoxLayout.TopToBottom if portrait else QBoxLayout.LeftToRight)
        self.columns.setSpacing(20 if portrait else 60)
        self.code_label.setProperty("compact", on or short)
        restyle(self.code_label)
        self.qr_side = 250 if on or short else 320 if portrait else 380
        self.done_button.setFixedHeight(84 if on else 96)
        self.title_label.setMinimumHeight(60 if short else 90)
        self.number_caption.setVisible(not on and not short)  # the big number says what it is
        self.agency_label.setVisible(not on)
        if self.ticket:
            self._draw_qr()
            self.retranslate(self.lang)


class OfflineScreen(Screen):
    title_key = "kiosk.offline_title"
    hint_key = "kiosk.offline_hint"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loading = False
        self.refusal: str | None = None  # the server's sentence when it refuses this kiosk for good (revoked)
        self.title_label.setProperty("kind", "big-message")
        self.title_label.setAlignment(Qt.AlignCenter)
        self.message_label = make_label("offline", align=Qt.AlignCenter)
        self.hint_label.setAlignment(Qt.AlignCenter)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.title_label)
        self.layout_.addWidget(self.message_label)
        self.layout_.addWidget(self.hint_label)
        self.layout_.addStretch(1)

    def set_loading(self, loading: bool) -> None:
        """Before the first catalog arrives the kiosk is loading, not offline."""
        self.loading = loading
        self.retranslate(self.lang)

    def set_refusal(self, sentence: str | None) -> None:
        """The server refused this kiosk's key for good (e.g. revoked): say so instead of 'reconnecting'."""
        self.refusal = sentence
        self.retranslate(self.lang)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.message_label.setText(self.refusal or t("kiosk.loading" if self.loading else "kiosk.offline", lang))

    def _sync_titles(self) -> None:
        # nothing to touch: the sentence stays in the body in every layout
        self.title_label.setVisible(True)
        self.hint_label.setVisible(not self.loading and not self.refusal)
