"""The managers' reports over HTTP: the figures of kiosk.reports as JSON or as a file, and today's summary.

Every figure comes from :func:`kiosk.reports.build_report`. It runs in a thread
of its own (``asyncio.to_thread``) on its own read-only connection to the
database file, so a report of a whole year blocks neither the event loop nor
the engine's worker thread: tickets keep being issued and called meanwhile.

    GET /api/v1/reports/tables?from=&to=&agency=&by=     every table (manager key)
    GET /api/v1/reports/{table}?from=&to=&agency=&by=    one table (manager key)
    GET /api/v1/reports/export?format=csv|xlsx|html&from=&to=&agency=&table=   the file (manager key)
    GET /api/v1/reports/today?agency=                    today so far (manager key or a supervisor's session)
"""
from __future__ import annotations

import asyncio
import difflib
import io
import logging
import re
import sqlite3
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response

from kiosk.config import Config
from kiosk.protocol.views import OneReportTableView, ReportTablesView, TodaySummaryView
from kiosk.reports import Report, Table, build_report, grade_name, ikm_grade, waiting_now, write_csv, write_xlsx
from kiosk.schedule import local_day
from kiosk.server.deps import Router, manager_device, supervisor_or_manager
from kiosk.server.errors import ApiProblem

log = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 366  # a leap year; longer periods are several reports
# Reports at once; more wait their turn, so two cores are never all busy with reports.
MAX_CONCURRENT_REPORTS = 2
TABLE_NAMES = ("per_day", "per_week", "per_month", "per_agency", "per_service", "per_counter",
               "busiest_hours", "wait_distribution", "quota_use", "voided", "bookings", "skm", "per_officer",
               "survey_refusals",
               "survey_bursts")
PERIODS = ("day", "week", "month")
FORMATS = {
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
CSV_TYPE = "text/csv; charset=utf-8"
_DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only (\d would take any script's)


def _shown(raw: str) -> str:
    """A caller's value quoted back in a message, cut short."""
    return repr(raw[:40] + ("…" if len(raw) > 40 else ""))


def invalid(field: str, kind: str, msgid: str, **fields) -> ApiProblem:
    """A 422 in the API's usual shape: the catalog's ``msgid`` in the request's language, and which parameter."""
    return ApiProblem("invalid_request", msgid=msgid, fields={"field": field, **fields},
                      problems=[{"field": field, "type": kind}])


def unavailable() -> ApiProblem:
    problem = ApiProblem("internal_error", msgid="error.report_unavailable")
    problem.code, problem.http_status = "report_unavailable", 503
    return problem


# --------------------------------------------------------------------------- parameters

def parse_day(field: str, raw: str | None) -> date:
    if raw is None or not raw.strip():
        raise invalid(field, "missing", "error.report_day_missing")
    raw = raw.strip()
    # fromisoformat alone also takes '20261123' and '2026-W48-1': one spelling only
    if not _DAY_RE.fullmatch(raw):
        raise invalid(field, "date_format", "error.report_day_format", given=_shown(raw))
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise invalid(field, "date_invalid", "error.report_day_not_in_calendar", given=raw) from None


def parse_period(raw_from: str | None, raw_to: str | None) -> tuple[date, date]:
    date_from, date_to = parse_day("from", raw_from), parse_day("to", raw_to)
    if date_to < date_from:
        raise invalid("to", "date_order", "error.report_date_order", date_from=date_from, date_to=date_to)
    days = (date_to - date_from).days + 1
    if days > MAX_PERIOD_DAYS:
        raise invalid("to", "period_too_long", "error.report_period_too_long", max=MAX_PERIOD_DAYS, days=days)
    return date_from, date_to


def parse_agency(config: Config, raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if raw in config.agency_by_id:
        return raw
    close = difflib.get_close_matches(raw[:64], list(config.agency_by_id), n=1)
    if close:
        raise invalid("agency", "unknown_agency", "error.report_unknown_agency.hint", given=_shown(raw),
                      hint=repr(close[0]))
    raise invalid("agency", "unknown_agency", "error.report_unknown_agency", given=_shown(raw))


def parse_choice(field: str, raw: str | None, choices, default: str | None = None) -> str:
    if (raw is None or not raw.strip()) and default is not None:
        return default
    value = (raw or "").strip()
    if value not in choices:
        raise invalid(field, "choice", "error.report_choice", given=_shown(value),
                      first=", ".join(choices[:-1]), last=choices[-1])
    return value


# --------------------------------------------------------------------------- views (in a worker thread)

def table_json(table: Table) -> dict:
    return {"title": table.title, "columns": list(table.columns), "rows": [list(row) for row in table.rows]}


def report_head(config: Config, report: Report, by: str) -> dict:
    agency = config.agency_by_id.get(report.agency) if report.agency else None
    return {
        "lobby": report.lobby,
        "period": {"from": report.date_from.isoformat(), "to": report.date_to.isoformat(),
                   "days": (report.date_to - report.date_from).days + 1, "by": by},
        "agency": {"id": agency.id, "name": agency.name, "short_name": agency.short_name} if agency else None,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
    }


def file_stem(report: Report) -> str:
    """As `mpp-kiosk report` names its files."""
    return f"laporan-{report.date_from}-{report.date_to}" + (f"-{report.agency}" if report.agency else "")


def export_file(report: Report, fmt: str, table: str | None, lang: str | None = "id") -> tuple[bytes, str, str]:
    """(content, media type, file name) — the same bytes as `mpp-kiosk report` writes; the CSV and XLSX headers in
    ``lang`` (None: the machine names, as the JSON routes give them)."""
    from kiosk.report_html import render_html

    stem = file_stem(report)
    if fmt == "html":
        return render_html(report).encode("utf-8"), FORMATS["html"], f"{stem}.html"
    with tempfile.TemporaryDirectory(prefix="mpp-report-") as folder:
        if fmt == "xlsx":
            path = write_xlsx(report, Path(folder) / f"{stem}.xlsx", lang)
            return path.read_bytes(), FORMATS["xlsx"], path.name
        paths = write_csv(report, Path(folder), lang)
        if table is not None:
            return (Path(folder) / f"{table}.csv").read_bytes(), CSV_TYPE, f"{stem}-{table}.csv"
        buffer = io.BytesIO()
        # the files carry the report's own time, so the same report gives the same archive
        stamp = report.generated_at.timetuple()[:6]
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                info = zipfile.ZipInfo(f"{stem}/{path.name}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        return buffer.getvalue(), FORMATS["csv"], f"{stem}.zip"


def exported(config: Config, db_path: Path, date_from: date, date_to: date, agency: str | None, by: str,
             now: datetime, fmt: str, table: str | None, lang: str | None = "id") -> tuple[bytes, str, str]:
    return export_file(build_report(config, db_path, date_from, date_to, agency, by=by, now=now), fmt, table, lang)


def _ikm(report: Report, lang: str) -> dict:
    """The whole period's IKM (the 'ALL' row of the skm table), with its grade."""
    table = report.table("skm")
    rows = table.dicts()
    overall = next((row for row in rows if row["agency_id"] == "ALL"), None)
    if overall is None:
        return {"ikm": None, "grade": None, "grade_name": None, "respondents": 0}
    letter, _name_id, _name_en = ikm_grade(overall["ikm"])
    return {"ikm": overall["ikm"], "grade": letter, "grade_name": grade_name(letter, lang),
            "respondents": overall["respondents"]}


def today_summary(config: Config, db_path: Path, now: datetime, agency: str | None, lang: str) -> dict:
    """Today so far, and this month's IKM so far: the figures of two reports, plus the queue now."""
    day = local_day(config, now)
    today = build_report(config, db_path, day, day, agency, by="day", now=now)
    month = build_report(config, db_path, day.replace(day=1), day, agency, by="month", now=now)
    figures = next(iter(today.table("per_day").dicts()), {})
    head = report_head(config, today, "day")
    return {
        "day": day.isoformat(),
        "agency": head["agency"],
        "generated_at": head["generated_at"],
        "waiting_now": waiting_now(db_path, agency),
        "issued_today": figures.get("issued", 0),
        "served_today": figures.get("served", 0),
        "no_shows_today": figures.get("no_shows", 0),
        "mean_wait_minutes": figures.get("wait_mean_min"),
        "ikm_today": _ikm(today, lang),
        "ikm_month": {**_ikm(month, lang), "from": month.date_from.isoformat()},
        # the surveys today's IKM does not count, and why; counters whose surveys came in bursts
        "surveys_refused_today": _refusals_by_reason(today),
        "survey_bursts_today": [row["counter_id"] for row in today.table("survey_bursts").dicts()],
    }


def _refusals_by_reason(report: Report) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in report.table("survey_refusals").dicts():
        counts[row["reason"]] = counts.get(row["reason"], 0) + row["refused"]
    return dict(sorted(counts.items()))


# --------------------------------------------------------------------------- routes

def install_report_routes(app: FastAPI, backend, *, lang_of, authed: dict) -> None:
    """Add the report endpoints to the queue server's app (``backend`` is its kiosk.server.app.Backend)."""
    config: Config = backend.config
    slots = asyncio.Semaphore(MAX_CONCURRENT_REPORTS)

    def db_path() -> Path:
        path = Path(backend.engine.store.path)
        if str(path) == ":memory:" or not path.is_file():
            raise unavailable()
        return path

    async def in_thread(fn, *args, **kwargs):
        """A report on a thread of its own, on its own read-only connection (never the engine's thread)."""
        path = db_path()
        async with slots:
            try:
                return await asyncio.to_thread(fn, config, path, *args, **kwargs)
            except (sqlite3.Error, OSError) as exc:
                log.warning("report failed on %s: %r", path, exc)
                raise unavailable() from None
            except ValueError as exc:  # the parameters were checked; build_report's own checks, to be sure
                raise invalid("query", "invalid", "error.report_query", problem=str(exc)) from None

    def now() -> datetime:
        return backend.engine.clock.now().astimezone(config.lobby.tz)

    def parse(raw_from, raw_to, raw_agency, raw_by) -> tuple[date, date, str | None, str]:
        date_from, date_to = parse_period(raw_from, raw_to)
        agency = parse_agency(config, raw_agency)
        return date_from, date_to, agency, parse_choice("by", raw_by, PERIODS, default="month")

    period_from = Query(None, alias="from", description="first day, YYYY-MM-DD (the lobby's local date)")
    period_to = Query(None, alias="to", description="last day, YYYY-MM-DD, inclusive; at most 366 days in all")
    agency_param = Query(None, description="an agency id: only the tickets issued for its services")
    by_param = Query(None, description="day, week or month (default): the period of per_agency/per_service/per_counter")
    router = Router(tags=["reports"])
    manager = [Depends(manager_device)]

    @router.get("/api/v1/reports/tables", response_model=ReportTablesView, openapi_extra=authed,
                dependencies=manager, summary="Every report table for a period (manager key)")
    async def report_tables(request: Request, date_from: str | None = period_from, date_to: str | None = period_to,
                            agency: str | None = agency_param, by: str | None = by_param):
        date_from, date_to, agency, by = parse(date_from, date_to, agency, by)
        report = await in_thread(build_report, date_from, date_to, agency, by=by, now=now())
        return {**report_head(config, report, by),
                "tables": {name: table_json(table) for name, table in report.tables.items()}}

    @router.get("/api/v1/reports/export", response_class=Response, openapi_extra=authed, dependencies=manager,
                responses={200: {"description": "the file, as an attachment",
                                 "content": {media: {} for media in (*FORMATS.values(), CSV_TYPE)}}},
                summary="The report as a file: csv (a zip of every table, or ?table= one), xlsx or html (manager key)")
    async def report_export(request: Request, date_from: str | None = period_from, date_to: str | None = period_to,
                            agency: str | None = agency_param, by: str | None = by_param,
                            fmt: str | None = Query(None, alias="format", description="csv, xlsx or html"),
                            table: str | None = Query(None, description="with format=csv: one table as a CSV file"),
                            columns: str | None = Query(None, description="human (default: the column names in the "
                                                        "request's language) or machine (the JSON routes' names)")):
        fmt = parse_choice("format", fmt, tuple(FORMATS))
        names = parse_choice("columns", columns, ("human", "machine")) if columns else "human"
        lang = None if names == "machine" else lang_of(request)
        if table is not None and table.strip():
            table = parse_choice("table", table, TABLE_NAMES)
            if fmt != "csv":
                raise invalid("table", "csv_only", "error.report_csv_only")
        else:
            table = None
        date_from, date_to, agency, by = parse(date_from, date_to, agency, by)
        content, media_type, name = await in_thread(exported, date_from, date_to, agency, by, now(), fmt, table, lang)
        return Response(content, media_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    @router.get("/api/v1/reports/today", response_model=TodaySummaryView, openapi_extra=authed,
                dependencies=[Depends(supervisor_or_manager)],
                summary="Today so far: waiting, served, no-shows, mean wait, IKM (manager key or a supervisor's session)")
    async def report_today(request: Request, agency: str | None = agency_param):
        agency_id = parse_agency(config, agency)
        return await in_thread(today_summary, now(), agency_id, lang_of(request))

    @router.get("/api/v1/reports/{table}", response_model=OneReportTableView, openapi_extra=authed,
                dependencies=manager, summary="One report table for a period (manager key)")
    async def report_table(request: Request, table: str, date_from: str | None = period_from,
                           date_to: str | None = period_to, agency: str | None = agency_param,
                           by: str | None = by_param):
        if table not in TABLE_NAMES:
            raise ApiProblem("not_found", msgid="error.report_unknown_table",
                             fields={"table": _shown(table), "tables": ", ".join(TABLE_NAMES)}, tables=list(TABLE_NAMES))
        date_from, date_to, agency, by = parse(date_from, date_to, agency, by)
        report = await in_thread(build_report, date_from, date_to, agency, by=by, now=now())
        return {**report_head(config, report, by), "name": table, "table": table_json(report.table(table))}

    app.include_router(router)
