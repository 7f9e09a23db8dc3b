"""The satisfaction index stays honest: a survey only from the ticket's own phone page, once, after a real service.

The finding it answers: 1,789 surveys in 10 s from one kiosk key plus one staff session pushed the lobby's
IKM from none to 25.0, grade D (a script issued, called, finished and surveyed tickets at machine speed).

A real server on 127.0.0.1 over a SQLite file, its clock injected (FakeClock): a "real-length service" is
the clock moved between call and finish. The lobby LAN is 127.0.0.1/32 only; the visitor's phone posts from
127.0.0.2, the guest Wi-Fi. The issue and visitor rate limits are raised here (the script must reach the
survey rules, which are what this file tests; the limits have tests of their own).
"""
from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from kiosk.client import ApiError
from kiosk.clock import FakeClock
from kiosk.reports import build_report
from support.configs import BASE, DEVICE_KEYS, MONDAY_9, PIN_1234, load_test_server, make_config
from support.server import running_server
from support.survey import served_for, survey_token

GUEST = "127.0.0.2"
MONDAY = MONDAY_9.date()
FORM_TOKEN = re.compile(r'<form class="survey" id="survey" method="post" action="([^"]+)".*?'
                        r'name="survey_token" value="([^"]+)"', re.S)
MANAGER = {"Authorization": f"Bearer {DEVICE_KEYS['manager']}"}


@pytest.fixture
def clock():
    return FakeClock(MONDAY_9)


@pytest.fixture
def config(tmp_path):
    server = load_test_server(lan_networks=["127.0.0.1/32"])
    server["limits"].update(visitor_requests_per_second=100_000, visitor_burst=100_000)
    staff = [*BASE["staff"], {"user": "petugas2", "name": "Petugas Dua", "pin_hash": PIN_1234, "counters": ["loket-2"]}]
    return make_config(tmp_path, server=server, staff=staff)


@pytest.fixture
def server(config, tmp_path, clock):
    with running_server(config, tmp_path / "queue.sqlite", clock, ping_seconds=1.0) as handle:
        yield handle


@pytest.fixture
def kiosk(server):
    client = server.client("kiosk")
    yield client
    client.close()


@pytest.fixture
def staff(server):
    client = server.staff_client("petugas1", "loket-1")
    yield client
    client.close()


@pytest.fixture
def phone(server):
    """The visitor's phone on the guest Wi-Fi: no key, no session."""
    with httpx.Client(base_url=server.url, timeout=5.0, transport=httpx.HTTPTransport(local_address=GUEST)) as http:
        yield http


def db(server) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)


def accepted(server) -> int:
    with db(server) as conn:
        return conn.execute("SELECT count(*) FROM surveys").fetchone()[0]


def refusals(server) -> dict[str, int]:
    with db(server) as conn:
        return dict(conn.execute("SELECT reason, sum(refused) FROM survey_refusals GROUP BY reason"))


def today(server) -> dict:
    answer = httpx.get(f"{server.url}/api/v1/reports/today", headers=MANAGER, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def refusal_of(call) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value


def test_the_finding_replayed_a_scripted_flood_gets_no_survey_in(server, kiosk, staff):
    """200 tickets issued, called, finished and surveyed at machine speed: half as the finding did (the kiosk's
    key), half as a smarter script would (no key, after reading the ticket's own panel for a survey token)."""
    visitor = server.client()
    offered = []
    for n in range(200):
        ticket = kiosk.issue("ktp")
        staff.action("loket-1", "call-next")
        staff.action("loket-1", "finish")
        if n % 2 == 0:
            refused = refusal_of(lambda: kiosk.survey(ticket["token"], [1] * 9))
            assert (refused.status, refused.details["reason"]) == (403, "staff_or_device")
        else:
            token = survey_token(server.url, ticket["token"])
            offered.append(token)
            refused = refusal_of(lambda: visitor.survey(ticket["token"], [1] * 9, survey_token=token))
            assert (refused.status, refused.details["reason"]) == (409, "too_soon")
    assert offered == [None] * 100  # a service of 0 s: the page offers no form, so no token either
    assert accepted(server) == 0
    assert refusals(server) == {"staff_or_device": 100, "too_soon": 100}
    summary = today(server)
    assert summary["ikm_today"] == {"ikm": None, "grade": None, "grade_name": None, "respondents": 0}
    assert summary["surveys_refused_today"] == {"staff_or_device": 100, "too_soon": 100}
    report = build_report(server.config, server.db_path, MONDAY, MONDAY)
    assert report.table("skm").rows == []  # the IKM stays none
    assert [row[5:] for row in report.table("survey_refusals").rows] == [("staff_or_device", 100), ("too_soon", 100)]


def test_a_real_service_surveyed_from_the_phone_pages_form_counts_once(server, kiosk, staff, phone):
    ticket = kiosk.issue("ktp")
    served_for(staff, server.clock, "loket-1", seconds=server.config.queue.survey_min_service_seconds + 30)
    page = phone.get(f"/t/{ticket['token']}")
    assert page.status_code == 200
    action, token = FORM_TOKEN.search(page.text).groups()
    assert action == f"/t/{ticket['token']}/survey?lang=id"
    # the token is the page's only: the ticket's JSON status says the survey is open but never carries it
    status = phone.get(f"/api/v1/tickets/{ticket['token']}").json()
    assert status["survey"] == "open" and token not in str(status)
    form = {f"u{n}": "4" for n in range(1, 10)} | {"comment": "Cepat", "survey_token": token}
    sent = phone.post(action, data=form)
    assert sent.status_code == 303 and accepted(server) == 1
    assert "Terima kasih!" in phone.get(f"/t/{ticket['token']}").text
    again = phone.post(action, data=form)  # the back button, or a replay of the same form
    assert again.status_code == 303  # back to the thank-you page
    json_again = phone.post(f"/api/v1/tickets/{ticket['token']}/survey",
                            json={"scores": [1] * 9, "survey_token": token})
    assert json_again.status_code == 409 and json_again.json()["reason"] == "already_done"
    assert accepted(server) == 1 and refusals(server) == {"already_done": 2}
    assert today(server)["ikm_today"]["respondents"] == 1


def test_the_json_route_needs_the_pages_survey_token(server, kiosk, staff, phone):
    first, second = kiosk.issue("ktp"), kiosk.issue("ktp")
    served_for(staff, server.clock, "loket-1")
    served_for(staff, server.clock, "loket-1")
    url = f"/api/v1/tickets/{first['token']}/survey?lang=en"
    without = phone.post(url, json={"scores": [4] * 9})
    assert without.status_code == 403 and without.json()["reason"] == "no_survey_token"
    assert without.json()["message"].startswith("Send the survey from your ticket's page")
    # another ticket's token (a script that served one ticket for real, to survey many) is not this one's
    borrowed = phone.post(url, json={"scores": [4] * 9, "survey_token": survey_token(server.url, second["token"])})
    assert borrowed.status_code == 403 and borrowed.json()["reason"] == "bad_token"
    made_up = phone.post(url, json={"scores": [4] * 9, "survey_token": "A" * 24})
    assert made_up.json()["reason"] == "bad_token"
    good = phone.post(url, json={"scores": [4] * 9, "survey_token": survey_token(server.url, first["token"])})
    assert good.status_code == 201 and accepted(server) == 1
    assert refusals(server) == {"no_survey_token": 1, "bad_token": 2}


def test_a_survey_with_a_device_key_or_a_staff_session_is_refused(server, kiosk, staff, phone):
    ticket = kiosk.issue("ktp")
    served_for(staff, server.clock, "loket-1")
    token = survey_token(server.url, ticket["token"])
    for client in (kiosk, staff, server.client("counter-app"), server.client("manager")):
        refused = refusal_of(lambda: client.survey(ticket["token"], [1] * 9, survey_token=token))
        assert (refused.status, refused.details["reason"]) == (403, "staff_or_device")
        assert refused.message.startswith("Survei hanya diisi oleh pengunjung")
    form = {f"u{n}": "1" for n in range(1, 10)} | {"survey_token": token}
    page = httpx.post(f"{server.url}/t/{ticket['token']}/survey?lang=en", data=form, timeout=5,
                      headers={"Authorization": f"Bearer {DEVICE_KEYS['counter-app']}"})
    assert page.status_code == 403 and "not from a kiosk, counter or staff device" in page.text
    assert accepted(server) == 0 and refusals(server) == {"staff_or_device": 5}
    # none of that spent the visitor's survey: the phone still sends it
    assert phone.post(f"/api/v1/tickets/{ticket['token']}/survey",
                      json={"scores": [4] * 9, "survey_token": token}).status_code == 201


def test_refusals_with_their_reasons_appear_in_the_report(server, kiosk, staff, phone, clock):
    # accepted: one real service; then one refusal of every kind
    real = kiosk.issue("ktp")
    served_for(staff, clock, "loket-1")
    good = survey_token(server.url, real["token"])
    assert phone.post(f"/api/v1/tickets/{real['token']}/survey", json={"scores": [3] * 9, "survey_token": good}).status_code == 201
    short = kiosk.issue("ktp")
    served_for(staff, clock, "loket-1", seconds=5)
    late = kiosk.issue("ktp")
    served_for(staff, clock, "loket-1")
    late_token = survey_token(server.url, late["token"])
    waiting = kiosk.issue("ktp")

    def post(ticket_token, survey_token=None, **headers):
        return phone.post(f"/api/v1/tickets/{ticket_token}/survey", headers=headers,
                          json={"scores": [1] * 9, **({"survey_token": survey_token} if survey_token else {})})

    assert post("no-such-ticket").status_code == 404
    assert post(waiting["token"]).json()["reason"] == "not_served"
    assert post(short["token"]).json()["reason"] == "too_soon"
    assert post(real["token"], good).json()["reason"] == "already_done"
    assert post(late["token"]).json()["reason"] == "no_survey_token"
    assert post(late["token"], good).json()["reason"] == "bad_token"
    assert post(late["token"], late_token, Authorization=f"Bearer {DEVICE_KEYS['kiosk']}").json()["reason"] == "staff_or_device"
    clock.advance(hours=server.config.queue.survey_open_hours, minutes=1)
    assert post(late["token"], late_token).json()["reason"] == "expired"
    tuesday = clock.now().astimezone(server.config.lobby.tz).date()

    expected = {"unknown_ticket": 1, "not_served": 1, "too_soon": 1, "already_done": 1, "no_survey_token": 1,
                "bad_token": 1, "staff_or_device": 1, "expired": 1}
    assert refusals(server) == expected
    answer = httpx.get(f"{server.url}/api/v1/reports/survey_refusals?from={MONDAY}&to={tuesday}", headers=MANAGER,
                       timeout=10).json()["table"]
    assert answer["columns"] == ["day", "agency_id", "agency", "counter_id", "counter", "reason", "refused"]
    by_reason = {row[5]: row for row in answer["rows"]}
    assert {reason: row[6] for reason, row in by_reason.items()} == expected
    assert by_reason["expired"][:5] == [str(tuesday), "dukcapil", "Disdukcapil", "loket-1", "Loket 1"]
    assert by_reason["unknown_ticket"][:5] == [str(MONDAY), None, None, None, None]  # nothing to name
    assert by_reason["not_served"][3] is None  # it was never at a counter
    html = httpx.get(f"{server.url}/api/v1/reports/export?format=html&from={MONDAY}&to={tuesday}", headers=MANAGER,
                     timeout=10).text
    assert "Survei ditolak / Surveys refused<b>8</b>" in html
    assert "layanan lebih singkat dari batas minimum" in html and "sent with a device key or staff session" in html
    csv = httpx.get(f"{server.url}/api/v1/reports/export?format=csv&table=survey_refusals&columns=machine"
                    f"&from={MONDAY}&to={tuesday}",
                    headers=MANAGER, timeout=10).text
    assert csv.splitlines()[0] == "day,agency_id,agency,counter_id,counter,reason,refused" and len(csv.splitlines()) == 9
    # the IKM counts the accepted survey only
    skm = build_report(server.config, server.db_path, MONDAY, tuesday).table("skm").dicts()
    assert [(row["agency_id"], row["respondents"], row["ikm"]) for row in skm] == [("dukcapil", 1, 75.0), ("ALL", 1, 75.0)]


def test_a_burst_of_surveys_for_one_counter_is_flagged(server, kiosk, staff, phone, clock):
    """Five real services at loket-1 whose surveys all arrive within a minute are flagged; loket-2's five,
    each sent as its visitor left (90 s apart), are not."""
    window, count = server.config.queue.survey_burst_seconds, server.config.queue.survey_burst_count
    tokens = []
    for _ in range(count):
        ticket = kiosk.issue("ktp")
        served_for(staff, clock, "loket-1")
        tokens.append((ticket["token"], survey_token(server.url, ticket["token"])))
    for ticket_token, token in tokens:  # all at once, a few seconds apart
        clock.advance(seconds=window / (count * 2))
        assert phone.post(f"/api/v1/tickets/{ticket_token}/survey",
                          json={"scores": [4] * 9, "survey_token": token}).status_code == 201
    other = server.staff_client("petugas2", "loket-2")
    for _ in range(count):
        ticket = kiosk.issue("kk")
        served_for(other, clock, "loket-2")
        token = survey_token(server.url, ticket["token"])
        assert phone.post(f"/api/v1/tickets/{ticket['token']}/survey",
                          json={"scores": [4] * 9, "survey_token": token}).status_code == 201
    other.close()
    bursts = build_report(server.config, server.db_path, MONDAY, MONDAY).table("survey_bursts").dicts()
    assert len(bursts) == 1
    flagged = bursts[0]
    assert (flagged["counter_id"], flagged["surveys"], flagged["in_bursts"], flagged["window_seconds"]) == (
        "loket-1", count, count, window)
    assert flagged["most_in_window"] >= count
    assert today(server)["survey_bursts_today"] == ["loket-1"]
    html = httpx.get(f"{server.url}/api/v1/reports/export?format=html&from={MONDAY}&to={MONDAY}", headers=MANAGER,
                     timeout=10).text
    assert "Check: surveys in bursts per counter" in html and "Loket 1" in html.split("surveys in bursts")[1]
    # flagged, not refused: they count in the IKM, and a manager checks the counter
    assert accepted(server) == 2 * count


def test_the_phone_page_says_in_plain_words_why_no_survey_can_be_taken(server, kiosk, staff, phone, clock):
    scores = {f"u{n}": "4" for n in range(1, 10)}
    quick = kiosk.issue("ktp")
    early = phone.post(f"/t/{quick['token']}/survey?lang=en", data=scores)  # not served yet
    assert early.status_code == 409 and "The survey opens once the service is finished." in early.text
    assert 'id="notice"' in early.text and "Traceback" not in early.text

    staff.action("loket-1", "call-next")  # a question answered at once: too short to rate
    staff.action("loket-1", "finish")
    page = phone.get(f"/t/{quick['token']}").text
    assert 'id="survey"' not in page and 'name="survey_token"' not in page
    assert "Survei kepuasan tidak dibuka untuk nomor ini karena layanannya sangat singkat." in page
    english = phone.get(f"/t/{quick['token']}?lang=en").text
    assert "There is no satisfaction survey for this ticket because the service was very short." in english
    sent = phone.post(f"/t/{quick['token']}/survey?lang=en", data=scores)
    assert sent.status_code == 409 and "the service was too short to rate" in sent.text and "Traceback" not in sent.text

    real = kiosk.issue("ktp")
    served_for(staff, clock, "loket-1")
    assert 'id="survey"' in phone.get(f"/t/{real['token']}").text
    clock.advance(hours=server.config.queue.survey_open_hours, minutes=1)
    closed = phone.get(f"/t/{real['token']}").text
    assert 'id="survey"' not in closed and "Waktu untuk mengisi survei nomor ini sudah lewat." in closed
    assert "The time to fill in this ticket's survey has passed." in phone.get(f"/t/{real['token']}?lang=en").text
