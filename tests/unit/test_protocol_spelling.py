"""Nobody outside kiosk/protocol/ re-spells an event type or a counter action.

An AST walk over kiosk/: a string constant whose whole value is an event type, used where an event's
type is compared (``event["type"] == "called"``, ``kind in ("finished", "no_show")``) or emitted
(``_emit(conn, "called", ...)``), is a copy of the contract; so is an action's route spelled out
(``"no-show"``) or a literal listing the actions again (a tuple of their names, a dict keyed by them).
SQL text and docstrings are not looked at: only constants that are a type's or an action's whole
value, in those places. Ticket states that share a word with an event ("called", "no_show") and
error codes ("device_revoked") are compared with other things and are not flagged.
"""
from __future__ import annotations

import ast
from pathlib import Path

from kiosk.protocol.actions import ACTIONS, BUTTON_ACTIONS
from kiosk.protocol.events import EventType

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
EVENT_TYPES = frozenset(e.value for e in EventType)
ACTION_NAMES = frozenset(a.name for a in ACTIONS)
# routes that are no action's name too (a bare "recall" is as likely the verb as the route)
ACTION_ROUTES = frozenset(a.path for a in ACTIONS) - ACTION_NAMES
# A literal holding this many action names is the action list spelled again.
LIST_OF_ACTIONS = (len(BUTTON_ACTIONS) + 1) // 2
# Names an event's type is read into.
TYPE_NAMES = {"kind", "type_", "event_type"}
EMITTERS = {"_emit", "emit_event"}


def _is_event_type(node: ast.AST) -> bool:
    """``x["type"]``, ``x.get("type")``, ``x.type`` or a name such as ``kind``."""
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "type"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == "type"
    if isinstance(node, ast.Attribute):
        return node.attr == "type"
    return isinstance(node, ast.Name) and node.id in TYPE_NAMES


def _strings(node: ast.AST) -> list[ast.Constant]:
    """The string constants of an operand: itself, or the items of a tuple, list or set literal."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [i for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]


def _func_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def copies_of_the_contract(source: str) -> list[tuple[int, str]]:
    """(line, what) for every re-spelled event type or action in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_event_type(o) for o in operands):
                found += [(c.lineno, f"event type {c.value!r}") for o in operands for c in _strings(o)
                          if c.value in EVENT_TYPES]
        elif isinstance(node, ast.Call):
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if _func_name(node) in EMITTERS:
                found += [(c.lineno, f"event type {c.value!r}") for a in arguments for c in _strings(a)
                          if c.value in EVENT_TYPES]
        if isinstance(node, ast.Constant) and node.value in ACTION_ROUTES:
            found.append((node.lineno, f"action route {node.value!r}"))
        keys = node.keys if isinstance(node, ast.Dict) else node.elts if isinstance(
            node, (ast.Tuple, ast.List, ast.Set)) else []
        named = {k.value for k in keys if isinstance(k, ast.Constant) and k.value in ACTION_NAMES}
        if len(named) >= LIST_OF_ACTIONS:
            found.append((node.lineno, f"a list of the actions {sorted(named)}"))
    return found


def test_no_module_outside_the_protocol_re_spells_an_event_type_or_an_action():
    copies = []
    for path in sorted(KIOSK.rglob("*.py")):
        relative = path.relative_to(KIOSK).as_posix()
        if relative.startswith("protocol/"):
            continue
        copies += [f"kiosk/{relative}:{line}: {what}" for line, what in
                   copies_of_the_contract(path.read_text(encoding="utf-8"))]
    assert not copies, "use kiosk.protocol (EventType, the action table) instead:\n" + "\n".join(copies)


def test_the_check_finds_each_kind_of_copy_and_leaves_states_and_sql_alone():
    flagged = copies_of_the_contract('''
if event["type"] == "called": pass
if event.get("type") in ("finished", "no_show"): pass
if kind != "day_rolled_over": pass
self._emit(conn, "ticket_issued", now)
path = "no-show"
ACTIONS = ("call_next", "recall", "start", "finish", "no_show")
PATHS = {"call_next": 1, "recall": 2, "no_show": 3, "pause": 4}
''')
    assert [line for line, _ in flagged] == [2, 3, 3, 4, 5, 6, 7, 8], flagged
    assert not copies_of_the_contract('''
"""A docstring that says called and no_show."""
if ticket.state == "called" or state in ("called", "no_show"): pass
if exc.code == "device_revoked": pass
conn.execute("SELECT * FROM events WHERE type IN ('called', 'recalled')")
if event["type"] == EventType.CALLED: pass
COLOURS = {"call_next": 1, "no_show": 2}
''')
