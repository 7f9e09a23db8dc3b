"""Speech mode without Qt: the key layout, the speech queue, and what each screen says.

The kiosk's physical keys (a USB keypad, EZ-Access-like) map to actions through
:class:`KeyLayout`; what the kiosk says goes through :class:`SpeechQueue`, a plain
model the window fills and the player (``kiosk.ui.kiosk.voice``) drains. Tests read
``SpeechQueue.said`` for the order of spoken phrases without playing any audio.
The phrase functions take the catalog views and a language and return sentences
from the catalog (kiosk/i18n.py), so a phrase is the same on every run.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable

from kiosk.audio.phrases import apply_say, spoken_code
from kiosk.i18n import t
from kiosk.printer.layout import estimate_amount
from kiosk.protocol.views import AgencyView, ServiceView

# Qt spells some keys differently from how people write them in a config file
_ALIASES = {"escape": "esc", "del": "delete", "ins": "insert", "pgup": "pgup", "page up": "pgup",
            "page down": "pgdown", "plus": "+", "minus": "-", "asterisk": "*", "question": "?"}


def key_name(name: str) -> str:
    """'Escape' -> 'esc', 'Return' -> 'return': the one spelling both sides compare."""
    folded = name.strip().lower()
    return _ALIASES.get(folded, folded)


class KeyLayout:
    """Key names -> actions (kiosk.keys in config). ``action(name)`` is None for a key of no action."""

    ACTIONS = ("up", "down", "select", "back", "help", "volume_up", "volume_down", "speech", "repeat")

    def __init__(self, keys) -> None:
        self._actions: dict[str, str] = {}
        for action in self.ACTIONS:
            for name in getattr(keys, action):
                self._actions.setdefault(key_name(name), action)

    def action(self, name: str) -> str | None:
        return self._actions.get(key_name(name))


@dataclass(frozen=True)
class Utterance:
    text: str
    lang: str
    generation: int  # the message it belongs to: an interruption makes the older ones stale


class SpeechQueue:
    """What speech mode says, in order. Only while ``active`` (started by the speech key or the long press;
    ended by the end of the visit). Listeners hear ``("say" | "interrupt" | "volume" | "end", queue)``."""

    def __init__(self, volume: float = 0.8, step: float = 0.1) -> None:
        self.active = False
        self.volume = volume
        self.step = step
        self.generation = 0
        self.said: list[Utterance] = []        # every phrase queued, in order (tests, logs)
        self.pending: deque[Utterance] = deque()
        self.last_message: list[Utterance] = []  # what "repeat" says again
        self._start_volume = volume
        self._listeners: list[Callable[[str, "SpeechQueue"], None]] = []

    def subscribe(self, listener: Callable[[str, "SpeechQueue"], None]) -> None:
        self._listeners.append(listener)

    def _tell(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what, self)

    @property
    def texts(self) -> list[str]:
        return [utterance.text for utterance in self.said]

    def start(self) -> None:
        self.active = True

    def end(self) -> None:
        """The visit is over: silence, and the next visitor starts with speech off and the usual volume."""
        if not self.active:
            return
        self.interrupt()
        self.active = False
        self.volume = self._start_volume
        self.last_message = []
        self._tell("end")

    def say(self, texts: Iterable[str], lang: str, *, interrupt: bool = True, remember: bool = True) -> list[Utterance]:
        """Queue a message (a few sentences); by default it cuts off whatever was being said."""
        if not self.active:
            return []
        if interrupt:
            self.pending.clear()
            self.generation += 1
        message = [Utterance(text.strip(), lang, self.generation) for text in texts if text and text.strip()]
        self.pending.extend(message)
        self.said.extend(message)
        if remember and message:
            self.last_message = message if interrupt else [*self.last_message, *message]
        self._tell("say")
        return message

    def interrupt(self) -> None:
        """Silence now (any key does this before its own action)."""
        self.pending.clear()
        self.generation += 1
        self._tell("interrupt")

    def repeat(self) -> list[Utterance]:
        texts = [utterance.text for utterance in self.last_message]
        lang = self.last_message[0].lang if self.last_message else "id"
        return self.say(texts, lang)

    def take(self) -> Utterance | None:
        """The next phrase to play (the player calls this when it is free)."""
        return self.pending.popleft() if self.pending else None

    def change_volume(self, up: bool) -> float:
        level = round(self.volume + (self.step if up else -self.step), 2)
        self.volume = min(1.0, max(0.1, level))
        self._tell("volume")
        return self.volume


class Choices:
    """The items a key moves through on one screen: (id, spoken text) pairs and the selected index."""

    def __init__(self, items: list[tuple[str, str]] | None = None, index: int = 0) -> None:
        self.items = list(items or [])
        self.index = min(max(index, 0), max(len(self.items) - 1, 0))

    @property
    def selected(self) -> tuple[str, str] | None:
        return self.items[self.index] if self.items else None

    def move(self, delta: int) -> tuple[str, str] | None:
        if self.items:
            self.index = min(max(self.index + delta, 0), len(self.items) - 1)
        return self.selected


# --------------------------------------------------------------------------- what each screen says


def item_phrase(choices: Choices, lang: str) -> str:
    selected = choices.selected
    if selected is None:
        return ""
    return t("kiosk.speech.item", lang, index=choices.index + 1, count=len(choices.items), text=selected[1])


def agency_text(agency: AgencyView, lang: str, say: dict[str, str] | None = None) -> str:
    return f"{apply_say(agency.name, say)}. {t('kiosk.speech.waiting', lang, count=agency.waiting)}"


def wait_text(service: ServiceView, lang: str) -> str:
    """'3 orang menunggu, perkiraan tunggu 20 menit' (no wait for a closed or full service)."""
    if not service.is_open or service.estimate_minutes is None:
        return t("kiosk.speech.waiting", lang, count=service.waiting)
    return t("kiosk.speech.queue", lang, count=service.waiting,
             amount=estimate_amount(service.estimate_minutes, lang))


def service_text(service: ServiceView, lang: str, say: dict[str, str] | None = None) -> str:
    status = service.status.text
    return f"{apply_say(service.name, say)}. {status[:1].upper() + status[1:]}. {wait_text(service, lang)}"


def requirements_text(service: ServiceView, lang: str) -> str:
    if not service.requirements:
        return t("kiosk.no_requirements", lang)
    return t("kiosk.speech.requirements", lang, items="; ".join(service.requirements))


def ticket_phrases(ticket: dict, lang: str, *, printed: bool, say: dict[str, str] | None = None) -> list[str]:
    """The ticket's content, as printed: number, service, agency, people ahead, wait, where to go."""
    code = spoken_code(ticket.get("code", ""), lang)
    phrases = [t("kiosk.speech.ticket_printed" if printed else "kiosk.speech.ticket_not_printed", lang),
               t("kiosk.speech.your_number", lang, code=code),
               apply_say(f"{ticket.get('service_name', '')}, {ticket.get('agency_name', '')}", say),
               t("kiosk.people_ahead", lang, count=ticket.get("position", 0))]
    minutes = ticket.get("estimate_minutes")
    if minutes is not None:
        phrases.append(t("kiosk.estimate", lang, amount=estimate_amount(int(minutes), lang)))
    if ticket.get("location"):
        phrases.append(ticket["location"])
    phrases.append(t("kiosk.speech.ticket_keys", lang))
    return phrases


def printing_phrases(ticket: dict, lang: str, say: dict[str, str] | None = None) -> list[str]:
    """Said as the ticket goes to the printer: what is about to come out."""
    code = spoken_code(ticket.get("code", ""), lang)
    return [t("kiosk.speech.printing", lang, code=code),
            apply_say(f"{ticket.get('service_name', '')}, {ticket.get('agency_name', '')}", say),
            t("kiosk.people_ahead", lang, count=ticket.get("position", 0))]
