"""What devices report (a kiosk's printer fault), and the security events a supervisor reads."""
from __future__ import annotations

from fastapi import Depends, Request

from kiosk.protocol.requests import HelpRequest, PrinterFaultRequest
from kiosk.protocol.views import SecurityEventsView, SeqView
from kiosk.server.auth import Principal
from kiosk.server.deps import AUTHED, Router, get_backend, kiosk_device, staff_session, supervisor_or_manager

router = Router()


@router.post("/api/v1/devices/printer-fault", tags=["devices"], status_code=201, response_model=SeqView,
             openapi_extra=AUTHED, summary="The kiosk's printer failed (kiosk key)")
async def printer_fault(request: Request, body: PrinterFaultRequest, who: Principal = Depends(kiosk_device)):
    backend = get_backend(request)
    seq = await backend.write(backend.engine.record_printer_fault, who.name, body.kind, body.message, body.code)
    return {"seq": seq}


@router.post("/api/v1/help", tags=["devices"], status_code=201, response_model=SeqView, openapi_extra=AUTHED,
             summary="A visitor at this kiosk asks for help (kiosk key); open until staff acknowledge it")
async def request_help(request: Request, body: HelpRequest, who: Principal = Depends(kiosk_device)):
    backend = get_backend(request)
    seq = await backend.write(backend.engine.request_help, who.name, body.screen, body.lang)
    return {"seq": seq}


@router.post("/api/v1/help/{seq}/acknowledge", tags=["staff"], response_model=SeqView, openapi_extra=AUTHED,
             summary="A staff member is coming to the kiosk that asked for help (a staff session)")
async def acknowledge_help(request: Request, seq: int, who: Principal = Depends(staff_session)):
    backend = get_backend(request)
    answer = await backend.write(backend.engine.acknowledge_help, seq, who.name, who.counter_id)
    return {"seq": answer}


@router.get("/api/v1/security/events", tags=["staff"], response_model=SecurityEventsView, openapi_extra=AUTHED,
            dependencies=[Depends(supervisor_or_manager)],
            summary="Today's login lockouts and counter take-overs (a supervisor's session or the manager key)")
async def security_events(request: Request):
    backend = get_backend(request)
    return await backend.run(backend.security_view)
