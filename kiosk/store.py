"""The SQLite store: one file, WAL, schema through sqlite-utils Migrations.

The queue server is the only writer in production, but several processes may
open the same file (a backup, a report, tests with four issuing processes), so
every write runs in ``BEGIN IMMEDIATE`` and ticket numbers come from one UPSERT
guarded by a UNIQUE index.
"""
from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

# The schema's migrations in order, applied by sqlite-utils' Migrations (set "mpp-kiosk", its table
# _sqlite_migrations). sqlite-utils is imported only when one is pending: a start on a database at the current
# schema reads the applied names and goes on (the import was ~40 ms of every server start).
MIGRATION_SET = "mpp-kiosk"
MIGRATIONS: list = []


def migration(func):
    MIGRATIONS.append(func)
    return func


@migration
def m001_queue(db: sqlite_utils.Database) -> None:
    # statement by statement: executescript() would commit the migration's transaction
    _run_each(db, """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE numbering (
            group_id TEXT NOT NULL,
            day TEXT NOT NULL,
            last_number INTEGER NOT NULL,
            PRIMARY KEY (group_id, day)
        );
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            code TEXT NOT NULL,
            group_id TEXT NOT NULL,
            day TEXT NOT NULL,
            number INTEGER NOT NULL,
            service_id TEXT NOT NULL,
            issued_service_id TEXT NOT NULL,
            agency_id TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            lang TEXT NOT NULL DEFAULT 'id',
            device TEXT,
            state TEXT NOT NULL,
            queued_seq INTEGER NOT NULL,
            issued_at TEXT NOT NULL,
            called_at TEXT,
            started_at TEXT,
            finished_at TEXT,
            no_show_at TEXT,
            counter_id TEXT,
            recalls INTEGER NOT NULL DEFAULT 0,
            transfers INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX tickets_number ON tickets (group_id, day, number);
        CREATE INDEX tickets_queue ON tickets (service_id, state, priority, queued_seq);
        CREATE INDEX tickets_quota ON tickets (issued_service_id, day);
        CREATE INDEX tickets_finished ON tickets (service_id, finished_at) WHERE started_at IS NOT NULL;
        CREATE INDEX tickets_state ON tickets (state);
        CREATE TABLE counter_state (
            counter_id TEXT PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'closed',
            reason TEXT,
            ticket_id INTEGER,
            user TEXT,
            priority_streak INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            ticket_id INTEGER,
            counter_id TEXT,
            payload TEXT NOT NULL
        );
        CREATE INDEX events_ticket ON events (ticket_id);
        CREATE TABLE surveys (
            ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
            submitted_at TEXT NOT NULL,
            agency_id TEXT NOT NULL,
            service_id TEXT NOT NULL,
            u1 INTEGER NOT NULL, u2 INTEGER NOT NULL, u3 INTEGER NOT NULL,
            u4 INTEGER NOT NULL, u5 INTEGER NOT NULL, u6 INTEGER NOT NULL,
            u7 INTEGER NOT NULL, u8 INTEGER NOT NULL, u9 INTEGER NOT NULL,
            comment TEXT NOT NULL DEFAULT ''
        );
        """)


@migration
def m002_staff_sessions(db: sqlite_utils.Database) -> None:
    # Staff sessions survive a server restart; only a hash of each bearer token is kept.
    _run_each(db, """
        CREATE TABLE IF NOT EXISTS server_sessions (
            token_hash TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            counter_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """)


@migration
def m003_ticket_request_ids(db: sqlite_utils.Database) -> None:
    # The kiosk's id for one tap: a retried issue whose first answer was lost finds the
    # ticket it already made instead of making a second. NULL for tickets issued without one.
    _run_each(db, """
        ALTER TABLE tickets ADD COLUMN request_id TEXT;
        CREATE UNIQUE INDEX tickets_request_id ON tickets (request_id)
        """)


@migration
def m004_ticket_voids(db: sqlite_utils.Database) -> None:
    # A supervisor's void (state 'voided'): when, why and by whom, kept on the ticket for the report and audit.
    _run_each(db, """
        ALTER TABLE tickets ADD COLUMN voided_at TEXT;
        ALTER TABLE tickets ADD COLUMN void_reason TEXT;
        ALTER TABLE tickets ADD COLUMN voided_by TEXT
        """)


@migration
def m005_survey_refusals(db: sqlite_utils.Database) -> None:
    # Refused surveys, counted per local day, agency, service, finishing counter and reason: the report
    # shows how many and why. A count, not a row per attempt: a flood cannot fill the disk, and
    # nothing about the sender (address, scores, comment) is kept. '' where the ticket is unknown.
    _run_each(db, """
        CREATE TABLE survey_refusals (
            day TEXT NOT NULL,
            agency_id TEXT NOT NULL DEFAULT '',
            service_id TEXT NOT NULL DEFAULT '',
            counter_id TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL,
            refused INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            PRIMARY KEY (day, agency_id, service_id, counter_id, reason)
        )
        """)


@migration
def m006_devices(db: sqlite_utils.Database) -> None:
    # Devices enrolled at run time (kiosk.enrolment): only the SHA-256 of each key is kept. A revoked row stays
    # (its key answers "revoked", not "unknown"); a name is unique among the devices not revoked.
    # Pairing requests keep only the hash of their poll secret too; codes expire and are used once.
    _run_each(db, """
        CREATE TABLE devices (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            enrolled_at TEXT NOT NULL,
            enrolled_from TEXT NOT NULL DEFAULT '',
            last_seen TEXT,
            revoked_at TEXT
        );
        CREATE UNIQUE INDEX devices_live_name ON devices (name) WHERE revoked_at IS NULL;
        CREATE TABLE device_pairings (
            code TEXT PRIMARY KEY,
            poll_hash TEXT NOT NULL UNIQUE,
            name_hint TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '',
            requested_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            state TEXT NOT NULL,
            role TEXT,
            name TEXT,
            decided_at TEXT,
            delivered_at TEXT
        )
        """)


@migration
def m007_session_devices(db: sqlite_utils.Database) -> None:
    # A staff session remembers the enrolled counter PC it was opened from (its key hash; NULL for a config
    # device): revoking that PC ends the session too.
    _run_each(db, """
        ALTER TABLE server_sessions ADD COLUMN device_hash TEXT
        """)


@migration
def m008_bookings(db: sqlite_utils.Database) -> None:
    # Bookings ahead (antrean online). A slot is (service, day, slot_time); `places` counts the live bookings
    # of a slot and its UNIQUE row is what two processes race for (kiosk.engine books under BEGIN IMMEDIATE).
    # The NIK is kept only as a keyed hash: enough for the per-person limit, useless to a thief.
    # A checked-in booking's ticket carries booking_id and slot_at; counters keep a booked-call streak.
    _run_each(db, """
        CREATE TABLE bookings (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            service_id TEXT NOT NULL,
            agency_id TEXT NOT NULL,
            day TEXT NOT NULL,
            slot_time TEXT NOT NULL,
            slot_at TEXT NOT NULL,
            state TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            nik_hash TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL DEFAULT 'id',
            address TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            moves INTEGER NOT NULL DEFAULT 0,
            ticket_id INTEGER
        );
        CREATE INDEX bookings_slot ON bookings (service_id, day, slot_time, state);
        CREATE INDEX bookings_phone ON bookings (service_id, day, phone) WHERE phone != '';
        CREATE INDEX bookings_nik ON bookings (service_id, day, nik_hash) WHERE nik_hash != '';
        CREATE TABLE booking_messages (
            id INTEGER PRIMARY KEY,
            booking_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX booking_messages_due ON booking_messages (state, next_attempt_at);
        ALTER TABLE tickets ADD COLUMN booking_id INTEGER;
        ALTER TABLE tickets ADD COLUMN slot_at TEXT;
        ALTER TABLE tickets ADD COLUMN booked_name TEXT;
        ALTER TABLE counter_state ADD COLUMN booked_streak INTEGER NOT NULL DEFAULT 0
        """)


@migration
def m009_day_aggregates(db: sqlite_utils.Database) -> None:
    # What the report needs per ticket, kept on the ticket row by the engine in the call's transaction: the first
    # call's time and counter (a recall, transfer or rejoin does not move them). Before this the report grouped the
    # whole event log per report. Filled here from the log for the tickets already there. The indexes: a report
    # reads a period's days, and the surveys of a period by their time. The day aggregates (kiosk.aggregates): each
    # closed day's figures, built by the engine (they need the config: not here); a trigger forgets a day when one
    # of its tickets changes (and notes it in day_forgotten, for the next build).
    _run_each(db, """
        ALTER TABLE tickets ADD COLUMN first_called_at TEXT;
        ALTER TABLE tickets ADD COLUMN first_call_counter_id TEXT;
        CREATE INDEX IF NOT EXISTS events_ticket_type ON events (ticket_id, type, seq);
        UPDATE tickets SET
            first_called_at = (SELECT min(e.at) FROM events e WHERE e.ticket_id = tickets.id AND e.type = 'called'),
            first_call_counter_id = (SELECT e.counter_id FROM events e WHERE e.ticket_id = tickets.id
                                     AND e.type = 'called' ORDER BY e.seq LIMIT 1);
        DROP INDEX events_ticket_type;
        CREATE INDEX tickets_day ON tickets (day);
        CREATE INDEX surveys_submitted ON surveys (submitted_at);
        CREATE TABLE day_aggregates (
            day TEXT PRIMARY KEY,
            utc_offset TEXT NOT NULL,
            visits INTEGER NOT NULL,
            built_at TEXT NOT NULL
        );
        CREATE TABLE day_visits (
            day TEXT NOT NULL,
            service_id TEXT NOT NULL,
            counter_id TEXT NOT NULL,
            issued INTEGER NOT NULL,
            served INTEGER NOT NULL,
            no_shows INTEGER NOT NULL,
            transferred INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            waits TEXT,
            services TEXT,
            PRIMARY KEY (day, service_id, counter_id)
        );
        CREATE TABLE day_hours (
            day TEXT NOT NULL,
            service_id TEXT NOT NULL,
            hour INTEGER NOT NULL,
            visits INTEGER NOT NULL,
            PRIMARY KEY (day, service_id, hour)
        );
        CREATE TABLE day_forgotten (day TEXT PRIMARY KEY)
        """)
    forget = ("INSERT OR IGNORE INTO day_forgotten (day) SELECT day FROM day_aggregates WHERE day IN ({days}); "
              "DELETE FROM day_aggregates WHERE day IN ({days});")
    for event, days in (("INSERT", "NEW.day"), ("UPDATE", "OLD.day, NEW.day"), ("DELETE", "OLD.day")):
        # one statement each: a trigger's body has its own semicolons
        db.execute(f"CREATE TRIGGER tickets_{event.lower()}_forgets_day AFTER {event} ON tickets BEGIN "
                   f"{forget.format(days=days)} END")


@migration
def m011_ticket_officer(db: sqlite_utils.Database) -> None:
    # the officer logged in at the counter when the ticket was called, finished or marked no-show:
    # the report's per-officer table (issue 18)
    _run_each(db, """
        ALTER TABLE tickets ADD COLUMN served_by TEXT
    """)


@migration
def m012_notices(db: sqlite_utils.Database) -> None:
    # Notices a manager puts on the displays' ticker (POST /api/v1/notices): kept until removed or until
    # their own end; a removed one keeps its row (who put it up and who took it down).
    _run_each(db, """
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            text_id TEXT NOT NULL,
            text_en TEXT NOT NULL,
            until TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            removed_at TEXT,
            removed_by TEXT
        )
    """)


@migration
def m013_notice_sign(db: sqlite_utils.Database) -> None:
    # a notice may name its clip in the sign pack (token "notice:<sign>"): the displays sign it between calls
    _run_each(db, """
        ALTER TABLE notices ADD COLUMN sign TEXT
    """)


@migration
def m014_booking_indexes(db: sqlite_utils.Database) -> None:
    # a booking checks the e-mail's other bookings of the day (the per-person limit), and a booking's page reads
    # its messages: without these, both scanned the day's bookings and every message (bench/booking.py)
    _run_each(db, """
        CREATE INDEX bookings_email ON bookings (service_id, day, email) WHERE email != '';
        CREATE INDEX booking_messages_booking ON booking_messages (booking_id)
    """)


@migration
def m015_day_officers(db: sqlite_utils.Database) -> None:
    # The report's per-officer figures per closed day (kiosk.aggregates: sums and counts, issue 19): before this
    # the per-officer table read every ticket and survey of its period. A survey counts on its ticket's day and may
    # come after that day was built: a survey added, removed or re-scored forgets the day, as a ticket's change
    # does (erasing its comment, kiosk.retention, does not). The days built already get their figures here.
    from kiosk import aggregates  # lazily: kiosk.aggregates reads the config module, the store needs neither

    scores = ", ".join(aggregates.SURVEY_ELEMENTS)
    _run_each(db, f"""
        CREATE TABLE day_officers (
            day TEXT NOT NULL,
            service_id TEXT NOT NULL,
            officer TEXT NOT NULL,
            served INTEGER NOT NULL,
            no_shows INTEGER NOT NULL,
            timed INTEGER NOT NULL,
            service_microminutes INTEGER NOT NULL,
            respondents INTEGER NOT NULL,
            {", ".join(f"{u} INTEGER NOT NULL" for u in aggregates.SURVEY_SUMS)},
            PRIMARY KEY (day, service_id, officer)
        )
        """)
    forget = ("INSERT OR IGNORE INTO day_forgotten (day) SELECT day FROM day_aggregates WHERE day IN "
              "(SELECT day FROM tickets WHERE id IN ({ids})); "
              "DELETE FROM day_aggregates WHERE day IN (SELECT day FROM tickets WHERE id IN ({ids}));")
    for event, change, ids in (("INSERT", "INSERT", "NEW.ticket_id"),
                               ("UPDATE", f"UPDATE OF ticket_id, {scores}", "OLD.ticket_id, NEW.ticket_id"),
                               ("DELETE", "DELETE", "OLD.ticket_id")):
        db.execute(f"CREATE TRIGGER surveys_{event.lower()}_forgets_day AFTER {change} ON surveys BEGIN "
                   f"{forget.format(ids=ids)} END")
    for (day,) in db.execute("SELECT day FROM day_aggregates").fetchall():
        aggregates.build_officers(db.conn, day)


@migration
def m016_personal_field_indexes(db: sqlite_utils.Database) -> None:
    # The tidy-up erases each personal field older than the period (kiosk.retention) at every start and every
    # day: without these it read every ticket (no index on issued_at: 0.2 s of a start on a year's 700,000) and
    # every old survey and booking again. Each index holds only the rows whose field is still there, so an
    # erase reads what it erases.
    statements = [f"CREATE INDEX {table}_{column}_kept ON {table} ({when}) WHERE {column} != ''"
                  for table, column, when in (
                      ("tickets", "booked_name", "issued_at"), ("surveys", "comment", "submitted_at"),
                      ("bookings", "name", "slot_at"), ("bookings", "phone", "slot_at"),
                      ("bookings", "email", "slot_at"), ("bookings", "nik_hash", "slot_at"),
                      ("bookings", "address", "slot_at"))]
    _run_each(db, ";".join(statements))


@migration
def m017_survey_counters(db: sqlite_utils.Database) -> None:
    # The report's survey bursts (kiosk.reports._survey_bursts) are per counter: they joined each survey to its
    # ticket for it, reading most of the tickets table (a year from a cold disk: 222 MB of the 684 MB file, and
    # 0.4 s warm, bench/year.py). A survey is taken only of a finished ticket, whose counter no longer changes:
    # the engine keeps it on the survey, and one index holds all that the bursts read (time, agency, counter);
    # it begins with the time, so it also serves what surveys_submitted did.
    _run_each(db, """
        ALTER TABLE surveys ADD COLUMN counter_id TEXT;
        UPDATE surveys SET counter_id = (SELECT t.counter_id FROM tickets t WHERE t.id = surveys.ticket_id);
        CREATE INDEX surveys_bursts ON surveys (submitted_at, agency_id, counter_id);
        DROP INDEX surveys_submitted""")


def _run_each(db: sqlite_utils.Database, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _enable_wal(conn: sqlite3.Connection, timeout_s: float) -> None:
    """Switch to WAL, waiting for other processes doing the same to a new file.

    SQLite does not call the busy handler for this switch: a second process that
    opens a new file at the same moment gets "database is locked" at once.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Checkpointer:
    """Copies the WAL back into the database file on a thread and a connection of its own, so that no write
    waits for it. Left to itself, SQLite checkpoints in the commit that brings the WAL to 1000 pages: one
    write in ~30 of the lobby's then waited for the database file's fsync (15-40 ms against a write's 1 ms;
    bench/year.py's issue p99). Here every CHECKPOINT_EVERY commits ask for a passive checkpoint, which
    waits for no reader or writer; SQLite's own stays as the backstop should this one fall behind.

    It starts once the writes pause (QUIET_S after the last commit), as they do between a lobby's visitors:
    its fsync of the database file held the next commit up by 2-6 ms on a year's database (ext4 makes a
    writer wait for the journal an fsync forces; bench/year.py's p99), so it waits for a gap. Writes that never
    pause still get one every FORCE_AFTER commits."""

    CHECKPOINT_EVERY = 16  # commits: about 250 pages of the queue's writes, a quarter of SQLite's 1000
    QUIET_S = 0.03  # the pause after a commit a checkpoint waits for
    FORCE_AFTER = 64  # commits since the last checkpoint: then it runs whether the writes pause or not

    def __init__(self, path: Path):
        self.path = path
        self._cond = threading.Condition()
        self._commits = 0
        self._asked = 0  # checkpoints asked for
        self._done = 0  # of those, the ones a finished checkpoint covered
        self._closing = False
        self._thread: threading.Thread | None = None
        self._last_commit = 0.0  # time.monotonic() of the last commit
        self._since_checkpoint = 0  # commits since the last checkpoint began

    def committed(self) -> None:
        """Called after each commit (under the store's lock)."""
        self._commits += 1
        with self._cond:
            self._last_commit = time.monotonic()
            self._since_checkpoint += 1
        if self._commits % self.CHECKPOINT_EVERY == 0:
            self.request()

    def _wait_for_quiet(self) -> None:
        """(Under the condition.) Until the writes pause, FORCE_AFTER commits pile up, or the store closes."""
        while not self._closing and self._since_checkpoint < self.FORCE_AFTER:
            quiet_for = time.monotonic() - self._last_commit
            if quiet_for >= self.QUIET_S:
                return
            self._cond.wait(self.QUIET_S - quiet_for)

    def request(self) -> None:
        with self._cond:
            if self._closing:
                return
            if self._thread is None:  # made at the first request: a store that writes little has no thread
                self._thread = threading.Thread(target=self._run, name=f"checkpoint-{self.path.name}", daemon=True)
                self._thread.start()
            self._asked += 1
            self._cond.notify_all()

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """True once every checkpoint asked for is done: what a test of the database file waits for."""
        with self._cond:
            return self._cond.wait_for(lambda: self._done >= self._asked, timeout_s)

    def _run(self) -> None:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._closing or self._asked > self._done)
                    self._wait_for_quiet()
                    if self._closing:
                        return
                    asked = self._asked
                    self._since_checkpoint = 0
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:  # another connection checkpointing: the next request catches up
                    pass
                with self._cond:
                    self._done = asked
                    self._cond.notify_all()
        finally:
            conn.close()
            with self._cond:
                self._done = self._asked
                self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending migrations (none: nothing imported, nothing written)."""
    try:
        applied = {name for (name,) in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,))}
    except sqlite3.OperationalError:  # a new file: no migrations table yet
        applied = set()
    if all(func.__name__ in applied for func in MIGRATIONS):
        return
    import sqlite_utils

    migrations = sqlite_utils.Migrations(MIGRATION_SET)
    for func in MIGRATIONS:
        migrations()(func)
    migrations.apply(sqlite_utils.Database(conn))


class Store:
    """One connection, serialised by a lock; writes in BEGIN IMMEDIATE; the WAL checkpointed on a thread."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 10_000):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE).
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000)
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        # a new file frees pages by incremental vacuum (kiosk.retention); an older file keeps its mode until then
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if str(path) != ":memory:":
            _enable_wal(conn, busy_timeout_ms / 1000)
        # NORMAL is durable across application crashes in WAL mode; only a power cut may
        # lose the last commits.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        self._conn = conn
        self.lock = threading.RLock()
        self.checkpointer: Checkpointer | None = None
        # Under the write lock: processes opening a new file together would otherwise
        # all see the migrations pending and race to create the tables.
        with self.write():
            _migrate(conn)  # each migration becomes a savepoint of this transaction
        if str(path) != ":memory:":
            self.checkpointer = Checkpointer(self.path)  # it counts the commits after the migrations'

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    @contextlib.contextmanager
    def write(self):
        """A write transaction that holds the database's write lock from its first statement."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
                if self.checkpointer is not None:
                    self.checkpointer.committed()

    @contextlib.contextmanager
    def read(self):
        """A consistent read: one snapshot of the database for several queries."""
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")

    def query(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self.lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def backup_to(self, target: Path | str) -> None:
        """An online, consistent copy (SQLite backup API) while others keep writing."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(str(target))
        try:
            with self.lock:
                self.conn.backup(dest)
        finally:
            dest.close()

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        with self.lock:
            self.conn.close()


class SessionRows:
    """The staff sessions' table (``server_sessions``): only a hash of each token is stored.
    kiosk.server.auth.SessionStore keeps the rules and the cache; this is its SQL."""

    def __init__(self, store: Store):
        self.store = store

    def replace_at_counter(self, digest: str, user: str, counter_id: str, created_at: str, expires_at: str,
                           device_hash: str | None) -> None:
        """The counter's one session from now on; the counter's old one and every expired one go."""
        with self.store.write() as conn:
            conn.execute("DELETE FROM server_sessions WHERE counter_id = ? OR expires_at < ?", (counter_id, created_at))
            conn.execute(
                "INSERT INTO server_sessions (token_hash, user, counter_id, created_at, expires_at, device_hash) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (digest, user, counter_id, created_at, expires_at, device_hash))

    def live_at(self, counter_id: str, now: str) -> dict | None:
        """The latest-expiring unexpired session at a counter (user, counter_id, expires_at)."""
        rows = self.store.query(
            "SELECT user, counter_id, expires_at FROM server_sessions WHERE counter_id = ? AND expires_at > ? "
            "ORDER BY expires_at DESC LIMIT 1", (counter_id, now))
        return rows[0] if rows else None

    def by_hash(self, digest: str) -> dict | None:
        rows = self.store.query(
            "SELECT user, counter_id, expires_at, device_hash FROM server_sessions WHERE token_hash = ?", (digest,))
        return rows[0] if rows else None

    def delete(self, digest: str) -> None:
        with self.store.write() as conn:
            conn.execute("DELETE FROM server_sessions WHERE token_hash = ?", (digest,))
