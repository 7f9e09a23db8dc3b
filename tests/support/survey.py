"""A visitor's survey as the phone page sends it: the one-time survey token read from the ticket's own panel.

    token = survey_token(server.url, ticket["token"])        # None while the survey is not open
    server.client().survey(ticket["token"], [4] * 9, survey_token=token)
    served_for(staff, clock, "loket-1", seconds=90)          # call-next, start, 90 s, finish
"""
from __future__ import annotations

import re

import httpx

_TOKEN_FIELD = re.compile(r'name="survey_token" value="([^"]*)"')


def survey_token(base_url: str, ticket_token: str, **client_options) -> str | None:
    """The survey token of the ticket's panel (what the phone's form would post), or None when it offers no form."""
    with httpx.Client(base_url=base_url, timeout=5.0, **client_options) as http:
        answer = http.get(f"/t/{ticket_token}/panel")
        answer.raise_for_status()
    found = _TOKEN_FIELD.search(answer.json()["html"])
    return found.group(1) if found else None


def served_for(staff, clock, counter_id: str, *, seconds: float = 90) -> dict:
    """A real-length service at the counter: call the next ticket, start, let ``seconds`` pass, finish."""
    staff.action(counter_id, "call-next")
    staff.action(counter_id, "start")
    clock.advance(seconds=seconds)
    return staff.action(counter_id, "finish")["ticket"]
