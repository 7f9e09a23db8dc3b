"""Who may call a route, as FastAPI dependencies, and the request helpers every router uses.

A route names who may call it in its signature (``who: Principal = Depends(kiosk_device)``); the
refusals (status, error code, sentence) are the ones of kiosk.server.errors. The backend is the
app's (``app.state.backend``), so the routers hold no state of their own.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.requests import HTTPConnection

from kiosk.server.auth import Principal
from kiosk import i18n
from kiosk.server.errors import ApiProblem, parse_accept_language, request_lang

# 'Authorization: Bearer <device key or staff token>'; tells OpenAPI about it (the scheme is added by the app)
AUTHED = {"security": [{"bearer": []}]}


class Router(APIRouter):
    """A router whose JSON answers go out as the server built them: a view's field the server did not set is
    left out, never sent as null (``response_model_exclude_unset``), so a response_model changes no answer."""

    def add_api_route(self, path, endpoint, **kwargs):
        kwargs["response_model_exclude_unset"] = True
        super().add_api_route(path, endpoint, **kwargs)


def get_backend(conn: HTTPConnection):
    """The app's kiosk.server.app.Backend."""
    return conn.app.state.backend


def lang_of(conn: HTTPConnection) -> str:
    """?lang=, else Accept-Language, else the lobby's default language."""
    return request_lang(conn, conn.app.state.backend.default_lang)


def explicit_lang(conn: HTTPConnection) -> str | None:
    asked = conn.query_params.get("lang")
    return asked if asked in i18n.languages() else None


def ticket_lang(request: Request) -> str | None:
    """?lang=, else Accept-Language, else (None) the ticket's own language."""
    if explicit_lang(request):
        return explicit_lang(request)
    if request.headers.get("accept-language"):
        return parse_accept_language(request.headers["accept-language"])
    return None


def carries_credentials(conn: HTTPConnection) -> bool:
    """A device key or staff session on a visitor route: whoever sent it is not the ticket's visitor."""
    return "authorization" in conn.headers or "key" in conn.query_params


def address_of(request: Request) -> str:
    return request.client.host if request.client else "-"


# --------------------------------------------------------------------------- who is asking

def require_device(who: Principal, *roles: str) -> None:
    if who.kind != "device" or who.role not in roles:
        raise ApiProblem("forbidden")


async def known_caller(request: Request) -> Principal:
    """Any device key or staff session (401 without one)."""
    return await get_backend(request).authenticate(request)


async def kiosk_device(who: Principal = Depends(known_caller)) -> Principal:
    require_device(who, "kiosk")
    return who


async def manager_device(who: Principal = Depends(known_caller)) -> Principal:
    require_device(who, "manager")
    return who


async def staff_session(who: Principal = Depends(known_caller)) -> Principal:
    if who.kind != "staff":
        raise ApiProblem("forbidden")
    return who


async def voiding_supervisor(who: Principal = Depends(known_caller)) -> Principal:
    """A supervisor's session; the refusal's sentence names voiding, the one route that asks for it."""
    if who.kind != "staff" or not who.supervisor:
        raise ApiProblem("forbidden", msgid="error.forbidden.void")
    return who


async def supervisor_or_manager(who: Principal = Depends(known_caller)) -> Principal:
    if who.kind == "device":
        require_device(who, "manager")
    elif not who.supervisor:
        raise ApiProblem("forbidden")
    return who


async def counter_staff(counter_id: str, who: Principal = Depends(known_caller)) -> Principal:
    """The session of the officer logged in to this counter."""
    if who.kind != "staff":
        raise ApiProblem("forbidden")
    if who.counter_id != counter_id:
        raise ApiProblem("wrong_counter")
    return who


async def counter_reader(counter_id: str, who: Principal = Depends(known_caller)) -> Principal:
    """The counter's own staff, a supervisor, or a counter-app or manager device."""
    if who.kind == "device":
        require_device(who, "counter-app", "manager")
    elif not (who.supervisor or who.counter_id == counter_id):
        raise ApiProblem("wrong_counter")
    return who
