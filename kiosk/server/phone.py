"""The page behind the ticket QR: /t/{token}.

The server renders the whole page, and the status panel again on every
change; the small script in static/phone.js only swaps the panel in, so the
page is complete without JavaScript and there is one renderer (this module).
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from string import Template

from kiosk.i18n import other_language, t

TEMPLATES = Path(__file__).parent / "templates"

# The 9 elements of the SKM (Survei Kepuasan Masyarakat), PermenPANRB 14/2017: each one's name and
# question are the catalog's phone.survey.u<n>.name/.question, the 4 answers phone.scale.<1-4>.
SURVEY_ELEMENT_COUNT = 9
SCALE_POINTS = 4


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def panel_html(status: dict, lang: str, *, error: str | None = None) -> str:
    """The status panel for one ticket's public view (see the server's ticket view)."""
    state = status["state"]
    code = escape(status["code"])
    counter = escape(str(status.get("counter_number") or ""))
    where = f'{escape(status["agency_short_name"])} · {escape(status["service_name"])}'
    badge = f'<span class="badge">{t("phone.priority", lang)}</span>' if status.get("priority") else ""
    head = (f'<p class="label">{t("phone.your_number", lang)}</p><p class="code" id="code">{code}</p>'
            f'<p class="where">{where}</p>{badge}')
    if state == "waiting":
        ahead = int(status["people_ahead"])
        minutes = int(status["estimate_minutes"])
        body = (
            '<div class="facts">'
            f'<div class="fact"><span class="fact-value" id="ahead">{ahead}</span>'
            f'<span class="fact-label">{t("phone.ahead_label", lang)}</span></div>'
            f'<div class="fact"><span class="fact-value" id="estimate">{"±" if minutes else ""}{minutes}</span>'
            f'<span class="fact-label">{t("phone.wait_label", lang)}</span></div>'
            '</div>'
            + (f'<p class="next">{t("phone.next", lang)}</p>' if ahead == 0 else "")
            + f'<p class="hint">{t("phone.waiting_hint", lang)}</p>')
    elif state == "called":
        recalls = int(status.get("recalls") or 0)
        body = (f'<p class="go" id="go">{t("phone.go_to", lang, counter=counter)}</p>'
                + (f'<p class="recall">{t("phone.recalled", lang, n=recalls + 1)}</p>' if recalls else ""))
        head = (f'<p class="label">{t("phone.called_lead", lang)}</p><p class="code" id="code">{code}</p>'
                f'<p class="where">{where}</p>')
    elif state == "serving":
        body = f'<p class="serving">{t("phone.serving", lang, counter=counter)}</p>'
    elif state == "no_show":
        if status.get("can_rejoin"):
            body = (f'<p class="warn">{t("phone.no_show", lang)}</p><p class="hint">{t("phone.rejoin_hint", lang)}</p>'
                    f'<form method="post" action="/t/{escape(status["token_path"])}/rejoin?lang={lang}" data-form="rejoin">'
                    f'<button type="submit" class="primary" id="rejoin">{t("phone.rejoin", lang)}</button></form>')
        else:
            body = f'<p class="warn">{t("phone.no_show", lang)}</p><p class="hint">{t("phone.no_show_late", lang)}</p>'
    elif state == "done":
        if status.get("surveyed"):
            return (f'<section class="ticket state-thanks" data-state="thanks"><p class="code small">{code}</p>'
                    f'<h2 class="thanks-title" id="thanks">{t("phone.thanks_title", lang)}</h2><p class="thanks">{t("phone.thanks", lang)}</p>'
                    '</section>')
        done = (f'<section class="ticket state-done" data-state="done"><p class="code small">{code}</p>'
                f'<p class="done">{t("phone.done", lang)}</p>')
        survey_token = status.get("survey_token")
        if survey_token:
            return done + '</section>' + survey_form(status["token_path"], lang, survey_token, error=error)
        # no form: the survey is closed for this ticket; say why in plain words (and any refusal just sent)
        closed = t("phone.survey_expired", lang) if status.get("survey") == "expired" else t("phone.survey_too_soon", lang)
        return done + f'<p class="hint" id="survey-closed">{closed}</p>{notice(error)}</section>'
    elif state == "voided":
        body = f'<p class="warn" id="voided">{t("phone.voided", lang)}</p>'
    else:  # expired, or any state a later version adds
        body = f'<p class="hint">{t("phone.expired", lang)}</p>'
    return (f'<section class="ticket state-{escape(state)}" data-state="{escape(state)}">{head}{body}'
            f'{notice(error)}</section>')


def notice(error: str | None) -> str:
    """A refusal of the visitor's last form (a survey sent too early, say), where no form shows it."""
    return f'<p class="form-error" role="alert" id="notice">{escape(error)}</p>' if error else ""


def survey_form(token: str, lang: str, survey_token: str, *, error: str | None = None) -> str:
    items = []
    for number in range(1, SURVEY_ELEMENT_COUNT + 1):
        name, question = t(f"phone.survey.u{number}.name", lang), t(f"phone.survey.u{number}.question", lang)
        options = "".join(
            f'<label class="opt opt-{value}"><input type="radio" name="u{number}" value="{value}" required>'
            f'<span>{t(f"phone.scale.{value}", lang)}</span></label>'
            for value in range(1, SCALE_POINTS + 1))
        items.append(
            f'<fieldset class="q" id="u{number}"><legend><span class="q-num">U{number}</span> {name}'
            f'<small>{question}</small></legend><div class="scale">{options}</div></fieldset>')
    error_html = f'<p class="form-error" role="alert" id="survey-error"{"" if error else " hidden"}>{escape(error or "")}</p>'
    return (
        f'<form class="survey" id="survey" method="post" action="/t/{escape(token)}/survey?lang={lang}" data-form="survey">'
        # the one-time survey token: the server accepts a survey only with the token of this ticket's page
        f'<input type="hidden" name="survey_token" value="{escape(survey_token)}">'
        f'<h2>{t("phone.survey_title", lang)}</h2><p class="intro">{t("phone.survey_intro", lang)}</p>'
        + "".join(items)
        + f'<label class="comment">{t("phone.comment", lang)}<textarea name="comment" maxlength="1000" rows="3"></textarea></label>'
        + error_html
        + f'<button type="submit" class="primary" id="send-survey">{t("phone.submit", lang)}</button></form>')


def page_html(status: dict, lang: str, *, lobby_name: str, error: str | None = None) -> str:
    token = status["token_path"]
    title = f'{status["code"]} — {lobby_name}'
    client_text = {key: t(f"phone.{key}", lang) for key in ("live", "offline", "survey_incomplete", "try_again")}
    switch_to = other_language(lang)
    return _template("phone.html").substitute(
        lang=lang,
        title=escape(title),
        lobby=escape(lobby_name),
        token=escape(token),
        switch_href=f"/t/{escape(token)}?lang={switch_to}",
        switch=t("language.name", switch_to),  # the language it switches to, named in that language
        switch_lang=switch_to,
        panel=panel_html(status, lang, error=error),
        live=t("phone.live", lang),
        # JSON inside a <script>: '<' escaped so no text can close the tag
        text_json=json.dumps(client_text, ensure_ascii=False).replace("<", "\\u003c"),
    )


def not_found_html(lang: str, *, lobby_name: str) -> str:
    switch_to = other_language(lang)
    return _template("not_found.html").substitute(
        lang=lang, lobby=escape(lobby_name), title=t("phone.not_found_title", lang), body=t("phone.not_found", lang),
        switch_href=f"?lang={switch_to}", switch=t("language.name", switch_to), switch_lang=switch_to)
