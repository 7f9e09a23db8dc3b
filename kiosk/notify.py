"""Messages about bookings, through one small interface: a ``Notifier`` sends one ``Message`` or raises.

Real implementations: ``SmtpNotifier`` (e-mail over SMTP) and ``WebhookNotifier`` (a JSON POST to the
SMS/WhatsApp gateway the lobby contracts). The booking itself only queues its messages (a row of
``booking_messages`` per channel, in the booking's own transaction: kiosk.bookings); ``Outbox.deliver_due``
sends what is due outside any transaction, so a gateway that is down never holds a booking up, and records
each outcome (sent, or the error and the next attempt; failed after ``notify.max_attempts``).
"""
from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Protocol

import httpx

from kiosk.bookings import Booking, iso
from kiosk.config import Config, EmailSettings, WebhookSettings
from kiosk.dates import long_date
from kiosk.i18n import t

log = logging.getLogger(__name__)
KINDS = ("confirmed", "moved", "cancelled", "reminder_day", "reminder_hour")


@dataclass(frozen=True)
class Message:
    kind: str          # confirmed | moved | cancelled
    booking: Booking
    subject: str
    text: str
    link: str


class Notifier(Protocol):
    channel: str

    def send(self, message: Message) -> None:
        """Deliver one message or raise (any exception: the outbox records it and retries)."""


class SmtpNotifier:
    channel = "email"

    def __init__(self, settings: EmailSettings):
        self.settings = settings

    def send(self, message: Message) -> None:
        settings = self.settings
        mail = EmailMessage()
        name, address = parseaddr(settings.sender)
        mail["From"] = formataddr((name, address))
        mail["To"] = message.booking.email
        mail["Subject"] = message.subject
        mail.set_content(f"{message.text}\n\n{message.link}\n")
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, os.environ.get(settings.password_env, "") if settings.password_env else "")
            smtp.send_message(mail)


class WebhookNotifier:
    channel = "webhook"

    def __init__(self, settings: WebhookSettings, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.transport = transport

    def send(self, message: Message) -> None:
        booking = message.booking
        headers = {}
        if self.settings.token_env and os.environ.get(self.settings.token_env):
            headers["Authorization"] = f"Bearer {os.environ[self.settings.token_env]}"
        body = {"kind": message.kind, "code": booking.display_code, "phone": booking.phone, "email": booking.email,
                "lang": booking.lang, "service_id": booking.service_id, "slot_at": booking.slot_at,
                "text": message.text, "link": message.link}
        with httpx.Client(timeout=self.settings.timeout_s, transport=self.transport) as client:
            answer = client.post(self.settings.url, json=body, headers=headers)
        if answer.status_code >= 300:
            raise RuntimeError(f"the gateway answered HTTP {answer.status_code}")


def notifiers_of(config: Config) -> list[Notifier]:
    found: list[Notifier] = []
    if config.notify.email is not None:
        found.append(SmtpNotifier(config.notify.email))
    if config.notify.webhook is not None:
        found.append(WebhookNotifier(config.notify.webhook))
    return found


def compose(config: Config, kind: str, booking: Booking) -> Message:
    """The message's words, in the booking's language (the catalog's booking.msg_*)."""
    lang = booking.lang
    service = config.service_by_id.get(booking.service_id)
    service_name = service.name.get(lang) if service else booking.service_id
    slot = datetime.fromisoformat(booking.slot_at).astimezone(config.lobby.tz)
    fields = {"code": booking.display_code, "service": service_name, "lobby": config.lobby.name,
              "day": long_date(slot.date(), lang), "time": slot.strftime("%H:%M"),
              "before": service.booking.checkin_before_min if service and service.booking else 30}
    link = f"{config.lobby.public_url.rstrip('/')}/b/{booking.code}"
    return Message(kind, booking, t(f"booking.msg_{kind}_subject", lang, **fields),
                   t(f"booking.msg_{kind}", lang, **fields), link)


class Outbox:
    """Sends the queued booking messages that are due, with retries (on any thread but the engine's)."""

    def __init__(self, engine, notifiers: list[Notifier] | None = None):
        self.engine = engine
        self.notifiers = {n.channel: n for n in (notifiers if notifiers is not None else notifiers_of(engine.config))}

    def deliver_due(self, limit: int = 50) -> int:
        """Try every due message once; the number sent."""
        engine = self.engine
        engine.bookings.queue_reminders()
        now = engine.clock.now()
        rows = engine.store.query(
            "SELECT m.id AS message_id, m.kind AS message_kind, m.channel, m.attempts, b.* FROM booking_messages m "
            "JOIN bookings b ON b.id = m.booking_id "
            "WHERE m.state = 'pending' AND m.next_attempt_at <= ? ORDER BY m.id LIMIT ?", (iso(now), limit))
        sent = 0
        for row in rows:
            message_id, kind, channel, attempts = row["message_id"], row["message_kind"], row["channel"], row["attempts"]
            booking = Booking.from_row(row)
            notifier = self.notifiers.get(channel)
            try:
                if notifier is None:
                    raise RuntimeError(f"no {channel} notifier is configured")
                notifier.send(compose(engine.config, kind, booking))
            except Exception as exc:  # recorded, retried: never raised into the booking
                self._failed(message_id, attempts + 1, f"{type(exc).__name__}: {exc}"[:300], now)
                continue
            with engine.store.write() as conn:
                conn.execute("UPDATE booking_messages SET state = 'sent', attempts = ?, sent_at = ?, last_error = '' "
                             "WHERE id = ?", (attempts + 1, iso(now), message_id))
            sent += 1
        return sent

    def _failed(self, message_id: int, attempts: int, error: str, now: datetime) -> None:
        notify = self.engine.config.notify
        wait = min(3600, notify.retry_seconds * 2 ** (attempts - 1))
        state = "failed" if attempts >= notify.max_attempts else "pending"
        log.warning("booking message %d: attempt %d failed (%s)%s", message_id, attempts, error,
                    "; given up" if state == "failed" else f"; again in {wait} s")
        with self.engine.store.write() as conn:
            conn.execute("UPDATE booking_messages SET state = ?, attempts = ?, last_error = ?, next_attempt_at = ? "
                         "WHERE id = ?", (state, attempts, error, iso(now + timedelta(seconds=wait)), message_id))


def messages_of(engine, code: str) -> list[dict]:
    """A booking's messages and their outcome (kind, channel, state, attempts, last_error, sent_at)."""
    return engine.store.query(
        "SELECT m.kind, m.channel, m.state, m.attempts, m.last_error, m.sent_at FROM booking_messages m "
        "JOIN bookings b ON b.id = m.booking_id WHERE b.code = ? ORDER BY m.id", (code,))
