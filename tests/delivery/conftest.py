"""Units, people and a real local webhook receiver for delivery tests."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from offsite.registry.models import Authority, Person

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*parts: int) -> datetime:
    """Return a Beijing wall-clock time as an aware datetime."""
    return datetime(*parts, tzinfo=BEIJING)


@pytest.fixture
def make_person(db):
    """Create a person with a role; staff default to the Chaoyang district."""
    serial = iter(range(1, 1000))

    def make(role: str, *, unit=None, authority: Authority | None = None) -> Person:
        if role in Person.STAFF_ROLES and authority is None:
            authority = Authority.objects.get(code="110105")
        user = get_user_model().objects.create_user(username=f"{role}-{next(serial)}")
        return Person.objects.create(
            user=user, role=role, authority=authority, unit=unit
        )

    return make


@pytest.fixture
def unit_user(make_person, unit) -> Person:
    return make_person(Person.Role.UNIT_USER, unit=unit)


class Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps one copy per idempotency key.

    It answers `status` to every POST, with `location` as its Location header
    when set; `on_request` runs before it answers, which lets a test act
    between the channel taking a message and the sender hearing back. A GET
    (a followed redirect) is recorded too.
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.kept: dict[str, dict] = {}
        self.status = 200
        self.location: str | None = None
        self.on_request = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                key = self.headers["Idempotency-Key"]
                receiver.requests.append(
                    {"key": key, "body": body, "host": self.headers["Host"]}
                )
                receiver.kept.setdefault(key, body)
                if receiver.on_request is not None:
                    receiver.on_request()
                try:
                    self.send_response(receiver.status)
                    if receiver.location:
                        self.send_header("Location", receiver.location)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"accepted": true}')
                except OSError:
                    pass  # the sender is gone (a test killed it)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                receiver.requests.append({"method": "GET", "path": self.path})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/notices"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    """A receiver on the loopback, allowed as a gateway on the site's network.

    Webhooks may not point at loopback or private addresses by default; a
    test of that refusal sets `DELIVERY_WEBHOOK_ALLOW_PRIVATE` back to False.
    """
    settings.DELIVERY_WEBHOOK_ALLOW_PRIVATE = True
    receiver = Receiver()
    yield receiver
    receiver.close()
