"""The server's shape: SQL only in the store and the engine, a typed answer on every JSON route, and the
counter routes made from the action table (a new action is a row and an engine method)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.engine import QueueEngine
from kiosk.protocol.actions import ACTIONS, CounterAction
from kiosk.server.app import create_app
from kiosk.store import Store
from support.configs import DEVICE_KEYS, MONDAY_9, make_config

SERVER = Path(__file__).resolve().parents[2] / "kiosk" / "server"
SQL_METHODS = {"execute", "executemany", "executescript"}
STORE_METHODS = {"query", "conn", "read", "write", "db"}


def sql_on_a_store(source: str, filename: str = "<source>") -> list[str]:
    """Every place a source runs SQL itself: an execute() call, sqlite3.connect(), or a store's
    query/conn/read/write/db (a store: a name or attribute called ``store`` or ``*_store``)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if func.attr in SQL_METHODS:
                found.append(f"{filename}:{node.lineno} .{func.attr}()")
            if func.attr == "connect" and isinstance(func.value, ast.Name) and func.value.id == "sqlite3":
                found.append(f"{filename}:{node.lineno} sqlite3.connect()")
        if isinstance(node, ast.Attribute) and node.attr in STORE_METHODS:
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name == "store" or name.endswith("_store"):
                found.append(f"{filename}:{node.lineno} {name}.{node.attr}")
    return found


def test_the_checker_sees_sql_run_on_a_store():
    for source in (
        "rows = self.engine.store.query('SELECT 1')",
        "with backend.engine.store.write() as conn:\n    conn.execute('DELETE FROM t')",
        "store.conn.execute('SELECT 1')",
        "self.store.read()",
        "import sqlite3\nsqlite3.connect('x.sqlite')",
        "cursor.executemany('INSERT INTO t VALUES (?)', rows)",
    ):
        assert sql_on_a_store(source), source
    for source in (
        "path = backend.engine.store.path",           # where the file is: no SQL
        "self.conn = BoundedHeaders(1000)",           # an HTTP connection, not a store
        "answer = await backend.run(backend.engine.counter_stats, counter_id)",
        "text = 'store.query(...)'",
    ):
        assert sql_on_a_store(source) == [], source


def test_no_module_of_the_server_runs_sql_of_its_own():
    # enrolment's SQL is kiosk/enrolment.py's (the server calls its DeviceRegistry); sessions' is kiosk/store.py's
    modules = sorted(SERVER.rglob("*.py"))
    assert SERVER / "app.py" in modules and SERVER / "routes" / "counters.py" in modules
    offenders = [hit for path in modules
                 for hit in sql_on_a_store(path.read_text(encoding="utf-8"), str(path.relative_to(SERVER.parent)))]
    assert offenders == []


@pytest.fixture
def app(tmp_path):
    config = make_config(tmp_path)
    engine = QueueEngine(config, Store(tmp_path / "queue.sqlite"), FakeClock(MONDAY_9))
    yield create_app(config, engine, access_log=False, log_events=False)
    engine.store.close()


def test_every_json_route_declares_its_answer_in_the_openapi_document(app):
    schema = app.openapi()
    components = schema["components"]["schemas"]
    checked = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            answers = {status: answer for status, answer in operation["responses"].items() if status.startswith("2")}
            assert answers, f"{method.upper()} {path}: no success answer"
            for status, answer in answers.items():
                content = answer.get("content", {})
                assert content, f"{method.upper()} {path} {status}: no content described"
                if "application/json" not in content:
                    continue  # a file (the report export): its media types are the description
                described = content["application/json"].get("schema", {})
                assert described not in ({}, {"title": "Response"}), f"{method.upper()} {path} {status}: {described}"
                if "$ref" in described:
                    model = components[described["$ref"].rsplit("/", 1)[-1]]
                    assert model.get("properties"), f"{method.upper()} {path} {status}: {model}"
                checked.append(f"{method.upper()} {path}")
    assert "POST /api/v1/tickets" in checked and "GET /api/v1/state" in checked
    assert len(set(checked)) >= 30


def test_the_counter_routes_are_the_action_table(app):
    schema = app.openapi()
    prefix = "/api/v1/counters/{counter_id}/"
    served = {path[len(prefix):]: ops["post"] for path, ops in schema["paths"].items()
              if path.startswith(prefix) and "post" in ops}
    assert set(served) == {action.path for action in ACTIONS}
    for action in ACTIONS:
        operation = served[action.path]
        assert operation["summary"] == action.summary
        body = operation.get("requestBody")
        if action.body is None:
            assert body is None, action.path
        else:
            assert action.body.__name__ in str(body), action.path
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/CounterActionView"}


class EngineWithHold(QueueEngine):
    def hold(self, counter_id: str, minutes: int):
        """A made-up action: pause for a while; the counter's ticket stays."""
        self.pause(counter_id, f"hold {minutes} min")


def test_a_new_action_is_a_row_and_an_engine_method(tmp_path):
    import httpx
    from pydantic import Field

    from kiosk.protocol.requests import Body
    from kiosk.server.deps import Router
    from kiosk.server.routes.counters import add_action_routes
    from kiosk.server.runner import ServerThread

    class HoldRequest(Body):
        minutes: int = Field(ge=1, le=60)

    class Hold(CounterAction):
        def engine_arguments(self, body, *, supervisor=False):
            return (body.minutes,), {}

    config = make_config(tmp_path)
    engine = EngineWithHold(config, Store(tmp_path / "queue.sqlite"), FakeClock(MONDAY_9))
    app = create_app(config, engine, access_log=False, log_events=False)
    router = Router(tags=["staff"])
    add_action_routes(router, [Hold("hold", "hold", HoldRequest, "hold", None, "Hold the counter", keeps_ticket=True)])
    app.include_router(router)
    server = ServerThread(app, "127.0.0.1", 0)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=5.0) as client:
            login = client.post("/api/v1/sessions", json={"user": "petugas1", "pin": "1234", "counter_id": "loket-1"},
                                headers={"Authorization": f"Bearer {DEVICE_KEYS['counter-app']}"})
            assert login.status_code == 201, login.text
            staff = {"Authorization": f"Bearer {login.json()['token']}"}
            answer = client.post("/api/v1/counters/loket-1/hold", json={"minutes": 5}, headers=staff)
            assert answer.status_code == 200, answer.text
            assert answer.json()["action"] == "hold" and answer.json()["ticket"] is None
            assert (answer.json()["counter"]["status"], answer.json()["counter"]["reason"]) == ("paused", "hold 5 min")
            refused = client.post("/api/v1/counters/loket-2/hold", json={"minutes": 5}, headers=staff)
            assert (refused.status_code, refused.json()["error"]) == (403, "wrong_counter")
            invalid = client.post("/api/v1/counters/loket-1/hold", json={"minutes": 0}, headers=staff)
            assert invalid.status_code == 422
    finally:
        server.stop()
        engine.store.close()


def test_a_route_of_an_included_router_without_an_access_line_stops_the_app(app):
    from kiosk.server.access import declare_access
    from kiosk.server.deps import Router

    router = Router()

    @router.get("/api/v1/nowhere")
    async def nowhere():
        return {}

    declare_access(app)  # the app as built: every route declared
    app.include_router(router)
    with pytest.raises(RuntimeError, match="GET /api/v1/nowhere"):
        declare_access(app)
