"""The database cannot be written: the disk is full, or the file became read-only.

Both are made on the running server's own SQLite connection, without root
tricks: ``PRAGMA max_page_count`` caps the file at its current size (SQLite
then fails with "database or disk is full", exactly as on a full disk), and
``PRAGMA query_only`` refuses every write ("attempt to write a readonly
database", as for a file or folder made read-only).

While the database cannot be written the server refuses new tickets and
counter actions with a 503 and a sentence, and keeps answering reads (catalog,
a ticket's status, the lobby state). Once it can write again nothing is
corrupt: the integrity check passes, every acknowledged ticket is there, the
numbering has no gap or repeat, and issuing works again.
"""
from __future__ import annotations

import sqlite3

import pytest

from faults.helpers import LobbyDisplay, open_lobby, wait_for
from kiosk.client import ApiError
from kiosk.config import parse_config
from support.server import running_server

pytestmark = pytest.mark.timeout(60)

SQLITE_DEFAULT_MAX_PAGES = 4294967294


def disk_full(server) -> None:
    store = server.engine.store
    with store.lock:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")


def disk_has_room(server) -> None:
    store = server.engine.store
    with store.lock:
        store.conn.execute(f"PRAGMA max_page_count = {SQLITE_DEFAULT_MAX_PAGES}")


def read_only(server) -> None:
    with server.engine.store.lock:
        server.engine.store.conn.execute("PRAGMA query_only = ON")


def writable(server) -> None:
    with server.engine.store.lock:
        server.engine.store.conn.execute("PRAGMA query_only = OFF")


FAULTS = {"disk_full": (disk_full, disk_has_room), "read_only": (read_only, writable)}


def assert_refused_clearly(exc: ApiError, lang: str) -> None:
    assert exc.status == 503, f"expected 503, got {exc!r}"
    assert isinstance(exc.details.get("error"), str) and exc.code != "internal_error", exc.details
    assert len(exc.message) > 20 and exc.message.endswith("."), exc.message
    if lang == "en":
        assert "database" in exc.message.lower() or "storage" in exc.message.lower() or "disk" in exc.message.lower()


@pytest.mark.parametrize("fault", FAULTS)
def test_a_database_that_cannot_be_written_refuses_writes_clearly_and_keeps_serving_reads(tmp_path, fault):
    break_it, mend_it = FAULTS[fault]
    config = parse_config(open_lobby(tmp_path, counters=3), base_dir=tmp_path)
    db_path = tmp_path / "queue.sqlite"
    with running_server(config, db_path, ping_seconds=1.0) as server:
        kiosk = server.client("kiosk", lang="en")
        staff = server.staff_client("petugas1", "loket-1", lang="en")
        display = LobbyDisplay(server.url)
        acknowledged = [kiosk.issue("ktp") for _ in range(20)]
        staff.action("loket-1", "call-next")
        try:
            break_it(server)
            refusals = []
            for _ in range(300):  # a cap at today's size may still leave room in the last page
                try:
                    acknowledged.append(kiosk.issue("ktp"))
                except ApiError as exc:
                    refusals.append(exc)
                    if len(refusals) == 3:
                        break
            assert refusals, "the database never refused a write"
            for exc in refusals:
                assert_refused_clearly(exc, "en")
            with pytest.raises(ApiError) as refused_id:
                server.client("kiosk", lang="id").issue("kk")
            assert_refused_clearly(refused_id.value, "id")
            with pytest.raises(ApiError) as staff_refused:
                staff.action("loket-1", "finish")
            assert_refused_clearly(staff_refused.value, "en")

            # reads go on: the kiosk's catalog, the phone's ticket status, the displays' state
            catalog = kiosk.catalog()
            assert {s["id"] for s in catalog["services"]} == {"ktp", "kk", "akta", "paspor"}
            status = kiosk.ticket(acknowledged[-1]["token"])
            assert status["code"] == acknowledged[-1]["code"] and status["state"] == "waiting"
            assert server.client("display").state()["seq"] == server.engine.last_seq()
            assert staff.waiting("loket-1")

            mend_it(server)
            after = kiosk.issue("ktp")
            acknowledged.append(after)
            staff.action("loket-1", "finish")

            with sqlite3.connect(db_path) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                codes = [row[0] for row in db.execute(
                    "SELECT code FROM tickets WHERE service_id = 'ktp' ORDER BY number")]
            # every acknowledged ticket is there, and the refused ones left no gap in the numbering
            assert codes == [t["code"] for t in acknowledged] == [f"A-{n:03d}" for n in range(1, len(codes) + 1)]
            for ticket in acknowledged:
                assert kiosk.ticket(ticket["token"])["code"] == ticket["code"]
            assert wait_for(lambda: display.seq == server.engine.last_seq(), timeout=5)
            assert display.delivered == list(range(display.delivered[0], server.engine.last_seq() + 1))
            assert display.state.to_snapshot() == server.engine.snapshot()
        finally:
            mend_it(server)
            display.stop()
            kiosk.close()
            staff.close()
