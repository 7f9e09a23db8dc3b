"""The network between the display and the server fails while counters keep calling.

The display follows the server through a loopback proxy; the counter calls
straight on the server. During the cut the display hears nothing; when the
network comes back it catches up with every missed event, in order, each
once, and ends with the same lobby as the server.
"""
from __future__ import annotations

import time

import pytest

from faults.helpers import LobbyDisplay, open_lobby, wait_for
from kiosk.config import parse_config
from support.proxy import LoopbackProxy
from support.server import running_server

pytestmark = pytest.mark.timeout(120)


def calls_through_a_cut(tmp_path, *, cut_seconds: float, calls: int, hold: bool) -> None:
    config = parse_config(open_lobby(tmp_path, counters=3), base_dir=tmp_path)
    with running_server(config, tmp_path / "queue.sqlite", ping_seconds=1.0) as server, \
            LoopbackProxy(server.port) as proxy:
        kiosk = server.client("kiosk")
        staff = server.staff_client("petugas1", "loket-1")
        for n in range(calls + 10):
            kiosk.issue(("ktp", "kk", "akta")[n % 3])
        display = LobbyDisplay(proxy.url)
        try:
            assert wait_for(lambda: display.statuses[-1:] == ["connected"], timeout=5)
            called_before = []
            for _ in range(5):
                called_before.append(staff.action("loket-1", "call-next")["seq"])
                staff.action("loket-1", "finish")
            assert wait_for(lambda: display.seq == server.engine.last_seq(), timeout=3)
            seen_before_cut = display.seq

            proxy.cut(hold=hold)
            assert wait_for(lambda: display.statuses[-1] == "disconnected", timeout=3)
            called_during = []
            started = time.monotonic()
            for n in range(calls):
                # the calls are spread over the whole cut, as a lobby's are
                wait_until = started + (n + 1) * cut_seconds / calls
                called_during.append(staff.action("loket-1", "call-next")["seq"])
                staff.action("loket-1", "finish")
                time.sleep(max(0.0, wait_until - time.monotonic()))
                assert display.seq == seen_before_cut, "an event crossed a cut network"
            assert time.monotonic() - started >= cut_seconds * 0.95
            if hold:
                assert proxy.held >= 1, "the display never tried to reconnect during the cut"
            last_seq = server.engine.last_seq()

            proxy.resume()
            # reconnecting waits for the retry back-off (at most 2 s) and a held handshake to time out (3 s)
            assert wait_for(lambda: display.seq == last_seq, timeout=10)
            time.sleep(0.3)  # and nothing more arrives
            first_seq = display.delivered[0]
            assert display.delivered == list(range(first_seq, last_seq + 1)), "a gap or a repeat"
            assert display.snapshots == 1
            assert sorted(seq for _ticket, seq in display.calls) == called_before + called_during
            assert set(display.calls.values()) == {1}
            assert display.state.to_snapshot() == server.engine.snapshot()
            assert display.statuses == ["connected", "disconnected", "connected"]

            # live again, at once
            sent = time.monotonic()
            live = staff.action("loket-1", "call-next")["seq"]
            assert wait_for(lambda: display.seq == live, timeout=2)
            assert time.monotonic() - sent < 1.0
        finally:
            display.stop()
            kiosk.close()
            staff.close()


@pytest.mark.slow
def test_a_30_second_cut_where_the_switch_swallows_new_connections(tmp_path):
    # the worst case: reconnects are accepted and never answered, so each must time out
    calls_through_a_cut(tmp_path, cut_seconds=30, calls=30, hold=True)


def test_a_short_cut_where_new_connections_are_refused(tmp_path):
    calls_through_a_cut(tmp_path, cut_seconds=3, calls=10, hold=False)
