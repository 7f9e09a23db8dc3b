"""Devices enrolled at run time: pairing requests, approval, and the registry of device key hashes.

A new PC asks for a pairing request (``request_pairing``) and gets a short code for a person to read
and a long poll secret for itself. Someone on the server approves the code (``approve``: a role and a
name). The PC's next poll (``poll``) then receives a fresh key, once; only its SHA-256 is stored
(``devices.key_hash``), and the pairing is spent. The poll secret is stored as a hash too.

Revocations, renames and enrolments are also events (``device_enrolled``, ``device_renamed``,
``device_revoked``) in the queue's event log: a server that did not make the change itself (the
``mpp-kiosk devices`` command works on the database file, as ``report`` and ``backup`` do) hears of it
within its poll of the database and drops the device's cached key and open sockets.

No Qt and no web framework here: the server and the CLI both call this, on their own Store.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.clock import Clock, SystemClock
from kiosk.errors import QueueError
from kiosk.protocol.events import EventType
from kiosk.store import Store

# no 0/O, 1/I/L, nor U/V: what a person reads off a screen and types without a second look
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 8  # 29**8 ≈ 5.0e11 codes
PAIRING_MINUTES = 10
MAX_PENDING = 20  # pairing requests waiting at once; more are refused until some expire or are decided
ROLES = ("kiosk", "display", "counter-app", "manager")
ROLE_ALIASES = {"counter": "counter-app"}
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class EnrolmentError(QueueError):
    """A refused pairing or device change; its sentence is the catalog's ``msgid`` with ``fields``."""

    def __init__(self, code: str, status: int, msgid: str, fields: dict | None = None, **details):
        super().__init__(msgid=msgid, fields=fields, **details)
        self.code = code
        self.http_status = status


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """K7QM3XPA -> K7QM-3XPA: two halves are easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def normal_code(text: str) -> str:
    """What a person typed, as stored: no dash or spaces, upper case."""
    return re.sub(r"[\s\-]", "", str(text)).upper()[:32]


def normal_role(role: str) -> str:
    role = ROLE_ALIASES.get(role, role)
    if role not in ROLES:
        raise EnrolmentError("invalid_role", 422, "error.enrol.invalid_role", {"role": role, "roles": ", ".join(ROLES)})
    return role


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise EnrolmentError(
            "invalid_device_name", 422, "error.enrol.invalid_device_name", {"name": name})
    return name


@dataclass(frozen=True)
class EnrolledDevice:
    name: str
    role: str
    key_hash: str
    enrolled_at: str
    last_seen: str | None
    revoked_at: str | None

    @classmethod
    def from_row(cls, row: dict) -> "EnrolledDevice":
        return cls(row["name"], row["role"], row["key_hash"], row["enrolled_at"], row["last_seen"], row["revoked_at"])

    def public(self) -> dict:
        """What a list shows: never the key hash."""
        return {"name": self.name, "role": self.role, "enrolled_at": self.enrolled_at, "last_seen": self.last_seen,
                "revoked_at": self.revoked_at}


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def _emit(conn, type_: EventType, now: datetime, **payload) -> int:
    # the same row as QueueEngine._emit: these events reach every server reading this database
    cursor = conn.execute("INSERT INTO events (type, at, ticket_id, counter_id, payload) VALUES (?, ?, NULL, NULL, ?)",
                          (type_, _iso(now), json.dumps(payload, separators=(",", ":"), sort_keys=True)))
    return cursor.lastrowid


def _unknown_code(code: str) -> EnrolmentError:
    return EnrolmentError(
        "pairing_unknown", 404, "error.enrol.unknown_code", {"code": code})


def _expired(code: str) -> EnrolmentError:
    return EnrolmentError(
        "pairing_expired", 410, "error.enrol.expired", {"code": code, "minutes": PAIRING_MINUTES})


def _used(code: str) -> EnrolmentError:
    return EnrolmentError(
        "pairing_used", 409, "error.enrol.used", {"code": code})


class DeviceRegistry:
    """The ``devices`` and ``device_pairings`` tables. Every method is one transaction; the server calls
    them on its engine thread, the CLI directly."""

    def __init__(self, store: Store, clock: Clock | None = None, *, pairing_minutes: float = PAIRING_MINUTES,
                 max_pending: int = MAX_PENDING):
        self.store = store
        self.clock = clock or SystemClock()
        self.lifetime = timedelta(minutes=pairing_minutes)
        self.max_pending = max_pending

    # ------------------------------------------------------------------ pairing

    def request_pairing(self, address: str, name_hint: str = "") -> dict:
        """A new pairing request: ``code`` for a person, ``poll_secret`` for the device (only its hash is kept)."""
        now = self.clock.now()
        poll_secret = secrets.token_urlsafe(32)
        with self.store.write() as conn:
            # expired requests older than a day are of no use to anyone
            conn.execute("DELETE FROM device_pairings WHERE expires_at < ?", (_iso(now - timedelta(days=1)),))
            pending = conn.execute("SELECT count(*) FROM device_pairings WHERE state = 'pending' AND expires_at > ?",
                                   (_iso(now),)).fetchone()[0]
            if pending >= self.max_pending:
                raise EnrolmentError(
                    "pairing_busy", 429, "error.enrol.busy", {"pending": pending, "minutes": PAIRING_MINUTES})
            while True:
                code = new_code()
                if conn.execute("SELECT 1 FROM device_pairings WHERE code = ?", (code,)).fetchone() is None:
                    break
            expires = now + self.lifetime
            conn.execute(
                "INSERT INTO device_pairings (code, poll_hash, name_hint, address, requested_at, expires_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                (code, key_hash(poll_secret), str(name_hint)[:40], str(address)[:64], _iso(now), _iso(expires)))
        return {"code": shown_code(code), "poll_secret": poll_secret, "expires_at": _iso(expires),
                "expires_in_s": int(self.lifetime.total_seconds())}

    def pending(self) -> list[dict]:
        now = _iso(self.clock.now())
        rows = self.store.query(
            "SELECT code, name_hint, address, requested_at, expires_at FROM device_pairings "
            "WHERE state = 'pending' AND expires_at > ? ORDER BY requested_at", (now,))
        return [{**r, "code": shown_code(r["code"])} for r in rows]

    def _pairing(self, conn, code: str) -> dict:
        cursor = conn.execute("SELECT * FROM device_pairings WHERE code = ?", (code,))
        row = cursor.fetchone()
        if row is None:
            raise _unknown_code(shown_code(code) if len(code) == CODE_LENGTH else code)
        return dict(zip([d[0] for d in cursor.description], row))

    def _name_taken(self, conn, name: str, reserved: set[str]) -> bool:
        if name in reserved:
            return True
        if conn.execute("SELECT 1 FROM devices WHERE name = ? AND revoked_at IS NULL", (name,)).fetchone():
            return True
        return conn.execute("SELECT 1 FROM device_pairings WHERE state = 'approved' AND name = ?",
                            (name,)).fetchone() is not None

    def _taken(self, name: str) -> EnrolmentError:
        return EnrolmentError(
            "device_name_taken", 409, "error.enrol.name_taken", {"name": name})

    def approve(self, code: str, role: str, name: str, *, reserved: set[str] = frozenset()) -> dict:
        """Approve a pending code; the device's next poll receives its key. ``reserved``: config device names."""
        role = normal_role(role)
        check_name(name)
        code = normal_code(code)
        shown = shown_code(code) if len(code) == CODE_LENGTH else code
        now = self.clock.now()
        with self.store.write() as conn:
            pairing = self._pairing(conn, code)
            if pairing["state"] != "pending":
                if pairing["state"] == "refused":
                    raise EnrolmentError("pairing_refused", 409, "error.enrol.code_refused", {"code": shown})
                raise _used(shown)
            if pairing["expires_at"] <= _iso(now):
                raise _expired(shown)
            if self._name_taken(conn, name, set(reserved)):
                raise self._taken(name)
            conn.execute("UPDATE device_pairings SET state = 'approved', role = ?, name = ?, decided_at = ? "
                         "WHERE code = ?", (role, name, _iso(now), code))
        return {"code": shown, "role": role, "name": name, "address": pairing["address"],
                "name_hint": pairing["name_hint"]}

    def refuse(self, code: str) -> dict:
        code = normal_code(code)
        shown = shown_code(code) if len(code) == CODE_LENGTH else code
        now = self.clock.now()
        with self.store.write() as conn:
            pairing = self._pairing(conn, code)
            if pairing["state"] != "pending":
                raise _used(shown)
            if pairing["expires_at"] <= _iso(now):
                raise _expired(shown)
            conn.execute("UPDATE device_pairings SET state = 'refused', decided_at = ? WHERE code = ?",
                         (_iso(now), code))
        return {"code": shown, "refused": True}

    def poll(self, poll_secret: str) -> dict:
        """The device asks how its request stands. Approved: its key, this once (the pairing is then spent)."""
        digest = key_hash(poll_secret)
        now = self.clock.now()
        with self.store.write() as conn:
            cursor = conn.execute("SELECT * FROM device_pairings WHERE poll_hash = ?", (digest,))
            row = cursor.fetchone()
            if row is None:
                raise EnrolmentError(
                    "pairing_unknown", 404, "error.enrol.unknown_request")
            pairing = dict(zip([d[0] for d in cursor.description], row))
            shown = shown_code(pairing["code"])
            if pairing["state"] == "refused":
                raise EnrolmentError(
                    "pairing_refused", 403, "error.enrol.request_refused", {"code": shown})
            if pairing["state"] == "delivered":
                raise _used(shown)
            if pairing["state"] == "pending":
                if pairing["expires_at"] <= _iso(now):
                    raise _expired(shown)
                return {"state": "pending", "code": shown, "expires_at": pairing["expires_at"]}
            # approved: make the key now, keep only its hash, and hand it out this once
            key = secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO devices (name, role, key_hash, enrolled_at, enrolled_from) VALUES (?, ?, ?, ?, ?)",
                (pairing["name"], pairing["role"], key_hash(key), _iso(now), pairing["address"]))
            conn.execute("UPDATE device_pairings SET state = 'delivered', delivered_at = ? WHERE code = ?",
                         (_iso(now), pairing["code"]))
            _emit(conn, EventType.DEVICE_ENROLLED, now, name=pairing["name"], role=pairing["role"])
        return {"state": "approved", "name": pairing["name"], "role": pairing["role"], "key": key}

    # ------------------------------------------------------------------ the registry

    def devices(self) -> list[EnrolledDevice]:
        rows = self.store.query("SELECT name, role, key_hash, enrolled_at, last_seen, revoked_at FROM devices "
                                "ORDER BY revoked_at IS NOT NULL, name, enrolled_at")
        return [EnrolledDevice.from_row(r) for r in rows]

    def _live(self, conn, name: str) -> dict:
        cursor = conn.execute("SELECT * FROM devices WHERE name = ? AND revoked_at IS NULL", (name,))
        row = cursor.fetchone()
        if row is None:
            raise EnrolmentError(
                "unknown_device", 404, "error.enrol.unknown_device", {"name": name}, name=name)
        return dict(zip([d[0] for d in cursor.description], row))

    def rename(self, old: str, new: str, *, reserved: set[str] = frozenset()) -> EnrolledDevice:
        check_name(new)
        now = self.clock.now()
        with self.store.write() as conn:
            row = self._live(conn, old)
            if new != old and self._name_taken(conn, new, set(reserved)):
                raise self._taken(new)
            conn.execute("UPDATE devices SET name = ? WHERE id = ?", (new, row["id"]))
            _emit(conn, EventType.DEVICE_RENAMED, now, name=new, from_name=old, role=row["role"])
        return EnrolledDevice.from_row({**row, "name": new})

    def revoke(self, name: str) -> EnrolledDevice:
        now = self.clock.now()
        with self.store.write() as conn:
            row = self._live(conn, name)
            conn.execute("UPDATE devices SET revoked_at = ? WHERE id = ?", (_iso(now), row["id"]))
            _emit(conn, EventType.DEVICE_REVOKED, now, name=name, role=row["role"])
        return EnrolledDevice.from_row({**row, "revoked_at": _iso(now)})

    def touch(self, seen: dict[str, datetime]) -> None:
        """Write last_seen for key hashes seen (the server batches these: at most once a minute per device)."""
        if not seen:
            return
        with self.store.write() as conn:
            conn.executemany("UPDATE devices SET last_seen = ? WHERE key_hash = ?",
                             [(_iso(when), digest) for digest, when in seen.items()])
