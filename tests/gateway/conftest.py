"""Start real gateways on free ports, on the test database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from offsite.intake.gateway import DatabaseWorker, Gateway, GatewayThread
from offsite.registry import services as registry


class RunningGateway:
    """A gateway serving on a background thread for one test."""

    def __init__(self, thread: GatewayThread) -> None:
        self.thread = thread
        self.port = thread.port

    def database(self, function: Callable[..., Any], /, *args, **kwargs) -> Any:
        """Run database work on the gateway's own database thread.

        While a gateway runs, the test reaches the database only through
        it: on an in-memory SQLite database the two share one connection.
        """
        self.wait_idle()
        return self.thread.gateway.worker.submit(function, *args, **kwargs).result(30)

    def wait_idle(self) -> None:
        assert self.thread.wait_idle(timeout_seconds=30), "gateway still busy"

    def stop(self) -> None:
        self.wait_idle()
        self.thread.stop()


@pytest.fixture
def start_gateway(transactional_db):
    """Return a function that starts a gateway; all stop after the test."""
    shared = None
    connection = connections["default"]
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # A second connection to an in-memory database would see another
        # database, so the gateway's thread borrows this one (as Django's
        # live server does).
        connection.ensure_connection()
        connection.inc_thread_sharing()
        shared = connection
    running: list[RunningGateway] = []

    def start(**options: Any) -> RunningGateway:
        worker = DatabaseWorker(shared_connection=shared)
        thread = GatewayThread(
            Gateway(host="127.0.0.1", port=0, worker=worker, **options)
        )
        thread.start()
        running.append(RunningGateway(thread))
        return running[-1]

    yield start
    for gateway in running:
        gateway.thread.stop()
    if shared is not None:
        connection.dec_thread_sharing()


@pytest.fixture
def register_device(unit):
    """Register a GB/T 26875.3 device of the test unit by its source address."""

    def register(address: str):
        return registry.register_device(
            unit=unit, source_address=address, name=f"UITD {address}"
        )

    return register
