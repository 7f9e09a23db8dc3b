"""`mpp-kiosk server` gets to its first answer without what only some routes use (issue 19: start to first
answer ≤ 1 s, bench/year.py). Held by what the process imported and built, not by a clock: a clock on a shared
machine says little, an import says the same on every run."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.routing import APIRoute

from kiosk.config import load_config
from support.configs import config_dict
from support.server import free_port, write_toml_config

ROOT = Path(__file__).resolve().parents[2]

# Each is used by some routes or rounds only, and costs 10-30 ms of a start: the QR of the booking pages (and
# the PIL it brings), the booking messages' gateways (httpx, smtplib; their first round), a voice pack's CLI.
NOT_AT_START = ("qrcode", "PIL", "kiosk.notify", "httpx", "smtplib", "kiosk.audio.pack_cli", "kiosk.audio.packs")


def imported_before_first_answer(tmp_path: Path) -> set[str]:
    data = config_dict()
    data["server"] = {**data["server"], "log_dir": str(tmp_path / "logs")}
    config_path = write_toml_config(tmp_path / "config.toml", data)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "kiosk", "server", "--config", str(config_path),
         "--host", "127.0.0.1", "--port", str(port), "--db", str(tmp_path / "q.sqlite")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "the server did not answer"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/catalog", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.02)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=10)
    return set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", err, flags=re.MULTILINE))


def test_the_server_answers_first_without_loading_what_only_some_routes_use(tmp_path):
    imported = imported_before_first_answer(tmp_path)
    assert {"fastapi", "kiosk.server.app", "kiosk.engine"} <= imported  # the -X importtime lines were read
    assert not imported & set(NOT_AT_START)


def test_create_app_builds_no_route_twice(tmp_path, monkeypatch):
    """An included router's routes are built when the router is made; FastAPI 0.16x builds them again for the
    inclusion at their router's first request. Checking every route's access at start must not do that first."""
    from kiosk.server.app import create_app  # the routers of kiosk.server.routes are built by this import
    from kiosk.server.routes import lobby

    built: list[APIRoute] = []
    original = APIRoute.get_route_handler

    def counted(route):
        built.append(route)
        return original(route)

    monkeypatch.setattr(APIRoute, "get_route_handler", counted)
    config = load_config(ROOT / "config.toml")
    app = create_app(config, db_path=tmp_path / "q.sqlite")
    assert built  # the routes made in create_app (reports, devices) were seen
    assert len({id(route) for route in built}) == len(built)
    assert not {id(route) for route in lobby.router.routes} & {id(route) for route in built}
    app.state.backend.engine.store.close()
