"""A real SMTP server (aiosmtpd) on a loopback port that tests can make fail.

Runs in a thread of the test process; a Celery worker subprocess reaches it over TCP like
any mail server. What it answers is set at run time:

- `refuse[prefix] = "550 5.1.1 …"`: RCPT to addresses starting with prefix gets that reply;
- `outage = "451 4.3.0 …"` (or any 4xx/5xx): every RCPT gets it; "drop": the connection is
  cut at RCPT; None: normal service;
- `delay`: seconds each DATA takes (a slow server);
- `stop()`/`start()`: nothing listens (connection refused).

`delivered` counts accepted messages per recipient; `messages` keeps their bytes;
`connections` counts SMTP sessions (EHLOs).
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: FaultySmtpServer) -> None:
        self.server = server

    async def handle_EHLO(self, smtp, session, envelope, hostname, responses):
        self.server.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        faults = self.server
        reply = faults.outage or next(
            (reply for prefix, reply in faults.refuse.items() if address.startswith(prefix)),
            None,
        )
        if reply == "drop":
            smtp.transport.close()
            return "421 4.4.2 connection dropped"
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        for address in envelope.rcpt_tos:
            self.server.delivered[address] += 1
        if self.server.keep_messages:
            self.server.messages.append(envelope.original_content or envelope.content)
        return "250 2.0.0 accepted"


class FaultySmtpServer:
    def __init__(self, *, keep_messages: bool = True) -> None:
        self.port = free_port()
        self.refuse: dict[str, str] = {}
        self.outage: str | None = None
        self.delay = 0.0
        self.keep_messages = keep_messages
        self.delivered: Counter = Counter()
        self.connections = 0  # EHLOs: one per SMTP connection
        self.messages: list[bytes] = []
        self._controller: Controller | None = None

    def start(self) -> FaultySmtpServer:
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def email_settings(self) -> dict[str, str]:
        """The environment a worker (or this process's settings) needs to send here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_TIMEOUT": "5",
        }
