"""Reports for managers: visits, waiting and service times, quota use, busiest hours, SKM/IKM.

Every figure is computed by SQL over the tickets, the event log and the surveys,
in this one module, for any period; the same period gives the same figures.

Definitions (also in docs/reports.md):
- A ticket counts on its local issue day, for the service (and agency) it was issued for,
  except "served" and service time, which count for the service and counter that finished it.
- A voided ticket (a supervisor cancelled it, e.g. a flood of fake tickets) is not a visit: it is in no
  figure but the "voided" columns and the voided table (per day, agency and service it was issued for).
- Waiting time: issue → first call (kept on the ticket at its first call, so a transfer or recall does not reset it).
- Service time: start → finish (a ticket finished straight from "called" started when called).
- Median: the middle value (mean of the two middle ones for an even count);
  p90: the nearest-rank 90th percentile (the value at rank ceil(0.9·n)).
- IKM (PermenPANRB 14/2017): NRR of each element U1–U9 = mean score (1–4); each weighted 1/9;
  IKM = Σ NRR / 9 × 25, on 25–100, rounded to 2 decimals only at the end. Grade on the rounded
  value: A (Sangat Baik) ≥ 88.31, B (Baik) ≥ 76.61, C (Kurang Baik) ≥ 65.00, otherwise D (Tidak Baik).
"""
from __future__ import annotations

import csv
import re
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from kiosk import aggregates
from kiosk.config import Config
from kiosk.i18n import FALLBACK, t

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


# The visits of the period's days without day aggregates (temp.unbuilt: today, and any day not built yet) in one
# pass over their ticket rows (by the index on day): per day, agency, service and counter, the counts and every
# waiting and service time (a list of numbers each). The first call's time and counter are kept on the ticket
# (store.m009_day_aggregates): the event log is not read. Parameters: :agency (temp.unbuilt holds the days).
_VISIT_FILTER = """
FROM tickets t
JOIN service_agency s ON s.service_id = t.issued_service_id
WHERE t.day IN (SELECT day FROM temp.unbuilt) AND t.state != 'voided' AND (:agency IS NULL OR s.agency_id = :agency)
"""
_VISITS = """
SELECT day, substr(day, 1, 7) AS month, agency_id, service_id, counter_id,
       count(*), sum(state = 'done'), sum(state = 'no_show'), sum(transfers > 0), sum(priority),
       group_concat(wait_min), group_concat(service_min)
FROM (
    SELECT t.day, s.agency_id, t.issued_service_id AS service_id, t.state, t.priority, t.transfers,
           coalesce(t.counter_id, t.first_call_counter_id) AS counter_id,
           -- julianday() is a float of days: round away its noise (to 0.06 ms) so 10 minutes is exactly 10
           round((julianday(t.first_called_at) - julianday(t.issued_at)) * 1440.0, 6) AS wait_min,
           CASE WHEN t.state = 'done' THEN round((julianday(t.finished_at) - julianday(t.started_at)) * 1440.0, 6)
           END AS service_min
""" + _VISIT_FILTER + """
)
GROUP BY day, agency_id, service_id, counter_id
"""
# The visits per day and local hour of issue. Parameters: :offset (e.g. '+8 hours') and those of _VISITS.
# A UTC time (the engine writes every time in UTC, to the millisecond) and a whole-hour offset: the hour by
# arithmetic, as strftime() would give it at a fraction of its cost; any other time through strftime().
_HOURS = ("SELECT t.day, CASE WHEN :whole_hours IS NOT NULL AND length(t.issued_at) = 29 "
          "AND substr(t.issued_at, 24) = '+00:00' "
          "THEN (CAST(substr(t.issued_at, 12, 2) AS INTEGER) + 24 + :whole_hours) % 24 "
          "ELSE CAST(strftime('%H', t.issued_at, :offset) AS INTEGER) END AS hour, count(*)"
          + _VISIT_FILTER + "GROUP BY 1, 2 ORDER BY 1, 2")
# The days of the period with aggregates (kiosk.aggregates) counted in the report's UTC offset.
_BUILT = "SELECT day FROM day_aggregates WHERE day BETWEEN :from AND :to AND utc_offset = :offset"
_BUILT_VISITS = f"""
SELECT v.day, substr(v.day, 1, 7), s.agency_id, v.service_id, nullif(v.counter_id, ''),
       v.issued, v.served, v.no_shows, v.transferred, v.priority, v.waits, v.services
FROM day_visits v JOIN service_agency s ON s.service_id = v.service_id
WHERE v.day IN ({_BUILT}) AND (:agency IS NULL OR s.agency_id = :agency)
"""
_BUILT_HOURS = f"""
SELECT h.day, h.hour, sum(h.visits) FROM day_hours h JOIN service_agency s ON s.service_id = h.service_id
WHERE h.day IN ({_BUILT}) AND (:agency IS NULL OR s.agency_id = :agency) GROUP BY 1, 2
"""
# The voided tickets of the period, kept apart from the visits (state only: no m004 column is needed); by the
# index on state (+day: not by the day index, which would read every ticket of the period).
_VOIDED = """
CREATE TEMP TABLE voided AS
SELECT t.id, t.day, strftime('%Y-W%W', t.day) AS week, substr(t.day, 1, 7) AS month,
       t.issued_service_id AS service_id, s.agency_id AS agency_id, t.counter_id
FROM tickets t JOIN service_agency s ON s.service_id = t.issued_service_id
WHERE t.state = 'voided' AND +t.day BETWEEN :from AND :to AND (:agency IS NULL OR s.agency_id = :agency)
"""


# The finest grouping every table rolls up from: (day, week, month, agency, service, counter).
_GROUPINGS = {"day": 0, "week": 1, "month": 2}   # a period's place in the fine key
_BY = {"agency_id": 3, "service_id": 4, "counter_id": 5}


class _Figures:
    """The visits of a period read once (_VISITS): the counts and the waiting and service times per fine key;
    every table's groups are unions of fine keys, each group's times sorted once (by NumPy: a year's report sorts
    its 700,000 waits for each of six tables, 2.6 s in Python's lists, bench/year.py; the comma lists of every
    row parsed in one call).

    The figures are those of the SQL window functions they replace (tests/support/report_before_m009.py): a mean
    is the plain sum in ascending order over the count, the median the mean of the middle two, p90 the value at
    rank ceil(0.9·n), the share within target a count over n. The times pass through text as SQLite prints a
    REAL (15 significant digits): exact for times rounded to 6 decimals, and parsed as Python's float() would."""

    def __init__(self, conn: sqlite3.Connection, params: dict, date_from: date, date_to: date):
        import numpy  # here, not at the module's import: the server imports this module, and starts without it

        self._np = numpy
        # per fine key (the rows are unique on it: a day is built or it is not), in the same places of four lists
        self.fines: list[tuple] = []
        self.counts: list[tuple] = []
        self.waits: list["numpy.ndarray | None"] = []
        self.services: list["numpy.ndarray | None"] = []
        self._counts_array = None
        built = {row[0] for row in conn.execute(_BUILT, params)}
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS unbuilt (day TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM temp.unbuilt")
        days = (date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1))
        conn.executemany("INSERT INTO temp.unbuilt VALUES (?)", [(d,) for d in map(date.isoformat, days) if d not in built])
        visit_params = {"agency": params["agency"]}
        self._add(conn.execute(_VISITS, visit_params))
        self._add(conn.execute(_BUILT_VISITS, params))
        hours = {(day, hour): count for day, hour, count in conn.execute(_BUILT_HOURS, params)}
        hours.update({(day, hour): count for day, hour, count in conn.execute(_HOURS, {**visit_params, **{
            k: params[k] for k in ("offset", "whole_hours")}})})
        self.hours = sorted((day, hour, count) for (day, hour), count in hours.items())

    def _add(self, rows) -> None:
        texts: list[str] = []  # every row's comma lists, parsed in one call (50,000 rows a year: one call each
        owners: list[tuple[list, int]] = []  # was 0.6 s of the year's report)
        weeks: dict[str, str] = {}
        for day, month, agency_id, service_id, counter_id, *counts, waits, services in rows:
            week = weeks.get(day)
            if week is None:  # SQLite's strftime('%Y-W%W'): weeks begin on Monday, days before the first are W00
                week = weeks[day] = date.fromisoformat(day).strftime("%Y-W%W")
            place = len(self.fines)
            self.fines.append((day, week, month, agency_id, service_id, counter_id))
            self.counts.append(tuple(counts))
            for text, times in ((waits, self.waits), (services, self.services)):
                times.append(None)
                if text is not None:
                    texts.append(text)
                    owners.append((times, place))
        if not texts:
            return
        np = self._np
        ends = np.cumsum([text.count(",") + 1 for text in texts])
        values = np.fromstring(",".join(texts), dtype=np.float64, sep=",")
        if len(values) != ends[-1]:
            raise ValueError(f"the day aggregates' times do not read back: {len(values)} numbers of {ends[-1]}")
        for (times, place), part in zip(owners, np.split(values, ends[:-1])):
            times[place] = part

    def wait_buckets(self, width: float, last: int) -> list[int]:
        """How many waits fall in each bucket of ``width`` minutes (0 … last, the last one open-ended)."""
        np = self._np
        waits = [times for times in self.waits if times is not None]
        if not waits:
            return [0] * (last + 1)
        buckets = np.minimum(np.trunc(np.concatenate(waits) / width), last)
        return [int(n) for n in np.bincount(buckets[buckets >= 0].astype(np.int64), minlength=last + 1)]

    def table(self, key_of, target: float) -> list[tuple]:
        """(group, issued, served, no_shows, transferred, priority, 7 time figures) per group, in group order;
        ``key_of(fine key)`` is the group's name, or None for a visit the table leaves out."""
        np = self._np
        if self._counts_array is None:
            self._counts_array = np.array(self.counts, dtype=np.int64)
        counts_of = self._counts_array
        groups: dict[str, list[int]] = {}  # each group's fine keys by their place in the lists
        for place, fine in enumerate(self.fines):
            group = key_of(fine)
            if group is not None:
                groups.setdefault(group, []).append(place)
        rows = []
        for group in sorted(groups):
            places = groups[group]
            counts = counts_of[places].sum(axis=0).tolist()
            waits = self._sorted(self.waits, places)
            services = self._sorted(self.services, places)
            wait_figures = (*_centre(waits), int(waits.searchsorted(target, side="right")) * 1.0 / len(waits)) \
                if waits is not None else (None, None, None, None)
            rows.append((group, *counts, *wait_figures,
                         *(_centre(services) if services is not None else (None, None, None))))
        return rows

    def _sorted(self, arrays_of: list, places: list[int]):
        """The times of the fine keys at ``places``, ascending (an array), or None when they have none."""
        arrays = [arrays_of[p] for p in places if arrays_of[p] is not None]
        if not arrays:
            return None
        merged = self._np.concatenate(arrays)
        merged.sort()
        return merged if len(merged) else None


def _centre(values) -> tuple[float, float, float]:
    """(mean, median, p90) of ascending values (an array), as SQLite's avg() and the nearest-rank p90."""
    n = len(values)
    total = float(values.cumsum()[-1])  # left to right, as SQLite's avg() (an array's sum() adds pairwise)
    low, high = float(values[(n + 1) // 2 - 1]), float(values[(n + 2) // 2 - 1])
    median = low if low == high or n % 2 else (0.0 + low + high) / 2
    return total / n, median, float(values[(9 * n + 9) // 10 - 1])


_STAT_COLUMNS = ["issued", "served", "no_shows", "transferred", "priority",
                 "wait_mean_min", "wait_median_min", "wait_p90_min", "served_within_target_share",
                 "service_mean_min", "service_median_min", "service_p90_min", "voided"]


def _connect(db_path: Path | str) -> sqlite3.Connection:
    uri = f"file:{Path(db_path).resolve()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    conn.execute("PRAGMA busy_timeout = 5000")
    # a day's tickets by the index on day: an automatic index would read every ticket to build itself
    conn.execute("PRAGMA automatic_index = OFF")
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


# What the report reads, and the archive's part of each: the rows of the days before the live file's
# archived_before (kiosk.archive). Unqualified, a temp view's name comes before main's table of that name.
_ARCHIVED = {
    "tickets": "SELECT * FROM arc.tickets WHERE day < '{before}'",
    "surveys": "SELECT s.* FROM arc.surveys s JOIN arc.tickets t ON t.id = s.ticket_id WHERE t.day < '{before}'",
    "survey_refusals": "SELECT * FROM arc.survey_refusals WHERE day < '{before}'",
    "day_visits": "SELECT * FROM arc.day_visits WHERE day < '{before}'",
    "day_hours": "SELECT * FROM arc.day_hours WHERE day < '{before}'",
    "day_officers": "SELECT * FROM arc.day_officers WHERE day < '{before}'",
    "day_aggregates": "SELECT * FROM arc.day_aggregates WHERE day < '{before}'",
}


def _with_archive(conn: sqlite3.Connection, db_path: Path | str, date_from: date) -> bool:
    """Read the archive file too when the period reaches into the days it holds; whether it does."""
    from kiosk.archive import archive_path, archived_before

    before = archived_before(conn)
    archive = archive_path(db_path)
    if before is None or date_from.isoformat() >= before or not archive.is_file():
        return False
    before = date.fromisoformat(before).isoformat()  # a day, nothing else, goes into the views' text
    conn.execute("ATTACH DATABASE ? AS arc", (f"file:{archive.resolve()}?mode=ro",))
    for table, archived in _ARCHIVED.items():
        conn.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM main.{table} UNION ALL "
                     + archived.format(before=before))
    return True


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
        "whole_hours": int(offset) if offset == int(offset) else None,
        # the surveys' times are ISO strings (any offset under a day): a day either side holds every one of the period
        "survey_lo": (date_from - timedelta(days=1)).isoformat(), "survey_hi": (date_to + timedelta(days=2)).isoformat(),
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
        _with_archive(conn, db_path, date_from)
        figures = _Figures(conn, params, date_from, date_to)
        conn.execute(_VOIDED, {k: params[k] for k in ("from", "to", "agency")})

        period = _GROUPINGS[by]

        def stats(name, title, group_expr, key_of, label, where="1", namer=None):
            rows = figures.table(key_of, params["target"])
            voided = dict(conn.execute(f"SELECT {group_expr}, count(*) FROM temp.voided WHERE {where} GROUP BY 1"))
            out = []
            for row in rows:
                key = row[0]
                figures_of = list(row[1:6]) + [_round(v, 4 if i == 3 else 2) for i, v in enumerate(row[6:])]
                figures_of.append(voided.get(key, 0))
                if namer:
                    period_of, ident = key.split("|", 1) if "|" in key else (None, key)
                    out.append(((period_of,) if period_of else ()) + (ident, namer.get(ident, ident), *figures_of))
                else:
                    out.append((key, *figures_of))
            columns = label + _STAT_COLUMNS
            tables[name] = Table(name, title, columns, out)

        def per(column):
            place = _BY[column]
            return lambda fine: None if fine[place] is None else f"{fine[period]}|{fine[place]}"

        stats("per_day", "Per hari / Per day", "day", lambda fine: fine[0], ["day"])
        stats("per_week", "Per minggu / Per week", "week", lambda fine: fine[1], ["week"])
        stats("per_month", "Per bulan / Per month", "month", lambda fine: fine[2], ["month"])
        stats("per_agency", "Per instansi / Per agency", f"{period_expr} || '|' || agency_id", per("agency_id"),
              [by, "agency_id", "agency"], namer=names["agency"])
        stats("per_service", "Per layanan / Per service", f"{period_expr} || '|' || service_id", per("service_id"),
              [by, "service_id", "service"], namer=names["service"])
        stats("per_counter", "Per loket / Per counter", f"{period_expr} || '|' || counter_id", per("counter_id"),
              [by, "counter_id", "counter"], where="counter_id IS NOT NULL", namer=names["counter"])

        hours = figures.hours
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

        by_bucket = figures.wait_buckets(5, 12)
        tables["wait_distribution"] = Table(
            "wait_distribution", "Sebaran waktu tunggu / Waiting time distribution", ["wait_minutes", "tickets"],
            [(f"{b * 5}-{b * 5 + 5}" if b < 12 else "60+", by_bucket[b]) for b in range(13)])

        quota_rows = []
        quotas = {s.id: s.daily_quota for s in config.services if s.daily_quota}
        if quotas:
            per_day_service: dict[tuple[str, str], int] = {}
            for fine, counts in zip(figures.fines, figures.counts):
                per_day_service[(fine[0], fine[4])] = per_day_service.get((fine[0], fine[4]), 0) + counts[0]
            for (day, service_id), issued in sorted(per_day_service.items()):
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

        served: dict[str, int] = {}
        for row in tables["per_agency"].dicts():  # the population each IKM speaks for
            served[row["agency_id"]] = served.get(row["agency_id"], 0) + (row["served"] or 0)
        tables["bookings"] = _bookings_table(conn, params, names)
        tables.update(_skm_tables(conn, config, params, names["agency"], served))
        tables.update(_officer_tables(conn, config, params))
        tables.update(_survey_honesty_tables(conn, config, params, names))
    finally:
        conn.close()
    return Report(date_from, date_to, agency, config.lobby.name, now or datetime.now(config.lobby.tz), tables)


# booked and walk-in waits (the first call is on the ticket), read only for the days and services that had
# bookings, by tickets_quota: a year's report read the year's 700,000 tickets for a table of none (bench/year.py)
_BOOKING_WAITS = (
    "SELECT t.day, t.issued_service_id, t.booking_id IS NOT NULL, "
    "avg(round((julianday(t.first_called_at) - julianday(t.issued_at)) * 1440.0, 6)) "
    "FROM (SELECT DISTINCT day, service_id FROM bookings WHERE day BETWEEN :from AND :to) p "
    "JOIN service_agency s ON s.service_id = p.service_id "
    "JOIN tickets t ON t.issued_service_id = p.service_id AND t.day = p.day "
    "WHERE t.state != 'voided' AND t.first_called_at IS NOT NULL "
    "AND (:agency IS NULL OR s.agency_id = :agency) GROUP BY 1, 2, 3")


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
    waits = {(day, sid, booked): wait for day, sid, booked, wait in conn.execute(_BOOKING_WAITS, params)}
    columns = ["day", "service_id", "service", "booked", "checked_in", "no_show", "cancelled",
               "checkin_minutes_before_slot_mean", "wait_booked_min_mean", "wait_walk_in_min_mean"]
    out = [(day, sid, names["service"].get(sid, sid), made, checked, missed, cancelled, _round(early),
            _round(waits.get((day, sid, 1))), _round(waits.get((day, sid, 0))))
           for day, sid, made, checked, missed, cancelled, early in rows]
    return Table("bookings", "Booking / Bookings", columns, out)


def _skm_tables(conn, config: Config, params: dict, agency_names: dict, served: dict[str, int]) -> dict[str, Table]:
    elements = [e[0] for e in SURVEY_ELEMENTS]
    where = ("submitted_at >= :survey_lo AND submitted_at < :survey_hi "  # by the index; the next line decides
             "AND substr(datetime(submitted_at, :offset), 1, 10) BETWEEN :from AND :to "
             "AND (:agency IS NULL OR agency_id = :agency)")
    # the surveys read once: per agency the count and each element's sum (whole numbers, exact), so each mean
    # and the whole MPP's are the sum over the count, as SQLite's avg() of the same scores gives them
    sums = conn.execute(f"SELECT agency_id, count(*), {', '.join(f'sum({e})' for e in elements)} FROM surveys "
                        f"WHERE {where} GROUP BY agency_id ORDER BY agency_id", params).fetchall()
    per_agency = [(agency_id, count, *(total / count for total in totals)) for agency_id, count, *totals in sums]
    respondents = sum(row[1] for row in sums)
    overall = ("ALL", respondents, *(sum(row[2 + i] for row in sums) / respondents for i in range(len(elements)))) \
        if respondents else None
    columns = ["agency_id", "agency", "respondents", *[f"nrr_{e}" for e in elements], "ikm", "grade", "grade_name",
               "served", "sample_needed"]
    # the population each IKM speaks for: the visitors served in the period (PermenPANRB 14/2017's sample rule)
    served = {**served, "ALL": sum(served.values())}
    rows = []
    for row in [*per_agency, *([overall] if overall and overall[1] else [])]:
        agency_id, respondents, nrr = row[0], row[1], list(row[2:])
        ikm = ikm_from_nrr(nrr)
        letter, name_id, _name_en = ikm_grade(ikm)
        name = "Seluruh MPP / Whole MPP" if agency_id == "ALL" else agency_names.get(agency_id, agency_id)
        population = max(served.get(agency_id, 0), respondents)
        rows.append((agency_id, name, respondents, *[round(v, 4) for v in nrr],
                     float(Decimal(str(ikm)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), letter, name_id,
                     population, krejcie_morgan(population)))
    return {"skm": Table("skm", "Indeks Kepuasan Masyarakat (IKM) / Satisfaction index", columns, rows)}


# Per officer: the sums and counts of the period's built days (day_officers) and of its other days (temp.unbuilt,
# from their tickets by the index on day, through the text that builds a day), added up.
_OFFICERS = f"""
SELECT f.officer, {", ".join(f"sum(f.{column})" for column in aggregates.OFFICER_COLUMNS[3:])}
FROM (SELECT {", ".join(aggregates.OFFICER_COLUMNS)} FROM day_officers WHERE day IN ({_BUILT})
      UNION ALL {aggregates.OFFICER_FIGURES.format(where="day IN (SELECT day FROM temp.unbuilt)")}) f
JOIN temp.service_agency s ON s.service_id = f.service_id
WHERE :agency IS NULL OR s.agency_id = :agency
GROUP BY f.officer ORDER BY f.officer
"""


def _officer_tables(conn, config: Config, params: dict) -> dict[str, Table]:
    """Per officer (tickets.served_by: who was logged in at the counter when the ticket was called, finished or
    marked no-show): served, mean service time, no-shows, and the surveys of the visitors they served with their
    IKM. From the day aggregates (kiosk.aggregates) and the unbuilt days' tickets: temp.unbuilt is _Figures'."""
    names = {staff.user: staff.name for staff in config.staff}
    rows = []
    for user, served, no_shows, timed, microminutes, respondents, *score_sums in conn.execute(_OFFICERS, params):
        service_mean = microminutes / (timed * 1_000_000) if timed else None  # one rounding: the exact mean
        ikm = round(ikm_from_nrr([total / respondents for total in score_sums]), 2) if respondents else None
        rows.append((user, names.get(user, user), served, no_shows, _round(service_mean), respondents, ikm))
    columns = ["officer_user", "officer", "served", "no_shows", "service_mean_min", "respondents", "ikm"]
    return {"per_officer": Table("per_officer", "Per petugas / Per officer", columns, rows)}


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
    bursts = _survey_bursts(conn, config, params, names, window, needed)
    flagged = Table(
        "survey_bursts", "Survei beruntun per loket (periksa) / Surveys in bursts per counter (check)",
        ["day", "counter_id", "counter", "surveys", "in_bursts", "most_in_window", "window_seconds", "first_burst_at"],
        bursts)
    return {"survey_refusals": refusals, "survey_bursts": flagged}


_EPOCH = date(1970, 1, 1)
_DAY_MS = 86_400_000
_GROUP_MS = 100_000_000  # a (day, counter)'s place in a sort key: more than a day's milliseconds apart


def _survey_bursts(conn, config: Config, params: dict, names: dict, window: float, needed: int) -> list[tuple]:
    """Per counter and local day with a burst: (day, counter, name, surveys, in bursts, most in one window,
    window, the first burst's first survey HH:MM:SS). A burst: ``needed`` or more of the counter's surveys
    that day within ``window`` seconds (the window ending at each survey, as a person would slide it).

    The surveys' times in whole milliseconds since 1970 (exact: the engine writes them so), each given one
    sort key (day and counter, then the time of day); every survey's window found at once by a search of the
    sorted keys. A year's 170,000 surveys read as datetimes took 1.5 s of the year's report, as a SQL window count
    1.3 s (bench/year.py). Read from the index surveys_bursts alone (store.m017_survey_counters)."""
    import numpy as np

    rows = conn.execute(
        "SELECT counter_id, submitted_at, CAST(round((julianday(submitted_at) - 2440587.5) * 86400000.0) AS INTEGER) "
        "FROM surveys WHERE submitted_at >= :survey_lo AND submitted_at < :survey_hi "  # the day below decides
        "AND (:agency IS NULL OR agency_id = :agency) AND counter_id IS NOT NULL", params).fetchall()
    if not rows:
        return []
    counter_ids, submitted, at_ms = zip(*rows)
    counters = sorted(set(counter_ids))
    place = {counter: i for i, counter in enumerate(counters)}
    local = np.array(at_ms, dtype=np.int64) + round(_utc_offset_hours(config, date.fromisoformat(params["from"]))
                                                    * 3_600_000)
    day = local // _DAY_MS  # days since 1970-01-01, local
    first = (date.fromisoformat(params["from"]) - _EPOCH).days
    last = (date.fromisoformat(params["to"]) - _EPOCH).days
    kept = np.flatnonzero((day >= first) & (day <= last))
    group = (day[kept] - first) * len(counters) + np.array([place[c] for c in counter_ids], dtype=np.int64)[kept]
    keys = group * _GROUP_MS + (local[kept] - day[kept] * _DAY_MS)
    order = np.argsort(keys, kind="stable")
    keys, rows_at = keys[order], kept[order]
    n = len(keys)
    if n == 0:
        return []
    span = round(window * 1000)
    start = np.searchsorted(keys, keys - span, side="left")  # the first survey of the window ending at each
    count = np.arange(n) - start + 1
    burst_ends = np.flatnonzero(count >= needed)
    if len(burst_ends) == 0:
        return []
    edges = np.zeros(n + 1, dtype=np.int64)  # the surveys in some burst's window: +1 at its first, -1 after its end
    np.add.at(edges, start[burst_ends], 1)
    np.add.at(edges, burst_ends + 1, -1)
    in_burst = np.cumsum(edges[:n]) > 0
    groups = keys // _GROUP_MS
    out = []
    for g in np.unique(groups[burst_ends]).tolist():  # the counter-days with a burst, in (day, counter) order
        lo, hi = (int(i) for i in np.searchsorted(groups, [g, g + 1]))
        first_end = int(burst_ends[np.searchsorted(burst_ends, lo)])
        counter_id = counters[g % len(counters)]
        first_at = submitted[int(rows_at[int(start[first_end])])]
        out.append(((_EPOCH + timedelta(days=first + g // len(counters))).isoformat(), counter_id,
                    names["counter"].get(counter_id, counter_id), hi - lo, int(in_burst[lo:hi].sum()),
                    int(count[lo:hi].max()), window,
                    datetime.fromisoformat(first_at).astimezone(config.lobby.tz).strftime("%H:%M:%S")))
    return out


# ---------------------------------------------------------------------- outputs

HOUR_COLUMN = re.compile(r"^\d\d:00$")


def column_label(name: str, lang: str) -> str:
    """What a person reads over a column (the catalog's report.col.<name>); the machine name stays in the API
    and with ``--machine-names``. Hours ("08:00") and unknown names are shown as they are."""
    if name.startswith("nrr_"):
        return t("report.col.nrr", lang, element=name[4:].upper())
    if HOUR_COLUMN.match(name) or t(f"report.col.{name}", FALLBACK) == f"report.col.{name}":
        return name
    return t(f"report.col.{name}", lang)


def header(table: Table, lang: str | None) -> list[str]:
    """The header row of ``table``: human names in ``lang``, or the machine names when ``lang`` is None."""
    return list(table.columns) if lang is None else [column_label(column, lang) for column in table.columns]


def krejcie_morgan(population: int) -> int:
    """The sample PermenPANRB 14/2017 asks for (Krejcie & Morgan: chi² 3.841, P 0.5, 5 % error)."""
    if population <= 0:
        return 0
    chi, p, d = 3.841, 0.5, 0.05
    # to the nearest whole respondent, as the published table (500 → 217, 1,000 → 278, 10,000 → 370)
    return int(Decimal(chi * population * p * (1 - p) / (d * d * (population - 1) + chi * p * (1 - p)))
               .quantize(Decimal(1), rounding=ROUND_HALF_UP))



def write_csv(report: Report, folder: Path, lang: str | None = FALLBACK) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in report.tables.values():
        path = folder / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header(table, lang))
            writer.writerows(table.rows)
        paths.append(path)
    return paths


def write_xlsx(report: Report, path: Path, lang: str | None = FALLBACK) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in report.tables.values():
        sheet = book.create_sheet(table.name[:31])
        sheet.append(header(table, lang))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for i, column in enumerate(header(table, lang), start=1):
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
    except sqlite3.DatabaseError as exc:
        print(f"report: {db_path} cannot be read as this version's database ({exc}); a database from an older "
              "version is upgraded when the server starts on it (or by mpp-kiosk restore)", file=sys.stderr)
        return 2
    stem = f"laporan-{date_from}-{date_to}" + (f"-{args.agency}" if args.agency else "")
    lang = None if getattr(args, "machine_names", False) else getattr(args, "lang", None) or FALLBACK
    if args.format == "csv":
        out = write_csv(report, args.out or Path(stem), lang)
        print(f"report: {len(out)} CSV tables in {out[0].parent}")
    elif args.format == "xlsx":
        print(f"report: {write_xlsx(report, args.out or Path(stem + '.xlsx'), lang)}")
    else:
        print(f"report: {write_html(report, args.out or Path(stem + '.html'))}")
    return 0
