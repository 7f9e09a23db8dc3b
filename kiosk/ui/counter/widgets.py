"""The parts of the counter window: login form, current ticket, action buttons,
waiting list, and the transfer and pause pickers.

Each part only shows what it is given and reports what the staff member did
through signals; the window (kiosk.ui.counter.window) decides and talks to the server.
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.common import theme
from kiosk.i18n import t
from kiosk.ui.counter.model import (
    PAUSE_REASONS,
    SHORTCUTS,
    SecurityRow,
    TodayTexts,
    clock_text,
    parse_time,
    reason_text,
    void_input,
    whole_minutes,
)

ACTION_COLOURS = {
    "call_next": theme.GREEN, "finish": theme.GREEN, "no_show": theme.RED,
}

STYLE = f"""
QWidget#counterRoot {{ background: {theme.LIGHT_BG}; }}
QWidget {{ color: {theme.INK}; }}
QDialog {{ background: {theme.LIGHT_BG}; }}
QFrame[card="true"] {{ background: {theme.CARD}; border: 1px solid #C3CBD6; border-radius: 8px; }}
QFrame[card="true"][paused="true"] {{ background: {theme.PAUSED_BG}; border-color: #B08900; }}
QLabel {{ background: transparent; border: none; }}
QLabel[muted="true"] {{ color: {theme.MUTED_TEXT}; }}
QLabel#statusLine {{ background: {theme.CARD}; border: 1px solid #C3CBD6; border-radius: 6px; padding: 6px 10px; }}
QLabel#statusLine[kind="error"] {{ color: {theme.RED}; border-color: {theme.RED}; }}
QLabel#statusLine[kind="ok"] {{ color: {theme.GREEN}; }}
QLabel#connection[connected="true"] {{ color: {theme.GREEN}; }}
QLabel#connection[connected="false"] {{ color: {theme.WHITE}; background: {theme.RED}; border-radius: 4px; padding: 2px 0px; }}
QLabel#todayValue {{ color: {theme.ACCENT}; }}
QLabel#todayMessage[kind="error"] {{ color: {theme.RED}; }}
QLabel#todayMessage[kind="info"] {{ color: {theme.MUTED_TEXT}; }}
QLabel#securityMessage[kind="error"] {{ color: {theme.RED}; }}
QLabel#securityMessage[kind="info"] {{ color: {theme.MUTED_TEXT}; }}
QLabel#priorityBadge {{ color: {theme.WHITE}; background: {theme.PRIORITY}; border-radius: 4px; padding: 2px 10px; }}
QLabel#bookedBadge {{ color: {theme.WHITE}; background: {theme.NAVY}; border-radius: 4px; padding: 2px 10px; }}
QPushButton {{ background: {theme.CARD}; color: {theme.ACCENT}; border: 1px solid {theme.ACCENT};
              border-radius: 6px; padding: 6px 14px; }}
QPushButton:focus {{ border: 2px solid {theme.INK}; }}
QPushButton[action="true"] {{ background: {theme.ACCENT}; border: none; border-radius: 8px; }}
QPushButton[action="true"][tone="green"] {{ background: {theme.GREEN}; }}
QPushButton[action="true"][tone="red"] {{ background: {theme.RED}; }}
QPushButton[action="true"]:disabled {{ background: {theme.MUTED_BG}; }}
QPushButton[action="true"]:focus {{ border: 3px solid {theme.INK}; }}
QPushButton[action="true"] QLabel {{ color: {theme.WHITE}; }}
QPushButton[action="true"] QLabel:disabled {{ color: {theme.MUTED_TEXT}; }}
QPushButton[action="true"] QLabel#keyBadge {{ border: 1px solid {theme.WHITE}; border-radius: 4px; padding: 0px 6px; }}
QPushButton[action="true"] QLabel#keyBadge:disabled {{ border-color: {theme.MUTED_TEXT}; }}
QPushButton#primary {{ background: {theme.ACCENT}; color: {theme.WHITE}; border: none; }}
QLineEdit, QComboBox {{ background: {theme.CARD}; border: 1px solid #8A94A6; border-radius: 4px; padding: 4px 8px; }}
QLineEdit:focus, QComboBox:focus {{ border: 2px solid {theme.ACCENT}; }}
QTableView, QListWidget {{ background: {theme.CARD}; border: 1px solid #C3CBD6; gridline-color: #E5E9F0;
                            selection-background-color: {theme.SELECTED_BG}; selection-color: {theme.INK}; }}
QHeaderView::section {{ background: {theme.LIGHT_BG}; color: {theme.INK}; border: none;
                        border-bottom: 1px solid #C3CBD6; padding: 4px; font-weight: bold; }}
QToolTip {{ color: {theme.INK}; background: {theme.CARD}; border: 1px solid {theme.INK}; }}
QLabel#closedBanner {{ color: {theme.INK}; background: {theme.PAUSED_BG}; border: 2px solid #B08900;
                       border-radius: 6px; padding: 6px 10px; }}
QFrame#helpBanner {{ background: {theme.PRIORITY}; border-radius: 6px; }}
QFrame#helpBanner QLabel {{ color: {theme.WHITE}; background: transparent; }}
QLabel#waitAlert, QLabel#lobbyWaitAlert {{ color: {theme.WHITE}; background: {theme.RED}; border-radius: 6px;
                                          padding: 6px 10px; }}
QPushButton#undoButton {{ background: {theme.CARD}; color: {theme.RED}; border: 2px solid {theme.RED}; }}
QLabel#transferMessage {{ color: {theme.RED}; }}
"""


def font(size: int, bold: bool = False) -> QFont:
    f = QFont(theme.FONT_FAMILY, size)
    f.setBold(bold)
    return f


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def dialog_buttons(layout: QVBoxLayout, lang: str, ok_key: str) -> tuple[QPushButton, QPushButton]:
    """A dialog's Cancel and OK at the bottom right; OK is the primary one."""
    row = QHBoxLayout()
    row.addStretch(1)
    cancel, ok = QPushButton(t("counter.cancel", lang)), QPushButton(t(f"counter.{ok_key}", lang))
    ok.setObjectName("primary")
    for button in (cancel, ok):
        button.setFont(font(15, True))
        button.setMinimumHeight(42)
        row.addWidget(button)
    layout.addLayout(row)
    return cancel, ok


def card() -> QFrame:
    frame = QFrame()
    frame.setProperty("card", True)
    return frame


# ---------------------------------------------------------------------------- login



def booked_text(ticket: dict, now: datetime, lang: str) -> str:
    """'Booking 09:30 · Siti Aminah' for a checked-in booking's ticket (its slot in the lobby's time)."""
    if not ticket.get("booked"):
        return ""
    slot = parse_time(ticket.get("slot_at"))
    hhmm = slot.astimezone(now.tzinfo).strftime("%H:%M") if slot and now.tzinfo else ""
    name = ticket.get("booked_name") or ""
    return t("counter.booked", lang, time=hhmm) + (f" · {name}" if name else "")

class LoginPanel(QWidget):
    """Counter, user and PIN; ``submitted(counter_id, user, pin)`` on the button or Enter.

    Once the user name is one the config knows, the counter list shows only the
    counters that staff member may use (the server checks it again).
    """

    submitted = Signal(str, str, str)

    def __init__(self, counters: list[tuple[str, str, str]], allowed: dict[str, set[str] | None] | None = None,
                 parent: QWidget | None = None):
        # counters: (id, number, agency short name); allowed: user -> counter ids (None: every counter)
        super().__init__(parent)
        self._counters = counters
        self._allowed = allowed or {}
        box = card()
        box.setFixedWidth(520)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        layout = QVBoxLayout(box)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(14)
        self.heading = QLabel()
        self.heading.setFont(font(22, True))
        layout.addWidget(self.heading)
        form = QFormLayout()
        form.setSpacing(12)
        self.counter_box = QComboBox()
        self.counter_box.setObjectName("loginCounter")
        self.user_field = QLineEdit()
        self.user_field.setObjectName("loginUser")
        self.user_field.setMaxLength(40)
        self.pin_field = QLineEdit()
        self.pin_field.setObjectName("loginPin")
        self.pin_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_field.setMaxLength(12)
        self.pin_field.setValidator(QRegularExpressionValidator(r"\d{0,12}"))
        self.pin_field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData)
        for widget in (self.counter_box, self.user_field, self.pin_field):
            widget.setFont(font(16))
            widget.setMinimumHeight(42)
        self.counter_label, self.user_label, self.pin_label = QLabel(), QLabel(), QLabel()
        form.addRow(self.counter_label, self.counter_box)
        form.addRow(self.user_label, self.user_field)
        form.addRow(self.pin_label, self.pin_field)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.RED};")
        self.message.setFont(font(14, True))
        layout.addWidget(self.message)
        self.button = QPushButton()
        self.button.setObjectName("primary")
        self.button.setFont(font(16, True))
        self.button.setMinimumHeight(48)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._submit)
        self.user_field.returnPressed.connect(self.pin_field.setFocus)
        self.user_field.textChanged.connect(lambda _text: self._fill_counters())
        self.pin_field.returnPressed.connect(self._submit)
        self._busy = False
        self._lang = "id"

    def set_counters(self, counters: list[tuple[str, str, str]], allowed: dict[str, set[str] | None]) -> None:
        """New counters and staff from the server's settings (the officer's typing is kept)."""
        self._counters = counters
        self._allowed = allowed
        self._fill_counters()

    def _fill_counters(self) -> None:
        chosen = self.counter_id() if self.counter_box.count() else None
        allowed = self._allowed.get(self.user_field.text().strip())
        shown = [c for c in self._counters if allowed is None or c[0] in allowed]
        if [self.counter_box.itemData(i) for i in range(self.counter_box.count())] == [c[0] for c in shown] \
                and self.counter_box.property("lang") == self._lang:
            return
        self.counter_box.clear()
        for counter_id, number, agency in shown:
            self.counter_box.addItem(t("counter.counter_choice", self._lang, number=number, agency=agency), counter_id)
        self.counter_box.setProperty("lang", self._lang)
        self.select(chosen)

    def counter_ids(self) -> list[str]:
        return [self.counter_box.itemData(i) for i in range(self.counter_box.count())]

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        self._fill_counters()
        self.heading.setText(t("counter.login_heading", lang))
        self.counter_label.setText(t("counter.login_counter", lang))
        self.user_label.setText(t("counter.login_user", lang))
        self.pin_label.setText(t("counter.login_pin", lang))
        self.button.setText(t("counter.login_busy" if self._busy else "counter.login_button", lang))

    def select(self, counter_id: str | None) -> None:
        index = self.counter_box.findData(counter_id) if counter_id else -1
        if self.counter_box.count():
            self.counter_box.setCurrentIndex(index if index >= 0 else 0)

    def counter_id(self) -> str | None:
        index = self.counter_box.currentIndex()
        return self.counter_box.itemData(index) if index >= 0 else None

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setEnabled(not busy)
        self.button.setText(t("counter.login_busy" if busy else "counter.login_button", self._lang))

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def reset(self) -> None:
        self.pin_field.clear()
        self.set_busy(False)

    def focus_first_empty(self) -> None:
        (self.pin_field if self.user_field.text() else self.user_field).setFocus()

    def _submit(self) -> None:
        if self._busy:
            return
        user, pin, counter_id = self.user_field.text().strip(), self.pin_field.text(), self.counter_id()
        if not counter_id:
            self.show_message(t("counter.login_no_counter", self._lang))
            return
        if not user or not pin:
            self.show_message(t("counter.login_missing", self._lang))
            self.focus_first_empty()
            return
        self.show_message("")
        self.submitted.emit(counter_id, user, pin)


# ---------------------------------------------------------------------------- current ticket


class TicketPanel(QFrame):
    """The ticket at the counter, large; or the counter's idle / paused state."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("card", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.state_label = QLabel()
        self.state_label.setObjectName("ticketState")
        self.state_label.setFont(font(16, True))
        self.state_label.setProperty("muted", True)
        self.priority_badge = QLabel()
        self.priority_badge.setObjectName("priorityBadge")
        self.priority_badge.setFont(font(14, True))
        self.booked_badge = QLabel()  # a checked-in booking: its slot, and the name where the service asks one
        self.booked_badge.setObjectName("bookedBadge")
        self.booked_badge.setFont(font(14, True))
        self.booked_badge.hide()
        top.addWidget(self.state_label)
        top.addStretch(1)
        top.addWidget(self.booked_badge)
        top.addWidget(self.priority_badge)
        layout.addLayout(top)
        self.code_label = QLabel()
        self.code_label.setObjectName("ticketCode")
        self.code_label.setFont(font(64, True))
        self.code_label.setWordWrap(True)
        layout.addWidget(self.code_label)
        self.service_label = QLabel()
        self.service_label.setObjectName("ticketService")
        self.service_label.setFont(font(20, True))
        self.service_label.setWordWrap(True)
        layout.addWidget(self.service_label)
        self.waited_label = QLabel()
        self.waited_label.setObjectName("ticketWaited")
        self.waited_label.setFont(font(15))
        self.waited_label.setWordWrap(True)
        self.waited_label.setProperty("muted", True)
        layout.addWidget(self.waited_label)
        self.elapsed_label = QLabel()
        self.elapsed_label.setObjectName("ticketElapsed")
        self.elapsed_label.setFont(font(22, True))
        layout.addWidget(self.elapsed_label)
        layout.addStretch(1)

    def _set_paused(self, paused: bool) -> None:
        if self.property("paused") != paused:
            self.setProperty("paused", paused)
            restyle(self)

    def show_ticket(self, ticket: dict, service_name: str, now: datetime, lang: str) -> None:
        self._set_paused(False)
        state = "state_serving" if ticket.get("state") == "serving" else "state_called"
        recalls = ticket.get("recalls") or 0
        self.state_label.setText(
            t(f"counter.{state}", lang) + (f" · {t('counter.recalled_times', lang, count=recalls)}" if recalls else ""))
        self.priority_badge.setText(t("counter.priority", lang))
        self.priority_badge.setVisible(bool(ticket.get("priority")))
        self.booked_badge.setText(booked_text(ticket, now, lang))
        self.booked_badge.setVisible(bool(ticket.get("booked")))
        self.code_label.setText(ticket["code"])
        self.code_label.setFont(font(64, True))
        self.service_label.setText(service_name)
        issued, called = parse_time(ticket.get("issued_at")), parse_time(ticket.get("called_at"))
        waited = whole_minutes(issued, called)
        self.waited_label.setText(t("counter.waited", lang, minutes=t("counter.minutes", lang, n=waited)))
        self.waited_label.setVisible(called is not None)
        self.elapsed_label.setText(t("counter.at_counter", lang, elapsed=clock_text(called, now)))
        self.elapsed_label.setVisible(called is not None)

    def show_idle(self, status: str, reason: str | None, lang: str) -> None:
        self._set_paused(status == "paused")
        self.priority_badge.hide()
        self.booked_badge.hide()
        self.elapsed_label.hide()
        self.waited_label.show()
        self.code_label.setFont(font(30, True))
        if status == "paused":
            self.state_label.setText("")
            self.code_label.setText(t("counter.paused_heading", lang, reason=reason_text(lang, reason)))
            self.service_label.setText("")
            self.waited_label.setText(t("counter.paused_hint", lang))
        elif status == "closed":
            self.state_label.setText("")
            self.code_label.setText(t("counter.closed_heading", lang))
            self.service_label.setText("")
            self.waited_label.setText("")
        else:
            self.state_label.setText("")
            self.code_label.setText(t("counter.no_ticket", lang))
            self.service_label.setText("")
            self.waited_label.setText(t("counter.no_ticket_hint", lang))


# ---------------------------------------------------------------------------- actions


class ActionButton(QPushButton):
    """A big action button showing its F-key; when disabled its tooltip says why."""

    def __init__(self, action: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.action = action
        self.key = SHORTCUTS[action]
        self.setObjectName(f"action_{action}")
        self.setProperty("action", True)
        self.setProperty("tone", {theme.GREEN: "green", theme.RED: "red"}.get(ACTION_COLOURS.get(action), "blue"))
        self.setMinimumHeight(78)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the scan field; actions have F-keys
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        self.key_label = QLabel(self.key)
        self.key_label.setObjectName("keyBadge")
        self.key_label.setFont(font(12, True))
        self.text_label = QLabel()
        self.text_label.setFont(font(15, True))
        self.text_label.setWordWrap(True)
        for label in (self.key_label, self.text_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.key_label, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.text_label, 1)
        self.label = ""
        self.reason: str | None = None

    def set_label(self, label: str) -> None:
        self.label = label
        self.text_label.setText(label)
        self.setAccessibleName(f"{label} ({self.key})")
        self._update_tip()

    def set_reason(self, reason: str | None) -> None:
        self.reason = reason
        self.setEnabled(reason is None)
        self._update_tip()

    def _update_tip(self) -> None:
        tip = f"{self.label} ({self.key})"
        self.setToolTip(tip if self.reason is None else f"{tip}: {self.reason}")
        self.setAccessibleDescription(self.reason or "")

    def shortcut_sequence(self) -> QKeySequence:
        return QKeySequence(self.key)


class DisabledClickWatcher(QObject):
    """A click on a disabled action button says why it is disabled (the mouse user's status line)."""

    def __init__(self, on_disabled_click, parent: QObject | None = None):
        super().__init__(parent)
        self.on_disabled_click = on_disabled_click

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease and isinstance(obj, ActionButton) and not obj.isEnabled():
            self.on_disabled_click(obj.action)
        return False


# ---------------------------------------------------------------------------- waiting list


class WaitingModel(QAbstractTableModel):
    """The waiting tickets as rows: code, service, priority mark, minutes waiting.

    The whole list is replaced at once (one model reset), and the minutes change
    in one dataChanged: a list of hundreds of tickets costs one layout, not one per cell.
    """

    COLUMNS = ("col_code", "col_service", "col_priority", "col_wait")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[tuple[str, str, str, str]] = []
        self.priority: list[bool] = []
        self.lang = "id"
        self._bold = font(14, True)
        self._priority_brush = QBrush(QColor(theme.PRIORITY))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[row][column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return self.rows[row][1]
        if role == Qt.ItemDataRole.FontRole and column in (0, 2):
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return self._priority_brush
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return t(f"counter.{self.COLUMNS[section]}", self.lang)
        return None

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)

    def set_rows(self, rows: list[tuple[str, str, str, str]]) -> bool:
        """Replace the rows; True when the list itself changed (not only the minutes)."""
        if [r[:3] for r in rows] == [r[:3] for r in self.rows]:
            if rows != self.rows:
                self.rows = rows
                self.dataChanged.emit(self.index(0, 3), self.index(len(rows) - 1, 3))
            return False
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()
        return True


class WaitingPanel(QFrame):
    """The waiting list of this counter's services; double-click calls a ticket."""

    ticket_chosen = Signal(str)  # the ticket's code

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("card", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        head = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setFont(font(16, True))
        self.total_label = QLabel()
        self.total_label.setObjectName("waitingTotal")
        self.total_label.setFont(font(16, True))
        head.addWidget(self.heading)
        head.addStretch(1)
        head.addWidget(self.total_label)
        layout.addLayout(head)
        self.counts_label = QLabel()
        self.counts_label.setObjectName("waitingCounts")
        self.counts_label.setWordWrap(True)
        self.counts_label.setProperty("muted", True)
        self.counts_label.setFont(font(13))
        layout.addWidget(self.counts_label)
        self.model = WaitingModel(self)
        self.table = QTableView()
        self.table.setObjectName("waitingTable")
        self.table.setModel(self.model)
        self.table.setFont(font(14))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.table.doubleClicked.connect(self._double_clicked)
        layout.addWidget(self.table, 1)
        self.stats_label = QLabel()
        self.stats_label.setObjectName("counterStats")
        self.stats_label.setFont(font(13, True))
        self.stats_label.setWordWrap(True)
        layout.addWidget(self.stats_label)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Fixed widths for code, mark and minutes from the texts they hold: the view never measures rows."""
        header = self.table.horizontalHeader()
        bold, plain = QFontMetrics(font(14, True)), QFontMetrics(font(14))
        head = QFontMetrics(header.font())
        lang = self.model.lang
        longest_code = max((bold.horizontalAdvance(code) for code in self.codes()), default=0)
        widths = {
            0: max(longest_code, bold.horizontalAdvance("A-000"), head.horizontalAdvance(t("counter.col_code", lang))),
            2: max(bold.horizontalAdvance(t("counter.priority_mark", lang)), head.horizontalAdvance(t("counter.col_priority", lang))),
            3: max(plain.horizontalAdvance(t("counter.minutes_short", lang, n=888)), head.horizontalAdvance(t("counter.col_wait", lang))),
        }
        for column, width in widths.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, width + 24)

    def retranslate(self, lang: str) -> None:
        self.heading.setText(t("counter.waiting_heading", lang))
        self.model.set_lang(lang)
        self._fit_columns()

    def show_waiting(self, tickets: list[dict], service_names: dict[str, str], counts: list[tuple[str, int]],
                     now: datetime, lang: str) -> None:
        selected = self.selected_code()
        self.total_label.setText(t("counter.waiting_total", lang, n=len(tickets)))
        # the dot stays with the count before it when the line wraps
        self.counts_label.setText("\u00a0· ".join(f"{name}: {n}" for name, n in counts))
        rows = [(
            ticket["code"],
            service_names.get(ticket["service_id"], ticket["service_id"]),
            t("counter.priority_mark", lang) if ticket.get("priority") else "",
            t("counter.minutes_short", lang, n=whole_minutes(parse_time(ticket.get("issued_at")), now)),
        ) for ticket in tickets]
        if self.model.set_rows(rows):
            self._fit_columns()
            codes = self.codes()
            if selected in codes:
                self.table.selectRow(codes.index(selected))

    def cell_text(self, row: int, column: int) -> str:
        return self.model.rows[row][column]

    def selected_code(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.model.rows):
            return self.model.rows[rows[0].row()][0]
        return None

    def codes(self) -> list[str]:
        return [row[0] for row in self.model.rows]

    def row_of(self, code: str) -> int:
        return self.codes().index(code)

    def show_stats(self, text: str) -> None:
        self.stats_label.setText(text)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.row() < len(self.model.rows):
            self.ticket_chosen.emit(self.model.rows[index.row()][0])


# ---------------------------------------------------------------------------- today (supervisors)


class TodayPanel(QFrame):
    """Today's figures of the whole lobby for a supervisor: waiting now, served, mean wait, IKM.

    Shows what it is given (:class:`TodayTexts`), or a sentence when they could not be loaded.
    """

    FIGURES = ("waiting", "served", "mean_wait", "ikm")
    STRETCH = (2, 2, 3, 4)  # counts are short; the IKM carries its grade's name

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("todayPanel")
        self.setProperty("card", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        head = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setFont(font(15, True))
        self.updated_label = QLabel()
        self.updated_label.setObjectName("todayUpdated")
        self.updated_label.setProperty("muted", True)
        self.updated_label.setFont(font(12))
        head.addWidget(self.heading)
        head.addStretch(1)
        head.addWidget(self.updated_label)
        # the supervisor's tools for the whole lobby sit with the whole lobby's figures
        self.void_button = QPushButton()
        self.void_button.setObjectName("voidButton")
        self.void_button.setFont(font(12, True))
        head.addWidget(self.void_button)
        layout.addLayout(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(0)
        self.values: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        for column, name in enumerate(self.FIGURES):
            value = QLabel()
            value.setObjectName("todayValue")
            value.setFont(font(20, True))
            label = QLabel()
            label.setProperty("muted", True)
            label.setFont(font(12))
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, 0, column)
            grid.addWidget(label, 1, column)
            grid.setColumnStretch(column, self.STRETCH[column])
            self.values[name], self.labels[name] = value, label
        layout.addLayout(grid)
        self.month_label = QLabel()
        self.month_label.setObjectName("todayMonth")
        self.month_label.setProperty("muted", True)
        self.month_label.setFont(font(12))
        self.month_label.setWordWrap(True)
        layout.addWidget(self.month_label)
        self.message = QLabel()
        self.message.setObjectName("todayMessage")
        self.message.setFont(font(13, True))
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self._lang = "id"

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        self.heading.setText(t("counter.today_heading", lang))
        self.void_button.setText(t("counter.void_open", lang))
        for name in ("waiting", "served", "mean_wait"):
            self.labels[name].setText(t(f"counter.today_{name}", lang))

    def show_figures(self, texts: TodayTexts) -> None:
        self.message.hide()
        for name in self.FIGURES:
            self.values[name].setText(getattr(texts, name))
        self.labels["ikm"].setText(texts.ikm_label)
        self.month_label.setText(texts.month_line)
        self.month_label.show()
        self.updated_label.setText(texts.updated)

    def show_message(self, text: str, error: bool = True) -> None:
        """Nothing to show but a sentence: why the figures could not be loaded, or that they are loading."""
        for name in self.FIGURES:
            self.values[name].setText(t("counter.stats_none", self._lang))
        self.labels["ikm"].setText(t("counter.today_ikm", self._lang))
        self.month_label.hide()
        self.updated_label.setText("")
        self.message.setText(text)
        kind = "error" if error else "info"
        if self.message.property("kind") != kind:
            self.message.setProperty("kind", kind)
            restyle(self.message)
        self.message.show()

    def figure(self, name: str) -> str:
        return self.values[name].text()


class SecurityPanel(QFrame):
    """Today's login lockouts and counter take-overs for a supervisor (time, what, user, counter, address).

    Shows what it is given (:class:`SecurityRow`, newest first), or a sentence: none today, loading, or why
    they could not be loaded.
    """

    COLUMNS = ("col_time", "col_what", "col_user", "col_counter", "col_address")
    VISIBLE_ROWS = 4

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("securityPanel")
        self.setProperty("card", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(4)
        self.heading = QLabel()
        self.heading.setFont(font(14, True))
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("securityTable")
        self.table.setFont(font(11))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # what happened takes the rest
        # a few rows are seen at once (the waiting list below needs the room); the rest scroll
        self.table.setFixedHeight(header.sizeHint().height() + self.VISIBLE_ROWS * 24 + 4)
        layout.addWidget(self.table)
        self.message = QLabel()
        self.message.setObjectName("securityMessage")
        self.message.setFont(font(12))
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self._lang = "id"

    def retranslate(self, lang: str) -> None:
        self._lang = lang
        self.heading.setText(t("counter.security_heading", lang))
        self.table.setHorizontalHeaderLabels([t(f"counter.{key}", lang) for key in self.COLUMNS])

    def show_rows(self, rows: list[SecurityRow]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate((row.time, row.what, row.user, row.counter, row.address)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{text} — {row.why}" if c == 1 and row.why else text)
                self.table.setItem(r, c, item)
        self.table.setVisible(bool(rows))
        if rows:
            self.message.hide()
        else:
            self.show_message(t("counter.security_none", self._lang), error=False)

    def show_message(self, text: str, error: bool = True) -> None:
        self.message.setText(text)
        kind = "error" if error else "info"
        if self.message.property("kind") != kind:
            self.message.setProperty("kind", kind)
            restyle(self.message)
        self.message.show()

    def row_texts(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row (tests and the screenshot script read it)."""
        return [tuple(self.table.item(r, c).text() for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())]


# ---------------------------------------------------------------------------- pickers


class TransferDialog(QDialog):
    """Pick the service to send the ticket to: a searchable list. ``chosen(service_id)``."""

    chosen = Signal(str)

    def __init__(self, services: list[tuple[str, str, str, str]], lang: str, code: str, parent: QWidget | None = None,
                 *, supervisor: bool = False):
        # services: (id, name, agency short name, search words)
        super().__init__(parent)
        self.setObjectName("transferDialog")
        self.setWindowTitle(t("counter.transfer_title", lang, code=code))
        self.setModal(True)
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        title = QLabel(t("counter.transfer_title", lang, code=code))
        title.setFont(font(18, True))
        layout.addWidget(title)
        self.search = QLineEdit()
        self.search.setObjectName("transferSearch")
        self.search.setPlaceholderText(t("counter.transfer_search", lang))
        self.search.setFont(font(15))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.list = QListWidget()
        self.list.setObjectName("transferList")
        self.list.setFont(font(15))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setUniformItemSizes(True)
        for service_id, name, agency, words in services:
            item = QListWidgetItem(f"{name} — {agency}")
            item.setToolTip(f"{name} — {agency}")
            item.setData(Qt.ItemDataRole.UserRole, service_id)
            item.setData(Qt.ItemDataRole.UserRole + 1, f"{name} {agency} {service_id} {words}".casefold())
            self.list.addItem(item)
        layout.addWidget(self.list, 1)
        # a supervisor may keep the visitor's place in time (the server refuses it from anyone else)
        self.keep_place = QCheckBox(t("counter.transfer_keep_place", lang))
        self.keep_place.setObjectName("transferKeepPlace")
        self.keep_place.setFont(font(13))
        self.keep_place.setVisible(supervisor)
        layout.addWidget(self.keep_place)
        self.cancel_button, self.ok_button = dialog_buttons(layout, lang, "transfer_ok")
        for button in (self.cancel_button, self.ok_button):
            button.setAutoDefault(False)  # Enter is the list's or the search's, never a button's by default
        # Enter with nothing chosen says so (the list starts with no selection: a stray Enter sends no one away)
        self.message = QLabel()
        self.message.setObjectName("transferMessage")
        self.message.setFont(font(13, True))
        layout.insertWidget(layout.indexOf(self.keep_place), self.message)
        self._lang = lang
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._accept_current)
        self.search.installEventFilter(self)
        self.list.itemDoubleClicked.connect(lambda _item: self._accept_current())
        self.list.itemActivated.connect(lambda _item: self._accept_current())
        self.ok_button.clicked.connect(self._accept_current)
        self.cancel_button.clicked.connect(self.reject)
        self._filter("")
        self.search.setFocus()

    def visible_ids(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def eventFilter(self, obj, event) -> bool:
        # Down from the search field goes into the list and picks its first visible service
        if obj is self.search and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            visible = [self.list.item(i) for i in range(self.list.count()) if not self.list.item(i).isHidden()]
            if visible:
                self.list.setFocus()
                self.list.setCurrentItem(visible[0])
                visible[0].setSelected(True)
            return True
        return super().eventFilter(obj, event)

    def chosen_id(self) -> str | None:
        """The service chosen now (a visible, selected row), or None."""
        item = self.list.currentItem()
        if item is None or item.isHidden() or not item.isSelected():
            return None
        return item.data(Qt.ItemDataRole.UserRole)

    def _filter(self, text: str) -> None:
        words = text.casefold().split()
        for i in range(self.list.count()):
            item = self.list.item(i)
            hay = item.data(Qt.ItemDataRole.UserRole + 1)
            item.setHidden(not all(word in hay for word in words))
        current = self.list.currentItem()
        if current is not None and current.isHidden():
            self.list.setCurrentItem(None)
            self.list.clearSelection()

    def _accept_current(self) -> None:
        item = self.list.currentItem()
        if self.chosen_id() is None:
            self.message.setText(t("counter.transfer_pick_first", self._lang))
            return
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        self.accept()


class ConfirmDialog(QDialog):
    """A yes/no question for an action that is easy to press by mistake: Enter confirms, Esc cancels.
    ``accepted`` when confirmed."""

    def __init__(self, title: str, text: str, lang: str, parent: QWidget | None = None, *, name: str = "confirmDialog"):
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setFixedWidth(560)
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setFont(font(18, True))
        layout.addWidget(heading)
        self.text_label = QLabel(text)
        self.text_label.setObjectName("confirmText")
        self.text_label.setFont(font(15))
        self.text_label.setWordWrap(True)
        layout.addWidget(self.text_label)
        layout.addSpacing(8)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton(t("counter.confirm_no", lang))
        self.ok_button = QPushButton(t("counter.confirm_yes", lang))
        self.ok_button.setObjectName("primary")
        for button in (self.cancel_button, self.ok_button):
            button.setFont(font(15, True))
            button.setMinimumHeight(42)
            row.addWidget(button)
        layout.addLayout(row)
        self.ok_button.setDefault(True)  # Enter
        self.ok_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)  # and Esc (QDialog)
        self.ok_button.setFocus()
        self.adjustSize()


class VoidDialog(QDialog):
    """A supervisor voids tickets of today: codes and/or a range, and a reason. ``chosen(VoidInput)``;
    a field that does not parse is said in the dialog, which stays open."""

    chosen = Signal(object)

    def __init__(self, lang: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("voidDialog")
        self.setWindowTitle(t("counter.void_title", lang))
        self.setModal(True)
        self.setFixedWidth(680)  # a fixed width lets the wrapped intro take the height it needs
        self._lang = lang
        layout = QVBoxLayout(self)
        title = QLabel(t("counter.void_title", lang))
        title.setFont(font(18, True))
        layout.addWidget(title)
        intro = QLabel(t("counter.void_intro", lang))
        intro.setWordWrap(True)
        intro.setProperty("muted", True)
        intro.setFont(font(12))
        layout.addWidget(intro)
        self.fields: dict[str, QLineEdit] = {}
        for name, length in (("codes", 300), ("range", 40), ("reason", 200)):
            label = QLabel(t(f"counter.void_{name}", lang))
            label.setFont(font(13, True))
            field = QLineEdit()
            field.setObjectName(f"void_{name}")
            field.setFont(font(15))
            field.setMaxLength(length)
            label.setBuddy(field)
            layout.addWidget(label)
            layout.addWidget(field)
            self.fields[name] = field
        self.message = QLabel()
        self.message.setObjectName("voidMessage")
        self.message.setProperty("kind", "error")
        self.message.setFont(font(13, True))
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.cancel_button, self.ok_button = dialog_buttons(layout, lang, "void_ok")
        self.ok_button.clicked.connect(self.submit)
        self.fields["reason"].returnPressed.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.fields["codes"].setFocus()
        self.adjustSize()

    def submit(self) -> None:
        parsed = void_input(self._lang, self.fields["codes"].text(), self.fields["range"].text(),
                            self.fields["reason"].text())
        if isinstance(parsed, str):
            self.message.setText(parsed)
            self.message.show()
            self.adjustSize()
            return
        self.chosen.emit(parsed)
        self.accept()


class PauseDialog(QDialog):
    """Pick the reason for a pause: break, prayer, system problem. ``chosen(reason)``."""

    chosen = Signal(str)

    def __init__(self, lang: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pauseDialog")
        self.setWindowTitle(t("counter.pause_title", lang))
        self.setModal(True)
        layout = QVBoxLayout(self)
        title = QLabel(t("counter.pause_title", lang))
        title.setFont(font(18, True))
        layout.addWidget(title)
        self.buttons: dict[str, QPushButton] = {}
        for n, reason in enumerate(PAUSE_REASONS, start=1):
            button = QPushButton(f"{n}  {reason_text(lang, reason)}")
            button.setObjectName(f"reason_{reason}")
            button.setFont(font(16, True))
            button.setMinimumSize(320, 52)
            button.setShortcut(QKeySequence(str(n)))
            button.clicked.connect(lambda _=False, r=reason: self._choose(r))
            layout.addWidget(button)
            self.buttons[reason] = button
        cancel = QPushButton(t("counter.cancel", lang))
        cancel.setFont(font(14))
        cancel.clicked.connect(self.reject)
        layout.addWidget(cancel)

    def _choose(self, reason: str) -> None:
        self.chosen.emit(reason)
        self.accept()
