"""Engines on a fresh database file per test, with a settable clock and predictable tokens."""
from __future__ import annotations

import pytest

from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.engine import QueueEngine
from kiosk.store import Store
from support.configs import MONDAY_9, make_config

from .helpers import counting_tokens


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_9)


@pytest.fixture
def make_engine(tmp_path, clock):
    """make_engine(config=None, **sections) -> a QueueEngine on its own file (sections as make_config)."""
    stores: list[Store] = []

    def make(config: Config | None = None, *, path=None, **sections) -> QueueEngine:
        config = config or make_config(**sections)
        store = Store(path or tmp_path / f"queue{len(stores)}.sqlite")
        stores.append(store)
        return QueueEngine(config, store, clock, token_factory=counting_tokens(f"tok{len(stores)}-"))

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def engine(make_engine) -> QueueEngine:
    return make_engine()
