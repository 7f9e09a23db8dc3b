"""The SKM survey: 9 elements scored 1-4, once, after a service of at least queue.survey_min_service_seconds,
with the one-time survey token of the ticket's phone page (the honesty rules: tests/security/test_survey_honesty.py)."""
from __future__ import annotations

import pytest

from kiosk import errors

from .helpers import events


@pytest.fixture
def served(engine, clock):
    engine.open_counter("loket-1")
    ticket = engine.issue_ticket("ktp").ticket
    engine.call_next("loket-1")
    clock.advance(seconds=engine.config.queue.survey_min_service_seconds)  # exactly the minimum is enough
    engine.finish("loket-1")
    return ticket


def send(engine, ticket, scores, comment=""):
    engine.submit_survey(ticket.token, scores, comment, survey_token=engine.survey_token(ticket.token))


def test_a_finished_ticket_is_surveyed_once(engine, served):
    send(engine, served, [4, 3, 4, 2, 1, 4, 3, 3, 4], "Cepat dan ramah")
    rows = engine.store.query("SELECT * FROM surveys")
    assert len(rows) == 1
    row = rows[0]
    assert [row[f"u{i}"] for i in range(1, 10)] == [4, 3, 4, 2, 1, 4, 3, 3, 4]
    assert (row["agency_id"], row["service_id"], row["comment"]) == ("dukcapil", "ktp", "Cepat dan ramah")
    assert engine.ticket_status(served.token)["surveyed"] is True
    assert events(engine)[-1]["type"] == "survey_submitted"
    assert engine.survey_token(served.token) is None  # the page offers no second form
    with pytest.raises(errors.InvalidState) as refused:
        engine.submit_survey(served.token, [4] * 9, survey_token=engine._survey_token_of(served))
    assert refused.value.reason == "already_done"
    assert refused.value.message("en") == "This ticket's survey was already submitted. Thank you!"
    assert refused.value.message("id") == "Survei untuk nomor ini sudah diisi. Terima kasih!"
    assert len(engine.store.query("SELECT * FROM surveys")) == 1


@pytest.mark.parametrize("state", ["waiting", "called", "serving", "no_show"])
def test_no_survey_before_the_service_is_done(engine, state):
    engine.open_counter("loket-1")
    ticket = engine.issue_ticket("ktp").ticket
    if state != "waiting":
        engine.call_next("loket-1")
    if state == "serving":
        engine.start("loket-1")
    if state == "no_show":
        engine.recall("loket-1")
        engine.no_show("loket-1")
    with pytest.raises(errors.InvalidState) as refused:
        engine.submit_survey(ticket.token, [4] * 9)
    assert refused.value.message("en") == "The survey opens once the service is finished."
    assert engine.store.query("SELECT * FROM surveys") == []


@pytest.mark.parametrize("scores", [
    [4] * 8, [4] * 10, [], [0] + [4] * 8, [5] + [4] * 8, [4] * 8 + [-1],
    [4.0] * 9, ["4"] * 9, [True] * 9, [None] * 9, None, 444444444, "444444444", {"u1": 4},
])
def test_scores_must_be_nine_whole_numbers_from_1_to_4(engine, served, scores):
    with pytest.raises(errors.SurveyError) as refused:
        send(engine, served, scores)
    assert refused.value.message("en") == "Score all 9 survey items from 1 to 4."
    assert refused.value.message("id") == "Isi 9 unsur survei dengan nilai 1-4."
    assert refused.value.http_status == 422
    assert engine.store.query("SELECT * FROM surveys") == []


def test_a_long_comment_is_cut(engine, served):
    send(engine, served, [1] * 9, "x" * 5000)
    assert len(engine.store.query("SELECT comment FROM surveys")[0]["comment"]) == 1000
