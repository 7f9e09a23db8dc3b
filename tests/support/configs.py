"""Small, valid configs for tests, built from one dict so each test changes only what it needs."""
from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.config import Config, parse_config

MAKASSAR = ZoneInfo("Asia/Makassar")
# A Monday, 09:00 in Balikpapan.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=MAKASSAR)

# PIN "1234" (made once with kiosk.pins.hash_pin: scrypt is slow on purpose).
PIN_1234 = "scrypt$16384$8$1$c830d53e0f736c338f37892a76ae73c8$eabd5b2229ea103a7e1c5ff577803c2c620206d15be9955ddd44f43b9ee01d7c"

DEVICE_KEYS = {
    "kiosk": "kiosk-key-0123456789abcdef",
    "display": "display-key-0123456789abcdef",
    "counter-app": "counter-key-0123456789abcdef",
    "manager": "manager-key-0123456789abcdef",
}

BASE = {
    "lobby": {"name": "MPP Uji", "timezone": "Asia/Makassar", "public_url": "http://127.0.0.1:8600"},
    "server": {
        "database": "data/test.sqlite",
        "devices": [{"name": f"{role.replace('-', '_')}1", "role": role, "key": key} for role, key in DEVICE_KEYS.items()],
    },
    "agencies": [
        {"id": "dukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil", "short_name": "Disdukcapil"},
        {"id": "imigrasi", "name": "Kantor Imigrasi", "short_name": "Imigrasi", "colour": "#7A1F1F"},
    ],
    "groups": [{"id": "dukcapil", "prefix": "A"}, {"id": "imigrasi", "prefix": "B"}],
    "services": [
        {"id": "ktp", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "KTP-el", "en": "e-ID card"},
         "service_minutes": 10, "keywords": ["ktp"]},
        {"id": "kk", "agency": "dukcapil", "group": "dukcapil", "name": {"id": "Kartu Keluarga", "en": "Family card"},
         "service_minutes": 8},
        {"id": "paspor", "agency": "imigrasi", "group": "imigrasi", "name": {"id": "Paspor", "en": "Passport"},
         "daily_quota": 3, "service_minutes": 15, "priority_allowed": False},
    ],
    "counters": [
        {"id": "loket-1", "number": "1", "agency": "dukcapil", "services": ["ktp", "kk"]},
        {"id": "loket-2", "number": "2", "agency": "dukcapil", "services": ["kk", "ktp"]},
        {"id": "loket-3", "number": "3", "agency": "imigrasi", "services": ["paspor"]},
    ],
    "staff": [
        {"user": "petugas1", "name": "Petugas Satu", "pin_hash": PIN_1234, "counters": ["loket-1", "loket-2"]},
        {"user": "petugas3", "name": "Petugas Tiga", "pin_hash": PIN_1234, "counters": ["loket-3"]},
    ],
    "schedule": {
        "weekly": {d: ["08:00-15:00"] for d in ("mon", "tue", "wed", "thu")} | {"fri": ["08:00-15:30"]},
        "breaks": [
            {"days": ["mon", "tue", "wed", "thu"], "span": "12:00-13:00",
             "reason": {"id": "Istirahat siang", "en": "Lunch break"}},
            {"days": ["fri"], "span": "11:30-13:30",
             "reason": {"id": "Istirahat salat Jumat", "en": "Friday prayer break"}},
        ],
        "holidays": [{"date": "2026-12-25", "name": "Hari Raya Natal"}],
        "last_ticket_minutes": 30,
    },
    "audio": {"enabled": False},
    "sign": {"enabled": False},
}


# Tests that issue faster than a person (load, races, long days) raise the per-kiosk issue limit in their own
# config; every other test runs with the shipped default (30 a minute, burst 10).
LOAD_TEST_LIMITS = {"issue_per_minute": 100_000, "issue_burst": 100_000}


def load_test_server(**extra) -> dict:
    """BASE's [server] section with the issue limit raised (``LOAD_TEST_LIMITS``), plus ``extra`` keys."""
    server = copy.deepcopy(BASE["server"])
    server["limits"] = {**server.get("limits", {}), **LOAD_TEST_LIMITS}
    server.update(extra)
    return server


def shipped_config_with_limits(folder: Path, limits: dict | None = None) -> Path:
    """A copy of the shipped config.toml in ``folder`` (comments kept, its assets linked from the repository)
    with ``[server.limits]`` raised (default ``LOAD_TEST_LIMITS``): for benchmarks that issue faster than a person."""
    import tomlkit

    root = Path(__file__).resolve().parents[2]
    document = tomlkit.parse((root / "config.toml").read_text(encoding="utf-8"))
    document["server"].setdefault("limits", tomlkit.table()).update(limits or LOAD_TEST_LIMITS)
    folder = Path(folder)
    if not (folder / "assets").exists():
        (folder / "assets").symlink_to(root / "assets", target_is_directory=True)
    path = folder / "config.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def config_dict(**sections) -> dict:
    """The base dict with whole sections replaced (``queue={...}``) — a deep copy."""
    data = copy.deepcopy(BASE)
    for key, value in sections.items():
        data[key] = value
    return data


def make_config(base_dir: Path | None = None, **sections) -> Config:
    return parse_config(config_dict(**sections), base_dir=base_dir or Path("."))
