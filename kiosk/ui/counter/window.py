"""The staff window at a counter (loket): log in, call, serve, transfer, pause.

``mpp-kiosk counter [--config PATH] [--server URL] [--counter ID]`` runs it on
its own; the all-in-one lobby creates a :class:`CounterWindow` in its process.

Every server call runs off the GUI thread (``Tasks``). What the window shows
comes from the live event stream (``LiveLobby``, authenticated with the staff
session token), so it is the same state every other window sees. One action
is in flight at a time: a press while one is under way is ignored, and an
action that failed because the server could not be reached is never re-sent
by itself (the staff member sees the state and decides). A supervisor also
sees today's figures of the whole lobby (GET /api/v1/reports/today).
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.client import ApiClient, ApiError
from kiosk.clock import Clock, SystemClock
from kiosk.config import Config
from kiosk.i18n import FALLBACK, languages, other_language, t
from kiosk.ui.counter.model import (
    ACTIONS,
    SHORTCUTS,
    CounterView,
    availability,
    closed_banner,
    help_lines,
    countdown_text,
    finish_too_soon_s,
    last_call_at,
    minutes_text,
    no_show_label,
    overdue_tickets,
    reason_text,
    scanned_ref,
    seconds_left,
    security_rows,
    today_texts,
    void_done_text,
    wait_alert_lines,
    wait_alert_text,
)
from kiosk.ui.counter.widgets import (
    STYLE,
    ActionButton,
    ConfirmDialog,
    DisabledClickWatcher,
    LoginPanel,
    PauseDialog,
    SecurityPanel,
    TicketPanel,
    TodayPanel,
    TransferDialog,
    VoidDialog,
    WaitingPanel,
    font,
    restyle,
)
from kiosk.protocol.actions import action_by_name
from kiosk.protocol.events import SECURITY_EVENTS, EventType
from kiosk.tls import client_ssl_context, failure_sentence
from kiosk.ui.common.live import LiveLobby
from kiosk.ui.common.tasks import Tasks

log = logging.getLogger(__name__)

# After an answer, actions wait (at most this long) for the event stream to show the change,
# so the buttons never act on a state the server has already left.
SETTLE_TIMEOUT_S = 3.0
# A supervisor's "today" figures are fetched again this often (and after each finish at this counter).
TODAY_REFRESH_MS = 30_000
# Logout has a key of its own (shown on its button); it asks first.
LOGOUT_KEY = "F12"
UNDO_KEY = "Ctrl+Z"


class CounterLive(LiveLobby):
    """The live lobby, plus a signal when the server refuses the session (ended or replaced)."""

    unauthorized = Signal()
    revoked = Signal(str)  # the server's sentence: this counter PC was revoked (kiosk.server.devices_api)

    def _on_status(self, status: str) -> None:
        if status == "unauthorized":
            self.unauthorized.emit()
        elif status == "revoked":
            self.revoked.emit((self._stream.refusal if self._stream is not None else None) or "")
        super()._on_status(status)


class CounterWindow(QWidget):
    """One counter's staff window. ``start()`` shows the login; ``shutdown()`` ends the stream and the workers."""

    action_finished = Signal(str, bool)  # action, succeeded (tests and the bench wait for it)

    def __init__(self, config: Config, server_url: str, *, counter_id: str | None = None, lang: str | None = None,
                 clock: Clock | None = None, monotonic: Callable[[], float] = time.monotonic,
                 parent: QWidget | None = None, key: str | None = None, ssl_context=None):
        super().__init__(parent)
        self.config = config
        self.server_url = server_url.rstrip("/")
        self.lang = lang if lang in languages() else config.lobby.default_language
        self.clock = clock or SystemClock()
        self.monotonic = monotonic  # the settle wait after an answer (busy()) runs on it
        self.services = config.service_by_id
        self.agencies = config.agency_by_id
        self.counters = config.counter_by_id
        self.preselected = counter_id or config.counter_app.counter or None
        # key/ssl_context: an enrolled counter PC's own (kiosk.device_file.window_credential); else config.toml's
        self.api = ApiClient(self.server_url, key or config.server.key_for("counter-app"), lang=self.lang,
                             ssl_context=ssl_context if ssl_context is not None
                             else client_ssl_context(config, self.server_url))
        self.tasks = Tasks(max_threads=2, parent=self)
        self.live: CounterLive | None = None
        self.session: dict | None = None     # the login answer while logged in
        self.counter_id: str | None = None   # the counter logged in to
        self.in_flight: str | None = None    # the action sent and not yet answered
        self._settle_seq = 0                 # the seq the stream must reach before the next action
        self._settle_deadline = 0.0
        self._was_idle = False
        self._closed = False
        self.transfer_dialog: TransferDialog | None = None
        self.pause_dialog: PauseDialog | None = None
        self.void_dialog: VoidDialog | None = None
        self.confirm_dialog: ConfirmDialog | None = None  # no-show, an early finish, logout
        self._undo: tuple[str, object] | None = None     # (code, marked at): the no-show that may be undone
        self._status_key: tuple[str, dict, str] | None = None  # the status line's text, to translate
        self._stats: dict | None = None
        self._today: dict | None = None          # the last GET /api/v1/reports/today answer
        self._today_error: str | None = None     # or why it could not be loaded
        self._security: list[dict] | None = None  # today's lockouts and take-overs (GET /api/v1/security/events)
        self._security_error: str | None = None
        self._loading: set[str] = set()          # supervisor panels being fetched ("today", "security")
        self._asked_again: set[str] = set()      # asked again while loading: load once more after

        self.setObjectName("counterRoot")
        self.setStyleSheet(STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumSize(1024, 640)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_times)
        self._today_timer = QTimer(self)
        self._today_timer.setInterval(TODAY_REFRESH_MS)
        self._today_timer.timeout.connect(self.load_today)
        self._today_timer.timeout.connect(self.load_security)
        self._build()
        self.retranslate()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(14, 10, 14, 12)
        root.setSpacing(10)

        bar = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setObjectName("title")
        self.title_label.setFont(font(18, True))
        self.user_label = QLabel()
        self.user_label.setProperty("muted", True)
        self.user_label.setFont(font(13))
        self.connection_label = QLabel()
        self.connection_label.setObjectName("connection")
        self.connection_label.setFont(font(13, True))
        self.connection_label.setContentsMargins(8, 0, 8, 0)
        self.connection_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lang_button = QPushButton()
        self.lang_button.setObjectName("langButton")
        self.lang_button.setFont(font(12))
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lang_button.clicked.connect(self.switch_language)
        self.logout_button = QPushButton()
        self.logout_button.setObjectName("logoutButton")
        self.logout_button.setFont(font(12, True))
        self.logout_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.logout_button.clicked.connect(self.ask_logout)
        logout_shortcut = QShortcut(QKeySequence(LOGOUT_KEY), self)
        logout_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        logout_shortcut.activated.connect(self.ask_logout)
        bar.addWidget(self.title_label)
        bar.addSpacing(16)
        bar.addWidget(self.user_label)
        bar.addStretch(1)
        bar.addWidget(self.connection_label)
        bar.addSpacing(12)
        bar.addWidget(self.lang_button)
        bar.addWidget(self.logout_button)
        root.addLayout(bar)

        self.pages = QStackedWidget()
        root.addWidget(self.pages, 1)
        self.login_panel = LoginPanel(*self._login_choices())
        self.login_panel.submitted.connect(self.login)
        self.pages.addWidget(self.login_panel)

        work = QWidget()
        columns = QHBoxLayout(work)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(12)
        left = QVBoxLayout()
        left.setSpacing(10)
        # a visitor at a kiosk asked for help: every counter and the supervisor see it until someone goes
        self.help_banner = QFrame()
        self.help_banner.setObjectName("helpBanner")
        self.help_rows = QVBoxLayout(self.help_banner)
        self.help_rows.setContentsMargins(10, 6, 10, 6)
        self.help_banner.hide()
        self._help_widgets: dict[int, tuple[QLabel, QPushButton]] = {}
        left.addWidget(self.help_banner)
        # the lobby or this counter's services take no new tickets (closed, a break, a holiday, past the last ticket)
        self.closed_banner = QLabel()
        self.closed_banner.setObjectName("closedBanner")
        self.closed_banner.setFont(font(14, True))
        self.closed_banner.setWordWrap(True)
        self.closed_banner.hide()
        left.addWidget(self.closed_banner)
        # a ticket of this counter's services waiting past its service's target wait
        self.wait_alert = QLabel()
        self.wait_alert.setObjectName("waitAlert")
        self.wait_alert.setFont(font(14, True))
        self.wait_alert.setWordWrap(True)
        self.wait_alert.hide()
        left.addWidget(self.wait_alert)
        self.ticket_panel = TicketPanel()
        left.addWidget(self.ticket_panel, 1)
        self.scan_field = QLineEdit()
        self.scan_field.setObjectName("scanField")
        self.scan_field.setFont(font(15))
        self.scan_field.setMinimumHeight(40)
        self.scan_field.setMaxLength(300)
        self.scan_field.returnPressed.connect(self._scan_entered)
        left.addWidget(self.scan_field)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.buttons: dict[str, ActionButton] = {}
        self._watcher = DisabledClickWatcher(self._explain, self)
        for n, action in enumerate(ACTIONS):
            button = ActionButton(action)
            button.clicked.connect(lambda _=False, a=action: self.press(a))
            button.installEventFilter(self._watcher)
            grid.addWidget(button, n // 4, n % 4)
            self.buttons[action] = button
            shortcut = QShortcut(QKeySequence(SHORTCUTS[action]), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda a=action: self.press(a))
        left.addLayout(grid)
        self.status_line = QLabel()
        self.status_line.setObjectName("statusLine")
        self.status_line.setFont(font(14, True))
        self.status_line.setWordWrap(True)
        self.status_line.setMinimumHeight(40)
        left.addWidget(self.status_line)
        self.undo_button = QPushButton()
        self.undo_button.setObjectName("undoButton")
        self.undo_button.setFont(font(14, True))
        self.undo_button.setMinimumHeight(40)
        self.undo_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.undo_button.clicked.connect(self.undo_no_show)
        self.undo_button.hide()
        left.addWidget(self.undo_button)
        undo_shortcut = QShortcut(QKeySequence(UNDO_KEY), self)
        undo_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        undo_shortcut.activated.connect(self.undo_no_show)
        columns.addLayout(left, 10)
        right = QVBoxLayout()
        right.setSpacing(10)
        # a supervisor sees the alert of every service of the lobby
        self.lobby_wait_alert = QLabel()
        self.lobby_wait_alert.setObjectName("lobbyWaitAlert")
        self.lobby_wait_alert.setFont(font(13, True))
        self.lobby_wait_alert.setWordWrap(True)
        self.lobby_wait_alert.hide()
        right.addWidget(self.lobby_wait_alert)
        self.today_panel = TodayPanel()
        self.today_panel.hide()  # for supervisors only
        self.today_panel.void_button.clicked.connect(self.open_void)
        right.addWidget(self.today_panel)
        self.security_panel = SecurityPanel()
        self.security_panel.hide()  # for supervisors only
        right.addWidget(self.security_panel)
        self.waiting_panel = WaitingPanel()
        self.waiting_panel.ticket_chosen.connect(lambda code: self.call_ticket(code))
        right.addWidget(self.waiting_panel, 1)
        columns.addLayout(right, 9)
        self.pages.addWidget(work)
        self.work_page = work
        self._show_logged_out()

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Show the login form (nothing to fetch before a login)."""
        self.login_panel.select(self.preselected)
        self.login_panel.focus_first_empty()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._tick.stop()
        self._today_timer.stop()
        self._stop_live()
        self.tasks.wait(6000)
        self.api.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ language

    def switch_language(self) -> None:
        self.set_language(other_language(self.lang))

    def set_language(self, lang: str) -> None:
        self.lang = lang if lang in languages() else FALLBACK
        self.api.lang = self.lang
        self.retranslate()
        if self._today_error is not None:
            self.load_today()  # the sentence came in the other language
        if self._security_error is not None:
            self.load_security()

    def retranslate(self) -> None:
        lang = self.lang
        self.lang_button.setText(t("language.name", other_language(lang)))
        self.logout_button.setText(t("counter.logout_button", lang, key=LOGOUT_KEY))
        self.login_panel.retranslate(lang)
        self.waiting_panel.retranslate(lang)
        self.today_panel.retranslate(lang)
        self.security_panel.retranslate(lang)
        self.scan_field.setPlaceholderText(t("counter.scan_placeholder", lang))
        if self._status_key is not None:
            key, values, kind = self._status_key
            self._show_status(t(f"counter.{key}", lang, **values), kind)
        self._show_stats()
        self._show_today()
        self._show_security()
        self._refresh()

    # ------------------------------------------------------------------ login and logout

    def login(self, counter_id: str, user: str, pin: str) -> None:
        if self.session is not None or self.login_panel.busy:
            return
        self.login_panel.set_busy(True)
        self.login_panel.show_message("")

        def done(answer: dict) -> None:
            if self._closed:
                return
            self.login_panel.reset()
            self._logged_in(answer)

        def failed(exc: BaseException) -> None:
            if self._closed:
                return
            self.login_panel.reset()
            self.login_panel.show_message(self._error_text(exc, unreachable="login_unreachable"))
            self.login_panel.pin_field.setFocus()

        self.tasks.run(lambda: self.api.login(user, pin, counter_id), done, failed)

    def _logged_in(self, answer: dict) -> None:
        self.session = answer
        self.counter_id = answer["counter_id"]
        self.preselected = self.counter_id
        self.in_flight = None
        self._settle_seq = 0
        self._set_status(None)
        self.live = CounterLive(self.server_url, answer["token"], self, ssl_context=self.api.ssl_context)
        self.live.snapshot_loaded.connect(self._refresh)
        self.live.event_applied.connect(self._on_event)
        self.live.drained.connect(self._refresh)
        self.live.connection_changed.connect(self._on_connection)
        self.live.trust_refused.connect(lambda _problem: self._on_connection(False))
        self.live.unauthorized.connect(self._session_ended)
        self.live.revoked.connect(self._device_revoked)
        self.live.start()
        self.pages.setCurrentWidget(self.work_page)
        self.logout_button.show()
        self.connection_label.show()
        self._tick.start()
        self._was_idle = False
        self._refresh()
        self._load_stats()
        self._today, self._today_error = None, None
        self.today_panel.setVisible(self.is_supervisor)
        self._security, self._security_error = None, None
        self.security_panel.setVisible(self.is_supervisor)
        if self.is_supervisor:
            self._today_timer.start()
            self._show_today()
            self.load_today()
            self._show_security()
            self.load_security()
        log.info("logged in as %s to %s", answer.get("user"), self.counter_id)

    def ask_logout(self) -> None:
        """The logout button and its key: asks first (Enter logs out, Esc stays)."""
        if self.session is None or self._dialog_open():
            return
        if self.in_flight is not None:  # say so: a silent click looks like a broken button
            self._set_error(t("counter.why_in_flight", self.lang))
            return
        number = self.counters[self.counter_id].number
        self._confirm("logout_confirm_title", t("counter.logout_confirm", self.lang, number=number), self.logout,
                      name="logoutConfirm")

    def logout(self) -> None:
        if self.session is None:
            return
        if self.in_flight is not None:  # say so: a silent click looks like a broken button
            self._set_error(t("counter.why_in_flight", self.lang))
            return
        self.in_flight = "logout"

        def done(_answer) -> None:
            self.in_flight = None
            self._show_logged_out()
            self._set_status("done_logout")
            self.login_panel.show_message(t("counter.done_logout", self.lang))

        session = self.session

        def failed(exc: BaseException) -> None:
            self.in_flight = None
            if getattr(exc, "status", 0) == 401:  # already ended on the server: nothing more to close
                done(None)
                return
            self.api.session = session  # the client forgets it whatever happened; we are still logged in
            self._set_error(self._error_text(exc))

        self.tasks.run(self.api.logout, done, failed)

    def _device_revoked(self, sentence: str) -> None:
        """This counter PC was revoked at the server: logged out, and the login panel says why."""
        if self.session is None:
            return
        log.error("the server revoked this counter PC: %s", sentence)
        self.api.session = None
        self._show_logged_out()
        self.login_panel.show_message(sentence or t("counter.session_ended", self.lang))

    def _session_ended(self) -> None:
        if self.session is None:
            return
        log.warning("the server refused the session of %s", self.counter_id)
        self.api.session = None
        self._show_logged_out()
        self.login_panel.show_message(t("counter.session_ended", self.lang))

    def _show_logged_out(self) -> None:
        self._stop_live()
        self._tick.stop()
        self.session = None
        self.counter_id = None
        self.in_flight = None
        self._stats = None
        self._show_stats()
        self._today_timer.stop()
        self._today, self._today_error = None, None
        self.today_panel.hide()
        self._security, self._security_error = None, None
        self.security_panel.hide()
        self._undo = None
        self.undo_button.hide()
        for dialog in (self.transfer_dialog, self.pause_dialog, self.confirm_dialog):
            if dialog is not None:
                dialog.reject()
        self.pages.setCurrentWidget(self.login_panel)
        self.logout_button.hide()
        self.connection_label.hide()
        self.login_panel.reset()
        self.login_panel.select(self.preselected)
        self.login_panel.focus_first_empty()
        self._refresh()

    def _stop_live(self) -> None:
        if self.live is not None:
            live, self.live = self.live, None
            live.stop()
            live.deleteLater()

    # ------------------------------------------------------------------ what the window knows

    @property
    def logged_in(self) -> bool:
        return self.session is not None

    @property
    def is_supervisor(self) -> bool:
        """The logged-in staff member is a supervisor (config staff[].supervisor, as the server answered)."""
        return bool(self.session and self.session.get("supervisor"))

    def counter_state(self) -> dict:
        if self.live is None or self.counter_id is None:
            return {"status": "closed", "reason": None, "ticket_id": None}
        return self.live.state.counters.get(self.counter_id) or {"status": "closed", "reason": None, "ticket_id": None}

    def current_ticket(self) -> dict | None:
        if self.live is None or self.counter_id is None:
            return None
        return self.live.state.counter_ticket(self.counter_id)

    def waiting_tickets(self) -> list[dict]:
        if self.live is None or self.counter_id is None:
            return []
        return self.live.state.waiting(service_ids=self.counters[self.counter_id].services)

    def view(self) -> CounterView:
        state = self.counter_state()
        return CounterView(
            connected=self.live is not None and self.live.connected,
            status=state.get("status", "closed"),
            reason=state.get("reason"),
            ticket=self.current_ticket(),
            waiting=len(self.waiting_tickets()),
            recalls_needed=self.config.queue.recalls_before_no_show,
            no_show_left_s=int(-(-self.no_show_left_s() // 1)),
        )

    def no_show_left_s(self) -> float:
        """Seconds until F5 may mark the ticket a no-show: counter_app.no_show_after_s since its last call or recall."""
        ticket = self.current_ticket()
        if ticket is None or ticket.get("state") != "called" or self.live is None:
            return 0.0
        since = last_call_at(ticket, self.live.state.recent_calls)
        return seconds_left(since, self.clock.now(), self.config.counter_app.no_show_after_s)

    def reasons(self) -> dict[str, str | None]:
        return availability(self.view(), self.lang)

    def busy(self) -> bool:
        """An action is in flight, or answered but its event has not arrived yet."""
        if self.in_flight is not None:
            return True
        if self.live is not None and self.live.state.seq < self._settle_seq:
            if self.monotonic() < self._settle_deadline:
                return True
            self._settle_seq = 0
        return False

    # ------------------------------------------------------------------ showing it

    def _on_connection(self, connected: bool) -> None:
        if not connected and self.live is not None and self.live.tls_problem is not None:
            self._set_error(failure_sentence(self.live.tls_problem, self.lang))
        elif not connected:
            self._set_status("why_offline", kind="error")
        elif self.status_line.text() == t("counter.why_offline", self.lang):
            self._set_status(None)
        self._refresh()

    def _on_event(self, event: dict) -> None:
        if self.live is None or not self.live.behind:  # a backlog (a reconnect, a busy hall) is drawn once, by its last event
            self._refresh()
        # today's figures change when this counter ends a service (whoever pressed the button)
        if event.get("type") in (EventType.FINISHED, EventType.NO_SHOW) and event.get("counter_id") == self.counter_id:
            self._load_stats()
            self.load_today()
        elif event.get("type") in SECURITY_EVENTS:
            if self._taken_from_me(event):
                return
            self.load_security()  # a lockout or take-over just happened: the supervisor sees it at once

    def _taken_from_me(self, event: dict) -> bool:
        """A supervisor took this counter over: this session has ended, say so now (not at the next press)."""
        if event.get("type") != EventType.COUNTER_TAKEN_OVER or event.get("counter_id") != self.counter_id:
            return False
        payload = event.get("payload") or {}
        if self.session is None or payload.get("user") == self.session.get("user"):
            return False
        staff = self.config.staff_by_user.get(payload.get("user"))
        self._session_ended()
        self.login_panel.show_message(t("counter.taken_over_notice", self.lang,
                                         name=staff.name if staff else payload.get("user")))
        return True

    def _login_choices(self) -> tuple[list[tuple[str, str, str]], dict[str, set[str] | None]]:
        choices = [(c.id, c.number, self.agencies[c.agency].short_name if c.agency in self.agencies else c.agency)
                   for c in self.config.counters]
        allowed = {staff.user: None if "*" in staff.counters else set(staff.counters) for staff in self.config.staff}
        return choices, allowed

    def apply_config(self, config: Config) -> None:
        """A new config from the server (kiosk.settings_sync), at once; a logged-in officer keeps the session
        (and the counter, even if the edit retired it: the server refused that while a ticket was there)."""
        counters = dict(config.counter_by_id)
        if self.counter_id is not None and self.counter_id not in counters:
            counters[self.counter_id] = self.counters[self.counter_id]
        self.config = config
        self.services = config.service_by_id
        self.agencies = config.agency_by_id
        self.counters = counters
        self.login_panel.set_counters(*self._login_choices())
        self._refresh()
        log.info("counter: new settings from the server applied")

    def _refresh(self) -> None:
        lang = self.lang
        if not self.logged_in:
            self.title_label.setText(t("counter.title_logged_out", lang))
            self.user_label.setText("")
            return
        counter = self.counters[self.counter_id]
        agency = self.agencies.get(counter.agency)
        self.title_label.setText(t("counter.title", lang, number=counter.number,
                                    agency=agency.short_name if agency else counter.agency))
        self.user_label.setText(t("counter.user_line", lang, name=self.session.get("name") or self.session.get("user")))
        connected = self.live is not None and self.live.connected
        if self.connection_label.property("connected") != connected:
            self.connection_label.setProperty("connected", connected)
            restyle(self.connection_label)
        text = t("counter.connected" if connected else "counter.disconnected", lang)
        self.connection_label.setText(text)
        # the style's padding is not in the label's size hint: make room for the whole sentence
        self.connection_label.setMinimumWidth(self.connection_label.fontMetrics().horizontalAdvance(text) + 32)

        view = self._refresh_buttons()
        self.scan_field.setEnabled(connected)

        if view.ticket is not None:
            self.ticket_panel.show_ticket(view.ticket, self._service_name(view.ticket["service_id"]),
                                          self.clock.now().astimezone(self.config.lobby.tz), lang)
        else:
            self.ticket_panel.show_idle(view.status, view.reason, lang)
        idle = connected and view.ticket is None and view.status == "open"
        if idle and not self._was_idle and self._no_dialog_open():
            self.scan_field.setFocus()
        self._was_idle = idle
        self._refresh_waiting()
        self._refresh_safeguards()

    def _refresh_buttons(self) -> CounterView:
        lang = self.lang
        view = self.view()
        reasons = availability(view, lang)
        for action, button in self.buttons.items():
            if action == "pause":
                button.set_label(t("counter.action_resume" if view.status == "paused" else "counter.action_pause", lang))
                tone = "green" if view.status == "paused" else "blue"
                if button.property("tone") != tone:
                    button.setProperty("tone", tone)
                    restyle(button)
            elif action == "no_show":
                button.set_label(no_show_label(lang, view.no_show_left_s))
            else:
                button.set_label(t(f"counter.action_{action}", lang))
            button.set_reason(reasons[action])
        return view

    def _refresh_help(self) -> None:
        requests = self.live.state.help_requests if self.live is not None and self.logged_in else []
        lines = help_lines(self.lang, requests, self.config.lobby.tz)
        for seq in [seq for seq in self._help_widgets if seq not in {line[0] for line in lines}]:
            label, button = self._help_widgets.pop(seq)
            label.deleteLater()
            button.deleteLater()
        for seq, sentence in lines:
            if seq not in self._help_widgets:
                label = QLabel()
                label.setFont(font(14, True))
                label.setWordWrap(True)
                button = QPushButton()
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.clicked.connect(lambda _=False, seq=seq: self.acknowledge_help(seq))
                row = QHBoxLayout()
                row.addWidget(label, 1)
                row.addWidget(button)
                self.help_rows.addLayout(row)
                self._help_widgets[seq] = (label, button)
            label, button = self._help_widgets[seq]
            label.setText(sentence)
            button.setText(t("counter.help_acknowledge", self.lang))
        self.help_banner.setVisible(bool(lines))

    def acknowledge_help(self, seq: int) -> None:
        """This officer goes to the kiosk: the call leaves every window (its help_acknowledged event)."""
        def failed(exc: BaseException) -> None:
            log.info("help %s not acknowledged: %r", seq, exc)
            self._set_error(exc.message if isinstance(exc, ApiError) and exc.message else str(exc))

        self.tasks.run(lambda: self.api.acknowledge_help(seq), None, failed)

    def _refresh_safeguards(self) -> None:
        """What runs with the clock: the undo offer, the closed banner, the wait alerts."""
        self._refresh_help()
        now = self.clock.now()
        if self._undo is not None:
            left = seconds_left(self._undo[1], now, self.config.queue.no_show_undo_s)
            current = self.current_ticket()
            # another ticket called here ends the offer (the no-show's own event may still be on its way)
            if left <= 0 or (current is not None and current["code"] != self._undo[0]):
                self._undo = None
            else:
                self.undo_button.setText(t("counter.undo_button", self.lang, code=self._undo[0],
                                           time=countdown_text(left)))
        self.undo_button.setVisible(self._undo is not None)
        if self.counter_id is None:
            return
        services = self.counters[self.counter_id].services
        banner = closed_banner(self.lang, self.config, services, now, len(self.waiting_tickets()))
        self.closed_banner.setText(banner or "")
        self.closed_banner.setVisible(banner is not None)
        self._show_alert(self.wait_alert, overdue_tickets(self.config, self.waiting_tickets(), now))
        others = []
        if self.is_supervisor and self.live is not None:  # the rest of the lobby (this counter's are above)
            others = overdue_tickets(self.config, [ticket for ticket in self.live.state.waiting()
                                                   if ticket["service_id"] not in services], now)
        self._show_alert(self.lobby_wait_alert, others)

    def _show_alert(self, label: QLabel, overdue) -> None:
        label.setText(wait_alert_text(self.lang, overdue, self._service_name))
        label.setToolTip("\n".join(wait_alert_lines(self.lang, overdue, self._service_name)))
        label.setVisible(bool(overdue))

    def _refresh_times(self) -> None:
        ticket = self.current_ticket()
        if ticket is not None:
            self.ticket_panel.show_ticket(ticket, self._service_name(ticket["service_id"]), self.clock.now(), self.lang)
            if ticket.get("state") == "called" and not self.busy():
                self._refresh_buttons()  # the no-show countdown on F5
        self._refresh_waiting()
        self._refresh_safeguards()
        # the settle wait may have timed out with no event: let the buttons follow
        if self._settle_seq and not self.busy():
            self._refresh()

    def _refresh_waiting(self) -> None:
        if self.counter_id is None:
            return
        tickets = self.waiting_tickets()
        per_service: dict[str, int] = {}
        for ticket in tickets:
            per_service[ticket["service_id"]] = per_service.get(ticket["service_id"], 0) + 1
        counts = [(self._service_name(sid), per_service.get(sid, 0)) for sid in self.counters[self.counter_id].services]
        names = {sid: self._service_name(sid) for sid in self.services}
        self.waiting_panel.show_waiting(tickets, names, counts, self.clock.now(), self.lang)

    def _service_name(self, service_id: str) -> str:
        service = self.services.get(service_id)
        return service.name.get(self.lang) if service else service_id

    def _no_dialog_open(self) -> bool:
        return not self._dialog_open()

    def _dialog_open(self) -> bool:
        return any(d is not None and d.isVisible() for d in (self.transfer_dialog, self.pause_dialog,
                                                             self.void_dialog, self.confirm_dialog))

    def _load_stats(self) -> None:
        counter_id = self.counter_id
        if counter_id is None:
            return

        def done(stats: dict) -> None:
            if counter_id != self.counter_id:
                return
            self._stats = stats
            self._show_stats()

        def failed(exc: BaseException) -> None:
            log.info("counter stats not loaded: %r", exc)

        self.tasks.run(lambda: self.api.stats(counter_id), done, failed)

    def _show_stats(self) -> None:
        stats = self._stats
        if not stats:
            self.waiting_panel.show_stats("")
            return
        self.waiting_panel.show_stats(t("counter.stats", self.lang, served=stats.get("served_today", 0),
                                         mean=minutes_text(self.lang, stats.get("mean_service_minutes"))))

    def is_loading(self, what: str) -> bool:
        return what in self._loading

    def _load_for_supervisor(self, what: str, fetch, done, failed) -> None:
        """Fetch ``what`` off the GUI thread, one request at a time: asked again while loading, it loads once
        more after; an answer that arrives after another login is dropped."""
        if not self.is_supervisor or self._closed:
            return
        if what in self._loading:
            self._asked_again.add(what)
            return
        self._loading.add(what)
        self._asked_again.discard(what)
        session = self.session
        reload = {"today": self.load_today, "security": self.load_security}[what]

        def finish() -> bool:
            self._loading.discard(what)
            if what in self._asked_again:
                QTimer.singleShot(0, reload)
            return self.session is session

        def on_done(answer: dict) -> None:
            if finish():
                done(answer)

        def on_failed(exc: BaseException) -> None:
            if finish():
                failed(exc)

        self.tasks.run(fetch, on_done, on_failed)

    def load_today(self) -> None:
        """A supervisor's figures of the day."""
        def done(summary: dict) -> None:
            self._today, self._today_error = summary, None
            self._show_today()

        def failed(exc: BaseException) -> None:
            log.info("today's figures not loaded: %r", exc)
            self._today_error = self._today_error_text(exc)
            self._show_today()

        self._load_for_supervisor("today", lambda: self.api.request("GET", "/api/v1/reports/today"), done, failed)

    def _today_error_text(self, exc: BaseException) -> str:
        if isinstance(exc, ApiError):
            if exc.status is None:
                return t("counter.today_unreachable", self.lang)
            return t("counter.today_refused", self.lang, message=exc.message or exc.code)
        log.error("unexpected error loading today's figures: %r", exc)
        return t("counter.today_refused", self.lang, message=t("counter.unexpected", self.lang, detail=type(exc).__name__))

    def _show_today(self) -> None:
        if not self.is_supervisor:
            return
        if self._today_error is not None:
            self.today_panel.show_message(self._today_error)
        elif self._today is None:
            self.today_panel.show_message(t("counter.today_loading", self.lang), error=False)
        else:
            self.today_panel.show_figures(today_texts(self.lang, self._today, self.config.lobby.tz))

    def load_security(self) -> None:
        """A supervisor's list of today's lockouts and take-overs."""
        def done(answer: dict) -> None:
            self._security, self._security_error = list(answer.get("events") or []), None
            self._show_security()

        def failed(exc: BaseException) -> None:
            log.info("security events not loaded: %r", exc)
            if isinstance(exc, ApiError) and exc.status is None:
                self._security_error = t("counter.security_unreachable", self.lang)
            else:
                message = exc.message or exc.code if isinstance(exc, ApiError) else type(exc).__name__
                self._security_error = t("counter.security_refused", self.lang, message=message)
            self._show_security()

        self._load_for_supervisor("security", lambda: self.api.security_events(), done, failed)

    def _show_security(self) -> None:
        if not self.is_supervisor:
            return
        if self._security_error is not None:
            self.security_panel.show_rows([])
            self.security_panel.show_message(self._security_error)
        elif self._security is None:
            self.security_panel.show_rows([])
            self.security_panel.show_message(t("counter.security_loading", self.lang), error=False)
        else:
            self.security_panel.show_rows(security_rows(self.lang, self._security, self.config.lobby.tz))

    # ------------------------------------------------------------------ status line

    def _set_status(self, key: str | None, kind: str = "ok", **values) -> None:
        self._status_key = (key, values, kind) if key else None
        self._show_status(t(f"counter.{key}", self.lang, **values) if key else "", kind)

    def _set_error(self, text: str) -> None:
        self._status_key = None
        self._show_status(text, "error")

    def _show_status(self, text: str, kind: str) -> None:
        self.status_line.setText(text)
        if self.status_line.property("kind") != kind:
            self.status_line.setProperty("kind", kind)
            restyle(self.status_line)

    def _explain(self, action: str) -> None:
        """Why an action can't be done now, in the status line."""
        reason = self.reasons().get(action)
        if reason:
            self._set_error(reason)

    # ------------------------------------------------------------------ actions

    def press(self, action: str) -> None:
        """A button or its F-key. Ignored while another action is in flight."""
        if not self.logged_in or action not in ACTIONS:
            return
        if self.busy():
            self._set_error(t("counter.why_in_flight", self.lang))
            return
        reason = self.reasons()[action]
        if reason is not None:
            self._set_error(reason)
            return
        if action == "transfer":
            self._open_transfer()
        elif action == "call_ticket":
            code = self.waiting_panel.selected_code()
            typed = self.scan_field.text().strip()
            if code:
                self.call_ticket(code)
            elif typed:
                self._scan_entered()
            else:
                self.scan_field.setFocus()
                self._set_status("scan_hint")
        elif action == "pause":
            if self.counter_state().get("status") == "paused":
                self._send("resume")
            else:
                self._open_pause()
        elif action == "no_show":
            code = self.current_ticket()["code"]
            self._confirm("no_show_confirm_title", t("counter.no_show_confirm", self.lang, code=code),
                          lambda: self._send_if_same("no_show", code), name="noShowConfirm")
        elif action == "finish" and (soon := finish_too_soon_s(self.current_ticket(), self.clock.now(),
                                                                self.config.counter_app.finish_confirm_within_s)) \
                is not None:
            code = self.current_ticket()["code"]
            self._confirm("finish_confirm_title", t("counter.finish_confirm", self.lang, seconds=soon),
                          lambda: self._send_if_same("finish", code), name="finishConfirm")
        else:
            self._send(action)

    def _confirm(self, title_key: str, text: str, then: Callable[[], None], *, name: str) -> None:
        """Ask once (Enter: yes, Esc: no); ``then`` runs when confirmed."""
        if self._dialog_open():
            return
        self._set_status(None)  # a "wait" or "why not" from an earlier press is no longer true
        dialog = ConfirmDialog(t(f"counter.{title_key}", self.lang), text, self.lang, self, name=name)
        self.confirm_dialog = dialog
        dialog.accepted.connect(then)
        dialog.finished.connect(lambda _result: self._dialog_closed())
        dialog.open()
        dialog.ok_button.setFocus()

    def _send_if_same(self, action: str, code: str) -> None:
        """A confirmed action, if the ticket it was asked about is still the one at the counter."""
        ticket = self.current_ticket()
        if ticket is None or ticket["code"] != code or self.reasons().get(action) is not None:
            self._set_error(self.reasons().get(action) or t("counter.why_no_ticket", self.lang))
            return
        self._send(action)

    def undo_no_show(self) -> None:
        """Ctrl+Z or the undo button, while the last no-show may still be undone: called back to this counter."""
        if not self.logged_in or self._undo is None:
            return
        if self.busy():
            self._set_error(t("counter.why_in_flight", self.lang))
            return
        self._send("undo_no_show")

    def call_ticket(self, ref: str) -> None:
        """Call one ticket by code or QR URL (the list, the keyboard or a scanner)."""
        if not self.logged_in:
            return
        if self.busy():
            self._set_error(t("counter.why_in_flight", self.lang))
            return
        reason = self.reasons()["call_ticket"]
        if reason is not None:
            self._set_error(reason)
            return
        self._send("call_ticket", ticket=ref)

    def _scan_entered(self) -> None:
        text = self.scan_field.text()
        self.scan_field.clear()
        if not text.strip():
            return
        ref = scanned_ref(text)
        if ref is None:
            self._set_error(t("counter.scan_not_code", self.lang, text=text.strip()[:40]))
            return
        self.call_ticket(ref)

    def _open_transfer(self) -> None:
        ticket = self.current_ticket()
        if ticket is None:
            return
        choices = []
        for service in self.config.services:
            if service.id == ticket["service_id"]:
                continue
            agency = self.agencies.get(service.agency)
            words = " ".join([service.name.id, service.name.en, *service.keywords, agency.name if agency else ""])
            choices.append((service.id, service.name.get(self.lang), agency.short_name if agency else service.agency,
                            words))
        dialog = TransferDialog(choices, self.lang, ticket["code"], self, supervisor=self.is_supervisor)
        self.transfer_dialog = dialog

        def chosen(service_id: str) -> None:
            keep = {"keep_place": True} if dialog.keep_place.isVisible() and dialog.keep_place.isChecked() else {}
            self._send("transfer", service_id=service_id, **keep)

        self.transfer_dialog.chosen.connect(chosen)
        self.transfer_dialog.finished.connect(lambda _result: self._dialog_closed())
        self.transfer_dialog.open()
        self.transfer_dialog.search.setFocus()

    def _open_pause(self) -> None:
        self.pause_dialog = PauseDialog(self.lang, self)
        self.pause_dialog.chosen.connect(lambda reason: self._send("pause", reason=reason))
        self.pause_dialog.finished.connect(lambda _result: self._dialog_closed())
        self.pause_dialog.open()

    def open_void(self) -> None:
        """A supervisor's void of tickets of today (the server refuses anyone else's)."""
        if not self.is_supervisor:
            return
        self.void_dialog = VoidDialog(self.lang, self)
        self.void_dialog.chosen.connect(self.send_void)
        self.void_dialog.finished.connect(lambda _result: self._dialog_closed())
        self.void_dialog.open()

    def send_void(self, request) -> None:
        """POST /api/v1/tickets/void; the answer (or why not) in the status line. Never re-sent by itself."""
        if self.busy():
            self._set_error(t("counter.why_in_flight", self.lang))
            return
        counter_id = self.counter_id
        self.in_flight = "void"
        log.info("%s: void %s %s (%s)", counter_id, request.codes, request.range, request.reason)

        def done(answer: dict) -> None:
            if counter_id != self.counter_id:
                return
            self.in_flight = None
            self._status_key = None  # the answer's own words: not re-translated on a language switch
            self._show_status(void_done_text(self.lang, answer), "ok")
            self._refresh()
            self.action_finished.emit("void", True)

        def failed(exc: BaseException) -> None:
            if counter_id != self.counter_id:
                return
            self.in_flight = None
            if getattr(exc, "code", "") == "device_revoked":
                self._device_revoked(getattr(exc, "message", ""))
            elif getattr(exc, "status", 0) == 401:
                self._session_ended()
            else:
                self._set_error(self._error_text(exc))
            self.action_finished.emit("void", False)

        self.tasks.run(lambda: self.api.void(request.reason, request.codes, request.range), done, failed)

    def _dialog_closed(self) -> None:
        self.activateWindow()  # the F-keys belong to this window again
        if self.view().ticket is None:
            self.scan_field.setFocus()

    def _send(self, action: str, **body) -> None:
        """Send one action. Never re-sent automatically: a failure is shown and the staff member decides."""
        if self.busy() or self.counter_id is None:
            return
        counter_id, path = self.counter_id, action_by_name(action).path
        self.in_flight = action
        ticket = self.current_ticket()
        code = ticket["code"] if ticket else ""
        log.info("%s: %s %s", counter_id, path, body or "")

        def done(answer: dict) -> None:
            if counter_id != self.counter_id:
                return
            self.in_flight = None
            self._settle_seq = int(answer.get("seq") or 0)
            self._settle_deadline = self.monotonic() + SETTLE_TIMEOUT_S
            shown = (answer.get("ticket") or {}).get("code") or code
            if action == "transfer":
                self._set_status("done_transfer", code=shown, service=self._service_name(body["service_id"]))
            elif action == "pause":
                self._set_status("done_pause", reason=reason_text(self.lang, body.get("reason")))
            elif action == "resume":
                self._set_status("done_resume")
            else:
                self._set_status(f"done_{action}", code=shown)
            if action == "no_show":
                self._undo = (shown, self.clock.now())
            elif action == "undo_no_show":
                self._undo = None
            self._refresh()
            self.action_finished.emit(action, True)

        def failed(exc: BaseException) -> None:
            if counter_id != self.counter_id:
                return
            self.in_flight = None
            if getattr(exc, "code", "") == "device_revoked":
                self._device_revoked(getattr(exc, "message", ""))
            elif getattr(exc, "status", 0) == 401:
                self._session_ended()
            else:
                self._set_error(self._error_text(exc))
                self._refresh()
            self.action_finished.emit(action, False)

        self.tasks.run(lambda: self.api.counter_action(counter_id, action, body), done, failed)

    def _error_text(self, exc: BaseException, unreachable: str = "unreachable") -> str:
        if isinstance(exc, ApiError):
            if exc.status is None and exc.code != "tls_refused":  # a refused certificate says whose
                return t(f"counter.{unreachable}", self.lang)
            return exc.message or t("counter.unexpected", self.lang, detail=exc.code)
        log.error("unexpected error in the counter window: %r", exc)
        return t("counter.unexpected", self.lang, detail=type(exc).__name__)


def open_window(config: Config, server_url: str, counter_id: str | None = None, credential=None) -> CounterWindow:
    """The window as ``mpp-kiosk counter`` shows it: placed per config.counter_app (a 1366x768
    window beside other office software unless fullscreen is set) and started."""
    from kiosk.ui.common.entry import show_window

    window = _build_window(config, credential, server_url, counter_id)
    show_window(window, config.counter_app)
    return window


def _build_window(config: Config, credential, server_url: str, counter_id: str | None) -> CounterWindow:
    return CounterWindow(config, server_url, counter_id=counter_id,
                         key=credential.key if credential else None,
                         ssl_context=credential.ssl_context if credential else None)


def main(args) -> int:
    """``mpp-kiosk counter``: the window on its own, talking to a queue server; exit codes in
    kiosk.ui.common.entry."""
    from kiosk.ui.common.entry import run_window

    counter_id = getattr(args, "counter", None)

    def unknown_counter(config: Config) -> str | None:
        if counter_id and counter_id not in config.counter_by_id:
            known = ", ".join(config.counter_by_id) or "(none)"
            return f"no counter {counter_id!r} in {args.config}; known: {known}"
        return None

    def build(config: Config, credential) -> CounterWindow:
        log.info("counter window open (server %s, counter %s)", credential.url, counter_id or "to choose")
        return _build_window(config, credential, credential.url, counter_id)

    return run_window(args, build, command="counter", role="counter-app",
                      settings=lambda config: config.counter_app, check=unknown_counter)
