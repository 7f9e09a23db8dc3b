"""A display runs for months: its voice cache on disk and its prepared fragments in memory stay bounded;
logs are bounded by size, count and days."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from kiosk.audio.packs import CallRenderer
from kiosk.disk_cache import CacheBound


def _write(folder: Path, name: str, size: int, age_s: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    when = time.time() - age_s
    os.utime(path, (when, when))
    return path


def test_the_cache_keeps_its_size_and_drops_the_least_recently_used(tmp_path):
    bound = CacheBound(tmp_path, max_bytes=10_000, max_files=1000, check_every=1, keep_recent_s=60)
    old = [_write(tmp_path, f"old-{i}.wav", 1000, 3600 + i) for i in range(20)]  # 20 kB, an hour old
    bound.used(old[-1])  # the oldest, but just played: it becomes the newest
    bound.added(_write(tmp_path, "new.wav", 1000, 0))
    left = {p.name for p in tmp_path.iterdir()}
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 10_000
    assert "new.wav" in left and old[-1].name in left
    assert old[-2].name not in left and bound.removed == 11


def test_files_used_lately_stay_even_past_the_bound(tmp_path):
    bound = CacheBound(tmp_path, max_bytes=1000, check_every=1, keep_recent_s=600)
    for i in range(5):
        bound.added(_write(tmp_path, f"recent-{i}.wav", 1000, 10))
    assert len(list(tmp_path.iterdir())) == 5  # might be about to play


def test_the_count_is_bounded_too(tmp_path):
    bound = CacheBound(tmp_path, max_bytes=10**9, max_files=10, check_every=1, keep_recent_s=0)
    for i in range(30):
        bound.added(_write(tmp_path, f"f-{i:02d}.wav", 10, 1000 - i))
    assert len(list(tmp_path.iterdir())) <= 10


def test_the_synthesizer_bounds_its_folder(tmp_path):
    from kiosk.audio.speech import Pyttsx3Synthesizer

    synth = Pyttsx3Synthesizer(tmp_path, cache_max_mb=0.005)
    assert synth.bound is not None and synth.bound.max_bytes == 5000 and synth.bound.folder == tmp_path


def test_prepared_fragments_in_memory_are_bounded(tmp_path):
    import array
    import math

    from kiosk.audio.speech import write_wav

    tone = array.array("h", (int(8000 * math.sin(n / 5)) for n in range(4000)))

    renderer = CallRenderer({}, None, tmp_path / "calls", sample_rate=22050, prepared_max=8)
    paths = []
    for i in range(30):
        path = tmp_path / f"frag-{i}.wav"
        write_wav(path, tone, 22050)
        paths.append(path)
        renderer._fragment(path)
    assert len(renderer._prepared) == 8
    renderer._fragment(paths[22])  # used again: kept over the older ones
    write_wav(tmp_path / "another.wav", tone, 22050)
    renderer._fragment(tmp_path / "another.wav")
    assert any(key[0] == str(paths[22]) for key in renderer._prepared)
    assert not any(key[0] == str(paths[23]) for key in renderer._prepared)


def _log_lines(handler, count, size=100):
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "x" * size, None, None)
    for _ in range(count):
        handler.emit(record)


def test_a_log_is_bounded_by_size_and_count(tmp_path):
    from kiosk.logs import BoundedFileHandler

    handler = BoundedFileHandler(tmp_path / "server.log", max_bytes=2000, backups=3, keep_days=30)
    try:
        _log_lines(handler, 500)
    finally:
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["server.log", "server.log.1", "server.log.2", "server.log.3"]
    assert all(p.stat().st_size <= 2000 for p in tmp_path.iterdir())


def test_a_log_rotates_daily_and_forgets_files_past_its_days(tmp_path):
    from kiosk.logs import BoundedFileHandler

    day = [(2026, 11, 2)]
    old = tmp_path / "server.log.7"
    old.write_text("a line of long ago\n")
    long_ago = time.time() - 40 * 86400
    os.utime(old, (long_ago, long_ago))
    handler = BoundedFileHandler(tmp_path / "server.log", max_bytes=10**6, backups=10, keep_days=30,
                                 today=lambda: day[0])
    try:
        assert not old.exists()  # older than keep_days: gone at start
        _log_lines(handler, 3)
        day[0] = (2026, 11, 3)
        _log_lines(handler, 1)  # the first line of a new day starts a new file
    finally:
        handler.close()
    assert (tmp_path / "server.log.1").read_text().count("\n") == 3
    assert (tmp_path / "server.log").read_text().count("\n") == 1


def test_setup_logging_takes_the_bounds_from_the_config(tmp_path):
    from kiosk.logs import BoundedFileHandler, setup_logging
    from support.configs import make_config

    config = make_config(retention={"log_max_mb": 0.5, "log_files": 4, "log_days": 7})
    root = logging.getLogger()
    setup_logging("server", tmp_path, stderr=False, retention=config.retention)
    try:
        handler = next(h for h in root.handlers if isinstance(h, BoundedFileHandler))
        assert (handler.maxBytes, handler.backupCount, handler.keep_days) == (500_000, 4, 7)
    finally:
        setup_logging("server", None, stderr=False)
