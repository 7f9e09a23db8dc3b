"""Who is asking: devices with keys from config, staff with a session from a PIN login.

Staff sessions live in the queue database (table ``server_sessions``, only a
hash of each token), so a counter window stays logged in across a server
restart. One counter has at most one session: a new login to it ends the old one.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from kiosk.clock import Clock
from kiosk.config import Config, Staff
from kiosk.store import Store

DEVICE_ROLES = ("kiosk", "display", "counter-app", "manager")


@dataclass(frozen=True)
class Principal:
    kind: str  # "device" | "staff"
    role: str  # a device role, or "staff"
    name: str  # the device's name, or the staff user
    counter_id: str | None = None
    supervisor: bool = False
    token_hash: str | None = None


@dataclass(frozen=True)
class Session:
    user: str
    counter_id: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def staff_may_use(staff: Staff, counter_id: str) -> bool:
    return "*" in staff.counters or counter_id in staff.counters


class SessionStore:
    """Staff sessions: created at login, checked on every staff request, ended at logout.

    Every method touches the database, so the server calls them on its engine thread;
    ``cached`` is the lock-free fast path for the event loop.
    """

    def __init__(self, store: Store, clock: Clock, hours: float):
        self.store = store
        self.clock = clock
        self.lifetime = timedelta(hours=hours)
        self._cache: dict[str, Session] = {}

    def create(self, user: str, counter_id: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        session = Session(user, counter_id, now + self.lifetime)
        digest = token_hash(token)
        with self.store.write() as conn:
            conn.execute("DELETE FROM server_sessions WHERE counter_id = ? OR expires_at < ?", (counter_id, now.isoformat()))
            conn.execute(
                "INSERT INTO server_sessions (token_hash, user, counter_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (digest, user, counter_id, now.isoformat(), session.expires_at.isoformat()))
        for other, cached in list(self._cache.items()):
            if cached.counter_id == counter_id:
                self._cache.pop(other, None)
        self._cache[digest] = session
        return token, session

    def cached(self, digest: str) -> Session | None:
        """The session if it is in memory and still valid; None means 'ask the database'."""
        session = self._cache.get(digest)
        if session is not None and session.expires_at > self.clock.now():
            return session
        return None

    def lookup(self, digest: str) -> Session | None:
        session = self.cached(digest)
        if session is not None:
            return session
        rows = self.store.query(
            "SELECT user, counter_id, expires_at FROM server_sessions WHERE token_hash = ?", (digest,))
        if not rows:
            self._cache.pop(digest, None)
            return None
        session = Session(rows[0]["user"], rows[0]["counter_id"], datetime.fromisoformat(rows[0]["expires_at"]))
        if session.expires_at <= self.clock.now():
            self.delete(digest)
            return None
        self._cache[digest] = session
        return session

    def delete(self, digest: str) -> None:
        self._cache.pop(digest, None)
        with self.store.write() as conn:
            conn.execute("DELETE FROM server_sessions WHERE token_hash = ?", (digest,))


class LoginLimiter:
    """At most N failed logins per minute per key (a user, a client address).

    Only failures count, so staff who log in right are never locked out; once a
    key reaches the limit, every attempt (right PIN or not) waits until the
    oldest failure is a minute old.
    """

    WINDOW_S = 60.0

    def __init__(self, per_minute: int, monotonic: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.monotonic = monotonic
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.monotonic()
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.WINDOW_S:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def retry_after(self, *keys: str) -> int | None:
        """Whole seconds to wait when any key is at its limit, else None."""
        wait = 0.0
        for key in keys:
            failures = self._recent(key)
            if len(failures) >= self.per_minute:
                wait = max(wait, failures[0] + self.WINDOW_S - self.monotonic())
        return max(1, int(wait + 0.999)) if wait > 0 else None

    def failed(self, *keys: str) -> None:
        now = self.monotonic()
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 10_000:  # a flood of made-up user names must not grow memory forever
            for key in list(self._failures)[:5_000]:
                self._failures.pop(key, None)


class DeviceKeys:
    def __init__(self, config: Config):
        self._devices = [(d.key.encode(), d) for d in config.server.devices]

    def find(self, credential: str) -> Principal | None:
        given = credential.encode("utf-8", "surrogatepass")
        found = None
        # compare with every key (constant time each), so timing tells nothing about which one is close
        for key, device in self._devices:
            if hmac.compare_digest(key, given):
                found = device
        if found is None:
            return None
        return Principal("device", found.role, found.name)
