"""A zone display ([[displays]] profile): it shows, announces and signs only its own agencies' calls."""
from __future__ import annotations

from argparse import Namespace

from kiosk.clock import FakeClock
from kiosk.config import ConfigError, parse_config
from kiosk.ui.display.window import DisplayWindow
from support.configs import MONDAY_9, config_dict
from support.server import running_server

from .conftest import display_config


def zone_config(tmp_path, **profile):
    base = display_config(tmp_path)
    data = config_dict(**{key: base.model_dump(mode="json")[key] for key in ("audio", "sign", "display")})
    data["displays"] = [{"name": "imigrasi", "agencies": ["imigrasi"]} | profile]
    return parse_config(data, base_dir=tmp_path)


def test_a_zone_display_shows_and_announces_only_its_agency(qtbot, tmp_path, synthesizer):
    config = zone_config(tmp_path)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                               clock=FakeClock(MONDAY_9), profile="imigrasi")
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.start()
        try:
            qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
            for service in ("ktp", "kk", "paspor", "paspor"):
                server.engine.issue_ticket(service)
            for counter_id in ("loket-1", "loket-3"):
                server.engine.open_counter(counter_id)
            dukcapil = server.engine.call_next("loket-1")
            imigrasi = server.engine.call_next("loket-3")
            server.notify()
            qtbot.waitUntil(lambda: window.shown_calls() == [(imigrasi.code, "Loket 3")], timeout=4000)
            qtbot.wait(300)  # the Disdukcapil call, were it shown, would be by now
            assert dukcapil.code not in [code for code, _ in window.shown_calls()]
            seqs = {e["seq"]: e["ticket_id"] for e in server.engine.events_since(0) if e["type"] == "called"}
            own = next(seq for seq, tid in seqs.items() if tid == imigrasi.id)
            assert window.announcer.enqueue_counts == {own: 1}
            assert list(window.sign_panel.queued_keys) == [own]
            assert window.counter_board_text() == [f"Loket 3 {imigrasi.code}"]
            qtbot.waitUntil(lambda: window.waiting_text() == ["Imigrasi 1"], timeout=3000)
        finally:
            window.shutdown()


def test_a_silent_zone_shows_its_calls_without_a_voice(qtbot, tmp_path, synthesizer):
    config = zone_config(tmp_path, voice=False)
    with running_server(config, tmp_path / "queue.sqlite", clock=FakeClock(MONDAY_9)) as server:
        window = DisplayWindow(config, server.url, server.key("display"), synthesizer=synthesizer,
                               clock=FakeClock(MONDAY_9), profile="imigrasi")
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.start()
        try:
            qtbot.waitUntil(lambda: window.live.connected, timeout=5000)
            server.engine.issue_ticket("paspor")
            server.engine.open_counter("loket-3")
            ticket = server.engine.call_next("loket-3")
            server.notify()
            qtbot.waitUntil(lambda: window.shown_calls() == [(ticket.code, "Loket 3")], timeout=4000)
            assert not window.announcer.enabled and window.announcer.enqueue_counts == {}
        finally:
            window.shutdown()


def test_a_profile_naming_an_unknown_agency_is_reported_at_its_key(tmp_path):
    base = display_config(tmp_path)
    data = config_dict(**{key: base.model_dump(mode="json")[key] for key in ("audio", "sign", "display")})
    data["displays"] = [{"name": "a", "agencies": ["imigrassi"]}, {"name": "a", "counters": ["loket-9"]}, {"name": "b"}]
    try:
        parse_config(data, base_dir=tmp_path)
    except ConfigError as exc:
        text = str(exc)
    else:
        raise AssertionError("the config was accepted")
    assert "displays[0].agencies[0]: no agency 'imigrassi'" in text and "did you mean" in text
    assert "displays[1].name: 'a' is already used by displays[0]" in text
    assert "displays[1].counters[0]: no counter 'loket-9'" in text
    assert "displays[2]: name its agencies or counters" in text


def test_display_main_refuses_an_unknown_profile_plainly(tmp_path, capsys):
    from kiosk.ui.common.entry import CANNOT_RUN_HERE
    from kiosk.ui.display.window import main
    from support.configs import shipped_config_with_limits

    config = shipped_config_with_limits(tmp_path)
    assert main(Namespace(config=config, server=None, profile="lantai-2")) == CANNOT_RUN_HERE
    assert "no display profile 'lantai-2' in [[displays]] (profiles: none)" in capsys.readouterr().err
