"""Staff sessions: an officer logs in to one counter from a counter PC (its key + user + PIN), and out."""
from __future__ import annotations

import asyncio
import logging
import sqlite3

from fastapi import Depends, Request

from kiosk import errors as queue_errors
from kiosk.pins import verify_pin
from kiosk.protocol.requests import LoginRequest
from kiosk.protocol.views import LoginView, LogoutView
from kiosk.server.auth import Principal, bearer, staff_may_use
from kiosk.server.deps import AUTHED, Router, address_of, get_backend, staff_session
from kiosk.server.errors import ApiProblem

log = logging.getLogger(__name__)

# verify_pin against this when the user is unknown, so the answer takes as long as for a known one
_NO_SUCH_USER_HASH = "scrypt$16384$8$1$" + "0" * 32 + "$" + "0" * 64

router = Router(tags=["staff"])


@router.post("/api/v1/sessions", status_code=201, response_model=LoginView, openapi_extra=AUTHED,
             summary="Log in to a counter with user and PIN from a counter-app device (its key); opens the counter")
async def login(request: Request, body: LoginRequest):
    backend = get_backend(request)
    address = address_of(request)
    # only a counter PC logs staff in: no key, no PIN check (and no scrypt time spent on a stranger). Not the
    # known_caller dependency: a staff session is no key here, and the refusals name what is missing
    credential = bearer(request.headers.get("authorization"))
    device = backend.devices.find(credential) if credential and len(credential) <= 256 else None
    if device is None:
        raise ApiProblem("login_needs_device", headers={"WWW-Authenticate": "Bearer"})
    if device.role != "counter-app":
        raise ApiProblem("login_wrong_device")
    wait = backend.limiter.retry_after(body.user, address)
    if wait is not None:
        raise ApiProblem("rate_limited", headers={"Retry-After": str(wait)}, retry_after=wait)
    staff = backend.staff.get(body.user)
    loop = asyncio.get_running_loop()
    # scrypt takes ~50 ms: off the event loop and off the engine thread
    good = await loop.run_in_executor(None, verify_pin, body.pin, staff.pin_hash if staff else _NO_SUCH_USER_HASH)
    if not (good and staff):
        log.warning("failed login for user %r from %s", body.user[:40], address)
        for lockout in backend.limiter.failed(body.user, address):
            log.warning("login locked (%s) for user %r from %s: %d wrong PINs in a minute, %d s",
                        lockout.scope, body.user[:40], address, lockout.failures, lockout.retry_after)
            try:
                await backend.write(backend.engine.record_login_locked, lockout.scope, lockout.user,
                                    lockout.address, lockout.failures, lockout.retry_after)
            except sqlite3.Error as exc:  # the lockout holds in memory all the same; the answer stays 401
                log.error("login lockout not recorded as an event: %s", exc)
        raise ApiProblem("login_failed")
    backend.limiter.succeeded(body.user, address)
    if body.counter_id not in backend.counters:
        raise queue_errors.UnknownCounter(body.counter_id)
    if not staff_may_use(staff, body.counter_id):
        raise ApiProblem("counter_not_allowed")
    answer = await backend.write(backend.open_session, body.user, body.counter_id, address, device.device_hash)
    log.info("%s logged in to %s from %s", body.user, body.counter_id, address)
    return answer


@router.delete("/api/v1/sessions", response_model=LogoutView, openapi_extra=AUTHED,
               summary="Log out; closes the counter unless a ticket is still at it")
async def logout(request: Request, who: Principal = Depends(staff_session)):
    backend = get_backend(request)
    answer = await backend.write(backend.close_session, who)
    log.info("%s logged out of %s (counter closed: %s)", who.name, who.counter_id, answer["closed"])
    return answer
