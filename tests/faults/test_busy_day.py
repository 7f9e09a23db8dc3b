"""A short busy day (bench/day.py with 1,000 tickets in about 30 s): no display loses or doubles an event.

The same simulation as the benchmark — the real server process, 100 counters,
5 kiosks, 10 displays, peaks, no-shows, recalls, transfers and pauses — only
shorter. It asserts what must hold on any machine (every event reaches every
display exactly once, every ticket is stored once, no request fails); the
latency targets are the benchmark's to report, not a test's to time.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench import day  # noqa: E402

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]


def test_a_short_busy_day_loses_and_doubles_no_event(tmp_path):
    result = day.run_day(tickets=1000, hours=8, wall_s=30, seed=11, workdir=tmp_path, log=lambda *_: None)
    print(json.dumps(result))
    assert result["tickets"] == result["tickets_in_db"] == 1000
    assert result["duplicate_numbers"] == 0
    assert result["unexpected_errors"] == 0, result.get("first_errors")
    assert result["displays"] == 10
    assert result["lost_events"] == 0
    assert result["doubled_events"] == 0
    assert result["events_sent_twice"] == 0
    assert result["display_state_mismatches"] == 0
    # the day really happened: counters called most visitors, with every kind of turn (the 8 hours are squeezed
    # into 30 s: on a loaded 2-core machine the last half hour's visitors are still waiting when it ends; CI saw
    # 847 calls with the machine busy elsewhere, 900+ idle)
    assert result["calls"] >= 750
    assert min(result["recalls"], result["no_shows"], result["transfers"], result["pauses"]) > 0
