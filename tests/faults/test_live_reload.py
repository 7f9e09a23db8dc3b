"""A valid edit of config.toml takes effect in the running server process: no restart, no dropped WebSocket.

The real `python -m kiosk server`: a service is added, a quota changed and a break moved by rewriting the
file; the server then issues to the new service, its catalog shows it, the quota and the break hold, and a
config_changed event arrives on the open event stream. Removing a service that still has a waiting ticket
is refused with a sentence in the log, and the running config is kept.
"""
from __future__ import annotations

import copy
import threading
from datetime import datetime, timedelta

import pytest

from faults.helpers import KioskServerProcess, open_lobby, wait_for, write_lobby
from faults.test_config_watch import rewrite
from kiosk.client import ApiClient, EventStream
from kiosk.live_config import config_version
from kiosk.config import load_config
from kiosk.protocol.events import EventType
from support.configs import DEVICE_KEYS, MAKASSAR
from support.toml_writer import to_toml

pytestmark = pytest.mark.timeout(90)


def break_now() -> str:
    """A break span around the current minute of the lobby's day (never across midnight)."""
    now = datetime.now(MAKASSAR)
    start = max(now - timedelta(minutes=20), now.replace(hour=0, minute=0))
    end = min(now + timedelta(minutes=20), now.replace(hour=23, minute=59))
    return f"{start:%H:%M}-{end:%H:%M}"


def test_an_edit_applies_live_and_a_removal_with_waiting_tickets_is_refused(tmp_path):
    data = open_lobby(tmp_path)
    path = write_lobby(tmp_path, data)
    server = KioskServerProcess(path, tmp_path / "queue.sqlite").start()
    events, statuses = [], []
    arrived = threading.Event()

    def on_event(event):
        events.append(event)
        if event["type"] == EventType.CONFIG_CHANGED:
            arrived.set()

    stream = EventStream(server.url, DEVICE_KEYS["display"], on_event=on_event, on_status=statuses.append).start()
    kiosk = ApiClient(server.url, DEVICE_KEYS["kiosk"])
    try:
        assert wait_for(lambda: "connected" in statuses, 10)
        kiosk.issue("paspor")
        with pytest.raises(Exception):
            kiosk.issue("sim")
        edited = copy.deepcopy(data)
        edited["agencies"].append({"id": "polres", "name": "Kepolisian Resor", "short_name": "Polres"})
        edited["groups"].append({"id": "polres", "prefix": "C"})
        edited["services"].append({"id": "sim", "agency": "polres", "group": "polres",
                                   "name": {"id": "SIM", "en": "Driving licence"}, "daily_quota": 1})
        edited["services"][1]["daily_quota"] = 1   # kk: one a day
        edited["counters"].append({"id": "loket-9", "number": "9", "agency": "polres", "services": ["sim"]})
        edited["schedule"]["breaks"] = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                         "span": break_now(), "reason": {"id": "Istirahat", "en": "Break"}}]
        edited["server"]["port"] = 1  # restart-only: named in the log, kept
        rewrite(path, to_toml(edited))
        assert arrived.wait(15), server.output()[-2000:]
        change = next(e for e in events if e["type"] == EventType.CONFIG_CHANGED)
        assert set(change["payload"]["sections"]) == {"agencies", "groups", "services", "counters", "schedule"}
        assert change["payload"]["needs_restart"] == ["server.port"]
        expected = load_config(path).model_copy(update={"server": load_config(path).server.model_copy(
            update={"port": data["server"].get("port", 8600)})})
        assert change["payload"]["version"] == config_version(expected)
        log = server.output()
        assert "applied without a restart" in log
        assert "server.port changed; the running server keeps the old value until it is restarted" in log
        catalog = {s["id"]: s for s in kiosk.catalog()["services"]}
        assert "sim" in catalog
        # the break now covers this minute: every service says so, and nothing is issued
        assert catalog["sim"]["status"] != "open" and catalog["ktp"]["status"] != "open"
        edited["schedule"]["breaks"] = []  # moved away again
        arrived.clear()
        rewrite(path, to_toml(edited))
        assert arrived.wait(15)
        assert kiosk.issue("sim")["code"] == "C-001"
        kiosk.issue("kk")
        with pytest.raises(Exception, match="(?i)quota|kuota|habis|full"):
            kiosk.issue("kk")  # the quota of 1 holds
        assert statuses.count("connected") == 1 and "disconnected" not in statuses  # never dropped
        # removing paspor while its ticket waits: refused, the running config kept
        removed = copy.deepcopy(edited)
        removed["services"] = [s for s in removed["services"] if s["id"] != "paspor"]
        removed["counters"] = [c for c in removed["counters"] if "paspor" not in c["services"]]
        kept = {c["id"] for c in removed["counters"]}
        removed["staff"] = [s for s in removed["staff"] if s["counters"] == ["*"] or set(s["counters"]) <= kept]
        arrived.clear()
        rewrite(path, to_toml(removed))
        assert wait_for(lambda: "is not applied" in server.output(), 15)
        assert ("the edit removes services that still have tickets waiting or being served: paspor (1 ticket); "
                "serve or transfer them first") in server.output()
        assert "paspor" in {s["id"] for s in kiosk.catalog()["services"]}
        assert not arrived.is_set()
        assert server.running
    finally:
        stream.stop()
        kiosk.close()
        server.stop()
    assert "Traceback" not in server.output()
