"""A real local SMTP server (aiosmtpd) whose inbox a test reads: the booking messages' e-mail."""
from __future__ import annotations

from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from support.server import free_port


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()
