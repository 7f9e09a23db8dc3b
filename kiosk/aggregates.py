"""Day aggregates (store.m009_day_aggregates): the report's figures of each closed day, kept so a year's report
reads a few rows a day instead of every ticket.

Per day, issued service and counter: the counts and every waiting and service time (comma lists, as SQLite prints
a REAL); per day and local hour: the visits. ``day_aggregates`` names the days built, with the UTC offset their
hours were counted in. The engine builds every closed day not built yet at the first write of a new day (in that
write's transaction: :func:`build_missing`), the server again at start and at its daily tidy-up. A trigger on
``tickets`` forgets a day whenever one of its tickets is added, changed or removed (same transaction), so a built
day is always its tickets' figures; the report reads a forgotten day from the tickets until it is built again.

Per day, issued service and officer (store.m015_day_officers): the report's per-officer figures, as sums and
counts so any period's mean is its tickets' mean. A survey is counted on its ticket's day; a trigger on ``surveys``
forgets that day when one is added, removed or its scores change (not when its comment is erased).

The agency is not kept: the report takes it from the config (the issued service's agency), as before.
"""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, time

from kiosk.config import Config

# The facts of one day (:day) as the report computes them, all services (the report keeps those of the config).
_BUILD_VISITS = """
INSERT INTO day_visits (day, service_id, counter_id, issued, served, no_shows, transferred, priority, waits, services)
SELECT day, service_id, coalesce(counter_id, ''), count(*), sum(state = 'done'), sum(state = 'no_show'),
       sum(transfers > 0), sum(priority), group_concat(wait_min), group_concat(service_min)
FROM (
    SELECT t.day, t.issued_service_id AS service_id, t.state, t.priority, t.transfers,
           coalesce(t.counter_id, t.first_call_counter_id) AS counter_id,
           round((julianday(t.first_called_at) - julianday(t.issued_at)) * 1440.0, 6) AS wait_min,
           CASE WHEN t.state = 'done' THEN round((julianday(t.finished_at) - julianday(t.started_at)) * 1440.0, 6)
           END AS service_min
    FROM tickets t WHERE t.day = :day AND t.state != 'voided'
)
GROUP BY service_id, counter_id
"""
_BUILD_HOURS = """
INSERT INTO day_hours (day, service_id, hour, visits)
SELECT t.day, t.issued_service_id, CAST(strftime('%H', t.issued_at, :offset) AS INTEGER), count(*)
FROM tickets t WHERE t.day = :day AND t.state != 'voided' GROUP BY 2, 3
"""

# Per day, issued service and officer (tickets.served_by, the officer logged in when the ticket was called,
# finished or marked no-show): the counts, the service times' sum in millionths of a minute and the SKM scores'
# sums per element (u1_sum … u9_sum). The report's service times are rounded to 6 decimals: as whole millionths their
# sums are exact, so a year's mean from its days' sums is the mean of its tickets. ``{where}`` picks the days; the
# report reads its unbuilt days through the same text. The columns in the order of OFFICER_COLUMNS.
SURVEY_ELEMENTS = tuple(f"u{element}" for element in range(1, 10))  # the columns of surveys
SURVEY_SUMS = tuple(f"{element}_sum" for element in SURVEY_ELEMENTS)
OFFICER_COLUMNS = ("day", "service_id", "officer", "served", "no_shows", "timed", "service_microminutes",
                   "respondents", *SURVEY_SUMS)
OFFICER_FIGURES = """
SELECT t.day, t.issued_service_id, t.served_by, sum(t.state = 'done'), sum(t.state = 'no_show'),
       count(t.service_microminutes), coalesce(sum(t.service_microminutes), 0), count(v.ticket_id), {sums}
FROM (
    SELECT day, id, issued_service_id, served_by, state,
           CASE WHEN state = 'done' THEN CAST(round(round((julianday(finished_at) - julianday(started_at)) * 1440.0, 6)
                                                    * 1000000) AS INTEGER) END AS service_microminutes
    FROM tickets WHERE {{where}} AND state != 'voided' AND served_by IS NOT NULL
) t LEFT JOIN surveys v ON v.ticket_id = t.id
GROUP BY t.day, t.issued_service_id, t.served_by
""".format(sums=", ".join(f"coalesce(sum(v.{u}), 0)" for u in SURVEY_ELEMENTS))
_BUILD_OFFICERS = (f"INSERT INTO day_officers ({', '.join(OFFICER_COLUMNS)}) "
                   + OFFICER_FIGURES.format(where="day = :day"))


def build_officers(conn: sqlite3.Connection, day: str) -> None:
    """(Re)build one day's per-officer figures: they need no config (store.m015_day_officers fills them too)."""
    conn.execute("DELETE FROM day_officers WHERE day = ?", (day,))
    conn.execute(_BUILD_OFFICERS, {"day": day})


def utc_offset(config: Config, day: date) -> str:
    """The SQLite modifier of the lobby's UTC offset on ``day`` (e.g. '+8 hours'): Indonesia keeps no DST."""
    offset = datetime.combine(day, time(12), tzinfo=config.lobby.tz).utcoffset()
    return f"{offset.total_seconds() / 3600:+g} hours"


def build_day(conn: sqlite3.Connection, config: Config, day: str, now: str) -> None:
    """(Re)build one day's aggregates, inside the caller's write transaction."""
    offset = utc_offset(config, date.fromisoformat(day))
    conn.execute("DELETE FROM day_visits WHERE day = ?", (day,))
    conn.execute("DELETE FROM day_hours WHERE day = ?", (day,))
    conn.execute(_BUILD_VISITS, {"day": day})
    conn.execute(_BUILD_HOURS, {"day": day, "offset": offset})
    build_officers(conn, day)
    visits = conn.execute("SELECT coalesce(sum(issued), 0) FROM day_visits WHERE day = ?", (day,)).fetchone()[0]
    conn.execute("INSERT OR REPLACE INTO day_aggregates (day, utc_offset, visits, built_at) VALUES (?, ?, ?, ?)",
                 (day, offset, visits, now))


def build_missing(conn: sqlite3.Connection, config: Config, today: str, now: str) -> list[str]:
    """Build every day before ``today`` (local) with tickets and no aggregates yet; the days built.

    Cheap on a year of tickets: the days after the last one built (by the index on day) and the days a change
    forgot (day_forgotten); every day with tickets only when none was ever built."""
    last = conn.execute("SELECT max(day) FROM day_aggregates").fetchone()[0]
    days = {row[0] for row in conn.execute(
        "SELECT DISTINCT day FROM tickets WHERE day > ? AND day < ?", (last or "", today))}
    days |= {row[0] for row in conn.execute(
        "SELECT f.day FROM day_forgotten f WHERE f.day < ? AND EXISTS (SELECT 1 FROM tickets t WHERE t.day = f.day)",
        (today,))}
    built = sorted(day for day in days if day not in {row[0] for row in conn.execute(
        "SELECT day FROM day_aggregates WHERE day >= ?", (min(days),))}) if days else []
    for day in built:
        build_day(conn, config, day, now)
    conn.execute("DELETE FROM day_forgotten WHERE day < ?", (today,))
    return built
