"""Finding a ticket by what staff type or scan, and the wait estimate a visitor is shown."""
from __future__ import annotations

import pytest

from kiosk import errors


@pytest.fixture
def twelve(engine):
    """A-001 .. A-012, the last one returned."""
    for _ in range(11):
        engine.issue_ticket("ktp")
    return engine.issue_ticket("kk").ticket


@pytest.mark.parametrize("typed", ["a12", "A-012", "A012", "a-12", " a - 012 ", "A 12"])
def test_find_by_code_variants(engine, twelve, typed):
    assert engine.find_ticket(typed).id == twelve.id


def test_find_by_token_and_status_url(engine, twelve):
    url = f"{engine.config.lobby.public_url}/t/{twelve.token}"
    assert engine.find_ticket(twelve.token).id == twelve.id
    assert engine.find_ticket(url).id == twelve.id
    assert engine.find_ticket(url + "?lang=en").id == twelve.id
    assert engine.find_ticket(url + "/").id == twelve.id


@pytest.mark.parametrize("typed", ["A-013", "B-001", "12", "", "AAAA-1", "A-12345", "/t/"])
def test_find_something_else_is_unknown(engine, twelve, typed):
    with pytest.raises(errors.UnknownTicket):
        engine.find_ticket(typed)


def test_find_by_code_means_todays_ticket(engine, clock):
    engine.issue_ticket("ktp")
    clock.advance(days=1)
    with pytest.raises(errors.UnknownTicket):
        engine.find_ticket("A-001")


def test_estimate_uses_the_configured_time_until_there_is_history(engine):
    for _ in range(4):
        engine.issue_ticket("ktp")
    # no counter open: the estimate assumes one will open
    issued = engine.issue_ticket("ktp")
    assert (issued.people_ahead, issued.estimate_minutes) == (4, 40)
    engine.open_counter("loket-1")
    engine.open_counter("loket-2")  # both serve ktp: 4 ahead / 2 counters x 10 minutes
    status = engine.ticket_status(issued.ticket.token)
    assert (status["people_ahead"], status["estimate_minutes"]) == (4, 20)
    engine.open_counter("loket-3")  # does not serve ktp
    assert engine.ticket_status(issued.ticket.token)["estimate_minutes"] == 20
    engine.pause("loket-2")
    assert engine.ticket_status(issued.ticket.token)["estimate_minutes"] == 40


def test_estimate_follows_the_recent_mean_service_time(make_engine, clock):
    engine = make_engine(queue={"estimate_window": 2})
    engine.open_counter("loket-1")
    for _ in range(6):
        engine.issue_ticket("ktp")
    for minutes in (20, 4, 6):
        engine.call_next("loket-1")
        engine.start("loket-1")
        clock.advance(minutes=minutes)
        engine.finish("loket-1")
    # the last two services took 4 and 6 minutes: 2 ahead x 5 minutes, one counter open
    last = engine.waiting()[-1]
    status = engine.ticket_status(last.token)
    assert (status["people_ahead"], status["estimate_minutes"]) == (2, 10)
    kk = engine.issue_ticket("kk")  # kk has no history of its own: its configured 8 minutes
    assert (kk.people_ahead, kk.estimate_minutes) == (0, 0)
    catalog = {s["id"]: s for s in engine.catalog()["services"]}
    assert (catalog["ktp"]["waiting"], catalog["ktp"]["estimate_minutes"]) == (3, 15)
    assert (catalog["kk"]["waiting"], catalog["kk"]["estimate_minutes"]) == (1, 8)


def test_people_ahead_counts_priority_first(engine):
    engine.issue_ticket("ktp")
    regular = engine.issue_ticket("ktp")
    priority = engine.issue_ticket("ktp", priority=True)
    late_priority = engine.issue_ticket("ktp", priority=True)
    assert (regular.people_ahead, priority.people_ahead, late_priority.people_ahead) == (1, 0, 1)
    # a priority ticket issued later is still ahead of the regular one
    assert engine.ticket_status(regular.ticket.token)["people_ahead"] == 3


def test_a_called_ticket_has_no_one_ahead(engine):
    issued = engine.issue_ticket("ktp")
    engine.open_counter("loket-1")
    engine.call_next("loket-1")
    status = engine.ticket_status(issued.ticket.token)
    assert (status["state"], status["people_ahead"], status["estimate_minutes"], status["counter_number"]) == (
        "called", 0, 0, "1")
    assert "token" not in status


def test_catalog_lists_agencies_and_services_in_the_asked_language(engine):
    engine.issue_ticket("ktp")
    engine.issue_ticket("kk")
    engine.issue_ticket("paspor")
    catalog = engine.catalog("en")
    assert catalog["lang"] == "en" and catalog["lobby"] == "MPP Uji"
    agencies = {a["id"]: a for a in catalog["agencies"]}
    assert agencies["dukcapil"]["services"] == ["ktp", "kk"] and agencies["dukcapil"]["waiting"] == 2
    assert agencies["imigrasi"]["waiting"] == 1 and agencies["imigrasi"]["colour"] == "#7A1F1F"
    services = {s["id"]: s for s in catalog["services"]}
    assert services["ktp"]["name"] == "e-ID card" and engine.catalog("id")["services"][0]["name"] == "KTP-el"
    assert services["paspor"]["priority_allowed"] is False and services["paspor"]["daily_quota"] == 3
    assert services["ktp"]["status"] == {"state": "open", "text": "open", "opens_at": None}
