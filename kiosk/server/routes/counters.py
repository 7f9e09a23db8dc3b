"""A counter's work: one route per row of kiosk.protocol.actions.ACTIONS, and what the counter reads.

A new action is a row in ACTIONS and an engine method: the loop below gives it its route.
"""
from __future__ import annotations

import inspect

from fastapi import Depends, Request

from kiosk.protocol.actions import ACTIONS, CounterAction
from kiosk.protocol.views import CounterActionView, CounterStatsView, WaitingView
from kiosk.server.auth import Principal
from kiosk.server.deps import AUTHED, Router, counter_reader, counter_staff, get_backend, lang_of

router = Router(tags=["staff"])


def action_endpoint(action: CounterAction):
    """The route handler of one action: the counter's own staff session, then the engine on its thread."""

    async def endpoint(request: Request, counter_id: str, body=None, *, who: Principal):
        backend = get_backend(request)
        return await backend.write(backend.counter_action, counter_id, action, body, lang_of(request),
                                   supervisor=who.supervisor)

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("counter_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
    ]
    if action.body is not None:
        parameters.append(inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=action.body))
    parameters.append(inspect.Parameter("who", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Principal,
                                        default=Depends(counter_staff)))
    # the body's model as a real class (FastAPI reads the signature; the table names the model)
    endpoint.__signature__ = inspect.Signature(parameters)
    # named for the path, as before the table: the OpenAPI operationIds stay the same
    endpoint.__name__ = endpoint.__qualname__ = "counter_" + action.path.replace("-", "_")
    return endpoint


def add_action_routes(router, actions=ACTIONS) -> None:
    """``POST /api/v1/counters/{counter_id}/<path>`` for each row of the table."""
    for action in actions:
        router.add_api_route(f"/api/v1/counters/{{counter_id}}/{action.path}", action_endpoint(action),
                             methods=["POST"], response_model=CounterActionView, openapi_extra=AUTHED,
                             summary=action.summary)


add_action_routes(router)


@router.get("/api/v1/counters/{counter_id}/waiting", response_model=WaitingView, openapi_extra=AUTHED,
            summary="Tickets waiting for the counter's services, in queue order")
async def waiting(request: Request, counter_id: str, who: Principal = Depends(counter_reader)):
    backend = get_backend(request)
    return await backend.run(backend.waiting_view, counter_id, lang_of(request))


@router.get("/api/v1/counters/{counter_id}/stats", response_model=CounterStatsView, openapi_extra=AUTHED,
            summary="Served today and mean service minutes today")
async def stats(request: Request, counter_id: str, who: Principal = Depends(counter_reader)):
    backend = get_backend(request)
    return await backend.run(backend.engine.counter_stats, counter_id)
