"""The store checkpoints its WAL on a thread of its own (kiosk.store.Checkpointer): the commit that would have
filled the WAL to SQLite's 1000 pages no longer waits for the database file's fsync (issue 19: issue p99)."""
from __future__ import annotations

import shutil
import sqlite3
import threading

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
