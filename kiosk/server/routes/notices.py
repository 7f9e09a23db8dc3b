"""Notices on the displays' ticker: a manager puts them up and takes them down; every device may read them."""
from __future__ import annotations

from fastapi import Depends, Request

from kiosk.protocol.requests import NoticeRequest
from kiosk.protocol.views import NoticeAddedView, NoticesView, SeqView
from kiosk.server.auth import Principal
from kiosk.server.deps import AUTHED, Router, get_backend, known_caller, manager_device

router = Router(tags=["lobby"])


@router.get("/api/v1/notices", response_model=NoticesView, openapi_extra=AUTHED,
            dependencies=[Depends(known_caller)],
            summary="The notices up now (the displays' ticker), oldest first")
async def notices(request: Request):
    backend = get_backend(request)
    return {"notices": await backend.run(backend.engine.notices)}


@router.post("/api/v1/notices", status_code=201, response_model=NoticeAddedView, openapi_extra=AUTHED,
             summary="Put a notice on every display's ticker (manager key)")
async def add_notice(request: Request, body: NoticeRequest, who: Principal = Depends(manager_device)):
    backend = get_backend(request)
    until = body.until
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=backend.config.lobby.tz)  # a time without offset is the lobby's own
    notice_id, seq = await backend.write(backend.engine.add_notice, body.text.id, body.text.en, until, who.name,
                                         body.sign)
    return {"id": notice_id, "seq": seq}


@router.delete("/api/v1/notices/{notice_id}", response_model=SeqView, openapi_extra=AUTHED,
               summary="Take a notice down (manager key)")
async def remove_notice(request: Request, notice_id: int, who: Principal = Depends(manager_device)):
    backend = get_backend(request)
    return {"seq": await backend.write(backend.engine.remove_notice, notice_id, who.name)}
