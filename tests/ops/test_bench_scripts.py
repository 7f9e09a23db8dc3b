"""Every script in bench/ runs as a technician runs it — `python bench/NAME.py` from the repo
root, without PYTHONPATH — here with `--tiny` (a few seconds), and ends with one JSON line
whose figures each say their unit.

The unit rule, met by every key the benchmarks print: a number's key has, among its
"_"-separated words, a unit (ms, s, mb, pct, hours, minute, 1min, status) or the plural
noun of what it counts (tickets, calls, requests, …; "count" where the noun is a word like
cpu). Strings and booleans are labels and verdicts; a list's key follows the rule like a
number's; an object is a group of named figures, checked key by key, unless its own key
names what it counts (then its keys are data, e.g. HTTP statuses).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(path.stem for path in (ROOT / "bench").glob("*.py") if not path.name.startswith("_"))
UNITS = {
    "ms", "s", "mb", "pct", "hours", "minute",
    "1min",    # a load average over one minute
    "status",  # an HTTP status code
    "count",
}
# Inputs echoed so a run can be repeated; they are not figures.
RUN_INPUTS = {"seed"}

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def has_unit(key: str) -> bool:
    words = key.split("_")
    return any(word in UNITS or (len(word) > 3 and word.endswith("s")) for word in words)


def keys_without_unit(figures: dict, where: str = "") -> list[str]:
    missing = []
    for key, value in figures.items():
        path = f"{where}{key}"
        if isinstance(value, dict):
            if not has_unit(key):
                missing += keys_without_unit(value, f"{path}.")
        elif isinstance(value, bool) or isinstance(value, str) or value is None or key in RUN_INPUTS:
            continue
        elif not has_unit(key):
            missing.append(path)
    return missing


def test_the_unit_rule_tells_a_unit_from_none():
    assert has_unit("tap_to_printed_p95_ms") and has_unit("issues_per_s") and has_unit("tickets")
    assert has_unit("rss_peak_mb") and has_unit("cpu_count") and has_unit("healthz_status_after_huge")
    assert not has_unit("waiting") and not has_unit("huge_cut_off") and not has_unit("idle_opened")
    assert keys_without_unit({"waiting": 3, "label": "x", "ok": True, "group": {"calls": 2, "opened": 1},
                              "http_statuses": {"500": 2}, "seed": 7}) == ["waiting", "group.opened"]


def test_every_bench_script_is_covered():
    assert {"abuse", "api", "counter", "day", "display", "engine", "kiosk_tap", "lobby", "printer_bench",
            "report"} <= set(SCRIPTS)
    assert "kiosk" not in SCRIPTS  # bench/kiosk.py would shadow the kiosk package for every script here


def run_tiny(name: str, tmp_path: Path) -> dict:
    """`python bench/NAME.py --tiny` from the repo root: its last line, one JSON object whose keys name units."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["TMPDIR"] = str(tmp_path)  # the scripts' scratch folders go with the test's
    done = subprocess.run([sys.executable, f"bench/{name}.py", "--tiny"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    last = done.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    assert isinstance(figures, dict) and figures, last
    assert keys_without_unit(figures) == [], last
    return figures


@pytest.mark.parametrize("name", [name for name in SCRIPTS if name != "soak"])
def test_bench_script_runs_tiny_from_the_repo_root_and_ends_with_json_in_units(name, tmp_path):
    run_tiny(name, tmp_path)


def test_the_soak_runs_the_real_windows_through_lobby_days(tmp_path):
    """The soak's short version: the kiosk, counter and display are Qt windows (their widgets counted in their
    own processes), driven through their own buttons: tickets tapped, calls clicked, codes painted, each day."""
    figures = run_tiny("soak", tmp_path)
    for window in ("kiosk", "counter", "display"):
        assert figures[f"{window}_widgets_day1"] > 0 and figures[f"{window}_widgets_dayN"] > 0, window
        assert figures[f"{window}_rss_mb_dayN"] > 0 and figures[f"{window}_threads_dayN"] > 0, window
    assert figures["tickets"] >= figures["calls"] > 0
    assert figures["shown_calls"] >= 0.8 * figures["calls"]  # a call at the very end may still be on its way
    assert figures["call_to_display_calls_day1"] > 0 and figures["call_to_display_calls_dayN"] > 0
    assert figures["call_to_display_p95_ms_day1"] > 0 and figures["call_to_display_p95_ms_dayN"] > 0


def test_the_soaks_clock_gives_the_open_hours_their_time_and_hurries_the_nights():
    """bench/soak.py's clock: a weekday's 07:00-19:00 takes --day-seconds, its night and a whole Sunday
    --night-seconds a half; continuous at each change of speed (read in a process of its own, as the
    soak's windows read it)."""
    probe = (
        "import json, time\n"
        "from multiprocessing import Value\n"
        "import soak\n"
        "t0 = Value('d', 0.0)\n"
        "clock = soak.FastClock(soak.START, 100.0, 2.0, t0, 8)\n"
        "out = {'not_started': clock.now().isoformat()}\n"
        "for label, real in [('noon', 50), ('evening', 100), ('night', 101), ('next_day', 102),\n"
        "                    ('sat_evening', 5 * 102 + 100), ('sunday_noon', 6 * 102 + 1), ('monday', 6 * 102 + 4),\n"
        "                    ('monday_noon', 6 * 102 + 54)]:\n"
        "    t0.value = time.time() - real\n"
        "    out[label] = clock.now().strftime('%a %H:%M')\n"
        "out['day_ends_s'] = [clock.day_end(d) for d in (1, 6, 7)]\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT / "bench", capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT / "bench")})
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["not_started"].startswith("2026-11-23T07:00")  # stands at the start until every window is up
    assert (seen["noon"], seen["evening"], seen["night"], seen["next_day"]) == (
        "Mon 13:00", "Mon 19:00", "Tue 01:00", "Tue 07:00")
    assert (seen["sat_evening"], seen["sunday_noon"], seen["monday"], seen["monday_noon"]) == (
        "Sat 19:00", "Sun 13:00", "Mon 07:00", "Mon 13:00")  # Sunday: 2 + 2 s
    assert seen["day_ends_s"] == [102.0, 612.0, 616.0]
