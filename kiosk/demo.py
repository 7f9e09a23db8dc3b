"""`mpp-kiosk run --demo`: the lobby of a config, on this PC only, at any hour.

Right after `mpp-kiosk init` a new user wants to see a ticket issued, called and
announced — at 21:00, on a Sunday or on a holiday too. The demo runs the lobby as
configured (its hours, breaks and holidays) on a **demo clock**: when the lobby's
counter takes no tickets at the hour it is started, the clock starts at the next
opening of the schedule and runs at the real pace from there (``demo_start``,
``kiosk.clock.ShiftedClock``); every window carries a DEMO mark. ``demo_config``
returns a copy of the config that listens on 127.0.0.1 only and keeps its tickets
in a scratch database of its own (``demo-<name>`` next to the configured one,
emptied at each start), so a trial never lands in the lobby's real figures. The
file on disk is not changed.

A lobby made by `init` has fresh PINs that only its PIN sheet knows, so
``--journey`` logs in as a one-run officer whose random PIN exists only in this
process (``journey_officer``).
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from kiosk.config import Config, Staff
from kiosk.secrets import is_loopback

DEMO_HOST = "127.0.0.1"
JOURNEY_OFFICER = "demo-journey"
DEMO_MARGIN = timedelta(minutes=15)  # the lobby must stay open this long for the demo to use the real clock


class DemoRefused(Exception):
    """A sentence for the user: the demo cannot run as asked."""


def demo_database(database: Path) -> Path:
    return database.with_name(f"demo-{database.name}")


def empty_demo_database(path: Path) -> None:
    """The demo's scratch database, emptied: each demo run starts with ticket number 1 on its own clock."""
    if not path.name.startswith("demo-"):
        raise DemoRefused(f"{path} is not a demo database; the demo never empties a lobby's database")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def demo_start(config: Config, now: datetime) -> datetime | None:
    """Where the demo clock starts: None (the real clock) when the lobby's counter takes tickets at ``now``
    and still does DEMO_MARGIN later (a demo started at 15:55 would close under the visitor's hands);
    else the next opening of one of its services (the first to open), in the lobby's time zone."""
    from kiosk.schedule import service_status

    counter = config.counter_by_id.get(config.counter_app.counter or "") or config.counters[0]
    services = [config.service_by_id[service_id] for service_id in counter.services if service_id in config.service_by_id]
    later = now + DEMO_MARGIN
    openings = []
    for service in services:
        status_now, status_later = service_status(config, service, now, 0), service_status(config, service, later, 0)
        if status_now.is_open and status_later.is_open:
            return None
        opening = status_later.opens_at if status_now.is_open else status_now.opens_at
        if opening is not None:
            openings.append(opening)
    if not openings:
        raise DemoRefused(f"no service of counter {counter.id} opens in the next two weeks of the schedule: "
                          "the demo has no hour to start at")
    return min(openings)


def demo_config(config: Config, *, host: str | None = None, port: int | None = None,
                extra_staff: list[Staff] = ()) -> Config:
    """``config`` served on loopback only, with its own database (its schedule as it is: see demo_start)."""
    if host is not None and not is_loopback(host):
        raise DemoRefused(f"--demo listens on {DEMO_HOST} only (this PC); --host {host} is a network address: "
                          "drop --demo to serve the lobby network (after `mpp-kiosk init-secrets`)")
    port = config.server.port if port is None else port
    scheme = "https" if config.server.tls_cert else "http"
    server = config.server.model_copy(update={
        "host": host or DEMO_HOST, "port": port, "url": "",
        # the visitor listener would face the guest Wi-Fi: a demo has none
        "public_host": None, "public_port": None,
        "database": demo_database(config.server.database)})
    # the ticket QR opens the phone page on this PC
    lobby = config.lobby.model_copy(update={"public_url": f"{scheme}://{DEMO_HOST}:{port}"})
    # validated afresh so nothing derived from the old schedule or services is carried over
    return type(config).model_validate({
        **{name: getattr(config, name) for name in type(config).model_fields},  # fields only, no cached lookups
        "lobby": lobby, "server": server,
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
