"""The reports over HTTP: who may ask, what a bad question gets, and that the figures are the report module's.

One lobby is played through the API for two days (issue, call, recall, no-show,
finish, surveys); every test reads it. Today's summary is checked against the
numbers the play itself made, not against the report module.
"""
from __future__ import annotations

import io
import json
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

import httpx
import openpyxl
import pytest

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.report_html import render_html
from kiosk.reports import column_label, build_report, write_csv
from kiosk.server import reports_api
from kiosk.server.app import create_app
from kiosk.server.runner import ServerThread
from kiosk.store import Store
from support.configs import BASE, DEVICE_KEYS, MAKASSAR, MONDAY_9, PIN_1234, make_config
from support.server import running_server
from support.survey import survey_token

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)
TWO_DAYS = "from=2026-11-23&to=2026-11-24"
SUPERVISOR = {"user": "koordinator", "name": "Koordinator MPP", "pin_hash": PIN_1234, "counters": ["*"],
              "supervisor": True}


@dataclass
class Lobby:
    server: object
    config: object
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)  # role or user -> bearer credential

    def get(self, path: str, who: str | None = "manager", **headers) -> httpx.Response:
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return httpx.get(self.server.url + path, headers=headers, timeout=10)

    def report(self, date_from: date, date_to: date, agency: str | None = None, by: str = "month"):
        return build_report(self.config, self.server.db_path, date_from, date_to, agency, by=by,
                            now=self.clock.now().astimezone(MAKASSAR))


def surveyed(server, ticket: dict, scores: list[int]) -> list[int]:
    """As the visitor's phone sends it: no key, with the survey token of the ticket's page."""
    server.client().survey(ticket["token"], scores, survey_token=survey_token(server.url, ticket["token"]))
    return scores


@pytest.fixture(scope="module")
def lobby(tmp_path_factory):
    """Monday: A-001 served (waited 10 min), A-002 a no-show (18 min), B-001 served at loket-3 (26 min).
    Tuesday, now 09:30: A-001 served (6 min), A-002 served (14 min), A-003 and B-001 still waiting.
    Surveys: Monday all 4s (A-001) and all 3s (B-001); Tuesday 2 then eight 3s (A-001)."""
    folder = tmp_path_factory.mktemp("reports-api")
    config = make_config(folder, staff=[*BASE["staff"], SUPERVISOR])
    clock = FakeClock(MONDAY_9)
    with running_server(config, folder / "queue.sqlite", clock, ping_seconds=1.0, log_events=False) as server:
        kiosk = server.client("kiosk")

        def at(hour: int, minute: int, day: date = MONDAY) -> None:
            clock.set(datetime(day.year, day.month, day.day, hour, minute, tzinfo=MAKASSAR))

        loket1, loket3 = server.staff_client("petugas1", "loket-1"), server.staff_client("petugas3", "loket-3")
        a1 = kiosk.issue("ktp")
        at(9, 2)
        kiosk.issue("kk")
        at(9, 4)
        b1 = kiosk.issue("paspor")
        at(9, 10)
        loket1.action("loket-1", "call-next")
        at(9, 11)
        loket1.action("loket-1", "start")
        at(9, 20)
        loket1.action("loket-1", "finish")
        loket1.action("loket-1", "call-next")  # A-002 at 09:20
        loket1.action("loket-1", "recall")
        at(9, 25)
        loket1.action("loket-1", "no-show")
        at(9, 30)
        loket3.action("loket-3", "call-next")  # B-001
        at(9, 40)
        loket3.action("loket-3", "finish")
        surveyed(server, a1, [4] * 9)
        surveyed(server, b1, [3] * 9)

        at(9, 0, TUESDAY)
        loket1 = server.staff_client("petugas1", "loket-1")  # yesterday's session has ended
        t1 = kiosk.issue("ktp")
        at(9, 1, TUESDAY)
        kiosk.issue("ktp")
        at(9, 3, TUESDAY)
        kiosk.issue("kk")
        at(9, 5, TUESDAY)
        kiosk.issue("paspor")
        at(9, 6, TUESDAY)
        loket1.action("loket-1", "call-next")
        at(9, 15, TUESDAY)
        loket1.action("loket-1", "finish")
        loket1.action("loket-1", "call-next")  # A-002 at 09:15
        at(9, 20, TUESDAY)
        loket1.action("loket-1", "finish")
        surveyed(server, t1, [2] + [3] * 8)
        at(9, 30, TUESDAY)

        tokens = {role: key for role, key in DEVICE_KEYS.items()}
        tokens["petugas1"] = loket1.credential
        tokens["koordinator"] = server.staff_client("koordinator", "loket-2").credential
        yield Lobby(server, config, clock, tokens)
        kiosk.close()


def as_json(value):
    return json.loads(json.dumps(value))


def tables_of(report) -> dict:
    return as_json({name: reports_api.table_json(table) for name, table in report.tables.items()})


# ---------------------------------------------------------------------------- who may ask

ENDPOINTS = {
    "tables": f"/api/v1/reports/tables?{TWO_DAYS}",
    "one table": f"/api/v1/reports/per_service?{TWO_DAYS}",
    "export": f"/api/v1/reports/export?format=csv&{TWO_DAYS}",
    "today": "/api/v1/reports/today",
}
ALLOWED = {
    "manager": set(ENDPOINTS),
    "koordinator": {"today"},  # a supervisor's staff session
    "petugas1": set(),         # staff, not a supervisor
    "kiosk": set(), "display": set(), "counter-app": set(),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", ALLOWED)
def test_each_role_on_each_endpoint(lobby, endpoint, who):
    answer = lobby.get(ENDPOINTS[endpoint], who)
    if endpoint in ALLOWED[who]:
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403
        assert answer.json() == {"error": "forbidden", "message": "Perangkat atau petugas ini tidak boleh melakukan itu."}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("credential", [None, "Bearer not-a-key-of-this-lobby", "Basic bWFuYWdlcjp4"])
def test_no_or_unknown_credential_is_401(lobby, endpoint, credential):
    headers = {"Authorization": credential} if credential else {}
    answer = lobby.get(ENDPOINTS[endpoint], None, **headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["error"] == "unauthorized"


def test_refusals_come_before_checking_the_question(lobby):
    # a caller who may not ask learns nothing about the parameters
    assert lobby.get("/api/v1/reports/tables?from=bad", None).status_code == 401
    assert lobby.get("/api/v1/reports/nope?from=bad", "kiosk").status_code == 403


# ---------------------------------------------------------------------------- the figures

@pytest.mark.parametrize("by", ["day", "week", "month"])
@pytest.mark.parametrize("agency", [None, "dukcapil", "imigrasi"])
def test_tables_are_the_report_modules_figures(lobby, by, agency):
    query = f"{TWO_DAYS}&by={by}" + (f"&agency={agency}" if agency else "")
    answer = lobby.get(f"/api/v1/reports/tables?{query}")
    assert answer.status_code == 200
    body = answer.json()
    report = lobby.report(MONDAY, TUESDAY, agency, by)
    assert body["tables"] == tables_of(report)
    assert list(body["tables"]) == list(reports_api.TABLE_NAMES)
    assert body["period"] == {"from": "2026-11-23", "to": "2026-11-24", "days": 2, "by": by}
    assert body["lobby"] == "MPP Uji"
    assert body["generated_at"] == "2026-11-24T09:30:00+08:00"
    if agency:
        assert body["agency"] == {"id": agency, "name": lobby.config.agency_by_id[agency].name,
                                  "short_name": lobby.config.agency_by_id[agency].short_name}
    else:
        assert body["agency"] is None


def test_the_tables_hold_the_played_days(lobby):
    per_day = lobby.get(f"/api/v1/reports/per_day?{TWO_DAYS}").json()["table"]
    rows = {row[0]: dict(zip(per_day["columns"], row)) for row in per_day["rows"]}
    assert (rows["2026-11-23"]["issued"], rows["2026-11-23"]["served"], rows["2026-11-23"]["no_shows"]) == (3, 2, 1)
    assert (rows["2026-11-24"]["issued"], rows["2026-11-24"]["served"], rows["2026-11-24"]["no_shows"]) == (4, 2, 0)
    assert rows["2026-11-23"]["wait_mean_min"] == pytest.approx((10 + 18 + 26) / 3, abs=0.005)
    assert rows["2026-11-24"]["wait_mean_min"] == 10.0


@pytest.mark.parametrize("name", reports_api.TABLE_NAMES)
def test_one_table_is_that_table_of_the_report(lobby, name):
    body = lobby.get(f"/api/v1/reports/{name}?{TWO_DAYS}&by=day&agency=dukcapil").json()
    assert body["name"] == name
    assert body["table"] == tables_of(lobby.report(MONDAY, TUESDAY, "dukcapil", "day"))[name]
    assert body["period"]["by"] == "day" and body["agency"]["id"] == "dukcapil"


def test_a_period_without_tickets_has_empty_tables_not_an_error(lobby):
    body = lobby.get("/api/v1/reports/tables?from=2026-01-01&to=2026-01-31").json()
    assert body["tables"]["per_day"]["rows"] == []
    assert body["tables"]["skm"]["rows"] == []
    today = lobby.get("/api/v1/reports/tables?from=2026-11-25&to=2026-11-25").json()
    assert today["tables"]["per_month"]["rows"] == []


def test_the_longest_period_is_366_days(lobby):
    assert lobby.get("/api/v1/reports/tables?from=2026-01-01&to=2027-01-01").status_code == 200


# ---------------------------------------------------------------------------- files

def test_csv_export_is_a_zip_of_the_command_lines_csv_files(lobby, tmp_path):
    answer = lobby.get(f"/api/v1/reports/export?format=csv&{TWO_DAYS}&agency=dukcapil")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == 'attachment; filename="laporan-2026-11-23-2026-11-24-dukcapil.zip"'
    expected = {path.name: path.read_bytes()
                for path in write_csv(lobby.report(MONDAY, TUESDAY, "dukcapil"), tmp_path / "csv")}
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        inside = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
        assert all(name.startswith("laporan-2026-11-23-2026-11-24-dukcapil/") for name in archive.namelist())
    assert inside == expected
    assert set(inside) == {f"{name}.csv" for name in reports_api.TABLE_NAMES}
    # the same report is the same archive, byte for byte
    assert lobby.get(f"/api/v1/reports/export?format=csv&{TWO_DAYS}&agency=dukcapil").content == answer.content


def test_csv_export_of_one_table(lobby, tmp_path):
    answer = lobby.get(f"/api/v1/reports/export?format=csv&table=skm&{TWO_DAYS}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="laporan-2026-11-23-2026-11-24-skm.csv"'
    write_csv(lobby.report(MONDAY, TUESDAY), tmp_path)
    assert answer.content == (tmp_path / "skm.csv").read_bytes()
    assert answer.text.splitlines()[0].startswith("Kode instansi,Instansi,Responden,NRR U1")
    # in the asker's language, or the machine names for a script
    english = lobby.get(f"/api/v1/reports/export?format=csv&table=skm&lang=en&{TWO_DAYS}")
    assert english.text.splitlines()[0].startswith("Agency code,Agency,Respondents,NRR U1")
    machine = lobby.get(f"/api/v1/reports/export?format=csv&table=skm&columns=machine&{TWO_DAYS}")
    assert machine.text.splitlines()[0].startswith("agency_id,agency,respondents,nrr_u1")
    assert lobby.get(f"/api/v1/reports/export?format=csv&columns=robot&{TWO_DAYS}").status_code == 422


def test_xlsx_export_has_a_sheet_per_table_with_the_figures(lobby):
    answer = lobby.get(f"/api/v1/reports/export?format=xlsx&{TWO_DAYS}&by=day")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["content-disposition"] == 'attachment; filename="laporan-2026-11-23-2026-11-24.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    report = lobby.report(MONDAY, TUESDAY, by="day")
    assert book.sheetnames == list(report.tables)
    for name, table in report.tables.items():
        rows = [list(row) for row in book[name].iter_rows(values_only=True)]
        assert rows == [[column_label(c, "id") for c in table.columns], *[list(row) for row in table.rows]]


def test_html_export_is_the_command_lines_page(lobby):
    answer = lobby.get(f"/api/v1/reports/export?format=html&{TWO_DAYS}&agency=imigrasi")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="laporan-2026-11-23-2026-11-24-imigrasi.html"'
    assert answer.text == render_html(lobby.report(MONDAY, TUESDAY, "imigrasi"))


# ---------------------------------------------------------------------------- bad questions

BAD = [
    # (query, field, type, Indonesian message, English message)
    ("to=2026-11-24", "from", "missing", "Isi parameter from dengan tanggal YYYY-MM-DD.", "Give from as a date YYYY-MM-DD."),
    ("from=2026-11-23", "to", "missing", "Isi parameter to dengan tanggal YYYY-MM-DD.", "Give to as a date YYYY-MM-DD."),
    ("from=&to=2026-11-24", "from", "missing", None, None),
    ("from=2026-13-01&to=2026-12-24", "from", "date_invalid",
     "Tanggal 2026-13-01 tidak ada di kalender (parameter from).", "2026-13-01 is not a date of the calendar (from)."),
    ("from=2026-02-29&to=2026-03-01", "from", "date_invalid", None, None),
    ("from=20261123&to=2026-11-24", "from", "date_format",
     "Parameter from harus tanggal YYYY-MM-DD, bukan '20261123'.", "from must be a date YYYY-MM-DD, not '20261123'."),
    ("from=2026-W48-1&to=2026-11-24", "from", "date_format", None, None),
    ("from=23-11-2026&to=2026-11-24", "from", "date_format", None, None),
    ("from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-11-23&to=2026-11-24", "from", "date_format", None, None),  # full-width digits
    ("from=2026-11-23&to=yesterday", "to", "date_format", None, None),
    ("from=2026-11-24&to=2026-11-23", "to", "date_order",
     "Tanggal to (2026-11-23) sebelum tanggal from (2026-11-24).", "to (2026-11-23) is before from (2026-11-24)."),
    ("from=2026-01-01&to=2027-01-02", "to", "period_too_long",
     "Satu laporan paling lama 366 hari; periode ini 367 hari. Bagi menjadi beberapa laporan.",
     "One report covers at most 366 days; this period has 367. Split it into several."),
    ("from=0001-01-01&to=9999-12-31", "to", "period_too_long", None, None),
    (f"{TWO_DAYS}&agency=imigrasii", "agency", "unknown_agency",
     "Instansi 'imigrasii' tidak dikenal. Maksud Anda 'imigrasi'?", "No agency 'imigrasii'. Did you mean 'imigrasi'?"),
    (f"{TWO_DAYS}&agency=zzz", "agency", "unknown_agency", "Instansi 'zzz' tidak dikenal.", "No agency 'zzz'."),
    (f"{TWO_DAYS}&by=year", "by", "choice",
     "Parameter by harus day, week atau month, bukan 'year'.", "by must be day, week or month, not 'year'."),
    (f"from={'9' * 5000}&to=2026-11-24", "from", "date_format", None, None),
]


@pytest.mark.parametrize("path", ["tables", "per_day", "export?format=csv&"])
@pytest.mark.parametrize("query, field_name, kind, message_id, message_en", BAD)
def test_a_bad_question_is_422_with_a_sentence_in_the_requests_language(lobby, path, query, field_name, kind,
                                                                        message_id, message_en):
    url = f"/api/v1/reports/{path}" + ("" if path.endswith("&") else "?") + query
    for lang, expected in (("id", message_id), ("en", message_en)):
        answer = lobby.get(url, **{"Accept-Language": lang})
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"] == "invalid_request"
        assert body["problems"] == [{"field": field_name, "type": kind}]
        if expected:
            assert body["message"] == expected
        assert len(body["message"]) < 200  # a long value is cut short, not echoed whole


@pytest.mark.parametrize("query, field_name, kind, message_en", [
    (f"format=pdf&{TWO_DAYS}", "format", "choice", "format must be csv, xlsx or html, not 'pdf'."),
    (TWO_DAYS, "format", "choice", "format must be csv, xlsx or html, not ''."),
    (f"format=csv&table=nope&{TWO_DAYS}", "table", "choice", None),
    (f"format=xlsx&table=skm&{TWO_DAYS}", "table", "csv_only", "table works with format=csv only."),
    (f"format=html&table=per_day&{TWO_DAYS}", "table", "csv_only", None),
])
def test_bad_export_questions(lobby, query, field_name, kind, message_en):
    answer = lobby.get(f"/api/v1/reports/export?{query}&lang=en")
    assert answer.status_code == 422
    assert answer.json()["problems"] == [{"field": field_name, "type": kind}]
    if message_en:
        assert answer.json()["message"] == message_en


def test_an_unknown_table_is_404_naming_the_tables(lobby):
    answer = lobby.get(f"/api/v1/reports/per_year?{TWO_DAYS}&lang=en")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
    assert answer.json()["message"].startswith("No report table 'per_year'. Choose one of: per_day, per_week,")
    assert answer.json()["tables"] == list(reports_api.TABLE_NAMES)


def test_today_with_an_unknown_agency_is_422(lobby):
    answer = lobby.get("/api/v1/reports/today?agency=dukcapl", "koordinator")
    assert answer.status_code == 422
    assert answer.json()["message"] == "Instansi 'dukcapl' tidak dikenal. Maksud Anda 'dukcapil'?"


# ---------------------------------------------------------------------------- today

def ikm(*surveys: list[int]) -> float:
    """PermenPANRB 14/2017 by hand, in exact fractions: mean score per element, their mean × 25."""
    nrr = [Fraction(sum(scores[i] for scores in surveys), len(surveys)) for i in range(9)]
    return round(float(sum(nrr) / 9 * 25), 2)


ALL_4, ALL_3, TUESDAYS = [4] * 9, [3] * 9, [2] + [3] * 8


@pytest.mark.parametrize("who", ["manager", "koordinator"])
def test_today_counts_what_happened_today(lobby, who):
    body = lobby.get("/api/v1/reports/today", who).json()
    assert body["day"] == "2026-11-24" and body["agency"] is None
    assert body["generated_at"] == "2026-11-24T09:30:00+08:00"
    assert body["waiting_now"] == 2          # A-003 (kk) and B-001 (paspor)
    assert body["issued_today"] == 4
    assert body["served_today"] == 2
    assert body["no_shows_today"] == 0       # Monday's no-show is not today's
    assert body["mean_wait_minutes"] == (6 + 14) / 2
    assert ikm(TUESDAYS) == 72.22
    assert body["ikm_today"] == {"ikm": 72.22, "grade": "C", "grade_name": "Kurang Baik", "respondents": 1}
    assert ikm(ALL_4, ALL_3, TUESDAYS) == 82.41
    assert body["ikm_month"] == {"ikm": 82.41, "grade": "B", "grade_name": "Baik", "respondents": 3,
                                 "from": "2026-11-01"}


def test_today_for_one_agency_and_in_english(lobby):
    dukcapil = lobby.get("/api/v1/reports/today?agency=dukcapil&lang=en").json()
    assert dukcapil["agency"]["id"] == "dukcapil"
    assert (dukcapil["waiting_now"], dukcapil["issued_today"], dukcapil["served_today"]) == (1, 3, 2)
    assert dukcapil["ikm_today"] == {"ikm": ikm(TUESDAYS), "grade": "C", "grade_name": "Poor", "respondents": 1}
    assert dukcapil["ikm_month"]["ikm"] == ikm(ALL_4, TUESDAYS) == 86.11
    assert dukcapil["ikm_month"]["grade_name"] == "Good"

    imigrasi = lobby.get("/api/v1/reports/today?agency=imigrasi").json()
    assert (imigrasi["waiting_now"], imigrasi["issued_today"], imigrasi["served_today"]) == (1, 1, 0)
    assert imigrasi["mean_wait_minutes"] is None  # no one called yet today
    assert imigrasi["ikm_today"] == {"ikm": None, "grade": None, "grade_name": None, "respondents": 0}
    assert imigrasi["ikm_month"]["ikm"] == ikm(ALL_3) == 75.0 and imigrasi["ikm_month"]["grade"] == "C"


def test_today_equals_an_independent_count_of_the_database(lobby):
    import sqlite3

    body = lobby.get("/api/v1/reports/today").json()
    conn = sqlite3.connect(lobby.server.db_path)
    states = dict(conn.execute("SELECT state, count(*) FROM tickets WHERE day = '2026-11-24' GROUP BY state").fetchall())
    waiting = conn.execute("SELECT count(*) FROM tickets WHERE state = 'waiting'").fetchone()[0]
    conn.close()
    assert (body["waiting_now"], body["served_today"], body["no_shows_today"], body["issued_today"]) == \
        (waiting, states.get("done", 0), states.get("no_show", 0), sum(states.values()))


# ---------------------------------------------------------------------------- never blocking, never a 500

def test_a_slow_report_blocks_neither_the_event_loop_nor_the_engine(lobby, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    threads: list[str] = []
    real = reports_api.build_report

    def slow_build_report(*args, **kwargs):
        threads.append(threading.current_thread().name)
        entered.set()
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports_api, "build_report", slow_build_report)
    answers = {}
    asking = threading.Thread(target=lambda: answers.update(tables=lobby.get(f"/api/v1/reports/tables?{TWO_DAYS}")))
    asking.start()
    try:
        assert entered.wait(5)
        # while the report is being built: the server answers, and the engine issues and calls
        assert httpx.get(lobby.server.url + "/healthz", timeout=2).status_code == 200
        with lobby.server.client("kiosk", timeout=2) as kiosk:
            issued = kiosk.issue("kk")
        assert lobby.get("/api/v1/state").json()["seq"] >= issued["seq"]
    finally:
        release.set()
        asking.join(10)
    assert answers["tables"].status_code == 200
    assert threads and all(name != "engine" and not name.startswith("uvicorn") for name in threads)


def test_a_database_that_cannot_be_read_is_503_not_500(tmp_path):
    config = make_config(tmp_path)
    engine = QueueEngine(config, Store(":memory:"), FakeClock(MONDAY_9))
    with ServerThread(create_app(config, engine, access_log=False, log_events=False)) as server:
        for path in (f"/api/v1/reports/tables?{TWO_DAYS}&lang=en", "/api/v1/reports/today?lang=en",
                     f"/api/v1/reports/export?format=xlsx&{TWO_DAYS}&lang=en"):
            answer = httpx.get(server.url + path, headers={"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}, timeout=5)
            assert answer.status_code == 503
            assert answer.json() == {
                "error": "report_unavailable",
                "message": "The report cannot be made now: the queue database cannot be read. Try again shortly."}
    engine.store.close()
