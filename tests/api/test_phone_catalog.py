"""The phone page in a pseudo-language (?lang=xx): every word of every state is catalog text or lobby data."""
from __future__ import annotations

import httpx
import pytest

from support.pseudo import not_from_the_catalog_html, pseudo, pseudo_language

SKM_NUMBERS = tuple(f"U{n}" for n in range(1, 10))  # the survey's element numbers, U1..U9


@pytest.fixture(autouse=True)
def xx(tmp_path):
    with pseudo_language(tmp_path / "locale") as lang:
        yield lang


def test_every_state_of_the_phone_page_speaks_the_pseudo_language(server, kiosk, staff, clock, config, xx):
    mine = kiosk.issue("ktp")
    pages = {}
    with httpx.Client(base_url=server.url) as http:
        def page(state: str) -> str:
            answer = http.get(f"/t/{mine['token']}", params={"lang": xx})
            assert answer.status_code == 200
            pages[state] = answer.text
            return answer.text

        assert pseudo("orang di depan Anda") in page("waiting")
        staff.action("loket-1", "call-next")
        staff.action("loket-1", "recall")
        assert pseudo("Silakan menuju Loket 1") in page("called")
        staff.action("loket-1", "no-show")
        assert pseudo("Saya sudah kembali") in page("no_show")
        http.post(f"/t/{mine['token']}/rejoin", data={})
        staff.action("loket-1", "call-next")
        staff.action("loket-1", "start")
        page("serving")
        clock.advance(minutes=2)  # served long enough to be rated
        staff.action("loket-1", "finish")
        assert pseudo("Survei Kepuasan Masyarakat") in page("done, survey form")
        missing = http.get("/t/no-such-ticket", params={"lang": xx})
        assert missing.status_code == 404
        pages["not found"] = missing.text
    for state, html in pages.items():
        stray = not_from_the_catalog_html(html, config, extra=SKM_NUMBERS)
        assert not stray, f"{state}: {stray}"
        assert f'<html lang="{xx}">' in html, state
