"""What the server keeps and for how long (``[retention]``): personal fields are erased after
``personal_days``, aggregates stay; the daily tidy-up out of hours (erase, then an incremental vacuum).

The server runs :meth:`Maintenance.at_start` once when it starts (erasing only: a start must stay
quick) and :meth:`Maintenance.tick` with the engine's tick; the tidy-up runs once a local day, in the
hour ``maintenance_hour``. Both also build the report aggregates of closed days that lack them
(kiosk.aggregates). Only the personal fields are touched: the ticket rows, their times and
the SKM scores are kept, so every report (and IKM) of an old period is the same after the erasing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Callable

from kiosk import aggregates
from kiosk.config import Config
from kiosk.schedule import local_day
from kiosk.store import Store

log = logging.getLogger(__name__)

# Every personal field in the database: (table, column, the column of its time). A migration that adds a
# column about a person (a booking's name, phone, e-mail, NIK) adds it here; tests/ops/test_retention.py
# fails for a column named like one that is in neither this list nor NOT_PERSONAL.
PERSONAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("surveys", "comment", "submitted_at"),
    # booking ahead (m008_bookings): who booked, how to reach them, the NIK's keyed hash, the booking's address
    ("bookings", "name", "slot_at"), ("bookings", "phone", "slot_at"), ("bookings", "email", "slot_at"),
    ("bookings", "nik_hash", "slot_at"), ("bookings", "address", "slot_at"),
    ("tickets", "booked_name", "issued_at"),
)
# Columns named like personal data that are not about a visitor: device and pairing names, a device's address,
# the migrations' names.
NOT_PERSONAL: frozenset[tuple[str, str]] = frozenset({
    ("devices", "name"), ("device_pairings", "name"), ("device_pairings", "name_hint"),
    ("device_pairings", "address"), ("_sqlite_migrations", "name"),
})


@dataclass
class Tidy:
    """What one run did."""
    erased: dict[str, int] = field(default_factory=dict)   # "table.column" -> rows erased
    vacuumed: str = ""                                     # "", "incremental" or "full"
    built: list[str] = field(default_factory=list)         # days whose report aggregates were built

    @property
    def erased_total(self) -> int:
        return sum(self.erased.values())


def personal_cutoff(config: Config, now: datetime) -> str:
    """The UTC ISO time before which personal fields go: the start of the local day ``personal_days`` ago."""
    first_kept = local_day(config, now) - timedelta(days=config.retention.personal_days)
    start = datetime.combine(first_kept, time(0), tzinfo=config.lobby.tz).astimezone(timezone.utc)
    return start.isoformat(timespec="milliseconds")


def erase_personal(store: Store, config: Config, now: datetime) -> dict[str, int]:
    """Erase (an empty text) every personal field older than the period; the rows stay."""
    cutoff = personal_cutoff(config, now)
    erased = {}
    with store.write() as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table, column, when in PERSONAL_FIELDS:
            if table not in tables:
                continue
            cursor = conn.execute(
                f"UPDATE {table} SET {column} = '' WHERE {when} < ? AND {column} IS NOT NULL AND {column} != ''",
                (cutoff,))
            erased[f"{table}.{column}"] = cursor.rowcount
    return erased


def vacuum(store: Store) -> str:
    """Give free pages back to the disk: incremental once the file allows it, else one full VACUUM that turns
    incremental vacuum on. Outside a transaction (VACUUM cannot run in one); holds the store's lock."""
    with store.lock:
        conn = store.conn
        if conn.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("VACUUM")
            return "full"
        if conn.execute("PRAGMA freelist_count").fetchone()[0] == 0:
            return ""
        # executescript steps the pragma to its end: execute() would free one page per call
        conn.executescript("PRAGMA incremental_vacuum")
        return "incremental"


class Maintenance:
    """The server's tidy-up: ``config_of()`` is the running config (it follows live edits)."""

    def __init__(self, store: Store, clock, config_of: Callable[[], Config]):
        self.store = store
        self.clock = clock
        self.config_of = config_of

    def erase(self, config: Config, now: datetime) -> dict[str, int]:
        """Erase in the live file and in its archive (kiosk.archive), when there is one."""
        erased = erase_personal(self.store, config, now)
        from kiosk.archive import archive_path

        archive = archive_path(self.store.path)
        if str(self.store.path) != ":memory:" and archive.is_file():
            store = Store(archive)
            try:
                for name, count in erase_personal(store, config, now).items():
                    erased[name] = erased.get(name, 0) + count
            finally:
                store.close()
        return erased

    def at_start(self) -> Tidy:
        config, now = self.config_of(), self.clock.now()
        tidy = Tidy(self.erase(config, now))
        tidy.built = self.build_days(config, now)
        return self._log(tidy, "at start")

    def build_days(self, config: Config, now: datetime) -> list[str]:
        """The closed days without report aggregates (a database from before them, a day a change forgot)."""
        with self.store.write() as conn:
            return aggregates.build_missing(conn, config, local_day(config, now).isoformat(),
                                            now.isoformat(timespec="milliseconds"))

    def due(self, now: datetime) -> bool:
        config = self.config_of()
        local = now.astimezone(config.lobby.tz)
        if local.hour != config.retention.maintenance_hour:
            return False
        rows = self.store.query("SELECT value FROM meta WHERE key = 'maintenance_day'")
        return not rows or rows[0]["value"] != local.date().isoformat()

    def tick(self) -> Tidy | None:
        now = self.clock.now()
        return self.run(now) if self.due(now) else None

    def run(self, now: datetime) -> Tidy:
        config = self.config_of()
        tidy = Tidy(self.erase(config, now))
        tidy.built = self.build_days(config, now)
        if config.retention.vacuum:
            tidy.vacuumed = vacuum(self.store)
        with self.store.write() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('maintenance_day', ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (local_day(config, now).isoformat(),))
        return self._log(tidy, "daily")

    @staticmethod
    def _log(tidy: Tidy, when: str) -> Tidy:
        if tidy.erased_total or tidy.vacuumed or tidy.built:
            log.info("tidy-up %s: erased %s personal field(s) past [retention] personal_days; built the report "
                     "figures of %d day(s)%s", when, tidy.erased_total, len(tidy.built),
                     f"; {tidy.vacuumed} vacuum" if tidy.vacuumed else "")
        return tidy
