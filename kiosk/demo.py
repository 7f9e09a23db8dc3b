"""`mpp-kiosk run --demo`: the lobby of a config, on this PC only, open whatever the hour.

Right after `mpp-kiosk init` a new user wants to see a ticket issued, called and
announced — at 21:00, on a Sunday or on a holiday too. ``demo_config`` returns a
copy of the config in which every service is open all day, every day (no breaks,
no holidays, no last-ticket cutoff; quotas stay), the server listens on 127.0.0.1
only, and tickets go to a database of their own (``demo-<name>`` next to the
configured one), so a trial never lands in the lobby's real figures. The file on
disk is not changed.

A lobby made by `init` has fresh PINs that only its PIN sheet knows, so
``--journey`` logs in as a one-run officer whose random PIN exists only in this
process (``journey_officer``).
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable

from kiosk.config import WEEKDAYS, Config, Staff
from kiosk.secrets import is_loopback

DEMO_HOST = "127.0.0.1"
JOURNEY_OFFICER = "demo-journey"


class DemoRefused(Exception):
    """A sentence for the user: the demo cannot run as asked."""


def demo_database(database: Path) -> Path:
    return database.with_name(f"demo-{database.name}")


def demo_config(config: Config, *, host: str | None = None, port: int | None = None,
                extra_staff: list[Staff] = ()) -> Config:
    """``config`` open all day every day, served on loopback only, with its own database."""
    if host is not None and not is_loopback(host):
        raise DemoRefused(f"--demo listens on {DEMO_HOST} only (this PC); --host {host} is a network address: "
                          "drop --demo to serve the lobby network (after `mpp-kiosk init-secrets`)")
    port = config.server.port if port is None else port
    scheme = "https" if config.server.tls_cert else "http"
    schedule = config.schedule.model_copy(update={
        "weekly": {day: ["00:00-24:00"] for day in WEEKDAYS},
        "breaks": [], "holidays": [], "last_ticket_minutes": 0})
    server = config.server.model_copy(update={
        "host": host or DEMO_HOST, "port": port, "url": "",
        # the visitor listener would face the guest Wi-Fi: a demo has none
        "public_host": None, "public_port": None,
        "database": demo_database(config.server.database)})
    # the ticket QR opens the phone page on this PC
    lobby = config.lobby.model_copy(update={"public_url": f"{scheme}://{DEMO_HOST}:{port}"})
    # validated afresh so nothing derived from the old schedule or services is carried over
    return type(config).model_validate({
        **dict(config),
        "lobby": lobby, "server": server, "schedule": schedule,
        "services": [service.model_copy(update={"hours": None}) for service in config.services],
        "staff": [*config.staff, *extra_staff],
    })


def journey_officer(config: Config, randbelow: Callable[[int], int] = secrets.randbelow) -> tuple[Staff, str]:
    """(an officer of the counter the lobby opens, their PIN): made for one run, never written anywhere."""
    from kiosk.pins import hash_pin, new_pin

    length = max(8, config.server.pin_length)
    pin = new_pin(length, randbelow)
    counter = config.counter_app.counter or config.counters[0].id
    officer = Staff(user=JOURNEY_OFFICER, name="Demo journey", pin_hash=hash_pin(pin, min_length=length),
                    counters=[counter])
    return officer, pin


def demo_lobby(config: Config, host: str | None, port: int | None, *, journey: bool) -> tuple[Config, dict]:
    """What `run --demo` runs: (the demo config, the journey's login as Journey keyword arguments)."""
    officers, login = [], {}
    if journey:
        officer, pin = journey_officer(config)
        officers, login = [officer], {"user": officer.user, "pin": pin}
    return demo_config(config, host=host, port=port, extra_staff=officers), login
