"""The device's settings: what a window needs of config.toml, from the server that holds it (issue 20)."""
from __future__ import annotations

import math

from fastapi import Depends, Request

from kiosk.live_config import settings_for
from kiosk.protocol.views import SettingsView
from kiosk.server.auth import Principal
from kiosk.server.deps import AUTHED, Router, get_backend, known_caller
from kiosk.server.errors import ApiProblem

router = Router(tags=["lobby"])


@router.get("/api/v1/settings", response_model=SettingsView, openapi_extra=AUTHED,
            summary="This device's settings: the config without secrets, with its version")
async def settings(request: Request, who: Principal = Depends(known_caller)):
    backend = get_backend(request)
    wait = backend.settings_budget.take(who.token_hash or f"{who.kind}:{who.name}")
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiProblem("settings_rate_limited", headers={"Retry-After": str(seconds)}, retry_after=seconds)
    return settings_for(backend.config, who.role, who.name if who.kind == "device" else None)
