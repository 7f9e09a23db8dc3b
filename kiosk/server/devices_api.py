"""Enrolment and the device registry over HTTP, and the watch that ends a revoked device's sockets.

Routes (each declared in kiosk.server.access.ROUTE_ACCESS, all on the LAN side):

- ``POST /api/v1/enrol`` (anonymous): a new PC asks for a pairing request; rate limited per address
  (``ENROL_PER_ADDRESS``) and for the whole server (``ENROL_GLOBAL``), at most ``MAX_PENDING`` waiting;
- ``GET /api/v1/enrol/{poll_secret}``: the PC polls; once approved it receives its key, this once;
- ``GET /api/v1/devices``, ``POST /api/v1/devices/approve``, ``…/refuse``, ``…/{name}/rename``,
  ``…/{name}/revoke``: the manager key. A wrong code at approve counts against ``APPROVE_GUESSES``.

``DeviceWatch`` follows the event log: a ``device_*`` event, written by this server or by
``mpp-kiosk devices`` on the same database file, reloads the cached keys, and a revoked device's open
event streams get an error message and close code 4401 at once.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from kiosk.enrolment import DeviceRegistry
from kiosk.protocol.events import DEVICE_EVENTS
from kiosk.protocol.views import (
    ApprovedPairingView, DevicesView, DeviceView, PairingPollView, PairingView, RefusedPairingView, RevokedDeviceView,
)
from kiosk.server.access import Buckets
from kiosk.server.auth import Principal
from kiosk.server.deps import Router, address_of, manager_device
from kiosk.server.errors import ApiProblem

log = logging.getLogger(__name__)

# (rate a second, burst): a PC asks once; a script asking again and again is slowed, and so is a flood
# spread over many addresses (the global bucket), so the pending list cannot be swamped
ENROL_PER_ADDRESS = (5 / 60, 5)
ENROL_GLOBAL = (30 / 60, 10)
POLL_PER_ADDRESS = (2.0, 20)  # the enrol command polls every 2 s
APPROVE_GUESSES = (10 / 60, 10)  # wrong codes a manager key may try per address
WS_REVOKED = 4401
SEEN_FLUSH_S = 5.0


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrolRequest(Body):
    name_hint: str = Field(default="", max_length=40, description="what the PC calls itself (shown to the approver)")


class ApproveRequest(Body):
    code: str = Field(min_length=1, max_length=20, description="the pairing code the new PC shows, e.g. K7QM-3XPA")
    role: str = Field(max_length=20, description="kiosk, display, counter-app or manager")
    name: str = Field(min_length=1, max_length=40, description="the device's name, e.g. kiosk-2")


class RefuseRequest(Body):
    code: str = Field(min_length=1, max_length=20)


class RenameRequest(Body):
    name: str = Field(min_length=1, max_length=40, description="the new name")


def _limited(bucket: Buckets, key: str) -> None:
    wait = bucket.take(key)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiProblem("enrol_rate_limited", headers={"Retry-After": str(seconds)}, retry_after=seconds)


class DeviceWatch:
    """Open event streams per enrolled key, and the follower that closes them when the key is revoked."""

    def __init__(self, backend, monotonic=time.monotonic):
        self.backend = backend
        self.monotonic = monotonic
        self._sockets: dict[str, set] = {}  # key hash -> {(websocket, lang)}
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name="device-watch")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    @contextlib.contextmanager
    def stream(self, who, websocket, lang: str):
        """While an enrolled device's event stream is open (or a staff session's opened from an enrolled counter
        PC), it can be ended by a revocation."""
        digest = who.device_hash
        if digest is None:
            yield
            return
        entry = (websocket, lang)
        self._sockets.setdefault(digest, set()).add(entry)
        try:
            yield
        finally:
            entry_set = self._sockets.get(digest)
            if entry_set is not None:
                entry_set.discard(entry)
                if not entry_set:
                    self._sockets.pop(digest, None)

    async def end_revoked(self) -> int:
        """Close the streams of every key the cache now knows as revoked; how many were closed."""
        revoked = {d.key_hash for d in self.backend.devices.enrolled() if d.revoked_at is not None}
        closed = 0
        for digest in [d for d in self._sockets if d in revoked]:
            for websocket, lang in list(self._sockets.pop(digest, ())):
                message = {"type": "error", **ApiProblem("device_revoked").to_dict(lang)}
                with contextlib.suppress(Exception):
                    await websocket.send_text(json.dumps(message, ensure_ascii=False))
                with contextlib.suppress(Exception):
                    await websocket.close(code=WS_REVOKED)
                closed += 1
        if closed:
            log.warning("closed %d event stream(s) of revoked devices", closed)
        return closed

    async def _follow(self) -> None:
        backend = self.backend
        hub = backend.hub
        seq = hub.last_seq
        flushed = self.monotonic()
        while not hub.closing:
            try:
                if await hub.wait_beyond(seq, 1.0):
                    events = await hub.events_after(seq)
                    if events:
                        seq = events[-1]["seq"]
                        if any(e["type"] in DEVICE_EVENTS for e in events):
                            await backend.run(backend.devices.reload)
                            await self.end_revoked()
                if backend.devices.seen_waiting and self.monotonic() - flushed >= SEEN_FLUSH_S:
                    flushed = self.monotonic()
                    await backend.write(backend.devices.flush_seen)
            except asyncio.CancelledError:
                raise
            except Exception:  # a locked database must not end the watch for good
                log.exception("device watch: retrying")
                await asyncio.sleep(1.0)


def install_device_routes(app, backend, *, lang_of, authed: dict, monotonic=time.monotonic) -> DeviceRegistry:
    registry: DeviceRegistry = backend.registry
    per_address = Buckets(*ENROL_PER_ADDRESS, monotonic)
    everyone = Buckets(*ENROL_GLOBAL, monotonic)
    polls = Buckets(*POLL_PER_ADDRESS, monotonic)
    guesses = Buckets(*APPROVE_GUESSES, monotonic)
    router = Router(tags=["devices"])

    @router.post("/api/v1/enrol", status_code=201, response_model=PairingView,
                 summary="A new PC asks to be enrolled: a pairing code to show, a poll secret to keep (anonymous, LAN)")
    async def enrol(request: Request, body: EnrolRequest):
        address = address_of(request)
        _limited(per_address, address)
        _limited(everyone, "*")
        answer = await backend.write(registry.request_pairing, address, body.name_hint)
        # the code is for people (the server's log may show it); the poll secret is never logged
        log.info("pairing request %s from %s (calls itself %r)", answer["code"], address, body.name_hint[:40])
        return {**answer, "poll_path": f"/api/v1/enrol/{answer['poll_secret']}"}

    @router.get("/api/v1/enrol/{poll_secret}", response_model=PairingPollView,
                responses={202: {"model": PairingPollView, "description": "not approved yet: the code and its expiry"}},
                summary="The new PC polls its pairing request; once approved the answer holds its key, once")
    async def enrol_poll(request: Request, response: Response, poll_secret: str):
        _limited(polls, address_of(request))
        answer = await backend.write(registry.poll, poll_secret[:100])
        if answer["state"] != "approved":
            response.status_code = 202
            return answer
        await backend.run(backend.devices.reload)  # the key works from this answer on
        log.info("device %s (%s) enrolled from %s", answer["name"], answer["role"], address_of(request))
        return answer

    @router.get("/api/v1/devices", response_model=DevicesView, openapi_extra=authed,
                dependencies=[Depends(manager_device)],
                summary="Enrolled devices, config devices and pairing requests waiting (manager key)")
    async def devices(request: Request):
        pending = await backend.run(registry.pending)
        return {
            "devices": [d.public() for d in backend.devices.enrolled()],
            "config_devices": [{"name": d.name, "role": d.role} for d in backend.config.server.devices],
            "pending": pending,
        }

    @router.post("/api/v1/devices/approve", response_model=ApprovedPairingView, openapi_extra=authed,
                 summary="Approve a pairing code with a role and a name (manager key)")
    async def approve(request: Request, body: ApproveRequest, who: Principal = Depends(manager_device)):
        address = address_of(request)
        wait = guesses.take(address)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise ApiProblem("enrol_rate_limited", headers={"Retry-After": str(seconds)}, retry_after=seconds,
                             msgid="error.enrol_rate_limited.codes")
        answer = await backend.write(registry.approve, body.code, body.role, body.name,
                                     reserved=backend.devices.config_names)
        guesses.give_back(address)  # only a wrong code spends the budget
        log.info("%s approved pairing %s as %s (%s)", who.name, answer["code"], answer["name"], answer["role"])
        return answer

    @router.post("/api/v1/devices/refuse", response_model=RefusedPairingView, openapi_extra=authed,
                 dependencies=[Depends(manager_device)], summary="Refuse a pairing code (manager key)")
    async def refuse(request: Request, body: RefuseRequest):
        return await backend.write(registry.refuse, body.code)

    @router.post("/api/v1/devices/{name}/rename", response_model=DeviceView, openapi_extra=authed,
                 dependencies=[Depends(manager_device)], summary="Rename an enrolled device (manager key)")
    async def rename(request: Request, name: str, body: RenameRequest):
        device = await backend.write(registry.rename, name[:40], body.name, reserved=backend.devices.config_names)
        await backend.run(backend.devices.reload)
        return device.public()

    @router.post("/api/v1/devices/{name}/revoke", response_model=RevokedDeviceView, openapi_extra=authed,
                 summary="Revoke an enrolled device: its key is refused from now on, its streams are closed (manager key)")
    async def revoke(request: Request, name: str, who: Principal = Depends(manager_device)):
        if name in backend.devices.config_names:
            raise ApiProblem("forbidden", msgid="error.forbidden.config_device", fields={"name": name})
        device = await backend.write(registry.revoke, name[:40])
        await backend.run(backend.devices.reload)
        closed = await backend.device_watch.end_revoked()
        log.warning("%s revoked device %s (%s); %d stream(s) closed", who.name, device.name, device.role, closed)
        return {**device.public(), "streams_closed": closed}

    app.include_router(router)
    return registry
