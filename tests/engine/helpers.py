"""Helpers shared by the engine tests."""
from __future__ import annotations

import itertools

from kiosk.config import parse_config
from kiosk.engine import QueueEngine
from support.configs import config_dict


def counting_tokens(prefix: str = "tok"):
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers):05d}"


def table_dump(engine: QueueEngine) -> dict[str, list[tuple]]:
    """Every row of every table: to prove a refused command wrote nothing."""
    names = [row[0] for row in engine.store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: engine.store.conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall() for name in names}


def events(engine: QueueEngine, type_: str | None = None) -> list[dict]:
    found = engine.events_since(0, limit=1_000_000)
    return [e for e in found if type_ is None or e["type"] == type_]


def round_the_clock(**sections):
    """The test lobby, open every day 00:00-24:00 with no breaks or cutoff: for midnight tests."""
    data = config_dict(**sections)
    data["schedule"] = {
        "weekly": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "last_ticket_minutes": 0,
    }
    return parse_config(data)
