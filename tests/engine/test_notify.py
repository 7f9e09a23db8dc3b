"""Booking messages through the one Notifier interface: e-mail to a real local SMTP server (aiosmtpd), the
webhook to a real local HTTP receiver; a gateway that is down never blocks a booking (queued, retried,
its outcome recorded)."""
from __future__ import annotations

import json
import threading
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


from kiosk.notify import Outbox, messages_of

from support.bookings import booking_config, counting_codes, person
from support.configs import MONDAY_9
from support.server import free_port

MONDAY = MONDAY_9.date()




class Receiver:
    """A local HTTP gateway: records each JSON body; answers ``status``."""

    def __init__(self, port: int):
        self.bodies, self.status = [], 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def notify_engine(make_engine, notify: dict, fields=("name", "phone", "email")):
    config = booking_config(fields=list(fields))
    data = config.model_dump(mode="json", exclude_none=True)
    data["notify"] = notify
    from kiosk.config import parse_config
    engine = make_engine(parse_config(data))
    engine.bookings.code_factory = counting_codes()
    return engine


def subject(mail) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def test_confirmed_moved_and_cancelled_go_by_email(make_engine, smtp):
    controller, inbox = smtp
    engine = notify_engine(make_engine, {"email": {"host": "127.0.0.1", "port": controller.port,
                                                   "sender": "MPP Uji <antrean@mpp.example>"}})
    outbox = Outbox(engine)
    booking = engine.bookings.book("paspor", MONDAY, "10:00", {**person(), "email": "siti@example.org"})
    assert outbox.deliver_due() == 1
    mail = inbox.mails[0]
    assert mail["To"] == "siti@example.org" and "antrean@mpp.example" in mail["From"]
    assert subject(mail) == f"Booking {booking.display_code}: Paspor, Senin, 23 November 2026 jam 10:00"
    assert f"/b/{booking.code}" in mail.get_payload(decode=True).decode()
    engine.bookings.move(booking.code, MONDAY, "11:00")
    engine.bookings.cancel(booking.code)
    assert outbox.deliver_due() == 2
    assert [subject(m).split(" ")[2] for m in inbox.mails[1:]] == ["dipindahkan:", "dibatalkan"]
    assert [m["state"] for m in messages_of(engine, booking.code)] == ["sent"] * 3


def test_a_gateway_down_never_blocks_a_booking_and_is_retried(make_engine, clock):
    port = free_port()
    engine = notify_engine(make_engine, {"webhook": {"url": f"http://127.0.0.1:{port}/sms", "timeout_s": 1},
                                         "retry_seconds": 30, "max_attempts": 3})
    outbox = Outbox(engine)
    booking = engine.bookings.book("paspor", MONDAY, "10:00", {**person(), "email": "siti@example.org"})
    assert booking.state == "booked"  # the booking did not wait for the gateway
    assert outbox.deliver_due() == 0
    [message] = messages_of(engine, booking.code)
    assert (message["state"], message["attempts"]) == ("pending", 1) and "Connect" in message["last_error"]
    assert outbox.deliver_due() == 0 and messages_of(engine, booking.code)[0]["attempts"] == 1  # not yet due
    receiver = Receiver(port)
    try:
        clock.advance(seconds=31)
        assert outbox.deliver_due() == 1
        body = receiver.bodies[0]
        assert (body["kind"], body["code"], body["phone"]) == ("confirmed", booking.display_code, "081234560001")
        assert "Kode booking: " + booking.display_code in body["text"]
        assert messages_of(engine, booking.code)[0]["state"] == "sent"
        # a gateway that answers an error is retried too, and given up after max_attempts
        receiver.status = 500
        engine.bookings.cancel(booking.code)
        for wait in (0, 31, 61):
            clock.advance(seconds=wait)
            outbox.deliver_due()
        cancelled = messages_of(engine, booking.code)[1]
        assert (cancelled["state"], cancelled["attempts"]) == ("failed", 3)
        assert cancelled["last_error"] == "RuntimeError: the gateway answered HTTP 500"
    finally:
        receiver.close()


def test_no_message_for_a_channel_the_booking_cannot_be_reached_on(make_engine, smtp):
    controller, _inbox = smtp
    engine = notify_engine(make_engine, {"email": {"host": "127.0.0.1", "port": controller.port,
                                                   "sender": "antrean@mpp.example"}}, fields=("name", "phone"))
    booking = engine.bookings.book("paspor", MONDAY, "10:00", person())
    assert messages_of(engine, booking.code) == []


def test_reminders_the_day_before_and_the_hour_before_once_each(make_engine, smtp, clock):
    controller, inbox = smtp
    engine = notify_engine(make_engine, {"email": {"host": "127.0.0.1", "port": controller.port,
                                                   "sender": "antrean@mpp.example"}})
    outbox = Outbox(engine)
    tuesday_10 = MONDAY_9.replace(day=24, hour=10)
    booking = engine.bookings.book("paspor", tuesday_10.date(), "10:00", {**person(), "email": "siti@example.org"})
    soon = engine.bookings.book("paspor", MONDAY, "09:30", {**person(2), "email": "ani@example.org"})
    outbox.deliver_due()
    # booked 30 minutes ahead: no hour-before reminder for it (it was booked inside that hour)
    assert [m["kind"] for m in messages_of(engine, soon.code)] == ["confirmed"]
    clock.set(tuesday_10.replace(day=23, hour=10, minute=1))  # 23 h 59 min before
    outbox.deliver_due()
    outbox.deliver_due()
    clock.set(tuesday_10.replace(hour=9, minute=5))
    outbox.deliver_due()
    assert [m["kind"] for m in messages_of(engine, booking.code)] == ["confirmed", "reminder_day", "reminder_hour"]
    assert [subject(m).split(":")[0] for m in inbox.mails if m["To"] == "siti@example.org"][1:] == [
        "Besok", "Satu jam lagi"]
