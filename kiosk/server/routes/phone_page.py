"""The ticket holder's phone page (``/t/{token}``, HTML from kiosk.server.phone), usable without JavaScript:
the rejoin button and the survey are plain form posts that come back to the page."""
from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from kiosk import errors as queue_errors
from kiosk.server import phone
from kiosk.server.deps import carries_credentials, explicit_lang, get_backend

router = APIRouter(include_in_schema=False)


def page_lang(request: Request, ticket_lang: str | None = None) -> str:
    return explicit_lang(request) or ticket_lang or get_backend(request).default_lang


def not_found_page(request: Request) -> HTMLResponse:
    lobby_name = get_backend(request).config.lobby.name
    return HTMLResponse(phone.not_found_html(page_lang(request), lobby_name=lobby_name), status_code=404)


async def phone_view(request: Request, token: str):
    backend = get_backend(request)
    try:
        view, _ = await backend.run(backend.ticket_view, token[:200], explicit_lang(request))
    except queue_errors.UnknownTicket:
        return None
    return await backend.panel_of(view, token[:200])


async def form_fields(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, max_num_fields=20).items()}


@router.get("/t/{token}", response_class=HTMLResponse)
async def phone_page(request: Request, token: str):
    view = await phone_view(request, token)
    if view is None:
        return not_found_page(request)
    # a ticket the day closed is as good as unknown (404), but the page says what happened to it
    return HTMLResponse(phone.page_html(view, view["view_lang"], lobby_name=get_backend(request).config.lobby.name),
                        status_code=404 if view["state"] == "expired" else 200,
                        headers={"Cache-Control": "no-store"})


@router.get("/t/{token}/panel")
async def phone_panel(request: Request, token: str):
    view = await phone_view(request, token)
    if view is None:
        raise queue_errors.UnknownTicket("?")
    status = {k: v for k, v in view.items() if k not in ("token_path", "survey_token")}
    return JSONResponse({"type": "status", "status": status, "html": phone.panel_html(view, view["view_lang"])},
                        headers={"Cache-Control": "no-store"})


@router.post("/t/{token}/rejoin")
async def phone_rejoin(request: Request, token: str):
    """The rejoin button without JavaScript: a plain form post, then back to the page."""
    backend = get_backend(request)
    try:
        await backend.write(backend.engine.rejoin, token[:200])
    except queue_errors.UnknownTicket:
        return not_found_page(request)
    except queue_errors.QueueError:
        pass  # the page shows the ticket as it is
    return RedirectResponse(f"/t/{token[:200]}?lang={page_lang(request)}", status_code=303)


@router.post("/t/{token}/survey")
async def phone_survey(request: Request, token: str):
    """The survey without JavaScript: a plain form post, then back to the page (or the form with the error)."""
    backend = get_backend(request)
    try:
        fields = await form_fields(request)
    except ValueError:
        fields = {}
    scores = []
    for number in range(1, 10):
        value = fields.get(f"u{number}", "")
        scores.append(int(value) if value in ("1", "2", "3", "4") else 0)
    try:
        await backend.write(backend.engine.submit_survey, token[:200], scores, fields.get("comment", "")[:1000],
                            survey_token=fields.get("survey_token") or None,
                            credentialed=carries_credentials(request))
    except queue_errors.UnknownTicket:
        return not_found_page(request)
    except queue_errors.QueueError as exc:
        view = await phone_view(request, token)
        if view is None:
            return not_found_page(request)
        if view["surveyed"]:  # sent twice (a double tap, the back button): the thank-you is the answer
            return RedirectResponse(f"/t/{token[:200]}?lang={page_lang(request)}", status_code=303)
        lang = view["view_lang"]
        return HTMLResponse(phone.page_html(view, lang, lobby_name=backend.config.lobby.name, error=exc.message(lang)),
                            status_code=exc.http_status)
    return RedirectResponse(f"/t/{token[:200]}?lang={page_lang(request)}", status_code=303)
