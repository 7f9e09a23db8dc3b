"""Reports for managers: visits, waiting and service times, quota use, busiest hours, SKM/IKM.

Every figure is computed by SQL over the tickets, the event log and the surveys,
in this one module, for any period; the same period gives the same figures.

Definitions (also in docs/reports.md):
- A ticket counts on its local issue day, for the service (and agency) it was issued for,
  except "served" and service time, which count for the service and counter that finished it.
- A voided ticket (a supervisor cancelled it, e.g. a flood of fake tickets) is not a visit: it is in no
  figure but the "voided" columns and the voided table (per day, agency and service it was issued for).
- Waiting time: issue → first call (from the event log, so a transfer or recall does not reset it).
- Service time: start → finish (a ticket finished straight from "called" started when called).
- Median: the middle value (mean of the two middle ones for an even count);
  p90: the nearest-rank 90th percentile (the value at rank ceil(0.9·n)).
- IKM (PermenPANRB 14/2017): NRR of each element U1–U9 = mean score (1–4); each weighted 1/9;
  IKM = Σ NRR / 9 × 25, on 25–100, rounded to 2 decimals only at the end. Grade on the rounded
  value: A (Sangat Baik) ≥ 88.31, B (Baik) ≥ 76.61, C (Kurang Baik) ≥ 65.00, otherwise D (Tidak Baik).
"""
from __future__ import annotations

import csv
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from kiosk.config import Config
from kiosk.i18n import t

SURVEY_ELEMENTS = [
    ("u1", "Persyaratan", "Requirements"),
    ("u2", "Sistem, mekanisme, dan prosedur", "Systems, mechanisms and procedures"),
    ("u3", "Waktu penyelesaian", "Completion time"),
    ("u4", "Biaya/tarif", "Costs/fees"),
    ("u5", "Produk spesifikasi jenis pelayanan", "Service products"),
    ("u6", "Kompetensi pelaksana", "Staff competence"),
    ("u7", "Perilaku pelaksana", "Staff behaviour"),
    ("u8", "Penanganan pengaduan, saran dan masukan", "Handling of complaints and suggestions"),
    ("u9", "Sarana dan prasarana", "Facilities"),
]
GRADES = [  # (lowest IKM of the grade, letter); its name: the catalog's report.grade.<letter in lower case>
    (Decimal("88.31"), "A"),
    (Decimal("76.61"), "B"),
    (Decimal("65.00"), "C"),
    (Decimal("25.00"), "D"),
]


def grade_name(letter: str, lang: str) -> str:
    """The IKM grade's name (PermenPANRB 14/2017) in ``lang``."""
    return t(f"report.grade.{letter.lower()}", lang)


def ikm_grade(ikm: float | Decimal) -> tuple[str, str, str]:
    """(letter, Indonesian name, English name) of the grade of ``ikm``."""
    value = Decimal(str(ikm)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    letter = next((letter for lowest, letter in GRADES if value >= lowest), GRADES[-1][1])
    return letter, grade_name(letter, "id"), grade_name(letter, "en")


def ikm_from_nrr(nrr: list[float]) -> float:
    """IKM = Σ (NRR × 1/9) × 25; unrounded."""
    return sum(nrr) / len(nrr) * 25


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]


@dataclass
class Report:
    date_from: date
    date_to: date
    agency: str | None
    lobby: str
    generated_at: datetime
    tables: dict[str, Table]

    def table(self, name: str) -> Table:
        return self.tables[name]


def _utc_offset_hours(config: Config, day: date) -> float:
    """Indonesia keeps no daylight saving: one offset per period is exact."""
    offset = datetime.combine(day, time(12), tzinfo=config.lobby.tz).utcoffset()
    return offset.total_seconds() / 3600


# Per ticket, the facts every table aggregates, built once per report into temp.visits.
# Parameters: :offset (e.g. '+8 hours'), :from, :to, :agency.
_VISITS = """
CREATE TEMP TABLE visits AS
WITH first_call AS (
    SELECT ticket_id, min(at) AS called_at, min(seq) AS seq FROM events WHERE type = 'called' GROUP BY ticket_id
),
first_counter AS (
    SELECT e.ticket_id, e.counter_id FROM events e JOIN first_call f ON f.seq = e.seq
),
visits AS (
    SELECT
        t.id, t.day, t.code,
        strftime('%Y-W%W', t.day) AS week,
        substr(t.day, 1, 7) AS month,
        CAST(strftime('%H', t.issued_at, :offset) AS INTEGER) AS hour,
        t.issued_service_id AS service_id,
        s.agency_id AS agency_id,
        t.service_id AS final_service_id,
        t.agency_id AS final_agency_id,
        t.state, t.priority, t.transfers, t.booking_id IS NOT NULL AS booked,
        coalesce(t.counter_id, fc.counter_id) AS counter_id,
        -- julianday() is a float of days: round away its noise (to 0.06 ms) so 10 minutes is exactly 10
        round((julianday(f.called_at) - julianday(t.issued_at)) * 1440.0, 6) AS wait_min,
        CASE WHEN t.state = 'done' THEN round((julianday(t.finished_at) - julianday(t.started_at)) * 1440.0, 6)
        END AS service_min
    FROM tickets t
    JOIN service_agency s ON s.service_id = t.issued_service_id
    LEFT JOIN first_call f ON f.ticket_id = t.id
    LEFT JOIN first_counter fc ON fc.ticket_id = t.id
    WHERE t.state != 'voided' AND t.day BETWEEN :from AND :to AND (:agency IS NULL OR s.agency_id = :agency)
)
SELECT * FROM visits
"""
# The voided tickets of the period, kept apart from the visits (state only: no m004 column is needed).
_VOIDED = """
CREATE TEMP TABLE voided AS
SELECT t.id, t.day, strftime('%Y-W%W', t.day) AS week, substr(t.day, 1, 7) AS month,
       t.issued_service_id AS service_id, s.agency_id AS agency_id, t.counter_id
FROM tickets t JOIN service_agency s ON s.service_id = t.issued_service_id
WHERE t.state = 'voided' AND t.day BETWEEN :from AND :to AND (:agency IS NULL OR s.agency_id = :agency)
"""


def _stats_sql(group_expr: str, group_name: str, where: str = "1") -> str:
    """Counts and time figures grouped by one expression; median/p90 by window functions."""
    return f"""
WITH base AS (SELECT {group_expr} AS g, * FROM temp.visits WHERE {where}),
waits AS (
    SELECT g, wait_min AS v, row_number() OVER (PARTITION BY g ORDER BY wait_min) AS rn,
           count(*) OVER (PARTITION BY g) AS n
    FROM base WHERE wait_min IS NOT NULL
),
services AS (
    SELECT g, service_min AS v, row_number() OVER (PARTITION BY g ORDER BY service_min) AS rn,
           count(*) OVER (PARTITION BY g) AS n
    FROM base WHERE service_min IS NOT NULL
),
wait_stats AS (
    SELECT g, avg(v) AS mean, avg(v) FILTER (WHERE rn IN ((n + 1) / 2, (n + 2) / 2)) AS median,
           max(v) FILTER (WHERE rn = (9 * n + 9) / 10) AS p90,
           sum(v <= :target) * 1.0 / count(*) AS within_target
    FROM waits GROUP BY g
),
service_stats AS (
    SELECT g, avg(v) AS mean, avg(v) FILTER (WHERE rn IN ((n + 1) / 2, (n + 2) / 2)) AS median,
           max(v) FILTER (WHERE rn = (9 * n + 9) / 10) AS p90
    FROM services GROUP BY g
),
counts AS (
    SELECT g, count(*) AS issued, sum(state = 'done') AS served, sum(state = 'no_show') AS no_shows,
           sum(transfers > 0) AS transferred, sum(priority) AS priority
    FROM base GROUP BY g
)
SELECT c.g AS {group_name}, c.issued, c.served, c.no_shows, c.transferred, c.priority,
       w.mean, w.median, w.p90, w.within_target, s.mean, s.median, s.p90
FROM counts c LEFT JOIN wait_stats w ON w.g = c.g LEFT JOIN service_stats s ON s.g = c.g
ORDER BY c.g
"""


_STAT_COLUMNS = ["issued", "served", "no_shows", "transferred", "priority",
                 "wait_mean_min", "wait_median_min", "wait_p90_min", "served_within_target_share",
                 "service_mean_min", "service_median_min", "service_p90_min", "voided"]


def _connect(db_path: Path | str) -> sqlite3.Connection:
    uri = f"file:{Path(db_path).resolve()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def waiting_now(db_path: Path | str, agency: str | None) -> int:
    """Tickets in a queue right now (of the agency whose queue they are in now), on a read-only connection."""
    conn = _connect(db_path)
    try:
        return conn.execute(
            "SELECT count(*) FROM tickets WHERE state = 'waiting' AND (:agency IS NULL OR agency_id = :agency)",
            {"agency": agency}).fetchone()[0]
    finally:
        conn.close()


def _prepare(conn: sqlite3.Connection, config: Config) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS service_agency (service_id TEXT PRIMARY KEY, agency_id TEXT)")
    conn.execute("DELETE FROM temp.service_agency")
    conn.executemany("INSERT INTO temp.service_agency VALUES (?, ?)", [(s.id, s.agency) for s in config.services])


def _round(value, digits=2):
    return None if value is None else round(value, digits)


def build_report(config: Config, db_path: Path | str, date_from: date, date_to: date,
                 agency: str | None = None, *, by: str = "month", now: datetime | None = None) -> Report:
    """Every table for the period (inclusive days), optionally for one agency."""
    if date_to < date_from:
        raise ValueError(f"--to {date_to} is before --from {date_from}")
    if agency is not None and agency not in config.agency_by_id:
        import difflib

        close = difflib.get_close_matches(agency, list(config.agency_by_id), n=1)
        raise ValueError(f"no agency {agency!r}" + (f" — did you mean {close[0]!r}?" if close else ""))
    offset = _utc_offset_hours(config, date_from)
    params = {
        "offset": f"{offset:+g} hours", "from": date_from.isoformat(), "to": date_to.isoformat(),
        "agency": agency, "target": config.queue.target_wait_minutes,
    }
    names = {
        "agency": {a.id: a.short_name for a in config.agencies},
        "service": {s.id: s.name.id for s in config.services},
        "counter": {c.id: f"Loket {c.number}" for c in config.counters},
    }
    period_expr = {"day": "day", "week": "week", "month": "month"}[by]
    tables: dict[str, Table] = {}
    conn = _connect(db_path)
    try:
        _prepare(conn, config)
        conn.execute(_VISITS, {k: params[k] for k in ("offset", "from", "to", "agency")})
        conn.execute(_VOIDED, {k: params[k] for k in ("from", "to", "agency")})

        def stats(name, title, group_expr, label, where="1", namer=None):
            rows = conn.execute(_stats_sql(group_expr, "g", where), params).fetchall()
            voided = dict(conn.execute(f"SELECT {group_expr}, count(*) FROM temp.voided WHERE {where} GROUP BY 1"))
            out = []
            for row in rows:
                key = row[0]
                figures = list(row[1:6]) + [_round(v, 4 if i == 3 else 2) for i, v in enumerate(row[6:])]
                figures.append(voided.get(key, 0))
                if namer:
                    period, ident = key.split("|", 1) if "|" in key else (None, key)
                    out.append(((period,) if period else ()) + (ident, namer.get(ident, ident), *figures))
                else:
                    out.append((key, *figures))
            columns = label + _STAT_COLUMNS
            tables[name] = Table(name, title, columns, out)

        stats("per_day", "Per hari / Per day", "day", ["day"])
        stats("per_week", "Per minggu / Per week", "week", ["week"])
        stats("per_month", "Per bulan / Per month", "month", ["month"])
        stats("per_agency", "Per instansi / Per agency", f"{period_expr} || '|' || agency_id",
              [by, "agency_id", "agency"], namer=names["agency"])
        stats("per_service", "Per layanan / Per service", f"{period_expr} || '|' || service_id",
              [by, "service_id", "service"], namer=names["service"])
        stats("per_counter", "Per loket / Per counter", f"{period_expr} || '|' || counter_id",
              [by, "counter_id", "counter"], where="counter_id IS NOT NULL", namer=names["counter"])

        hours = conn.execute("SELECT day, hour, count(*) FROM temp.visits GROUP BY day, hour ORDER BY day, hour").fetchall()
        hour_range = list(range(7, 18))
        grid: dict[str, dict[int, int]] = {}
        for day, hour, count in hours:
            grid.setdefault(day, {})[hour] = count
            if hour not in hour_range:
                hour_range.append(hour)
        hour_range.sort()
        tables["busiest_hours"] = Table(
            "busiest_hours", "Jam tersibuk / Busiest hours", ["day", *[f"{h:02d}:00" for h in hour_range]],
            [(day, *[grid[day].get(h, 0) for h in hour_range]) for day in sorted(grid)])

        buckets = conn.execute(
            "SELECT min(CAST(wait_min / 5 AS INTEGER), 12) AS b, count(*) FROM temp.visits "
            "WHERE wait_min IS NOT NULL GROUP BY b ORDER BY b").fetchall()
        by_bucket = dict(buckets)
        tables["wait_distribution"] = Table(
            "wait_distribution", "Sebaran waktu tunggu / Waiting time distribution", ["wait_minutes", "tickets"],
            [(f"{b * 5}-{b * 5 + 5}" if b < 12 else "60+", by_bucket.get(b, 0)) for b in range(13)])

        quota_rows = []
        quotas = {s.id: s.daily_quota for s in config.services if s.daily_quota}
        if quotas:
            for day, service_id, issued in conn.execute(
                    "SELECT day, service_id, count(*) FROM temp.visits GROUP BY day, service_id ORDER BY day, service_id"):
                if service_id in quotas:
                    quota_rows.append((day, service_id, names["service"][service_id], issued, quotas[service_id],
                                       round(issued / quotas[service_id], 4)))
        tables["quota_use"] = Table("quota_use", "Penggunaan kuota / Quota use",
                                    ["day", "service_id", "service", "issued", "quota", "share"], quota_rows)

        tables["voided"] = Table(
            "voided", "Nomor dibatalkan / Voided tickets",
            ["day", "agency_id", "agency", "service_id", "service", "voided"],
            [(day, agency_id, names["agency"].get(agency_id, agency_id), service_id,
              names["service"].get(service_id, service_id), count)
             for day, agency_id, service_id, count in conn.execute(
                "SELECT day, agency_id, service_id, count(*) FROM temp.voided GROUP BY day, agency_id, service_id "
                "ORDER BY day, agency_id, service_id")])

        tables["bookings"] = _bookings_table(conn, params, names)
        tables.update(_skm_tables(conn, config, params, names["agency"]))
        tables.update(_survey_honesty_tables(conn, config, params, names))
    finally:
        conn.close()
    return Report(date_from, date_to, agency, config.lobby.name, now or datetime.now(config.lobby.tz), tables)


def _bookings_table(conn, params: dict, names: dict) -> Table:
    """Bookings per service and day: made, checked in, no-show, cancelled; punctuality (minutes the check-in
    came before the slot, mean) and the mean wait of booked tickets beside the walk-ins' of the same day."""
    rows = conn.execute(
        "SELECT b.day, b.service_id, count(*), sum(b.state = 'checked_in'), sum(b.state = 'no_show'), "
        "sum(b.state = 'cancelled'), "
        "avg(CASE WHEN t.id IS NOT NULL THEN round((julianday(b.slot_at) - julianday(t.issued_at)) * 1440.0, 6) END) "
        "FROM bookings b JOIN service_agency s ON s.service_id = b.service_id "
        "LEFT JOIN tickets t ON t.id = b.ticket_id "
        "WHERE b.day BETWEEN :from AND :to AND (:agency IS NULL OR s.agency_id = :agency) "
        "GROUP BY b.day, b.service_id ORDER BY b.day, b.service_id", params).fetchall()
    waits = {(day, sid, booked): wait for day, sid, booked, wait in conn.execute(
        "SELECT day, service_id, booked, avg(wait_min) FROM temp.visits WHERE wait_min IS NOT NULL "
        "GROUP BY day, service_id, booked")}
    columns = ["day", "service_id", "service", "booked", "checked_in", "no_show", "cancelled",
               "checkin_minutes_before_slot_mean", "wait_booked_min_mean", "wait_walk_in_min_mean"]
    out = [(day, sid, names["service"].get(sid, sid), made, checked, missed, cancelled, _round(early),
            _round(waits.get((day, sid, 1))), _round(waits.get((day, sid, 0))))
           for day, sid, made, checked, missed, cancelled, early in rows]
    return Table("bookings", "Booking / Bookings", columns, out)


def _skm_tables(conn, config: Config, params: dict, agency_names: dict) -> dict[str, Table]:
    elements = [e[0] for e in SURVEY_ELEMENTS]
    means = ", ".join(f"avg({e})" for e in elements)
    where = ("substr(datetime(submitted_at, :offset), 1, 10) BETWEEN :from AND :to "
             "AND (:agency IS NULL OR agency_id = :agency)")
    per_agency = conn.execute(
        f"SELECT agency_id, count(*), {means} FROM surveys WHERE {where} GROUP BY agency_id ORDER BY agency_id",
        params).fetchall()
    overall = conn.execute(f"SELECT 'ALL', count(*), {means} FROM surveys WHERE {where}", params).fetchone()
    columns = ["agency_id", "agency", "respondents", *[f"nrr_{e}" for e in elements], "ikm", "grade", "grade_name"]
    rows = []
    for row in [*per_agency, *([overall] if overall and overall[1] else [])]:
        agency_id, respondents, nrr = row[0], row[1], list(row[2:])
        ikm = ikm_from_nrr(nrr)
        letter, name_id, _name_en = ikm_grade(ikm)
        name = "Seluruh MPP / Whole MPP" if agency_id == "ALL" else agency_names.get(agency_id, agency_id)
        rows.append((agency_id, name, respondents, *[round(v, 4) for v in nrr],
                     float(Decimal(str(ikm)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), letter, name_id))
    return {"skm": Table("skm", "Indeks Kepuasan Masyarakat (IKM) / Satisfaction index", columns, rows)}


# kiosk.engine.SURVEY_REFUSALS the report names; each one's words are the catalog's report.survey_refusal.<reason>
SURVEY_REFUSAL_REASONS = ("staff_or_device", "unknown_ticket", "already_done", "not_served", "too_soon", "expired",
                          "no_survey_token", "bad_token")


def survey_refusal_label(reason: str, lang: str) -> str:
    """What the report calls a survey refusal's reason in ``lang`` ('' for a reason it does not know)."""
    return t(f"report.survey_refusal.{reason}", lang) if reason in SURVEY_REFUSAL_REASONS else ""


def _survey_honesty_tables(conn, config: Config, params: dict, names: dict) -> dict[str, Table]:
    """Surveys the rules refused, by reason (kiosk.engine.SURVEY_REFUSALS), and counters whose accepted surveys
    came in bursts: queue.survey_burst_count or more within queue.survey_burst_seconds."""
    refused = conn.execute(
        "SELECT day, agency_id, counter_id, reason, sum(refused) FROM survey_refusals "
        "WHERE day BETWEEN :from AND :to AND (:agency IS NULL OR agency_id = :agency) "
        "GROUP BY day, agency_id, counter_id, reason ORDER BY day, agency_id, counter_id, reason", params).fetchall()
    refusals = Table(
        "survey_refusals", "Survei ditolak / Refused surveys",
        ["day", "agency_id", "agency", "counter_id", "counter", "reason", "refused"],
        [(day, agency_id or None, names["agency"].get(agency_id, agency_id) or None, counter_id or None,
          names["counter"].get(counter_id, counter_id) or None, reason, count)
         for day, agency_id, counter_id, reason, count in refused])

    window, needed = config.queue.survey_burst_seconds, config.queue.survey_burst_count
    rows = conn.execute(
        "SELECT substr(datetime(s.submitted_at, :offset), 1, 10) AS local_day, t.counter_id, s.submitted_at "
        "FROM surveys s JOIN tickets t ON t.id = s.ticket_id "
        "WHERE substr(datetime(s.submitted_at, :offset), 1, 10) BETWEEN :from AND :to "
        "AND (:agency IS NULL OR s.agency_id = :agency) AND t.counter_id IS NOT NULL "
        "ORDER BY local_day, t.counter_id, s.submitted_at", params).fetchall()
    by_counter: dict[tuple[str, str], list[datetime]] = {}
    for day, counter_id, submitted_at in rows:
        by_counter.setdefault((day, counter_id), []).append(datetime.fromisoformat(submitted_at))
    bursts = []
    for (day, counter_id), times in by_counter.items():
        in_burst: set[int] = set()
        most, first_at, start = 0, None, 0
        for end, at in enumerate(times):  # the window of survey_burst_seconds ending at each survey
            while (at - times[start]).total_seconds() > window:
                start += 1
            count = end - start + 1
            most = max(most, count)
            if count >= needed:
                in_burst.update(range(start, end + 1))
                first_at = first_at or times[start]
        if in_burst:
            bursts.append((day, counter_id, names["counter"].get(counter_id, counter_id), len(times), len(in_burst),
                           most, window, first_at.astimezone(config.lobby.tz).strftime("%H:%M:%S")))
    flagged = Table(
        "survey_bursts", "Survei beruntun per loket (periksa) / Surveys in bursts per counter (check)",
        ["day", "counter_id", "counter", "surveys", "in_bursts", "most_in_window", "window_seconds", "first_burst_at"],
        bursts)
    return {"survey_refusals": refusals, "survey_bursts": flagged}


# ---------------------------------------------------------------------- outputs

def write_csv(report: Report, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in report.tables.values():
        path = folder / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.columns)
            writer.writerows(table.rows)
        paths.append(path)
    return paths


def write_xlsx(report: Report, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in report.tables.values():
        sheet = book.create_sheet(table.name[:31])
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for i, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(10, min(40, len(column) + 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_html(report: Report, path: Path) -> Path:
    from kiosk.report_html import render_html

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path


def main(args) -> int:
    from kiosk.cli import load_or_report

    config = load_or_report(args.config)
    if config is None:
        return 1
    try:
        date_from, date_to = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError as exc:
        print(f"report: dates are YYYY-MM-DD: {exc}", file=sys.stderr)
        return 2
    db_path = args.db or config.path(config.server.database)
    if not Path(db_path).is_file():
        print(f"report: no database at {db_path}", file=sys.stderr)
        return 2
    try:
        report = build_report(config, db_path, date_from, date_to, args.agency)
    except ValueError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    stem = f"laporan-{date_from}-{date_to}" + (f"-{args.agency}" if args.agency else "")
    if args.format == "csv":
        out = write_csv(report, args.out or Path(stem))
        print(f"report: {len(out)} CSV tables in {out[0].parent}")
    elif args.format == "xlsx":
        print(f"report: {write_xlsx(report, args.out or Path(stem + '.xlsx'))}")
    else:
        print(f"report: {write_html(report, args.out or Path(stem + '.html'))}")
    return 0
