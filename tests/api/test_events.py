"""Live events over the WebSocket: order, exactly once across drops, auth, keepalive; the per-ticket feed."""
from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from kiosk.client import EventStream
from kiosk.engine import QueueEngine
from kiosk.lobby_state import LobbyState
from kiosk.store import Store
from support.configs import DEVICE_KEYS
from support.proxy import LoopbackProxy

DISPLAY = DEVICE_KEYS["display"]


def ws(server, path="/api/v1/events", *, key=DISPLAY, header=False, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    if key and not header:
        query = f"key={key}" + (f"&{query}" if query else "")
    headers = {"Authorization": f"Bearer {key}"} if key and header else None
    return connect(f"{server.ws_url}{path}?{query}", additional_headers=headers, open_timeout=3)


def receive(conn, timeout=3.0) -> dict:
    return json.loads(conn.recv(timeout=timeout))


def receive_events(conn, count, timeout=5.0) -> list[dict]:
    """The next ``count`` events (pings skipped)."""
    events, deadline = [], time.monotonic() + timeout
    while len(events) < count:
        message = receive(conn, max(0.01, deadline - time.monotonic()))
        if message.get("type") != "ping":
            events.append(message)
    return events


def assert_quiet(conn, seconds=0.5):
    """Nothing but pings arrives for a while."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            message = receive(conn, max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            return
        assert message == {"type": "ping"}, f"unexpected message {message}"


def wait_for(predicate, timeout=5.0, step=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# ---------------------------------------------------------------------------- the lobby stream

def test_stream_sends_every_event_after_since_in_order_then_live(server, kiosk):
    for _ in range(3):
        kiosk.issue("ktp")
    with ws(server, since=1) as conn:
        hello = receive(conn)
        assert hello["type"] == "hello" and hello["since"] == 1
        past = receive_events(conn, 3)
        assert [e["seq"] for e in past] == [2, 3, 4]
        # seq 1 is the day's roll-over, written before the day's first ticket
        assert past[0]["type"] == "ticket_issued" and past[0]["payload"]["code"] == "A-001"
        assert set(past[0]) == {"seq", "type", "at", "ticket_id", "counter_id", "payload"}
        live = kiosk.issue("kk")
        (event,) = receive_events(conn, 1)
        assert event["seq"] == live["seq"] and event["payload"]["code"] == live["code"]
        assert_quiet(conn, 0.3)


def test_without_since_only_new_events_come(server, kiosk):
    kiosk.issue("ktp")
    with ws(server) as conn:
        assert receive(conn)["type"] == "hello"
        issued = kiosk.issue("ktp")
        assert [e["seq"] for e in receive_events(conn, 1)] == [issued["seq"]]


@pytest.mark.parametrize("role", ["kiosk", "display", "counter-app", "manager"])
def test_every_device_key_may_listen_by_header_or_query(server, role):
    for header in (False, True):
        with ws(server, key=DEVICE_KEYS[role], header=header, since=0) as conn:
            assert receive(conn)["type"] == "hello"


def test_a_staff_session_may_listen(server, staff):
    with ws(server, key=staff.credential, since=0) as conn:
        assert receive(conn)["type"] == "hello"


@pytest.mark.parametrize("key", [None, "wrong-key-0123456789", "x" * 300])
def test_stream_refuses_a_missing_or_wrong_key(server, key):
    with ws(server, key=key, since=0) as conn:
        refusal = receive(conn)
        assert refusal["type"] == "error" and refusal["error"] == "unauthorized"
        with pytest.raises(ConnectionClosed) as closed:
            conn.recv(timeout=3)
    assert closed.value.rcvd.code == 4401


@pytest.mark.parametrize("since", ["abc", "-1", "1.5", str(2**70), ""])
def test_a_bad_since_is_refused(server, since):
    with ws(server, since=since) as conn:
        assert receive(conn)["error"] == "invalid_request"
        with pytest.raises(ConnectionClosed) as closed:
            conn.recv(timeout=3)
    assert closed.value.rcvd.code == 4400


def test_a_since_beyond_the_servers_events_asks_for_a_new_snapshot(server, kiosk):
    kiosk.issue("ktp")
    with ws(server, since=999) as conn:
        assert receive(conn) == {"type": "resync", "seq": 2}
        with pytest.raises(ConnectionClosed) as closed:
            conn.recv(timeout=3)
    assert closed.value.rcvd.code == 4409


def test_pings_keep_an_idle_stream_alive(server):
    with ws(server, since=0) as conn:
        assert receive(conn)["type"] == "hello"
        assert receive(conn, timeout=3) == {"type": "ping"}  # ping_seconds=1 in these tests
        assert receive(conn, timeout=3) == {"type": "ping"}


@pytest.mark.load_test
def test_events_from_before_a_restart_come_from_the_database(server, kiosk):
    issued = [kiosk.issue("ktp")["seq"] for _ in range(30)]
    server.restart()
    with ws(server, since=1) as conn:  # seq 1: the day's roll-over
        receive(conn)
        assert [e["seq"] for e in receive_events(conn, 30)] == issued
        assert_quiet(conn, 0.3)


def test_writes_by_another_process_reach_listeners_within_a_second(server, config, clock, kiosk):
    kiosk.issue("ktp")  # the day has begun
    other = QueueEngine(config, Store(server.db_path), clock)  # e.g. a second server process on the same file
    try:
        with ws(server) as conn:
            receive(conn)
            started = time.monotonic()
            other.issue_ticket("ktp")
            (event,) = receive_events(conn, 1, timeout=3)
            assert event["type"] == "ticket_issued"
            assert time.monotonic() - started < 1.5
    finally:
        other.store.close()


def test_snapshot_plus_events_rebuild_the_servers_state(server, kiosk, staff):
    kiosk.issue("ktp")
    snapshot = server.client("display").state()
    lobby = LobbyState(snapshot)
    with ws(server, since=snapshot["seq"]) as conn:
        receive(conn)
        kiosk.issue("kk")
        kiosk.issue("ktp", priority=True)
        staff.action("loket-1", "call-next")
        staff.action("loket-1", "recall")
        staff.action("loket-1", "pause", reason="rapat")
        for event in receive_events(conn, 5):
            assert lobby.apply(event)
    assert lobby.to_snapshot() == server.engine.snapshot()


# ---------------------------------------------------------------------------- resuming after a drop

def test_event_stream_resumes_after_a_cut_with_exactly_the_missed_events(server, kiosk, staff):
    kiosk.issue("ktp")
    staff.action("loket-1", "call-next")
    with LoopbackProxy(server.port) as proxy:
        snapshots, events, statuses = [], [], []
        got = threading.Condition()

        def on_event(event):
            with got:
                events.append(event)
                got.notify_all()

        stream = EventStream(proxy.url, DISPLAY, on_event=on_event, on_status=statuses.append,
                             on_snapshot=snapshots.append)
        try:
            assert wait_for(lambda: statuses == ["connected"])
            assert snapshots[0]["seq"] == server.engine.last_seq() and stream.last_seq == snapshots[0]["seq"]
            before = stream.last_seq
            proxy.cut()
            assert wait_for(lambda: statuses[-1] == "disconnected")
            twenty = [staff.action("loket-1", "recall")["seq"] for _ in range(20)]
            time.sleep(0.5)  # the stream retries against the cut network meanwhile
            assert events == []
            proxy.resume()
            with got:
                assert got.wait_for(lambda: len(events) >= 20, timeout=5)
            time.sleep(0.5)  # and nothing more comes
            assert [e["seq"] for e in events] == twenty == list(range(before + 1, before + 21))
            assert [e["type"] for e in events] == ["recalled"] * 20
            assert [e["payload"]["recall"] for e in events] == list(range(1, 21))
            assert statuses == ["connected", "disconnected", "connected"]
            assert len(snapshots) == 1 and stream.connections == 2
            # live again
            staff.action("loket-1", "finish")
            with got:
                assert got.wait_for(lambda: len(events) == 21, timeout=3)
        finally:
            stream.stop()


@pytest.mark.load_test
def test_raw_websocket_resumes_from_its_last_seq(server, kiosk, staff):
    for _ in range(21):
        kiosk.issue("ktp")
    snapshot = server.client("display").state()
    with ws(server, since=snapshot["seq"]) as conn:
        receive(conn)
        staff.action("loket-1", "call-next")
        (first,) = receive_events(conn, 1)
        last_seq = first["seq"]
        # the connection is cut here (closed by the client)
    calls = []
    for _ in range(20):  # 20 calls while away, each after finishing the one before
        staff.action("loket-1", "finish")
        calls.append(staff.action("loket-1", "call-next")["seq"])
    expected = list(range(last_seq + 1, server.engine.last_seq() + 1))
    with ws(server, since=last_seq) as conn:
        assert receive(conn)["since"] == last_seq
        events = receive_events(conn, len(expected))
        assert_quiet(conn, 0.5)
    assert [e["seq"] for e in events] == expected
    assert [e["seq"] for e in events if e["type"] == "called"] == calls
    assert [e["type"] for e in events] == ["finished", "called"] * 20


def test_event_stream_survives_a_server_restart(server, kiosk):
    kiosk.issue("kk")
    events, statuses = [], []
    stream = EventStream(server.url, DISPLAY, on_event=events.append, on_status=statuses.append,
                         since=server.engine.last_seq())
    try:
        first = kiosk.issue("ktp")
        assert wait_for(lambda: len(events) == 1)
        server.restart()
        assert wait_for(lambda: statuses[-1:] == ["connected"] and statuses.count("connected") == 2, timeout=6)
        second = kiosk.issue("ktp")
        assert wait_for(lambda: len(events) == 2)
        assert [e["seq"] for e in events] == [first["seq"], second["seq"]]
        assert statuses == ["connected", "disconnected", "connected"]
    finally:
        stream.stop()


def test_event_stream_takes_a_new_snapshot_when_the_database_was_replaced(config, tmp_path, clock):
    from support.server import running_server

    snapshots, events = [], []
    with running_server(config, tmp_path / "one.sqlite", clock) as server:
        kiosk = server.client("kiosk")
        for _ in range(5):
            kiosk.issue("ktp")
        stream = EventStream(server.url, DISPLAY, on_event=events.append, on_snapshot=snapshots.append)
        try:
            assert wait_for(lambda: stream.status == "connected")
            server.stop()
            server.db_path = tmp_path / "two.sqlite"  # a new, empty database behind the same address
            server.start()
            assert wait_for(lambda: len(snapshots) == 2, timeout=6)
            assert snapshots[1]["seq"] == 0
            issued = kiosk.issue("kk")
            # the new database's first day, then the ticket
            assert wait_for(lambda: [e["seq"] for e in events] == [1, issued["seq"]])
        finally:
            stream.stop()


def test_event_stream_reports_a_refused_key_and_stops_quickly(server):
    statuses = []
    stream = EventStream(server.url, "wrong-key-0123456789", on_event=lambda e: None, on_status=statuses.append, since=0)
    assert wait_for(lambda: statuses == ["unauthorized"])
    started = time.monotonic()
    stream.stop()
    assert time.monotonic() - started < 1.0 and not stream.alive


def test_event_stream_stops_within_a_second_while_connected_or_retrying(server):
    stream = EventStream(server.url, DISPLAY, on_event=lambda e: None, since=0)
    assert wait_for(lambda: stream.status == "connected")
    started = time.monotonic()
    stream.stop()
    assert time.monotonic() - started < 1.0 and not stream.alive
    nowhere = EventStream("http://127.0.0.1:9", DISPLAY, on_event=lambda e: None)
    assert wait_for(lambda: nowhere.status == "disconnected")
    started = time.monotonic()
    nowhere.stop()
    assert time.monotonic() - started < 1.0 and not nowhere.alive


def test_a_failing_callback_does_not_stop_the_stream(server, kiosk):
    seen = []

    def on_event(event):
        seen.append(event["seq"])
        if len(seen) == 1:
            raise RuntimeError("a window's bug")

    stream = EventStream(server.url, DISPLAY, on_event=on_event, since=0)
    try:
        kiosk.issue("ktp")
        kiosk.issue("ktp")
        assert wait_for(lambda: seen == [1, 2, 3])
    finally:
        stream.stop()


# ---------------------------------------------------------------------------- the per-ticket feed

def test_ticket_feed_pushes_the_call_within_a_second_and_nothing_about_others(server, kiosk, staff):
    other = kiosk.issue("ktp")
    mine = kiosk.issue("ktp")
    with ws(server, f"/api/v1/tickets/{mine['token']}/events", key=None, lang="en") as conn:
        first = receive(conn)
        assert first["type"] == "status" and first["status"]["people_ahead"] == 1
        assert "A-002" in first["html"] and "people ahead of you" in first["html"]
        staff.action("loket-1", "call-next")  # calls the other ticket: I move up
        moved = receive_events(conn, 1)[0]
        assert moved["status"]["people_ahead"] == 0 and moved["status"]["state"] == "waiting"
        staff.action("loket-1", "finish")
        started = time.monotonic()
        staff.action("loket-1", "call-next")
        called = receive_events(conn, 1)[0]
        assert time.monotonic() - started < 1.0
        assert called["status"]["state"] == "called" and called["status"]["counter_number"] == "1"
        assert "Please go to counter 1" in called["html"]
        messages = [first, moved, called]
    text = json.dumps(messages)
    assert other["code"] not in text and other["token"] not in text and mine["token"] not in json.dumps(
        [m["status"] for m in messages])
    for message in messages:
        assert "seq" not in message["status"] and "id" not in message["status"]


def test_ticket_feed_sends_only_changes(server, kiosk):
    mine = kiosk.issue("ktp")
    with ws(server, f"/api/v1/tickets/{mine['token']}/events", key=None) as conn:
        receive(conn)
        kiosk.issue("ktp")  # behind me: my view does not change
        kiosk.issue("kk")
        assert_quiet(conn, 1.2)


def test_ticket_feed_for_an_unknown_token_closes_with_4404(server):
    with ws(server, "/api/v1/tickets/nope/events", key=None) as conn:
        assert receive(conn)["error"] == "unknown_ticket"
        with pytest.raises(ConnectionClosed) as closed:
            conn.recv(timeout=3)
    assert closed.value.rcvd.code == 4404


@pytest.mark.load_test
def test_a_burst_of_concurrent_writes_reaches_a_listener_once_each_in_order(server, kiosk):
    kiosk.issue("ktp")
    start = server.engine.last_seq()
    with ws(server, since=start) as conn:
        receive(conn)

        async def burst():
            async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {DEVICE_KEYS['kiosk']}"},
                                         limits=httpx.Limits(max_connections=32)) as http:
                answers = await asyncio.gather(*(http.post("/api/v1/tickets", json={"service_id": service})
                                                 for service in ["ktp", "kk"] * 100))
            return [a.json() for a in answers]

        issued = asyncio.run(burst())
        events = receive_events(conn, 200, timeout=15)
        assert_quiet(conn, 0.3)
    assert [e["seq"] for e in events] == list(range(start + 1, start + 201))
    assert sorted(i["seq"] for i in issued) == [e["seq"] for e in events]
    codes = [i["code"] for i in issued]
    assert len(set(codes)) == 200  # the group 'A' numbers both services: none given twice
