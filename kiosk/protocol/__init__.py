"""The wire contract: what crosses between the server, the engine's event log and every client.

Imports only pydantic and the standard library, so the server, the engine, the Python client
and the Qt windows can all depend on it (and nothing here depends on them):

- :mod:`.events` — the event types (one StrEnum), their payload models and the sets of them
  (queue changes, security events, device events);
- :mod:`.actions` — the counter actions as one table: name, path, body, engine method, key, texts;
- :mod:`.requests` — the request bodies the server accepts;
- :mod:`.views` — the typed views the server returns and the clients read.
"""
from kiosk.protocol.actions import ACTIONS, BUTTON_ACTIONS, CounterAction, action_by_name, action_by_path
from kiosk.protocol.events import (
    DEVICE_EVENTS, NO_QUEUE_CHANGE, PAYLOADS, QUEUE_EVENTS, SECURITY_EVENTS, Event, EventType, Payload,
)
from kiosk.protocol.views import AgencyView, CatalogView, ServiceStatusView, ServiceView, TicketView

__all__ = [
    "ACTIONS", "BUTTON_ACTIONS", "CounterAction", "action_by_name", "action_by_path",
    "DEVICE_EVENTS", "NO_QUEUE_CHANGE", "PAYLOADS", "QUEUE_EVENTS", "SECURITY_EVENTS", "Event", "EventType", "Payload",
    "AgencyView", "CatalogView", "ServiceStatusView", "ServiceView", "TicketView",
]
