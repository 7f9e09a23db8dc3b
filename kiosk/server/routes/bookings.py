"""Bookings on the LAN side: the kiosk checks a booking in (the booking pages themselves are
kiosk.server.routes.booking_page, on the visitor side)."""
from __future__ import annotations

from fastapi import Depends, Request

from kiosk.protocol.requests import CheckInRequest, ImportBookingsRequest
from kiosk.protocol.views import ImportBookingsView, IssuedTicketView
from kiosk.server.auth import Principal
from kiosk.server.deps import AUTHED, Router, explicit_lang, get_backend, kiosk_device, manager_device

router = Router()


@router.post("/api/v1/bookings/check-in", tags=["visitors"], status_code=201, response_model=IssuedTicketView,
             openapi_extra=AUTHED, summary="Check a booking in at the kiosk: its ticket, marked as booked (kiosk key)")
async def check_in(request: Request, body: CheckInRequest, who: Principal = Depends(kiosk_device)):
    backend = get_backend(request)
    return await backend.write(backend.check_in, body.code, body.lang or explicit_lang(request), who.name)


@router.post("/api/v1/bookings/import", tags=["manager"], response_model=ImportBookingsView, openapi_extra=AUTHED,
             summary="Bookings made elsewhere, row by row, every refused row reported (manager key)")
async def import_bookings(request: Request, body: ImportBookingsRequest, who: Principal = Depends(manager_device)):
    backend = get_backend(request)
    made, problems = await backend.write(backend.engine.bookings.import_rows, body.rows, partial=body.partial)
    backend.kick_outbox()
    return {"imported": [{"code": b.display_code, "service_id": b.service_id, "day": b.day, "slot_time": b.slot_time}
                         for b in made],
            "problems": [{"row": row, "message": message} for row, message in problems]}
