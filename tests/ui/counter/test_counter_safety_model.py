"""The counter's safeguards as plain rules (kiosk/ui/counter/model.py): tables of inputs and what they give."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.ui.counter.model import (
    CounterView,
    Overdue,
    availability,
    closed_banner,
    countdown_text,
    finish_too_soon_s,
    last_call_at,
    no_show_label,
    overdue_tickets,
    seconds_left,
    wait_alert_lines,
    wait_alert_text,
)
from support.configs import BASE, MONDAY_9, make_config

CALL_AT = MONDAY_9


def iso(when):
    return when.isoformat()


@pytest.mark.parametrize(("seconds", "text"), [
    (45, "0:45"), (44.2, "0:45"), (0.3, "0:01"), (0, "0:00"), (-3, "0:00"), (61, "1:01"), (600, "10:00"),
])
def test_countdown_rounds_up_so_zero_means_now(seconds, text):
    assert countdown_text(seconds) == text


@pytest.mark.parametrize(("calls", "expected"), [
    ([], CALL_AT),                                                   # only the call itself
    ([{"ticket_id": 1, "at": iso(CALL_AT + timedelta(seconds=30))}], CALL_AT + timedelta(seconds=30)),  # a recall
    ([{"ticket_id": 2, "at": iso(CALL_AT + timedelta(seconds=90))}], CALL_AT),  # another ticket's call
    ([{"ticket_id": 1, "at": iso(CALL_AT + timedelta(seconds=50))},
      {"ticket_id": 1, "at": iso(CALL_AT + timedelta(seconds=20))}], CALL_AT + timedelta(seconds=50)),
])
def test_the_wait_runs_from_the_last_call_or_recall(calls, expected):
    ticket = {"id": 1, "called_at": iso(CALL_AT)}
    assert last_call_at(ticket, calls) == expected


@pytest.mark.parametrize(("after_s", "wait_s", "left"), [(0, 45, 45), (10, 45, 35), (45, 45, 0), (80, 45, 0), (5, 0, 0)])
def test_seconds_left(after_s, wait_s, left):
    assert seconds_left(CALL_AT, CALL_AT + timedelta(seconds=after_s), wait_s) == left
    assert seconds_left(None, CALL_AT, wait_s) == 0


@pytest.mark.parametrize(("recalls", "left", "label", "reason"), [
    (0, 30, "Tidak hadir (0:30)", "Panggil ulang A-012 dulu (0 dari 1 kali)."),
    (1, 30, "Tidak hadir (0:30)", "Tunggu 0:30 lagi: pengunjung A-012 mungkin masih berjalan ke loket."),
    (1, 0, "Tidak hadir", None),
])
def test_no_show_waits_for_the_recalls_and_then_the_countdown(recalls, left, label, reason):
    ticket = {"id": 1, "code": "A-012", "state": "called", "recalls": recalls, "service_id": "ktp"}
    view = CounterView(connected=True, status="open", ticket=ticket, recalls_needed=1, no_show_left_s=left)
    assert availability(view, "id")["no_show"] == reason
    assert no_show_label("id", left) == label
    assert no_show_label("en", left) == label.replace("Tidak hadir", "No-show")


@pytest.mark.parametrize(("after_s", "within_s", "asked"), [
    (5, 20, 5), (0, 20, 0), (19.9, 20, 19), (20, 20, None), (300, 20, None), (5, 0, None),
])
def test_a_finish_soon_after_the_call_asks(after_s, within_s, asked):
    ticket = {"called_at": iso(CALL_AT), "state": "called"}
    assert finish_too_soon_s(ticket, CALL_AT + timedelta(seconds=after_s), within_s) == asked
    assert finish_too_soon_s(None, CALL_AT, within_s) is None


@pytest.mark.parametrize(("hour", "minute", "weekday_shift", "expected"), [
    (9, 0, 0, None),                                                        # Monday 09:00: open
    (12, 15, 0, "Lobi tutup untuk nomor baru: tutup sampai 13:00 (Istirahat siang). Masih menunggu di loket ini: 3."),
    (14, 40, 0, "Lobi tutup untuk nomor baru:"),                            # past the last ticket (14:30)
    (16, 0, 0, "Lobi tutup untuk nomor baru:"),                             # after closing
    (10, 0, 5, "Lobi tutup untuk nomor baru:"),                             # Saturday
])
def test_the_closed_banner(hour, minute, weekday_shift, expected):
    config = make_config()
    now = (MONDAY_9 + timedelta(days=weekday_shift)).replace(hour=hour, minute=minute)
    banner = closed_banner("id", config, ["ktp", "kk"], now, 3)
    if expected is None:
        assert banner is None
    else:
        assert banner.startswith(expected) and banner.endswith("Masih menunggu di loket ini: 3.")


def test_the_banner_names_only_the_closed_services_of_this_counter():
    data = {**BASE, "services": [dict(s) for s in BASE["services"]]}
    data["services"][1]["hours"] = {"mon": ["08:00-10:00"]}  # kk closes early on Mondays
    config = make_config(**{k: v for k, v in data.items()})
    banner = closed_banner("en", config, ["ktp", "kk"], MONDAY_9.replace(hour=11), 0)
    assert banner.startswith("Family card: ") and "e-ID" not in banner
    assert banner.endswith("Still waiting for this counter: 0.")


def _waiting(code, service_id, minutes_ago):
    return {"code": code, "service_id": service_id, "issued_at": iso(MONDAY_9 - timedelta(minutes=minutes_ago))}


@pytest.mark.parametrize(("tickets", "service_target", "expected"), [
    ([_waiting("A-001", "ktp", 29)], None, []),                                         # under the lobby's 30
    ([_waiting("A-001", "ktp", 31)], None, [Overdue("A-001", "ktp", 31, 30)]),
    ([_waiting("A-002", "ktp", 31), _waiting("A-001", "ktp", 40)], None, [Overdue("A-001", "ktp", 40, 30)]),  # oldest
    ([_waiting("A-001", "ktp", 12)], 10, [Overdue("A-001", "ktp", 12, 10)]),             # the service's own target
    ([_waiting("A-001", "ktp", 31), _waiting("A-003", "kk", 45)], None,
     [Overdue("A-003", "kk", 45, 30), Overdue("A-001", "ktp", 31, 30)]),                 # longest first
])
def test_the_oldest_ticket_past_its_service_target_is_overdue(tickets, service_target, expected):
    data = {**BASE, "services": [dict(s) for s in BASE["services"]]}
    if service_target is not None:
        data["services"][0]["target_wait_minutes"] = service_target
    config = make_config(**data)
    found = overdue_tickets(config, tickets, MONDAY_9)
    assert found == expected
    names = {"ktp": "KTP-el", "kk": "Kartu Keluarga"}
    text = wait_alert_text("id", found, names.get)
    assert len(wait_alert_lines("id", found, names.get)) == len(expected)
    if not expected:
        assert text == ""
    else:
        first = expected[0]
        line = (f"{first.code} ({names[first.service_id]}) sudah menunggu {first.minutes} menit, "
                f"melewati target {first.target} menit.")
        assert text == (line if len(expected) == 1 else f"{line} (+{len(expected) - 1} layanan lain)")
