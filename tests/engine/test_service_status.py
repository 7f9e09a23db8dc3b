"""Whether a service takes tickets: hours, breaks, holidays, weekend, cutoff, quota — in Indonesian and English."""
from __future__ import annotations

from datetime import datetime

import pytest

from kiosk import errors
from kiosk.config import parse_config
from kiosk.schedule import service_status
from support.configs import MAKASSAR, config_dict, make_config

CONFIG = make_config()
KTP = CONFIG.service_by_id["ktp"]


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MAKASSAR)


def status_at(when: datetime, service=KTP, issued_today: int = 0, config=CONFIG):
    return service_status(config, service, when, issued_today)


@pytest.mark.parametrize("when, text_id, text_en, opens_at", [
    # Friday 27 November 2026, during the Friday prayer break 11:30-13:30
    (local(27, 12), "tutup sampai 13:30 (Istirahat salat Jumat)", "closed until 13:30 (Friday prayer break)", local(27, 13, 30)),
    # Monday lunch break 12:00-13:00
    (local(23, 12, 30), "tutup sampai 13:00 (Istirahat siang)", "closed until 13:00 (Lunch break)", local(23, 13)),
    (local(23, 12), "tutup sampai 13:00 (Istirahat siang)", "closed until 13:00 (Lunch break)", local(23, 13)),
    # Christmas is a Friday: next opening is Monday 28 December
    (local(25, 10, month=12), "tutup sampai Senin 08:00 (libur: Hari Raya Natal)",
     "closed until Monday 08:00 (holiday: Hari Raya Natal)", local(28, 8, month=12)),
    # weekend
    (local(28, 10), "tutup sampai Senin 08:00", "closed until Monday 08:00", local(30, 8)),
    (local(29, 10), "tutup sampai besok 08:00", "closed until tomorrow 08:00", local(30, 8)),
    # before opening, and after closing on a Friday
    (local(23, 7, 59), "tutup sampai 08:00", "closed until 08:00", local(23, 8)),
    (local(27, 16), "tutup sampai Senin 08:00", "closed until Monday 08:00", local(30, 8)),
    # last ticket 30 minutes before the 15:00 close
    (local(23, 14, 30), "tutup sampai besok 08:00 (nomor terakhir pukul 14:30)",
     "closed until tomorrow 08:00 (last ticket at 14:30)", local(24, 8)),
    # Friday closes at 15:30, so its cutoff is 15:00
    (local(27, 15), "tutup sampai Senin 08:00 (nomor terakhir pukul 15:00)",
     "closed until Monday 08:00 (last ticket at 15:00)", local(30, 8)),
])
def test_closed_states_say_until_when_and_why(when, text_id, text_en, opens_at):
    status = status_at(when)
    assert (status.state, status.text_id, status.text_en, status.opens_at) == ("closed", text_id, text_en, opens_at)
    assert status.text("id") == text_id and status.text("en") == text_en
    assert status.to_dict("en") == {"state": "closed", "text": text_en, "opens_at": opens_at.isoformat()}


@pytest.mark.parametrize("when", [
    local(23, 8), local(23, 11, 59), local(23, 13), local(23, 14, 29),
    local(27, 11, 29), local(27, 13, 30), local(27, 14, 59),
])
def test_open_at_the_edges(when):
    status = status_at(when)
    assert (status.state, status.text_id, status.text_en) == ("open", "buka", "open")


def test_holiday_outranks_everything():
    assert status_at(local(25, 8, month=12)).state == "closed"
    assert "Hari Raya Natal" in status_at(local(25, 9, month=12)).text_id


def test_quota_edge():
    paspor = CONFIG.service_by_id["paspor"]
    assert status_at(local(23, 9), paspor, issued_today=2).state == "open"
    full = status_at(local(23, 9), paspor, issued_today=3)
    assert (full.state, full.text_id, full.text_en) == ("full", "penuh: kuota 3 tercapai", "full: quota 3 reached")
    assert full.opens_at == local(24, 8)
    # a closed service says closed, not full
    assert status_at(local(23, 16), paspor, issued_today=3).state == "closed"


def test_service_hours_override_the_lobby_hours():
    data = config_dict()
    data["services"][0]["hours"] = {"mon": ["10:00-14:00"], "wed": ["08:00-11:00"]}
    config = parse_config(data)
    ktp, kk = config.service_by_id["ktp"], config.service_by_id["kk"]
    assert status_at(local(23, 9), ktp, config=config).text_en == "closed until 10:00"
    assert status_at(local(23, 9), kk, config=config).state == "open"
    assert status_at(local(23, 10), ktp, config=config).state == "open"
    # lunch still applies inside the service's own hours; its cutoff follows its own close
    assert status_at(local(23, 12, 15), ktp, config=config).text_en == "closed until 13:00 (Lunch break)"
    assert status_at(local(23, 13, 30), ktp, config=config).text_en == "closed until Wednesday 08:00 (last ticket at 13:30)"
    # a weekday the service does not list is closed, even though the lobby is open
    assert status_at(local(24, 9), ktp, config=config).text_en == "closed until tomorrow 08:00"
    assert status_at(local(24, 9), kk, config=config).state == "open"


# ---------------------------------------------------------------- the engine enforces it


def test_engine_refuses_a_closed_service_with_the_status_sentence(engine, clock):
    clock.set(local(27, 12))
    with pytest.raises(errors.ServiceUnavailable) as refused:
        engine.issue_ticket("ktp")
    assert refused.value.message("en") == "closed until 13:30 (Friday prayer break)"
    assert refused.value.message("id") == "tutup sampai 13:30 (Istirahat salat Jumat)"
    assert refused.value.to_dict("en") == {
        "error": "service_unavailable", "message": "closed until 13:30 (Friday prayer break)", "state": "closed"}
    assert engine.service_status("ktp").state == "closed"
    clock.set(local(27, 13, 30))
    assert engine.issue_ticket("ktp").ticket.code == "A-001"


def test_engine_quota_third_ok_fourth_refused_next_day_fresh(engine, clock):
    codes = [engine.issue_ticket("paspor").ticket.code for _ in range(3)]
    assert codes == ["B-001", "B-002", "B-003"]
    with pytest.raises(errors.ServiceUnavailable) as refused:
        engine.issue_ticket("paspor")
    assert refused.value.message("en") == "full: quota 3 reached"
    assert refused.value.message("id") == "penuh: kuota 3 tercapai"
    assert engine.service_status("paspor").state == "full"
    paspor = next(s for s in engine.catalog("en")["services"] if s["id"] == "paspor")
    assert paspor["status"]["text"] == "full: quota 3 reached" and paspor["issued_today"] == 3
    assert engine.issue_ticket("ktp").ticket.code == "A-001"  # other services are not affected
    clock.set(local(24, 8))
    assert engine.issue_ticket("paspor").ticket.code == "B-001"


def test_quota_counts_issued_tickets_not_transfers_in(make_engine):
    data = config_dict()
    data["counters"][0]["services"] = ["ktp", "kk", "paspor"]
    engine = make_engine(parse_config(data))
    engine.open_counter("loket-1")
    engine.issue_ticket("ktp")
    engine.call_next("loket-1")
    engine.transfer("loket-1", "paspor", supervisor=True)  # another agency's service
    assert [engine.issue_ticket("paspor").ticket.code for _ in range(3)] == ["B-001", "B-002", "B-003"]


def test_catalog_shows_closed_services_as_closed(engine, clock):
    clock.set(local(28, 10))
    catalog = engine.catalog("id")
    assert {s["id"]: s["status"]["text"] for s in catalog["services"]} == {
        "ktp": "tutup sampai Senin 08:00", "kk": "tutup sampai Senin 08:00", "paspor": "tutup sampai Senin 08:00"}


def test_a_cutoff_inside_a_break_promises_no_reopening_that_day():
    """With the last ticket at 12:30 (in the 12:00-13:00 lunch), 'closed until 13:00' would be false."""
    data = config_dict()
    data["schedule"]["last_ticket_minutes"] = 150
    config = parse_config(data)
    assert status_at(local(23, 11, 59), config=config).state == "open"
    assert status_at(local(23, 12, 10), config=config).text_en == "closed until tomorrow 08:00"
    assert status_at(local(23, 12, 45), config=config).text_en == "closed until tomorrow 08:00 (last ticket at 12:30)"
    assert status_at(local(23, 13, 30), config=config).text_en == "closed until tomorrow 08:00 (last ticket at 12:30)"
    # the morning before, 'closed until' names the first opening that still takes tickets
    assert status_at(local(23, 7), config=config).opens_at == local(23, 8)


def test_a_closure_a_week_or_more_long_names_the_date():
    data = config_dict()
    data["schedule"]["holidays"] = [{"date": f"2026-12-{day:02d}", "name": "Cuti bersama"} for day in range(21, 31)]
    config = parse_config(data)
    status = status_at(local(21, 9, month=12), config=config)
    assert status.opens_at == local(31, 8, month=12)
    assert status.text_en == "closed until Thursday 31/12 08:00 (holiday: Cuti bersama)"
    assert status.text_id == "tutup sampai Kamis 31/12 08:00 (libur: Cuti bersama)"
