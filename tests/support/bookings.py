"""The test lobby with booking on for the passport service (shared by the booking tests)."""
from __future__ import annotations

import itertools
from pathlib import Path

from kiosk.config import Config, parse_config
from support.configs import config_dict

# a valid NIK: Kota Balikpapan (64 71), born 17-08-1990 (a woman: day + 40)
NIK = "6471055708900001"

BOOKING = {"slot_minutes": 30, "places_per_slot": 2, "days_ahead": 7, "walk_in_share": 0.3,
           "checkin_before_min": 30, "checkin_after_min": 15, "fields": ["name", "phone", "nik"]}


def booking_config(quota: int | None = 10, *, sections: dict | None = None, base_dir=None, **booking) -> Config:
    """The test lobby with ``booking`` on for paspor (``sections`` replace whole sections, as config_dict)."""
    data = config_dict(**(sections or {}))
    paspor = data["services"][2]
    paspor["daily_quota"] = quota
    if quota is None:
        paspor.pop("daily_quota")
    paspor["booking"] = {**BOOKING, **booking}
    return parse_config(data, base_dir=base_dir or Path("."))


def counting_codes():
    numbers = itertools.count(0)
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

    def make() -> str:
        n = next(numbers)
        return "BK" + "".join(alphabet[(n // 31 ** i) % 31] for i in range(6))
    return make


def person(n: int = 1) -> dict:
    return {"name": f"Siti {n}", "phone": f"08123456{n:04d}", "nik": NIK[:12] + f"{n + 1:04d}"}
