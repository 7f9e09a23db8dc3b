"""A typed answer (response_model=) changes nothing on the wire: the JSON is what the server built, every
field kept (a view that forgot one would drop it), none added as null, no number turned into another type."""
from __future__ import annotations

import json

from support.configs import DEVICE_KEYS


def as_json(value):
    return json.loads(json.dumps(value))


def test_the_answers_are_the_dicts_the_server_built(server, kiosk, staff, http):
    backend = server.app.state.backend
    first = kiosk.issue("ktp")
    kiosk.issue("kk", priority=True)
    kiosk.issue("ktp", lang="en")
    staff.action("loket-1", "call-next")
    staff.action("loket-1", "recall")
    staff.action("loket-1", "start")
    staff.action("loket-1", "finish")
    staff.action("loket-1", "call-next")

    assert http.get("/api/v1/catalog?lang=en").json() == as_json(server.engine.catalog("en"))
    assert http.get("/api/v1/catalog").json() == as_json(server.engine.catalog("id"))
    for lang in (None, "en"):
        view, _ = backend.ticket_view(first["token"], lang)
        asked = http.get(f"/api/v1/tickets/{first['token']}", params={"lang": lang} if lang else None)
        assert asked.json() == as_json(view)
    manager = {"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}
    counter_pc = {"Authorization": f"Bearer {DEVICE_KEYS['counter-app']}"}
    for _ in range(server.config.server.login_attempts_per_minute):  # a lockout: a security event
        http.post("/api/v1/sessions", json={"user": "petugas3", "pin": "0000", "counter_id": "loket-3"},
                  headers=counter_pc)
    assert backend.security_view()["events"]
    assert http.get("/api/v1/counters/loket-1/waiting", headers=manager).json() == as_json(
        backend.waiting_view("loket-1", "id"))
    assert http.get("/api/v1/counters/loket-1/stats", headers=manager).json() == as_json(
        server.engine.counter_stats("loket-1"))
    assert http.get("/api/v1/state", headers=manager).json() == as_json(server.engine.snapshot())
    assert http.get("/api/v1/security/events", headers=manager).json() == as_json(backend.security_view())
    # a counter action: the ticket the backend names, the counter as it stands, the last seq
    recalled = staff.action("loket-1", "recall")
    assert recalled == as_json({
        "action": "recall", "ticket": backend.public_ticket(server.engine.counter_ticket("loket-1"), "id"),
        "counter": backend.counter_view("loket-1"), "seq": server.engine.last_seq()})
    stats = staff.stats("loket-1")
    assert isinstance(stats["mean_service_minutes"], float) and isinstance(stats["served_today"], int)
