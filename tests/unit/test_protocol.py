"""The wire contract (kiosk/protocol/) is one home: it imports nothing of the lobby, and its tables agree."""
from __future__ import annotations

import ast
from pathlib import Path

from kiosk.protocol import ACTIONS, BUTTON_ACTIONS, NO_QUEUE_CHANGE, QUEUE_EVENTS, EventType, action_by_path

PROTOCOL = Path(__file__).resolve().parents[2] / "kiosk" / "protocol"
ALLOWED_TOP = {"pydantic", "__future__", "enum", "dataclasses", "typing", "datetime", "kiosk"}


def test_the_protocol_imports_only_pydantic_the_standard_library_and_itself():
    for path in PROTOCOL.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                assert module.split(".")[0] in ALLOWED_TOP, (path.name, module)
                if module.startswith("kiosk"):
                    assert module.startswith("kiosk.protocol"), (path.name, module)


def test_every_event_type_is_a_queue_change_or_not_exactly_once():
    assert QUEUE_EVENTS | NO_QUEUE_CHANGE == set(EventType)
    assert not QUEUE_EVENTS & NO_QUEUE_CHANGE
    assert EventType.CALLED in QUEUE_EVENTS and EventType.SURVEY_SUBMITTED in NO_QUEUE_CHANGE
    assert EventType.CALLED == "called"  # the wire keeps its spelling


def test_each_counter_action_has_one_name_one_path_and_its_own_key():
    assert len({a.name for a in ACTIONS}) == len({a.path for a in ACTIONS}) == len(ACTIONS)
    assert [a.key for a in BUTTON_ACTIONS] == [f"F{n}" for n in range(1, 9)]
    assert action_by_path("no-show").name == "no_show"


def test_the_engine_has_every_method_the_action_table_names():
    from kiosk.engine import QueueEngine

    for action in ACTIONS:
        assert callable(getattr(QueueEngine, action.engine_method, None)), action.name


def test_the_engine_catalog_of_the_shipped_lobby_is_a_catalog_view(tmp_path):
    from kiosk.config import load_config
    from kiosk.engine import QueueEngine
    from kiosk.protocol import CatalogView
    from kiosk.store import Store

    config = load_config(Path(__file__).resolve().parents[2] / "config.toml")
    catalog = CatalogView.model_validate(QueueEngine(config, Store(tmp_path / "q.db")).catalog("en"))
    assert len(catalog.services) == len(config.services) and len(catalog.agencies) == len(config.agencies)
    first = catalog.services_of(catalog.agencies[0].id)
    assert first and all(s.agency_id == catalog.agencies[0].id for s in first)
