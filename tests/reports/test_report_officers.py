"""Issue 18's report points: a per-officer table, and a note when an IKM rests on a small sample."""
from __future__ import annotations

from datetime import date, datetime, timezone

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.report_html import render_html
from kiosk.reports import build_report, krejcie_morgan
from kiosk.store import Store
from support.configs import make_config

MONDAY_9 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 09:00 WITA
MONDAY = date(2026, 11, 23)


def serve(engine, clock, counter, service, minutes, survey=None):
    ticket = engine.issue_ticket(service).ticket
    engine.call_next(counter)
    engine.start(counter)
    clock.advance(minutes=minutes)
    engine.finish(counter)
    if survey is not None:
        engine.submit_survey(ticket.token, survey, survey_token=engine.survey_token(ticket.token))
    return ticket


def test_each_officer_has_a_row_with_their_own_visitors(tmp_path):
    config = make_config(queue={"recalls_before_no_show": 1, "survey_min_service_seconds": 0})
    clock = FakeClock(MONDAY_9)
    engine = QueueEngine(config, Store(tmp_path / "lobby.sqlite"), clock)
    engine.open_counter("loket-1", user="petugas1")
    engine.open_counter("loket-3", user="petugas3")
    serve(engine, clock, "loket-1", "ktp", 4, survey=[4] * 9)
    serve(engine, clock, "loket-1", "ktp", 8, survey=[3] * 9)
    serve(engine, clock, "loket-3", "paspor", 10, survey=[2] * 9)
    engine.issue_ticket("paspor")
    engine.call_next("loket-3")
    engine.recall("loket-3")
    engine.no_show("loket-3")
    # petugas1 hands loket-1 over to a colleague (the same account here logs out, another logs in)
    engine.close_counter("loket-1")
    engine.open_counter("loket-1", user="petugas3")
    serve(engine, clock, "loket-1", "kk", 6)

    rows = {row["officer_user"]: row for row in
            build_report(config, tmp_path / "lobby.sqlite", MONDAY, MONDAY).table("per_officer").dicts()}
    assert set(rows) == {"petugas1", "petugas3"}
    one, three = rows["petugas1"], rows["petugas3"]
    assert (one["officer"], one["served"], one["no_shows"], one["service_mean_min"]) == ("Petugas Satu", 2, 0, 6.0)
    assert (one["respondents"], one["ikm"]) == (2, 87.5)  # NRR 3.5 on every element
    assert (three["officer"], three["served"], three["no_shows"], three["service_mean_min"]) == \
        ("Petugas Tiga", 2, 1, 8.0)
    assert (three["respondents"], three["ikm"]) == (1, 50.0)


def test_the_krejcie_morgan_sample_the_regulation_asks_for():
    # the published table: N → S
    assert [krejcie_morgan(n) for n in (10, 100, 500, 1000, 3000, 10000, 100000)] == [10, 80, 217, 278, 341, 370, 383]
    assert krejcie_morgan(0) == 0


def test_an_ikm_of_a_few_answers_carries_a_small_sample_note(tmp_path):
    config = make_config(queue={"recalls_before_no_show": 1, "survey_min_service_seconds": 0})
    clock = FakeClock(MONDAY_9)
    engine = QueueEngine(config, Store(tmp_path / "lobby.sqlite"), clock)
    engine.open_counter("loket-1", user="petugas1")
    for minutes in range(1, 9):
        serve(engine, clock, "loket-1", "ktp", minutes, survey=[4] * 9 if minutes <= 4 else None)
        clock.advance(seconds=30)
    report = build_report(config, tmp_path / "lobby.sqlite", MONDAY, MONDAY)
    skm = {row["agency_id"]: row for row in report.table("skm").dicts()}
    assert (skm["ALL"]["respondents"], skm["ALL"]["served"], skm["ALL"]["sample_needed"]) == (4, 8, 8)
    html = render_html(report)
    assert "Sampel kecil: IKM ini dari 4 responden; PermenPANRB 14/2017 meminta paling sedikit 8" in html
    assert "Small sample: this IKM rests on 4 respondents" in html
    assert "IKM MPP · sampel kecil / small sample" in html
