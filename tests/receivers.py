"""Real notification receivers on 127.0.0.1 for the nightly tests: an SMTP server (aiosmtpd) that keeps
every message, and an HTTP server that keeps every webhook POST."""

from __future__ import annotations

import json
import threading
from email import message_from_string, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_string(envelope.content.decode("utf-8", "replace"), policy=policy.default))
        return "250 OK"


class _LoopbackSMTP(Controller):
    def _trigger_server(self):  # the readiness probe needs the real (ephemeral) port
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SMTPReceiver:
    def __init__(self) -> None:
        self.box = Mailbox()
        self.controller = _LoopbackSMTP(self.box, hostname="127.0.0.1", port=0)

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def messages(self) -> list:
        return self.box.messages

    def __enter__(self) -> SMTPReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class WebhookReceiver:
    def __init__(self) -> None:
        self.handler: type[_Hook] = type("Hook", (_Hook,), {"received": []})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    @property
    def received(self) -> list[dict]:
        return self.handler.received

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def notify_section(smtp: SMTPReceiver, hook: WebhookReceiver, on: str = "change") -> dict:
    """A profile `notify:` section sending to both receivers (security none: a loopback server)."""
    return {"email": {"host": "127.0.0.1", "port": smtp.port, "security": "none", "from": "govaudit@example.gov.tw",
                      "to": ["webmaster@example.gov.tw"], "on": on, "timeout": 10},
            "webhook": {"url": hook.url, "on": on, "timeout": 10}}
