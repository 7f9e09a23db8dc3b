"""Tickets: the kiosk issues one, its holder follows it (status, rejoin, survey, its own stream), a supervisor voids."""
from __future__ import annotations

import asyncio
import json
import logging

from fastapi import Depends, Header, Request, WebSocket

from kiosk import errors as queue_errors
from kiosk.protocol.requests import IssueRequest, SurveyRequest, VoidRequest
from kiosk.protocol.views import IssuedTicketView, SurveyAnswerView, TicketStatusView, VoidView
from kiosk.server import phone
from kiosk.server.auth import Principal
from kiosk.server.deps import (
    AUTHED, Router, carries_credentials, explicit_lang, get_backend, kiosk_device, lang_of, ticket_lang,
    voiding_supervisor,
)
from kiosk.server.ws import WS_NOT_FOUND, serve_ws, ws_refuse

log = logging.getLogger(__name__)

router = Router()


@router.post("/api/v1/tickets", tags=["visitors"], status_code=201, response_model=IssuedTicketView,
             openapi_extra=AUTHED, summary="Issue a ticket (kiosk key)")
async def issue_ticket(
    request: Request, body: IssueRequest,
    idempotency_key: str | None = Header(
        default=None, alias="Idempotency-Key", max_length=200,
        description="the same as the body's request_id (either, or both equal)"),
    who: Principal = Depends(kiosk_device),
):
    backend = get_backend(request)
    if idempotency_key is not None:
        if body.request_id is not None and body.request_id != idempotency_key:
            raise queue_errors.RequestIdMismatch()
        body = body.model_copy(update={"request_id": idempotency_key})
    lang = body.lang or lang_of(request)
    return await backend.write(backend.issue, body, lang, who.name)


@router.post("/api/v1/tickets/void", tags=["staff"], response_model=VoidView, openapi_extra=AUTHED,
             summary="Void tickets of today by code and/or a range, with a reason (supervisor session)")
async def void_tickets(request: Request, body: VoidRequest, who: Principal = Depends(voiding_supervisor)):
    backend = get_backend(request)
    answer = await backend.write(backend.void, body, who.name, lang_of(request))
    log.info("%s voided %d ticket(s) (%s): %s", who.name, len(answer["voided"]),
             ", ".join(t["code"] for t in answer["voided"][:20]), body.reason[:200])
    return answer


@router.get("/api/v1/tickets/{token}", tags=["visitors"], response_model=TicketStatusView,
            summary="A ticket's status for its holder (public)")
async def ticket_status(request: Request, token: str):
    backend = get_backend(request)
    view, _ = await backend.run(backend.ticket_view, token[:200], ticket_lang(request))
    return view


@router.post("/api/v1/tickets/{token}/rejoin", tags=["visitors"], response_model=TicketStatusView,
             summary="A no-show back within the grace period rejoins the queue (public)")
async def rejoin(request: Request, token: str):
    backend = get_backend(request)
    await backend.write(backend.engine.rejoin, token[:200])
    view, _ = await backend.run(backend.ticket_view, token[:200], ticket_lang(request))
    return view


@router.post("/api/v1/tickets/{token}/survey", tags=["visitors"], status_code=201, response_model=SurveyAnswerView,
             summary="The SKM survey of a finished ticket, once, with its phone page's survey token (public; "
                     "refused with a device key or staff session)")
async def survey(request: Request, token: str, body: SurveyRequest):
    backend = get_backend(request)
    await backend.write(backend.engine.submit_survey, token[:200], body.scores, body.comment,
                        survey_token=body.survey_token, credentialed=carries_credentials(request))
    return {"ok": True}


@router.websocket("/api/v1/tickets/{token}/events")
async def ticket_events(websocket: WebSocket, token: str):
    backend = get_backend(websocket)
    await websocket.accept()
    lang = explicit_lang(websocket)
    token = token[:200]
    since = backend.hub.last_seq
    try:
        view, ticket_id = await backend.run(backend.ticket_view, token, lang)
    except queue_errors.UnknownTicket as exc:
        return await ws_refuse(websocket, exc.to_dict(lang or backend.default_lang), WS_NOT_FOUND)
    await serve_ws(websocket, lambda ws: stream_ticket(backend, ws, token, lang, view, ticket_id, since))


async def stream_ticket(backend, websocket: WebSocket, token: str, lang: str | None, view: dict, ticket_id: int,
                        since: int):
    """Push the holder's view when it changes: at once for their own ticket, at most twice a second otherwise."""
    hub = backend.hub
    loop = asyncio.get_running_loop()

    async def send(view):
        html = phone.panel_html(await backend.panel_of(view, token), view["view_lang"])
        await websocket.send_text(json.dumps({"type": "status", "status": view, "html": html}, ensure_ascii=False))

    async def refresh(old_view):
        view, _ = await backend.run(backend.ticket_view, token, lang)
        if view != old_view:
            await send(view)
        return view

    await send(view)
    next_ping = loop.time() + backend.ping_seconds
    next_refresh = loop.time() + 30  # estimates and the rejoin deadline move with time too
    last_refresh = loop.time()
    dirty = False  # events of other tickets seen since the last refresh
    while not hub.closing:
        deadline = min(next_ping, next_refresh, last_refresh + 0.5 if dirty else next_refresh)
        mine = False
        if await hub.wait_beyond(since, max(0.01, deadline - loop.time())):
            batch = await hub.events_after(since)
            if batch:
                since = batch[-1]["seq"]
                mine = any(e["ticket_id"] == ticket_id for e in batch)
                dirty = True
        now = loop.time()
        if mine or (dirty and now >= last_refresh + 0.5) or now >= next_refresh:
            view = await refresh(view)
            dirty, last_refresh, next_refresh = False, now, now + 30
        if now >= next_ping:
            await websocket.send_text('{"type":"ping"}')
            next_ping = now + backend.ping_seconds
