"""The store checkpoints its WAL on a thread of its own (kiosk.store.Checkpointer): the commit that would have
filled the WAL to SQLite's 1000 pages no longer waits for the database file's fsync (issue 19: issue p99)."""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time

from kiosk.store import Checkpointer, Store


def write_meta(store: Store, commits: int) -> None:
    for i in range(commits):
        with store.write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, 'v')", (f"k{i}",))


def keys_in_the_database_file(store: Store, tmp_path) -> set[str]:
    """What the file itself holds, its WAL left out: a copy of the file alone, opened on its own."""
    copy = tmp_path / "file-alone.sqlite"
    shutil.copyfile(store.path, copy)
    with sqlite3.connect(copy) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
            return set()  # not even the schema has left the WAL
        return {key for (key,) in conn.execute("SELECT key FROM meta WHERE key LIKE 'k%'")}


def test_the_writes_reach_the_database_file_long_before_sqlites_own_checkpoint(tmp_path):
    store = Store(tmp_path / "q.sqlite")
    try:
        write_meta(store, Checkpointer.CHECKPOINT_EVERY)  # ~30 WAL pages: SQLite itself waits for 1000
        assert store.checkpointer.wait_idle()
        assert keys_in_the_database_file(store, tmp_path) == {f"k{i}" for i in range(Checkpointer.CHECKPOINT_EVERY)}
    finally:
        store.close()


def checkpoint_threads(store: Store) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"checkpoint-{store.path.name}"]


def test_the_thread_is_made_by_the_first_checkpoint_and_ends_with_the_store(tmp_path):
    store = Store(tmp_path / "few.sqlite")
    write_meta(store, Checkpointer.CHECKPOINT_EVERY - 1)
    assert checkpoint_threads(store) == []  # a store that writes little (a report, a CLI command) has none
    write_meta(store, 1)
    assert len(checkpoint_threads(store)) == 1
    store.close()
    assert checkpoint_threads(store) == []


def test_a_memory_database_has_no_checkpointer():
    store = Store(":memory:")
    write_meta(store, Checkpointer.CHECKPOINT_EVERY)
    assert store.checkpointer is None
    store.close()


def write_steadily(store: Store, commits: int, every_s: float) -> list[set[str]]:
    """``commits`` writes ``every_s`` apart (no pause as long as QUIET_S); after each, the keys in the file."""
    seen = []
    for i in range(commits):
        started = time.monotonic()
        with store.write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, 'v')", (f"k{i}",))
        seen.append(keys_in_the_database_file(store, store.path.parent))
        time.sleep(max(0.0, every_s - (time.monotonic() - started)))
    return seen


def test_the_checkpoint_waits_for_the_writes_to_pause(tmp_path):
    # its fsync must not land on a visitor's write: it starts in the gap after the last commit (issue 19)
    store = Store(tmp_path / "q.sqlite")
    try:
        every = Checkpointer.QUIET_S / 3
        seen = write_steadily(store, Checkpointer.CHECKPOINT_EVERY + 8, every)
        asked_at = Checkpointer.CHECKPOINT_EVERY - 1
        # while the writes went on, the checkpoint asked for at the 16th commit waited: the file had none of them
        assert all(not {k for k in keys if k.startswith("k")} for keys in seen[asked_at:]), [len(k) for k in seen]
        assert store.checkpointer.wait_idle()  # the writes paused: it ran
        assert keys_in_the_database_file(store, tmp_path) >= {f"k{i}" for i in range(Checkpointer.CHECKPOINT_EVERY)}
    finally:
        store.close()


def test_writes_that_never_pause_still_get_a_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setattr(Checkpointer, "QUIET_S", 60.0)  # no pause will ever be long enough
    store = Store(tmp_path / "q.sqlite")
    try:
        write_meta(store, Checkpointer.FORCE_AFTER)
        assert store.checkpointer.wait_idle()
        assert keys_in_the_database_file(store, tmp_path) >= {f"k{i}" for i in range(Checkpointer.CHECKPOINT_EVERY)}
    finally:
        store.close()
