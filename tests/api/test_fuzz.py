"""Thousands of random requests against a real server: never a 500, always the error shape.

Paths are the API's own (with random ids, tokens and actions), bodies random
JSON of every type and size (or not JSON at all), headers random.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.clock import FakeClock
from kiosk.protocol.actions import ACTIONS as COUNTER_ACTIONS
from support.configs import DEVICE_KEYS, MONDAY_9, make_config
from support.server import running_server

PATHS = [
    "/healthz",
    "/openapi.json",
    "/api/v1/catalog",
    "/api/v1/state",
    "/api/v1/tickets",
    "/api/v1/tickets/{token}",
    "/api/v1/tickets/{token}/rejoin",
    "/api/v1/tickets/{token}/survey",
    "/api/v1/sessions",
    "/api/v1/counters/{counter}/{action}",
    "/api/v1/counters/{counter}/waiting",
    "/api/v1/counters/{counter}/stats",
    "/api/v1/devices/printer-fault",
    "/t/{token}",
    "/t/{token}/panel",
    "/t/{token}/survey",
    "/t/{token}/rejoin",
    "/static/{text}",
    "/{text}",
]
ACTIONS = [action.path for action in COUNTER_ACTIONS]

text = st.text(max_size=40)
# printable ASCII without surrounding blanks: what an HTTP client can put in a header at all
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=300).map(str.strip)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats(allow_nan=False)
    | st.text(max_size=60),
    lambda children: st.lists(children, max_size=12) | st.dictionaries(st.text(max_size=12), children, max_size=8),
    max_leaves=30,
)


@st.composite
def plausible_bodies(draw):
    """Bodies with the API's own keys, so the handlers behind validation are reached too."""
    keys = ["service_id", "priority", "lang", "scores", "comment", "user", "pin", "counter_id", "ticket", "reason",
            "kind", "message", "code"]
    body = {}
    for key in draw(st.lists(st.sampled_from(keys), max_size=5, unique=True)):
        body[key] = draw(st.one_of(
            json_values,
            st.sampled_from(["ktp", "kk", "paspor", "loket-1", "petugas1", "1234", "A-001", "en", "id"]),
            st.lists(st.integers(-2, 6), min_size=8, max_size=10),
        ))
    return body


@st.composite
def requests(draw, tokens, staff_token):
    template = draw(st.sampled_from(PATHS))
    token = draw(st.one_of(st.sampled_from(tokens), text, st.just("x" * 3000)))
    counter = draw(st.one_of(st.sampled_from(["loket-1", "loket-2", "loket-3"]), text))
    action = draw(st.one_of(st.sampled_from(ACTIONS), text))
    path = template.format(token=quote(token, safe=""), counter=quote(counter, safe=""),
                           action=quote(action, safe=""), text=quote(draw(text), safe="/"))
    method = draw(st.sampled_from(["GET", "POST", "POST", "DELETE", "PUT", "PATCH"]))
    params = draw(st.dictionaries(st.sampled_from(["lang", "since", "key", "x"]), text, max_size=3))
    headers = {}
    auth = draw(st.sampled_from(["none", "kiosk", "display", "counter-app", "manager", "staff", "junk", "basic"]))
    if auth in DEVICE_KEYS:
        headers["Authorization"] = f"Bearer {DEVICE_KEYS[auth]}"
    elif auth == "staff":
        headers["Authorization"] = f"Bearer {staff_token}"
    elif auth == "junk":
        headers["Authorization"] = draw(header_values)
    elif auth == "basic":
        headers["Authorization"] = "Basic dXNlcjpwYXNz"
    if draw(st.booleans()):
        headers["Accept-Language"] = draw(header_values)
    content_type = draw(st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", None]))
    if content_type:
        headers["Content-Type"] = content_type
    kind = draw(st.sampled_from(["none", "json", "plausible", "bytes", "big"]))
    if kind == "json":
        content = json.dumps(draw(json_values)).encode()
    elif kind == "plausible":
        content = json.dumps(draw(plausible_bodies())).encode()
    elif kind == "bytes":
        content = draw(st.binary(max_size=300))
    elif kind == "big":
        content = b'{"comment": "' + b"x" * draw(st.integers(15_000, 40_000)) + b'"}'
    else:
        content = None
    return method, path, params, headers, content


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    with running_server(make_config(tmp), tmp / "fuzz.sqlite", FakeClock(MONDAY_9)) as server:
        kiosk = server.client("kiosk")
        tokens = [kiosk.issue(service)["token"] for service in ("ktp", "kk", "ktp", "paspor")]
        staff = server.staff_client("petugas1", "loket-1")
        staff.action("loket-1", "call-next")
        yield server, tokens, staff.credential


def test_random_requests_never_get_a_500(fuzz_server):
    server, tokens, staff_token = fuzz_server
    seen_statuses: dict[int, int] = {}

    with httpx.Client(base_url=server.url, timeout=10) as client:
        @settings(max_examples=2500, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(requests(tokens, staff_token))
        def one_request(request):
            method, path, params, headers, content = request
            answer = client.request(method, path, params=params, headers=headers, content=content)
            seen_statuses[answer.status_code] = seen_statuses.get(answer.status_code, 0) + 1
            assert answer.status_code < 500, f"{method} {path} {params} {headers} -> {answer.status_code} {answer.text[:300]}"
            if answer.status_code >= 400 and answer.headers.get("content-type", "").startswith("application/json"):
                data = answer.json()
                assert isinstance(data.get("error"), str) and isinstance(data.get("message"), str) and data["message"]

        one_request()
    assert client.is_closed
    # the run reached far past validation: successes and every kind of refusal
    assert seen_statuses.get(200, 0) > 50
    for status in (401, 403, 404, 405, 413, 422):
        assert seen_statuses.get(status, 0) > 0, (status, seen_statuses)
