"""Reports on a generated month, each figure checked against an independent computation in Python."""
from __future__ import annotations

import csv
import math
import sqlite3
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from kiosk.reports import column_label, GRADES, build_report, ikm_from_nrr, ikm_grade, write_csv, write_html, write_xlsx
from support.configs import config_dict, make_config
from support.simulate import simulate
from support.toml_writer import write_config

ROOT = Path(__file__).resolve().parents[2]
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    folder = tmp_path_factory.mktemp("month")
    config = make_config(queue={"recalls_before_no_show": 1, "target_wait_minutes": 10})
    db = folder / "month.sqlite"
    result = simulate(config, db, NOV_1, NOV_30, seed=7, arrivals_per_hour=9)
    assert result.tickets > 500 and result.surveys > 100
    return config, db, result


def _raw(db):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    tickets = [dict(r) for r in conn.execute("SELECT * FROM tickets")]
    calls = defaultdict(list)
    for row in conn.execute("SELECT ticket_id, at, counter_id FROM events WHERE type = 'called' ORDER BY seq"):
        calls[row["ticket_id"]].append((row["at"], row["counter_id"]))
    surveys = [dict(r) for r in conn.execute("SELECT * FROM surveys")]
    conn.close()
    return tickets, calls, surveys


def _minutes(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 60


def _median(values):
    return statistics.median(values) if values else None


def _p90(values):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def test_per_service_figures_match_independent_computation(month):
    config, db, _ = month
    report = build_report(config, db, NOV_1, NOV_30)
    tickets, calls, _ = _raw(db)
    rows = {row["service_id"]: row for row in report.table("per_service").dicts()}
    assert set(rows) == {t["issued_service_id"] for t in tickets}
    for service_id, row in rows.items():
        mine = [t for t in tickets if t["issued_service_id"] == service_id]
        assert row["issued"] == len(mine)
        assert row["served"] == sum(t["state"] == "done" for t in mine)
        assert row["no_shows"] == sum(t["state"] == "no_show" for t in mine)
        assert row["transferred"] == sum(t["transfers"] > 0 for t in mine)
        waits = [_minutes(t["issued_at"], calls[t["id"]][0][0]) for t in mine if calls[t["id"]]]
        assert row["wait_mean_min"] == pytest.approx(statistics.mean(waits), abs=0.006)
        assert row["wait_median_min"] == pytest.approx(_median(waits), abs=0.006)
        assert row["wait_p90_min"] == pytest.approx(_p90(waits), abs=0.006)
        within = sum(w <= config.queue.target_wait_minutes for w in waits) / len(waits)
        assert row["served_within_target_share"] == pytest.approx(within, abs=0.0001)
        services = [_minutes(t["started_at"], t["finished_at"]) for t in mine if t["state"] == "done"]
        assert row["service_mean_min"] == pytest.approx(statistics.mean(services), abs=0.006)
        assert row["service_median_min"] == pytest.approx(_median(services), abs=0.006)
        assert row["service_p90_min"] == pytest.approx(_p90(services), abs=0.006)


def test_per_day_week_month_and_agency_totals(month):
    config, db, result = month
    report = build_report(config, db, NOV_1, NOV_30)
    tickets, _, _ = _raw(db)
    by_day = defaultdict(int)
    for t in tickets:
        by_day[t["day"]] += 1
    assert {r["day"]: r["issued"] for r in report.table("per_day").dicts()} == dict(by_day)
    assert sum(r["issued"] for r in report.table("per_week").dicts()) == len(tickets) == result.tickets
    assert [r["issued"] for r in report.table("per_month").dicts()] == [len(tickets)]
    agency_of = {s.id: s.agency for s in config.services}
    by_agency = defaultdict(int)
    for t in tickets:
        by_agency[agency_of[t["issued_service_id"]]] += 1
    assert {r["agency_id"]: r["issued"] for r in report.table("per_agency").dicts()} == dict(by_agency)


def test_per_counter_served_and_service_time(month):
    config, db, _ = month
    report = build_report(config, db, NOV_1, NOV_30)
    tickets, _, _ = _raw(db)
    for row in report.table("per_counter").dicts():
        done = [t for t in tickets if t["state"] == "done" and t["counter_id"] == row["counter_id"]]
        assert row["served"] == len(done)
        assert row["service_mean_min"] == pytest.approx(
            statistics.mean(_minutes(t["started_at"], t["finished_at"]) for t in done), abs=0.006)


def test_busiest_hours_and_quota_use(month):
    config, db, _ = month
    report = build_report(config, db, NOV_1, NOV_30)
    tickets, _, _ = _raw(db)
    heat = report.table("busiest_hours")
    grid = defaultdict(int)
    for t in tickets:
        local = datetime.fromisoformat(t["issued_at"]).astimezone(config.lobby.tz)
        grid[(t["day"], f"{local.hour:02d}:00")] += 1
    for row in heat.dicts():
        for column, count in row.items():
            if column != "day":
                assert count == grid.get((row["day"], column), 0)
    assert sum(sum(r[1:]) for r in heat.rows) == len(tickets)
    quota = config.service_by_id["paspor"].daily_quota
    for row in report.table("quota_use").dicts():
        issued = sum(1 for t in tickets if t["day"] == row["day"] and t["issued_service_id"] == "paspor")
        assert row["issued"] == issued <= quota
        assert row["share"] == pytest.approx(issued / quota)


def test_skm_matches_exact_fractions(month):
    config, db, _ = month
    report = build_report(config, db, NOV_1, NOV_30)
    _, _, surveys = _raw(db)
    rows = {r["agency_id"]: r for r in report.table("skm").dicts()}
    groups = defaultdict(list)
    for s in surveys:
        groups[s["agency_id"]].append(s)
        groups["ALL"].append(s)
    assert set(rows) == set(groups)
    for agency_id, answers in groups.items():
        nrr = [Fraction(sum(a[f"u{i}"] for a in answers), len(answers)) for i in range(1, 10)]
        ikm = sum(nrr * 1 for nrr in nrr) * Fraction(1, 9) * 25
        assert rows[agency_id]["respondents"] == len(answers)
        assert rows[agency_id]["ikm"] == pytest.approx(float(round(ikm, 2)), abs=0.0051)
        assert rows[agency_id]["grade"] == ikm_grade(float(ikm))[0]


def test_ikm_worked_example_by_hand():
    # Four respondents. Element sums: U1 14, U2 13, U3 12, U4 16, U5 13, U6 15, U7 15, U8 11, U9 14.
    # NRR = sum / 4: 3.5, 3.25, 3.0, 4.0, 3.25, 3.75, 3.75, 2.75, 3.5 ; Σ NRR = 30.75
    # IKM = 30.75 / 9 × 25 = 85.41666… → 85.42, grade B (Baik).
    nrr = [3.5, 3.25, 3.0, 4.0, 3.25, 3.75, 3.75, 2.75, 3.5]
    assert ikm_from_nrr(nrr) == pytest.approx(85.416666, abs=1e-5)
    # with the old 0.111 weight instead of exactly 1/9 the result would drift: 85.33125
    assert abs(ikm_from_nrr(nrr) - sum(n * 0.111 for n in nrr) * 25) > 0.08
    assert ikm_grade(ikm_from_nrr(nrr)) == ("B", "Baik", "Good")


@pytest.mark.parametrize("ikm,grade", [
    (100, "A"), (88.31, "A"), (88.30, "B"), (76.61, "B"), (76.60, "C"), (65.00, "C"), (64.99, "D"), (25, "D"),
    (88.305, "A"),  # rounded to 88.31 only at the end
    (88.3049, "B"),
])
def test_grade_boundaries(ikm, grade):
    assert ikm_grade(ikm)[0] == grade
    assert [g[1] for g in GRADES] == ["A", "B", "C", "D"]


def test_agency_filter_and_period(month):
    config, db, _ = month
    report = build_report(config, db, date(2026, 11, 9), date(2026, 11, 13), "imigrasi")
    tickets, _, _ = _raw(db)
    mine = [t for t in tickets if "2026-11-09" <= t["day"] <= "2026-11-13" and t["issued_service_id"] == "paspor"]
    assert sum(r["issued"] for r in report.table("per_day").dicts()) == len(mine)
    assert {r["agency_id"] for r in report.table("per_agency").dicts()} == {"imigrasi"}
    with pytest.raises(ValueError, match="did you mean 'imigrasi'"):
        build_report(config, db, NOV_1, NOV_30, "imigrsi")
    with pytest.raises(ValueError, match="before"):
        build_report(config, db, NOV_30, NOV_1)


def test_reproducible(month):
    config, db, _ = month
    a = build_report(config, db, NOV_1, NOV_30)
    b = build_report(config, db, NOV_1, NOV_30)
    assert {k: t.rows for k, t in a.tables.items()} == {k: t.rows for k, t in b.tables.items()}


def test_csv_and_xlsx_read_back(month, tmp_path):
    config, db, _ = month
    report = build_report(config, db, NOV_1, NOV_30)
    paths = write_csv(report, tmp_path / "csv")
    assert {p.stem for p in paths} == set(report.tables)
    with (tmp_path / "csv" / "per_service.csv").open() as handle:
        rows = list(csv.reader(handle))
    # headers for people (issue 18): Indonesian by default, English asked, the machine names as an option
    assert rows[0] == [column_label(c, "id") for c in report.table("per_service").columns]
    assert rows[0][:5] == ["Bulan", "Kode layanan", "Layanan", "Nomor diambil", "Dilayani"]
    assert "Tunggu rata-rata (menit)" in rows[0] and "wait_mean_min" not in rows[0]
    assert len(rows) == len(report.table("per_service").rows) + 1
    write_csv(report, tmp_path / "en", "en")
    write_csv(report, tmp_path / "machine", None)
    with (tmp_path / "en" / "per_service.csv").open() as handle:
        assert next(csv.reader(handle))[:4] == ["Month", "Service code", "Service", "Tickets issued"]
    with (tmp_path / "machine" / "per_service.csv").open() as handle:
        assert next(csv.reader(handle)) == report.table("per_service").columns

    from openpyxl import load_workbook

    book = load_workbook(write_xlsx(report, tmp_path / "r.xlsx"))
    assert set(book.sheetnames) == set(report.tables)
    sheet = book["skm"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == [column_label(c, "id") for c in report.table("skm").columns]
    assert values[0][:4] == ["Kode instansi", "Instansi", "Responden", "NRR U1"]
    # no column is left with a machine name in either language (hours stay "08:00")
    for table in report.tables.values():
        for lang in ("id", "en"):
            machine = [c for c in table.columns if column_label(c, lang) == c and not c[:2].isdigit()]
            assert machine == [], (table.name, lang, machine)
    assert [tuple(v) for v in values[1:]] == [tuple(r) for r in report.table("skm").rows]


def test_report_command_writes_each_format(month, tmp_path):
    config, db, _ = month
    cfg = tmp_path / "config.toml"
    write_config(cfg, config_dict(queue={"recalls_before_no_show": 1, "target_wait_minutes": 10}))
    for fmt, out in (("html", tmp_path / "r.html"), ("xlsx", tmp_path / "r.xlsx"), ("csv", tmp_path / "csvdir")):
        proc = subprocess.run(
            [sys.executable, "-m", "kiosk", "report", "--config", str(cfg), "--db", str(db), "--from", "2026-11-01",
             "--to", "2026-11-30", "--format", fmt, "--out", str(out)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert out.exists()
    assert "Indeks Kepuasan" in (tmp_path / "r.html").read_text() or "IKM" in (tmp_path / "r.html").read_text()
    bad = subprocess.run([sys.executable, "-m", "kiosk", "report", "--config", str(cfg), "--db", str(db),
                          "--from", "2026-13-01", "--to", "2026-11-30"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def test_html_report_in_headless_chromium(month, tmp_path):
    config, db, _ = month
    report = build_report(config, db, NOV_1, NOV_30)
    html_path = write_html(report, tmp_path / "report.html")
    text = html_path.read_text()
    assert "<script" not in text and "http" not in text.split("<body>", 1)[1]  # offline: nothing fetched
    from playwright.sync_api import sync_playwright

    shot = ROOT / "docs" / "screenshots" / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(html_path.as_uri())
        assert page.locator("svg").count() >= 4
        assert "Disdukcapil" in page.inner_text("body")
        page.screenshot(path=str(shot), full_page=False)
        pdf = page.pdf(format="A4")
        browser.close()
    assert pdf[:4] == b"%PDF" and shot.stat().st_size > 10_000


def test_days_without_activity_are_empty_not_errors(tmp_path):
    config = make_config()
    from kiosk.store import Store

    Store(tmp_path / "empty.sqlite").close()
    report = build_report(config, tmp_path / "empty.sqlite", NOV_1, NOV_1 + timedelta(days=2))
    assert all(not t.rows for name, t in report.tables.items() if name != "wait_distribution")
    write_html(report, tmp_path / "empty.html")


def test_the_html_report_prints_on_a4_with_every_column_whole(month, tmp_path):
    """Issue 18: printed on A4 the right-hand columns were cut off. Print it to PDF in Chromium and read it back."""
    import re

    import pypdfium2
    from playwright.sync_api import sync_playwright

    config, db, _ = month
    report = build_report(config, db, NOV_1, NOV_30)
    html_path = write_html(report, tmp_path / "report.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(html_path.as_uri())
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        browser.close()
    document = pypdfium2.PdfDocument(pdf)
    squeeze = lambda text: re.sub(r"\s+", "", text)  # noqa: E731 - a header may wrap over lines
    printed, sizes = "", []
    for number, pdf_page in enumerate(document):
        width, height = pdf_page.get_size()
        sizes.append("landscape" if width > height else "portrait")
        text = pdf_page.get_textpage()
        everything, on_the_page = squeeze(text.get_text_range()), squeeze(text.get_text_bounded(0, 0, width, height))
        assert everything == on_the_page, f"page {number + 1}: text outside the paper"
        printed += everything
        if number in (2, 3):
            pdf_page.render(scale=1.3).to_pil().save(ROOT / "docs" / "screenshots" / f"report-print-page-{number + 1}.png")
    assert "landscape" in sizes and sizes[0] == "portrait"  # the charts on portrait pages, the wide tables landscape
    for name in ("per_agency", "per_service", "per_counter", "per_officer", "per_day", "skm"):
        table = report.table(name)
        for column in table.columns:
            for lang in ("id", "en"):
                assert squeeze(column_label(column, lang)) in printed, (name, column, lang)
        # the last row's last figure is printed too
        last = table.rows[-1][-1]
        assert squeeze(f"{last:.2f}" if isinstance(last, float) else str(last)) in printed, (name, last)


def test_survey_bursts_at_the_edges_equal_the_old_count(month, tmp_path):
    """The burst check (every survey's window found at once by a search of sorted keys, in whole
    milliseconds): the same table as the old count survey by survey, where two surveys share a millisecond
    and where a burst spans exactly the window, or the window and one millisecond."""
    import shutil

    from support import report_before_m009

    config, db, _ = month
    copy = tmp_path / "month.sqlite"
    shutil.copy(db, copy)
    window, needed = config.queue.survey_burst_seconds, config.queue.survey_burst_count
    w = window * 1000
    conn = sqlite3.connect(copy)
    groups = conn.execute(
        "SELECT t.day, t.counter_id, group_concat(s.ticket_id) FROM surveys s JOIN tickets t ON t.id = s.ticket_id "
        "WHERE t.counter_id IS NOT NULL GROUP BY t.day, t.counter_id HAVING count(*) >= ? ORDER BY count(*) DESC",
        (needed + 2,)).fetchall()
    assert len(groups) >= 3, groups
    plans = [
        [0, 0] + [w] * (needed - 2),                # a burst: two at the same millisecond, the rest at the window's end
        [0] + [w // 2] * (needed - 2) + [w],        # exactly the window: still a burst
        [0] + [w // 2] * (needed - 2) + [w + 1],    # the window and one millisecond: none
    ]
    for (day, _counter, ids), plan in zip(groups, plans):
        base = datetime.fromisoformat(f"{day}T02:00:00+00:00")
        ids = ids.split(",")
        for ticket_id, offset in zip(ids, plan + [10 * w * (k + 1) for k in range(len(ids))]):
            at = (base + timedelta(milliseconds=offset)).isoformat(timespec="milliseconds")
            conn.execute("UPDATE surveys SET submitted_at = ? WHERE ticket_id = ?", (at, ticket_id))
    conn.commit()
    conn.close()
    new = build_report(config, copy, NOV_1, NOV_30).table("survey_bursts").rows
    old = report_before_m009.build_report(config, copy, NOV_1, NOV_30).table("survey_bursts").rows
    assert [tuple(row) for row in new] == [tuple(row) for row in old]
    flagged = {(row[0], row[1]) for row in new}
    assert {(groups[0][0], groups[0][1]), (groups[1][0], groups[1][1])} <= flagged
    assert (groups[2][0], groups[2][1]) not in flagged
