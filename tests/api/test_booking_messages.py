"""A booking made on the page is confirmed by e-mail at a real local SMTP server (aiosmtpd), sent in the
background; the booking's page shows what became of the message."""
from __future__ import annotations

import re
import time

import httpx
import pytest

from kiosk.config import parse_config

from support.bookings import NIK, booking_config
from support.server import running_server




@pytest.fixture
def server(smtp, tmp_path, db_path, clock):
    controller, _inbox = smtp
    data = booking_config(fields=["name", "email"]).model_dump(mode="json", exclude_none=True)
    data["notify"] = {"email": {"host": "127.0.0.1", "port": controller.port, "sender": "antrean@mpp.example"}}
    with running_server(parse_config(data, base_dir=tmp_path), db_path, clock, ping_seconds=1.0) as handle:
        yield handle


def test_the_confirmation_arrives_by_email_and_the_page_says_so(server, smtp):
    _controller, inbox = smtp
    answer = httpx.post(f"{server.url}/booking/paspor/2026-11-23",
                        data={"slot": "1000", "name": "Siti", "email": "siti@example.org", "nik": NIK}, timeout=5)
    assert answer.status_code == 303
    code = re.search(r"/b/([A-Z0-9]{8})", answer.headers["location"]).group(1)
    deadline = time.monotonic() + 5
    while not inbox.mails and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m["To"] for m in inbox.mails] == ["siti@example.org"]
    assert f"{code[:4]}-{code[4:]}" in inbox.mails[0].get_payload(decode=True).decode()
    page = httpx.get(f"{server.url}/b/{code}", timeout=5).text
    assert "Konfirmasi · e-mail: terkirim" in page
