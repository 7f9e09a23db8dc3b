"""Over the server's per-kiosk issue limit: the visitor reads the server's sentence on the confirm screen,
the kiosk does not retry it in a loop, and the next tap after the wait gets a ticket."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect

from support.configs import BASE
from support.server import running_server

from .conftest import kiosk_config
from .kiosk_driver import LEFT, go_to_confirm, take_ticket, visible_texts

TOO_MANY_ID = "Terlalu banyak tiket dari kios ini dalam satu menit. Tunggu sebentar lalu coba lagi."
TOO_MANY_EN = "Too many tickets from this kiosk in one minute. Please wait a moment and try again."


class Moment:
    """The server's monotonic clock, moved by the test."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingApi:
    """The kiosk's real ApiClient, counting the issue requests it sends."""

    def __init__(self, api):
        self.api = api
        self.issues = 0

    def issue(self, *args, **kwargs):
        self.issues += 1
        return self.api.issue(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.api, name)


@pytest.fixture
def config():
    return kiosk_config(server={**BASE["server"], "limits": {"issue_per_minute": 1, "issue_burst": 1}})


@pytest.fixture
def moment():
    return Moment()


@pytest.fixture
def server(config, tmp_path, server_clock, moment):
    with running_server(config, tmp_path / "queue.sqlite", clock=server_clock, monotonic=moment) as handle:
        yield handle


def _codes(server) -> list[str]:
    return [row["code"] for row in server.engine.store.query("SELECT code FROM tickets ORDER BY id")]


def test_a_refused_issue_shows_the_sentence_once_and_the_visitor_can_try_again(qtbot, server, moment, make_kiosk,
                                                                               caplog):
    api = CountingApi(server.client("kiosk"))
    kiosk = make_kiosk(api=api)
    assert take_ticket(qtbot, kiosk)["code"] == "A-001"
    kiosk.reset_to_home()

    go_to_confirm(qtbot, kiosk, "dukcapil", "ktp")
    before = api.issues
    qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.notice_label.isVisible(), timeout=8000)
    assert kiosk.notice_label.text() == TOO_MANY_ID
    assert TOO_MANY_ID in visible_texts(kiosk)
    assert kiosk.current == "confirm" and kiosk.online  # a refusal, not the offline screen
    # the sentence never hides the button the visitor taps again
    button = kiosk.confirm_screen.confirm_button
    button_rect = QRect(button.mapTo(kiosk, QPoint(0, 0)), button.size())
    assert not kiosk.notice_label.geometry().intersects(button_rect)
    assert kiosk.issuing is False
    qtbot.wait(500)  # time for a retry, were there one
    assert api.issues - before == 1  # a 429 is an answer: never sent again by the kiosk
    assert _codes(server) == ["A-001"]
    assert "kiosk: the server refused the issue: 429 issue_rate_limited (retry after 60 s)" in caplog.text

    # the limit refills (1 a minute): the same visitor's next tap gets a number
    moment.now += 60
    with qtbot.waitSignal(kiosk.ticket_shown, timeout=8000) as shown:
        qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    assert shown.args[0]["code"] == "A-002"
    assert _codes(server) == ["A-001", "A-002"]


def test_the_sentence_is_in_the_visitors_language(qtbot, server, make_kiosk):
    kiosk = make_kiosk()
    qtbot.mouseClick(kiosk.language_button, LEFT)
    assert take_ticket(qtbot, kiosk)["code"] == "A-001"
    kiosk.reset_to_home()
    if kiosk.lang != "en":  # the reset went back to the lobby's language
        qtbot.mouseClick(kiosk.language_button, LEFT)
    go_to_confirm(qtbot, kiosk, "dukcapil", "kk")
    qtbot.mouseClick(kiosk.confirm_screen.confirm_button, LEFT)
    qtbot.waitUntil(lambda: kiosk.notice_label.isVisible(), timeout=8000)
    assert kiosk.notice_label.text() == TOO_MANY_EN
    assert kiosk.current == "confirm"
    assert _codes(server) == ["A-001"]
