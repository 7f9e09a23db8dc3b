"""kiosk.live_config and QueueEngine.replace_config: what a valid edit of config.toml changes in a running engine."""
from __future__ import annotations

import copy

import pytest

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.live_config import ConfigRefused, config_version, plan_reload, settings_for
from kiosk.protocol.events import ConfigChanged, EventType
from kiosk.store import Store
from support.configs import BASE, DEVICE_KEYS, MONDAY_9, PIN_1234, make_config

AKTA = {"id": "akta", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "Akta Kelahiran", "en": "Birth certificate"}}


def with_akta(**more):
    counters = copy.deepcopy(BASE["counters"])
    counters[0]["services"].append("akta")
    return make_config(services=[*BASE["services"], AKTA], counters=counters, **more)


@pytest.fixture
def engine(tmp_path):
    store = Store(tmp_path / "queue.sqlite")
    yield QueueEngine(make_config(), store, FakeClock(MONDAY_9))
    store.close()


def test_a_new_service_is_issued_to_after_the_switch_and_the_event_says_what_changed(engine):
    from kiosk import errors

    with pytest.raises(errors.UnknownService):
        engine.issue_ticket("akta")
    before = engine.config
    plan = plan_reload(before, with_akta())
    seq = engine.replace_config(plan)
    assert engine.issue_ticket("akta").ticket.code == "A-001"
    assert "akta" in {s["id"] for s in engine.catalog()["services"]}
    event = engine.events_since(seq - 1)[0]
    assert event["type"] == EventType.CONFIG_CHANGED
    payload = ConfigChanged.model_validate(event["payload"])
    assert payload.version == config_version(engine.config) != payload.from_version == config_version(before)
    assert payload.sections == ["services", "counters"]
    assert payload.needs_restart == []


def test_restart_only_keys_are_kept_and_named(engine):
    server = {**copy.deepcopy(BASE["server"]), "port": 9999, "database": "elsewhere.sqlite",
              "lan_networks": ["10.0.0.0/8"]}
    plan = plan_reload(engine.config, make_config(server=server, display={"ticker": {"id": "Baru", "en": "New"}}))
    assert plan.needs_restart == ["server.port", "server.database", "server.lan_networks"]
    assert plan.config.server.port == 8600 and plan.config.server.lan_networks == ["127.0.0.0/8", "::1/128"]
    assert plan.sections == ["display"]
    assert plan.config.display.ticker.id == "Baru"


def test_removing_a_service_with_waiting_tickets_is_refused_and_nothing_changes(engine):
    engine.issue_ticket("paspor")
    services = [s for s in BASE["services"] if s["id"] != "paspor"]
    counters = [c for c in BASE["counters"] if c["id"] != "loket-3"]
    staff = [{**BASE["staff"][0]}]
    edited = make_config(services=services, counters=counters, staff=staff)
    last = engine.last_seq()
    with pytest.raises(ConfigRefused, match=r"paspor \(1 ticket\); serve or transfer them first"):
        engine.replace_config(plan_reload(engine.config, edited))
    assert "paspor" in engine.services and engine.last_seq() == last
    # served: the same edit goes through
    engine.open_counter("loket-3", "petugas3")
    engine.call_next("loket-3")
    engine.finish("loket-3")
    engine.replace_config(plan_reload(engine.config, edited))
    assert "paspor" not in engine.services


def test_settings_hold_no_secret_and_staff_only_for_counter_pcs():
    config = make_config(kiosk={"exit_pin_hash": PIN_1234})
    kiosk = repr(settings_for(config, "kiosk"))
    counter = settings_for(config, "counter-app")
    for secret in [*DEVICE_KEYS.values(), PIN_1234, PIN_1234.split("$")[-1]]:
        assert secret not in kiosk and secret not in repr(counter)
    assert settings_for(config, "kiosk")["config"]["staff"] == []
    assert counter["config"]["staff"][0] == {"user": "petugas1", "name": "Petugas Satu",
                                             "counters": ["loket-1", "loket-2"], "supervisor": False}
    assert counter["version"] == config_version(config)


def test_check_config_running_against_names_what_is_live_and_what_needs_a_restart(tmp_path):
    import subprocess
    import sys

    from support.toml_writer import write_config
    from support.configs import config_dict

    old = write_config(tmp_path / "old.toml", config_dict())
    server = {**copy.deepcopy(BASE["server"]), "port": 8700}
    new = write_config(tmp_path / "new.toml", config_dict(server=server, display={"ticker": {"id": "Baru", "en": "New"}}))
    result = subprocess.run([sys.executable, "-m", "kiosk", "check-config", str(new), "--running-against", str(old)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "  live: display changes in the running server when the file is saved (no restart)" in result.stdout
    assert "  restart: server.port changed; the running server keeps the old value until it is restarted" in result.stdout
