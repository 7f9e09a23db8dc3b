"""Who is asking: devices with keys from config, staff with a session from a PIN login.

Staff sessions live in the queue database (table ``server_sessions``, only a
hash of each token), so a counter window stays logged in across a server
restart. One counter has at most one session: a new login to a counter whose
officer is still logged in is refused (409) unless it is that officer again or a
supervisor, and then it ends the old session (kiosk.server.app decides, with
:meth:`SessionStore.holder`). Logins are counted by :class:`LoginLimiter`.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from kiosk.clock import Clock
from kiosk.config import Config, Staff
from kiosk.store import SessionRows, Store

DEVICE_ROLES = ("kiosk", "display", "counter-app", "manager")


@dataclass(frozen=True)
class Principal:
    kind: str  # "device" | "staff"
    role: str  # a device role, or "staff"
    name: str  # the device's name, or the staff user
    counter_id: str | None = None
    supervisor: bool = False
    token_hash: str | None = None
    # the enrolled device's key hash: its own, or for staff the counter PC that logged them in (None: config's)
    device_hash: str | None = None


@dataclass(frozen=True)
class Session:
    user: str
    counter_id: str
    expires_at: datetime
    device_hash: str | None = None  # the enrolled counter PC it was opened from; revoking that PC ends it


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
        self.rows = SessionRows(store)
        self.clock = clock
        self.lifetime = timedelta(hours=hours)
        self._cache: dict[str, Session] = {}

    def create(self, user: str, counter_id: str, device_hash: str | None = None) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        session = Session(user, counter_id, now + self.lifetime, device_hash)
        digest = token_hash(token)
        self.rows.replace_at_counter(digest, user, counter_id, now.isoformat(), session.expires_at.isoformat(),
                                     device_hash)
        for other, cached in list(self._cache.items()):
            if cached.counter_id == counter_id:
                self._cache.pop(other, None)
        self._cache[digest] = session
        return token, session

    def holder(self, counter_id: str) -> Session | None:
        """The live (unexpired) session at a counter, if any: whose login a new one would end."""
        row = self.rows.live_at(counter_id, self.clock.now().isoformat())
        if row is None:
            return None
        return Session(row["user"], row["counter_id"], datetime.fromisoformat(row["expires_at"]))

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
        row = self.rows.by_hash(digest)
        if row is None:
            self._cache.pop(digest, None)
            return None
        session = Session(row["user"], row["counter_id"], datetime.fromisoformat(row["expires_at"]), row["device_hash"])
        if session.expires_at <= self.clock.now():
            self.delete(digest)
            return None
        self._cache[digest] = session
        return session

    def delete(self, digest: str) -> None:
        self._cache.pop(digest, None)
        self.rows.delete(digest)


@dataclass(frozen=True)
class Lockout:
    """A limit a failed login has just reached: ``scope`` is "user_address", "address" or "user"."""

    scope: str
    user: str
    address: str
    failures: int
    retry_after: int


class LoginLimiter:
    """Failed logins in the last minute, counted three ways, so a guess is bounded but the officer keeps the counter.

    The exact rule (every count is of WRONG PINs over a sliding 60 s; a right PIN never counts):

    - per (user, address), ``per_pair`` (server.login_attempts_per_minute, 5): that user waits at that address;
    - per address, all users together, ``per_address`` (server.limits.login_failures_per_address, 10): that
      address waits, whatever user it names (one PC trying many names);
    - per user, all addresses together, ``per_user`` (server.limits.login_failures_per_user, 20): that user
      waits at every address (a guess spread over many PCs) EXCEPT an address that has logged this user in
      successfully before (:meth:`succeeded`), i.e. the officer's own counter PC: failures made elsewhere never
      lock it out. It still meets its own (user, address) and address limits.

    While a limit holds, an attempt under it is refused (429, ``retry_after`` seconds: until the oldest failure
    of that count is a minute old) before the PIN is checked, and is not counted. A success forgets that
    (user, address)'s failures. Everything is in memory: a server restart forgets the counts and the known
    addresses (the first success after it makes an address known again). Memory is bounded: at most
    ``MAX_KEYS`` counts (a flood of made-up names drops the stalest) and ``KNOWN_PER_USER`` addresses per user
    for at most ``MAX_KNOWN_USERS`` users.
    """

    WINDOW_S = 60.0
    MAX_KEYS = 10_000
    KNOWN_PER_USER = 8
    MAX_KNOWN_USERS = 5_000

    def __init__(self, per_pair: int, per_address: int, per_user: int,
                 monotonic: Callable[[], float] = time.monotonic):
        self.limits = {"user_address": per_pair, "address": per_address, "user": per_user}
        self.monotonic = monotonic
        self._failures: dict[tuple, deque[float]] = {}
        self._known: OrderedDict[str, OrderedDict[str, None]] = OrderedDict()  # user -> addresses, oldest first

    @staticmethod
    def _keys(user: str, address: str) -> dict[str, tuple]:
        return {"user_address": ("pair", user, address), "address": ("address", address), "user": ("user", user)}

    def _recent(self, key: tuple, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.WINDOW_S:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures

    def known(self, user: str, address: str) -> bool:
        """``address`` has logged ``user`` in before (since this server started)."""
        return address in self._known.get(user, ())

    def retry_after(self, user: str, address: str) -> int | None:
        """Whole seconds to wait when a limit holds for this attempt, else None."""
        now = self.monotonic()
        wait = 0.0
        for scope, key in self._keys(user, address).items():
            if scope == "user" and self.known(user, address):
                continue
            failures = self._recent(key, now)
            if len(failures) >= self.limits[scope]:
                wait = max(wait, failures[-self.limits[scope]] + self.WINDOW_S - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, user: str, address: str) -> list[Lockout]:
        """Count a wrong PIN; the limits this failure has just reached (each once, when it is reached)."""
        now = self.monotonic()
        reached = []
        for scope, key in self._keys(user, address).items():
            failures = self._recent(key, now)
            if not failures:
                failures = self._failures[key] = deque()
            failures.append(now)
            if len(failures) == self.limits[scope]:
                reached.append(Lockout(scope, user, address, len(failures),
                                       max(1, math.ceil(failures[0] + self.WINDOW_S - now))))
        if len(self._failures) > self.MAX_KEYS:
            self._forget_stale(now)
        return reached

    def succeeded(self, user: str, address: str) -> None:
        """A right PIN: this address becomes one of the user's own, and its (user, address) failures are forgotten."""
        self._failures.pop(self._keys(user, address)["user_address"], None)
        addresses = self._known.pop(user, None) or OrderedDict()
        addresses.pop(address, None)
        addresses[address] = None
        while len(addresses) > self.KNOWN_PER_USER:
            addresses.popitem(last=False)
        self._known[user] = addresses
        while len(self._known) > self.MAX_KNOWN_USERS:
            self._known.popitem(last=False)

    def _forget_stale(self, now: float) -> None:
        # a flood of made-up user names must not grow memory forever: drop expired counts, then the stalest
        for key in list(self._failures):
            self._recent(key, now)
        if len(self._failures) > self.MAX_KEYS:
            # counts under their limit go first, stalest first: a flood of names must not lift a lockout
            scopes = {"pair": "user_address", "address": "address", "user": "user"}
            by_worth = sorted(self._failures, key=lambda k: (
                len(self._failures[k]) >= self.limits[scopes[k[0]]], self._failures[k][-1]))
            for key in by_worth[:len(self._failures) - self.MAX_KEYS // 2]:
                del self._failures[key]


class DeviceKeys:
    """Device keys: config's ``[[server.devices]]`` (compared in constant time) and enrolled devices
    (``kiosk.enrolment``: found by the SHA-256 of the key, a dict lookup in memory).

    The enrolled devices are cached whole (a lobby has tens); ``reload`` (on the engine thread) refreshes
    them after an enrolment, rename or revocation, whoever made it. ``last_seen`` is kept in memory and
    handed to the database by ``flush_seen`` at most once a minute per device, never a write per request.
    """

    SEEN_EVERY_S = 60.0

    def __init__(self, config: Config, registry=None, clock: Clock | None = None,
                 monotonic: Callable[[], float] = time.monotonic):
        self._devices = [(d.key.encode(), d) for d in config.server.devices]
        self.config_names = {d.name for d in config.server.devices}
        self.registry = registry
        self.clock = clock
        self.monotonic = monotonic
        self._enrolled: dict = {}  # key hash -> kiosk.enrolment.EnrolledDevice (revoked ones too)
        self._marked: dict[str, float] = {}  # key hash -> monotonic time last_seen was last taken
        self._seen: dict[str, datetime] = {}  # key hash -> last_seen not yet written
        self._latest: dict[str, datetime] = {}  # key hash -> last_seen as this server last took it

    def use_config(self, config: Config) -> None:
        """config.toml's device keys after a live edit (one assignment each: a reader sees old or new)."""
        self._devices = [(d.key.encode(), d) for d in config.server.devices]
        self.config_names = {d.name for d in config.server.devices}

    def reload(self) -> None:
        """Read the enrolled devices again. Call on the engine thread (it reads the database)."""
        if self.registry is not None:
            self._enrolled = {d.key_hash: d for d in self.registry.devices()}

    def enrolled(self) -> list:
        """Every enrolled device as cached, with the freshest last_seen (memory's when newer)."""
        out = []
        for digest, device in self._enrolled.items():
            seen = self._latest.get(digest)
            if seen is not None and (device.last_seen is None or seen.isoformat() > device.last_seen):
                device = type(device)(**{**device.__dict__, "last_seen": seen.isoformat(timespec="milliseconds")})
            out.append(device)
        return sorted(out, key=lambda d: (d.revoked_at is not None, d.name))

    def find(self, credential: str) -> Principal | None:
        """The device of this key, or None; a revoked enrolled key raises ApiProblem("device_revoked")."""
        given = credential.encode("utf-8", "surrogatepass")
        found = None
        # compare with every key (constant time each), so timing tells nothing about which one is close
        for key, device in self._devices:
            if hmac.compare_digest(key, given):
                found = device
        if found is not None:
            return Principal("device", found.role, found.name)
        if not self._enrolled:
            return None
        digest = hashlib.sha256(given).hexdigest()
        enrolled = self._enrolled.get(digest)
        if enrolled is None:
            return None
        if enrolled.revoked_at is not None:
            from kiosk.server.errors import ApiProblem

            raise ApiProblem("device_revoked", headers={"WWW-Authenticate": "Bearer"})
        now = self.monotonic()
        if self.clock is not None and now - self._marked.get(digest, -math.inf) >= self.SEEN_EVERY_S:
            self._marked[digest] = now
            self._seen[digest] = self._latest[digest] = self.clock.now()
        return Principal("device", enrolled.role, enrolled.name, token_hash=digest, device_hash=digest)

    def is_revoked(self, digest: str | None) -> bool:
        """An enrolled device's key hash that has been revoked (a staff session opened from it ends too)."""
        device = self._enrolled.get(digest) if digest else None
        return device is not None and device.revoked_at is not None

    @property
    def seen_waiting(self) -> bool:
        return bool(self._seen)

    def flush_seen(self) -> None:
        """Write the last_seen values taken since the last flush. Call on the engine thread."""
        seen, self._seen = self._seen, {}
        if seen and self.registry is not None:
            self.registry.touch(seen)
