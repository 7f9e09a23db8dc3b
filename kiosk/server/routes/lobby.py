"""Health, the catalog, the lobby's snapshot and its live event stream: what every window reads."""
from __future__ import annotations

import asyncio
import json

from fastapi import Depends, Query, Request, WebSocket

from kiosk.protocol.views import CatalogView, HealthView, SnapshotView
from kiosk.server.deps import AUTHED, Router, get_backend, known_caller, lang_of
from kiosk.server.errors import ApiProblem
from kiosk.server.ws import WS_BAD_REQUEST, WS_RESYNC, WS_UNAUTHORIZED, serve_ws, ws_refuse

MAX_SEQ = 2**62

router = Router(tags=["lobby"])


@router.get("/healthz", response_model=HealthView, summary="Liveness: answers without touching the database")
async def healthz(request: Request):
    backend = get_backend(request)
    return {"status": "ok", "seq": backend.hub.last_seq if backend.hub else 0}


@router.get("/api/v1/catalog", response_model=CatalogView,
            summary="Agencies and services with status, waiting and estimate")
async def catalog(request: Request, lang: str | None = Query(None, description="id or en")):
    backend = get_backend(request)
    return await backend.run(backend.engine.catalog, lang_of(request))


@router.get("/api/v1/state", response_model=SnapshotView, openapi_extra=AUTHED,
            dependencies=[Depends(known_caller)],
            summary="Snapshot of the lobby with its seq (any device key or staff token)")
async def state(request: Request):
    backend = get_backend(request)
    return await backend.run(backend.engine.snapshot)


@router.websocket("/api/v1/events")
async def events(websocket: WebSocket):
    backend = get_backend(websocket)
    await websocket.accept()
    lang = lang_of(websocket)
    try:
        # by hand, not a dependency: a socket is refused with a message after it is accepted
        who = await backend.authenticate(websocket, allow_query=True)
    except ApiProblem as problem:
        return await ws_refuse(websocket, problem.to_dict(lang), WS_UNAUTHORIZED)
    raw = websocket.query_params.get("since")
    if raw is None:
        since = backend.hub.last_seq
    else:
        try:
            since = int(raw)
        except ValueError:
            since = -1
        if not 0 <= since <= MAX_SEQ:
            return await ws_refuse(websocket, ApiProblem(
                "invalid_request", msgid="error.invalid_request.since").to_dict(lang), WS_BAD_REQUEST)
    last = await backend.run(backend.engine.last_seq)
    if since > last:
        # the client knows events this database never had (a restored or new database): start again
        return await ws_refuse(websocket, {"type": "resync", "seq": last}, WS_RESYNC)
    with backend.device_watch.stream(who, websocket, lang):  # a revocation ends it at once
        await serve_ws(websocket, lambda ws: stream_events(backend, ws, since))


async def stream_events(backend, websocket: WebSocket, since: int):
    hub = backend.hub
    loop = asyncio.get_running_loop()
    await websocket.send_text(json.dumps({"type": "hello", "since": since, "last_seq": hub.last_seq}))
    next_ping = loop.time() + backend.ping_seconds
    while not hub.closing:
        batch = await hub.texts_after(since)
        if batch:
            for _seq, text in batch:
                await websocket.send_text(text)
            since = batch[-1][0]
            continue
        if loop.time() >= next_ping:
            await websocket.send_text('{"type":"ping"}')
            next_ping = loop.time() + backend.ping_seconds
        await hub.wait_beyond(since, max(0.01, min(1.0, next_ping - loop.time())))
