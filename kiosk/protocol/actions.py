"""The counter actions, as one table: each row is everything any part needs to know of one action.

- ``name``: the action's one spelling (Python, the window, the texts: ``action_<name>``, ``done_<name>``);
- ``path``: the last part of its route, ``POST /api/v1/counters/{counter_id}/<path>``;
- ``body``: the request body model, or None;
- ``engine_method``: the :class:`~kiosk.engine.QueueEngine` method the server calls with
  ``(counter_id, *body_arguments)``; see :meth:`CounterAction.engine_arguments`;
- ``key``: the counter window's keyboard shortcut (None: no button of its own; resume is the
  pause button while paused);
- ``summary``: the route's one-line description in the OpenAPI document.

A new action is one row here, one engine method and its texts in the catalog.
"""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from kiosk.protocol.requests import CallRequest, PauseRequest, TransferRequest


@dataclass(frozen=True)
class CounterAction:
    name: str
    path: str
    body: type[BaseModel] | None
    engine_method: str
    key: str | None
    summary: str
    # True: the engine method answers nothing; the server answers with the counter's current ticket
    keeps_ticket: bool = False
    # The states the counter's ticket must be in for the button to be offered; () = the counter must
    # be free (open, no ticket), as for a call. The counter window's model reads it; an action with
    # rules of its own (no-show's recalls and wait, pause) is special-cased there.
    ticket_states: tuple[str, ...] = ()

    @property
    def label_id(self) -> str:
        """The catalog id of the button's label."""
        return f"counter.action_{self.name}"

    @property
    def done_id(self) -> str:
        """The catalog id of the sentence shown once the server has done it."""
        return f"counter.done_{self.name}"

    def engine_arguments(self, body: BaseModel | None, *, supervisor: bool = False) -> tuple[tuple, dict]:
        """(args, kwargs) after counter_id for :attr:`engine_method`, taken from a validated body."""
        if isinstance(body, CallRequest):
            return (body.ticket,), {}
        if isinstance(body, TransferRequest):
            return (body.service_id,), {"supervisor": supervisor, "keep_place": body.keep_place}
        if isinstance(body, PauseRequest):
            return (body.reason,), {}
        return (), {}


# In button order (F1..F8), then the actions without a key of their own.
ACTIONS: tuple[CounterAction, ...] = (
    CounterAction("call_next", "call-next", None, "call_next", "F1",
                  "Call the next ticket (priority first, within the limit)"),
    CounterAction("recall", "recall", None, "recall", "F2", "Call the counter's ticket again",
                  ticket_states=("called",)),
    CounterAction("start", "start", None, "start", "F3", "The visitor arrived: service starts",
                  ticket_states=("called",)),
    CounterAction("finish", "finish", None, "finish", "F4", "Service finished", ticket_states=("called", "serving")),
    CounterAction("no_show", "no-show", None, "no_show", "F5",
                  "Mark the counter's ticket a no-show (after the configured recalls)", ticket_states=("called",)),
    CounterAction("transfer", "transfer", TransferRequest, "transfer", "F6",
                  "Send the counter's ticket to another service's queue",
                  ticket_states=("called", "serving")),
    CounterAction("call_ticket", "call", CallRequest, "call_ticket", "F7",
                  "Call one ticket by code, token or status URL"),
    CounterAction("pause", "pause", PauseRequest, "pause", "F8", "Pause the counter (break)", keeps_ticket=True),
    CounterAction("resume", "resume", None, "resume", None, "Resume a paused counter", keeps_ticket=True),
    CounterAction("undo_no_show", "undo-no-show", None, "undo_no_show", None,
                  "Call back the counter's last no-show (within queue.no_show_undo_s of marking it)"),
)
# The actions with a button and a key of their own, in button order.
BUTTON_ACTIONS: tuple[CounterAction, ...] = tuple(action for action in ACTIONS if action.key)

_BY_NAME = {action.name: action for action in ACTIONS}
_BY_PATH = {action.path: action for action in ACTIONS}


def action_by_name(name: str) -> CounterAction:
    """The action called ``name`` (KeyError for any other)."""
    return _BY_NAME[name]


def action_by_path(path: str) -> CounterAction:
    """The action whose route ends in ``path`` (KeyError for any other)."""
    return _BY_PATH[path]
