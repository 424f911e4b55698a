"""The GB/T 26875.3 TCP gateway that transmission devices connect to (IM-6, IM-7).

Each connection cuts its byte stream into frames (`FrameSplitter`) and puts
them on a bounded queue; its writer task takes them off in batches, has
them stored durably, and only then answers: command 3 for a frame stored
or stored before (a retransmission), command 6 for a frame that breaks the
format, the vendor reply for a Four-Faith heartbeat (GB/T 26875.3 §6.2–6.5;
reference §1, §4). Reading the frames into observations follows the
answer, so evaluation never delays an acknowledgement.

All database work runs on one thread (`DatabaseWorker`), storage first:
the ORM is synchronous, and SQLite has one writer anyway. When the queue of
a connection is full its reader stops reading the socket, so an overloaded
gateway pushes back on the devices instead of growing in memory.

A connection silent past its keep-alive limit is closed and its device is
recorded `offline`; a device whose connection closed is recorded offline
when it has not come back within the same limit. Operators' roll-calls
(type 91) and clock syncs (type 90) are read from the database every second
and sent to devices connected here; several gateways may share a database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future as ThreadFuture
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.utils import timezone

from offsite.intake import gateway_queries, gateway_services, services
from offsite.intake.models import GatewayCommand, RawRecord
from offsite.protocols import gb26875
from offsite.protocols.gb26875 import codes

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")

DEFAULT_PORT = 9026
# Reference gb26875.md §8, suggested defaults: mark a device offline after
# 5 min without data when its keep-alive interval is unknown; Four-Faith's
# extension (§12.2) likewise drops a link after 1–10 min of silence and
# recommends 3–5 min. Haiwan devices send a type 28 every ~25 s.
DEFAULT_KEEPALIVE_SECONDS = 300
COMMAND_POLL_SECONDS = 1.0

QUEUE_FRAMES = 256  # frames waiting per connection before its reader pauses
# Connections beyond this are closed at once: each holds a file descriptor
# and a queue. The gateway also leaves RESERVED_DESCRIPTORS of the process's
# open-file limit to the web server (WEB_CONNECTION_LIMIT), the database and
# log files, so that devices holding idle sockets cannot starve them.
MAX_CONNECTIONS = 20_000
WEB_CONNECTION_LIMIT = 1000
RESERVED_DESCRIPTORS = WEB_CONNECTION_LIMIT + 500
BATCH_FRAMES = 1000  # frames per storage transaction, across connections
PROCESS_CHUNK_FRAMES = 200  # frames read in one go between two storage batches
PROCESS_BACKLOG_FRAMES = 5000  # stored but unread frames before writers wait
READ_BYTES = 4096
# A peer that sends this many bytes outside any frame is not speaking
# GB/T 26875.3: the bytes are kept, rejected, and the link is dropped.
UNFRAMED_LIMIT_BYTES = 64 * 1024

# §6.2–6.5: confirm, answer and deny are replies; a reply is not answered.
REPLY_COMMANDS = frozenset(
    {codes.COMMAND_CONFIRM, codes.COMMAND_ANSWER, codes.COMMAND_DENY}
)
# A request (command 4) asks the centre for data it does not keep; it is
# stored and left unanswered, and the device's retry rules apply.
UNANSWERED_COMMANDS = REPLY_COMMANDS | {codes.COMMAND_REQUEST}


def device_time(moment: datetime | None = None) -> datetime:
    """Return a time for a frame's time label: Beijing wall clock, naive."""
    return timezone.localtime(moment or timezone.now(), BEIJING).replace(tzinfo=None)


def reply_to(data: bytes, receipt: services.Receipt, *, sent_at: datetime) -> bytes:
    """Return the bytes that answer a stored frame, or b"" for no answer.

    A frame stored now or before (a retransmission) is confirmed; a frame
    rejected now or before is denied with its own serial when its header
    could be read (a bad checksum, a reserved command, an unreadable ADU, an
    unknown device). A heartbeat always gets the vendor reply: it only keeps
    the link up.
    """
    stored = receipt.status == "accepted" or (
        receipt.status == "duplicate" and not receipt.reason
    )
    try:
        frame = receipt.frame or gb26875.decode(data)
    except gb26875.FrameError as error:
        header = error.header
    else:
        if isinstance(frame, gb26875.VendorHeartbeat):
            return gb26875.heartbeat_reply(frame)
        header = frame.header
    if header is None or header.command in UNANSWERED_COMMANDS:
        return b""
    if stored:
        return gb26875.acknowledge(header, sent_at=sent_at)
    return gb26875.deny(header, sent_at=sent_at)


def answers_duty_check(frame: gb26875.Frame) -> bool:
    """Tell whether a frame carries a duty check answer (type 24, bit 5)."""
    return frame.app_type == 24 and any(
        isinstance(obj, gb26875.DeviceOperation)
        and "duty_check_answer" in obj.operations
        for obj in frame.objects
    )


class DatabaseWorker:
    """Do a gateway's database work on one thread, storage before anything else.

    Storage requests from all connections are merged into one transaction
    of up to `batch_frames` frames. Other jobs (commands, gateway events)
    come next, and reading stored frames into observations last, a chunk
    at a time, so a storage request waits for at most one chunk of
    evaluation. A frame that reports a fire alarm is read ahead of
    everything else (LM-12: urgent), together with its device's earlier
    frames so each device's frames are still read in order.
    """

    def __init__(
        self,
        *,
        batch_frames: int = BATCH_FRAMES,
        process_chunk_frames: int = PROCESS_CHUNK_FRAMES,
        process_backlog_frames: int = PROCESS_BACKLOG_FRAMES,
        shared_connection: Any = None,
    ) -> None:
        self.batch_frames = batch_frames
        self.process_chunk_frames = process_chunk_frames
        self.process_backlog_frames = process_backlog_frames
        # Tests on an in-memory SQLite database hand in their own connection,
        # as Django's live server does: a second connection would not see it.
        self._shared_connection = shared_connection
        self._condition = threading.Condition()
        self._stores: deque[tuple[list[services.IncomingFrame], ThreadFuture]] = deque()
        self._jobs: deque[tuple[Callable[[], Any], ThreadFuture]] = deque()
        self._processing: deque[services.Receipt] = deque()
        self._alarms_waiting = False
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._capacity_waiters: list[asyncio.Future] = []
        # Frames being stored or stored and not read yet; the event loop's
        # thread alone changes it.
        self._reserved = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread = threading.Thread(
            target=self._run, name="gateway-database", daemon=True
        )
        self._thread.start()

    def stop(self, *, timeout_seconds: float = 30) -> int:
        """Finish storage and jobs, then end the thread.

        Returns how many stored frames were left unread; they stay in the
        database and `services.process_pending` reads them at the next start.
        """
        with self._condition:
            self._stopping = True
            left = len(self._processing)
            self._processing.clear()
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_seconds)
        return left

    def idle(self) -> bool:
        """Tell whether nothing is waiting or running."""
        with self._condition:
            return not (self._busy or self._stores or self._jobs or self._processing)

    async def store(
        self, frames: list[services.IncomingFrame]
    ) -> list[services.Receipt]:
        """Store frames durably; return their receipts once committed."""
        future: ThreadFuture = ThreadFuture()
        with self._condition:
            self._stores.append((frames, future))
            self._condition.notify()
        return await asyncio.wrap_future(future)

    async def call(self, function: Callable[..., Any], /, *args, **kwargs) -> Any:
        """Run a function on the database thread and return its result."""
        return await asyncio.wrap_future(self.submit(function, *args, **kwargs))

    def submit(self, function: Callable[..., Any], /, *args, **kwargs) -> ThreadFuture:
        """Queue a function for the database thread without waiting for it."""
        future: ThreadFuture = ThreadFuture()
        with self._condition:
            self._jobs.append((lambda: function(*args, **kwargs), future))
            self._condition.notify()
        return future

    async def reserve(self, count: int) -> int:
        """Wait until `count` more frames fit the backlog; return `count`.

        A connection reserves its frames before storing them and each is
        released once read (or at once when it is not to be read), so what
        is stored but unread stays within `process_backlog_frames` however
        many connections push at once: past it, connections wait, their
        queues fill and their sockets are no longer read. An empty backlog
        takes any one batch.
        """
        while self._reserved and self._reserved + count > self.process_backlog_frames:
            waiter = asyncio.get_running_loop().create_future()
            self._capacity_waiters.append(waiter)
            await waiter
        self._reserved += count
        return count

    def release(self, count: int) -> None:
        """Give back reserved room (on the event loop's thread) and wake writers."""
        self._reserved -= count
        self._wake_writers()

    def process(self, receipts: Sequence[services.Receipt]) -> None:
        """Queue the accepted frames of a stored batch to be read."""
        accepted = [r for r in receipts if r.status == "accepted"]
        if not accepted:
            return
        alarm = any(services.reports_fire_alarm(r) for r in accepted)
        with self._condition:
            self._processing.extend(accepted)
            self._alarms_waiting = self._alarms_waiting or alarm
            self._condition.notify()

    def _run(self) -> None:
        if self._shared_connection is not None:
            connections["default"] = self._shared_connection
        try:
            while True:
                with self._condition:
                    while not (
                        self._stores or self._jobs or self._processing or self._stopping
                    ):
                        self._condition.wait()
                    if self._alarms_waiting:
                        # Stored and confirmed already: an alarm waits for
                        # nothing but its reading (LM-12: urgent).
                        work = self._take_processing()
                        kind = "process"
                    elif self._stores:
                        work = self._take_stores()
                        kind = "store"
                    elif self._jobs:
                        work = self._jobs.popleft()
                        kind = "job"
                        if not work[1].set_running_or_notify_cancel():
                            continue
                    elif self._processing:
                        work = self._take_processing()
                        kind = "process"
                    else:
                        return
                    self._busy = True
                try:
                    if kind == "store":
                        self._store(work)
                    elif kind == "job":
                        self._job(*work)
                    else:
                        self._process(work)
                finally:
                    with self._condition:
                        self._busy = False
        finally:
            if self._shared_connection is None:
                connections.close_all()

    def _take_stores(self) -> list[tuple[list[services.IncomingFrame], ThreadFuture]]:
        taken = []
        size = 0
        while self._stores and (
            not taken or size + len(self._stores[0][0]) <= self.batch_frames
        ):
            frames, future = self._stores.popleft()
            # A request whose connection task was cancelled is not stored.
            if future.set_running_or_notify_cancel():
                taken.append((frames, future))
                size += len(frames)
        return taken

    def _take_processing(self) -> list[services.Receipt]:
        if self._alarms_waiting:
            self._alarms_waiting = False
            first, rest = services.alarms_first(self._processing)
            self._processing = deque(rest)
            return first
        count = min(self.process_chunk_frames, len(self._processing))
        return [self._processing.popleft() for _ in range(count)]

    def _store(self, requests) -> None:
        if not requests:
            return
        frames = [frame for batch, _ in requests for frame in batch]
        try:
            receipts = services.store_frames(
                frames, source=RawRecord.Source.GB26875_TCP
            )
        except Exception as error:
            _after_error()
            if len(requests) == 1:
                requests[0][1].set_exception(error)
                return
            # One connection's frames must not fail the others: try alone.
            for request in requests:
                self._store([request])
            return
        position = 0
        for batch, future in requests:
            future.set_result(receipts[position : position + len(batch)])
            position += len(batch)

    def _job(self, function: Callable[[], Any], future: ThreadFuture) -> None:
        try:
            result = function()
        except Exception as error:
            _after_error()
            future.set_exception(error)
        else:
            future.set_result(result)

    def _process(self, receipts: list[services.Receipt]) -> None:
        """Read a chunk of stored frames in one go, or one by one if that fails.

        One frame that cannot be read must not keep the others of its chunk
        unread, so a failed chunk is read again frame by frame.
        """
        try:
            services.process_receipts(receipts)
        except Exception:
            logger.exception("event=chunk_not_read frames=%d", len(receipts))
            _after_error()
            for receipt in receipts:
                self._process_one(receipt)
        # RuntimeError: the event loop has ended and no writer waits any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self.release, len(receipts))

    @staticmethod
    def _process_one(receipt: services.Receipt) -> None:
        try:
            services.process_receipts([receipt])
        except Exception:
            # Stored and acknowledged already; left unread, it is read by
            # `process_pending` at the next start.
            logger.exception(
                "event=frame_not_read raw=%s", getattr(receipt.raw_record, "pk", None)
            )
            _after_error()

    def _wake_writers(self) -> None:
        waiters, self._capacity_waiters = self._capacity_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


def _after_error() -> None:
    """Drop a database connection an error left unusable; the next job reconnects."""
    connections["default"].close_if_unusable_or_obsolete()


@dataclass(eq=False)
class Connection:
    """One device connection: its peer, the device it speaks for, its serials."""

    peer: str
    writer: asyncio.StreamWriter
    last_data_at: datetime
    device_address: str | None = None
    centre_address: int = 0
    version_main: int = 1
    version_user: int = 0
    centre_known: bool = False
    failed: bool = False
    closed: bool = False
    next_serial: int = 0
    frames: int = 0
    unframed_bytes: int = 0
    tasks: set[asyncio.Task] = field(default_factory=set)

    def take_serial(self) -> int:
        """Return the serial of the next frame the centre starts (table 1).

        It starts at 0 when the connection is set up and grows by one for
        each new frame the centre sends.
        """
        serial = self.next_serial
        self.next_serial = (serial + 1) & 0xFFFF
        return serial

    def send(self, data: bytes) -> None:
        if data and not self.closed and not self.writer.is_closing():
            self.writer.write(data)


def _raise_open_files_limit() -> int:
    """Let the process hold as many sockets as the system allows; return that."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard and hard != resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


class Gateway:
    """An asyncio TCP server for many GB/T 26875.3 device connections."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        keepalive_seconds: float = DEFAULT_KEEPALIVE_SECONDS,
        poll_seconds: float = COMMAND_POLL_SECONDS,
        queue_frames: int = QUEUE_FRAMES,
        max_connections: int = MAX_CONNECTIONS,
        worker: DatabaseWorker | None = None,
    ) -> None:
        if keepalive_seconds <= 0:
            raise ValueError(f"keepalive_seconds: {keepalive_seconds} is not > 0")
        self.host = host
        self.port = port
        self.keepalive_seconds = keepalive_seconds
        self.poll_seconds = poll_seconds
        self.queue_frames = queue_frames
        self.max_connections = max_connections
        self.worker = worker or DatabaseWorker()
        self.identity = f"{socket.gethostname()}:{os.getpid()}"
        self._server: asyncio.Server | None = None
        self._connections: set[Connection] = set()
        self._by_device: dict[str, Connection] = {}
        self._background: set[asyncio.Task] = set()
        self._stopping = False

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def start(self) -> int:
        """Read what a crash left unread, then listen; return the port.

        Reading comes first so that nothing it reads is also queued by a new
        connection. With several gateways on one database, one starting while
        another has frames stored but not yet read meets them too; each frame
        is claimed as it is read, so the two never read the same one.
        """
        open_files = _raise_open_files_limit()
        if open_files != resource.RLIM_INFINITY:
            allowed = max(open_files - RESERVED_DESCRIPTORS, 1)
            if allowed < self.max_connections:
                logger.info(
                    "event=connections_capped most=%d open_files_limit=%d reserved=%d",
                    allowed,
                    open_files,
                    RESERVED_DESCRIPTORS,
                )
                self.max_connections = allowed
        self.worker.start(asyncio.get_running_loop())
        await self.worker.call(_read_pending)
        self._server = await asyncio.start_server(
            self._serve_connection, self.host, self.port, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{self.port}"
        self._spawn(self._poll_commands())
        logger.info(
            "event=gateway_started host=%s port=%s keepalive_seconds=%s",
            self.host,
            self.port,
            self.keepalive_seconds,
        )
        return self.port

    async def stop(self) -> None:
        """Stop listening, close connections, finish storing, end the worker."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.writer.close()
        for task in list(self._background):
            task.cancel()
        while self._connections:
            await asyncio.sleep(0.01)
        left = await asyncio.to_thread(self.worker.stop)
        if left:
            logger.warning(
                "event=gateway_stopped frames_left_unread=%d (read at the next start)",
                left,
            )
        logger.info("event=gateway_stopped port=%s", self.port)

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        peer = _peer_name(writer)
        if len(self._connections) >= self.max_connections:
            logger.warning(
                "event=connection_refused peer=%s connections=%d (the most allowed)",
                peer,
                len(self._connections),
            )
            writer.close()
            return
        connection = Connection(peer=peer, writer=writer, last_data_at=timezone.now())
        self._connections.add(connection)
        queue: asyncio.Queue[services.IncomingFrame | None] = asyncio.Queue(
            self.queue_frames
        )
        drain = asyncio.create_task(self._drain(connection, queue))
        logger.info("event=connection_opened peer=%s", peer)
        ended = "connection_closed"
        try:
            ended = await self._read(connection, reader, queue)
        except (ConnectionError, OSError):
            ended = "connection_reset"
        finally:
            await self._finish(connection, queue, drain)
            connection.closed = True
            writer.close()
            self._forget(connection)
        logger.info(
            "event=%s peer=%s device=%s frames=%d",
            ended,
            peer,
            connection.device_address,
            connection.frames,
        )
        if connection.device_address and not self._stopping:
            delay = 0 if ended == "connection_silent" else self.keepalive_seconds
            self._spawn(self._mark_offline(connection, event=ended, delay=delay))

    async def _read(
        self,
        connection: Connection,
        reader: asyncio.StreamReader,
        queue: asyncio.Queue,
    ) -> str:
        splitter = gb26875.FrameSplitter()
        try:
            return await self._read_frames(connection, reader, queue, splitter)
        finally:
            # A frame the peer began and never finished is kept too.
            unfinished = splitter.take_pending()
            if unfinished and not connection.failed:
                await queue.put(
                    services.IncomingFrame(
                        data=unfinished,
                        origin=connection.peer,
                        received_at=timezone.now(),
                        unframed=True,
                    )
                )

    async def _read_frames(
        self,
        connection: Connection,
        reader: asyncio.StreamReader,
        queue: asyncio.Queue,
        splitter: gb26875.FrameSplitter,
    ) -> str:
        while not connection.failed:
            try:
                async with asyncio.timeout(self.keepalive_seconds):
                    chunk = await reader.read(READ_BYTES)
            except TimeoutError:
                return "connection_silent"
            if not chunk:
                return "connection_closed"
            received_at = timezone.now()
            connection.last_data_at = received_at
            for data in splitter.feed(chunk):
                # Waits while the queue is full: the socket is not read until
                # storage catches up (back-pressure).
                await queue.put(
                    services.IncomingFrame(
                        data=data, origin=connection.peer, received_at=received_at
                    )
                )
            unframed = splitter.take_discarded()
            if unframed:
                await queue.put(
                    services.IncomingFrame(
                        data=unframed,
                        origin=connection.peer,
                        received_at=received_at,
                        unframed=True,
                    )
                )
                connection.unframed_bytes += len(unframed)
                if connection.unframed_bytes > UNFRAMED_LIMIT_BYTES:
                    return "connection_unframed"
        return "storage_failed"

    async def _finish(
        self, connection: Connection, queue: asyncio.Queue, drain: asyncio.Task
    ) -> None:
        """Let the writer store and answer what was read, within the keep-alive.

        A device that reads no answers would keep the writer waiting for ever;
        past the limit the link is dropped, and the device resends what was
        not confirmed.
        """
        try:
            async with asyncio.timeout(self.keepalive_seconds):
                await queue.put(None)
                await asyncio.shield(drain)
        except TimeoutError:
            logger.warning("event=connection_aborted peer=%s", connection.peer)
            connection.failed = True
            connection.writer.transport.abort()
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain

    async def _drain(self, connection: Connection, queue: asyncio.Queue) -> None:
        """Store the connection's frames in batches, answer, then have them read."""
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < self.queue_frames:
                batch.append(queue.get_nowait())
            frames = [item for item in batch if item is not None]
            if frames and not connection.failed:
                try:
                    await self._store_and_answer(connection, frames)
                except Exception:
                    # Keep taking frames off the queue so the reader, which
                    # may wait on a full queue, sees the close and ends.
                    logger.exception("event=connection_failed peer=%s", connection.peer)
                    connection.failed = True
                    connection.writer.close()
            if len(frames) < len(batch):
                return

    async def _store_and_answer(
        self, connection: Connection, frames: list[services.IncomingFrame]
    ) -> None:
        reserved = await self.worker.reserve(len(frames))
        try:
            receipts = await self.worker.store(frames)
        except Exception:
            self.worker.release(reserved)
            # Nothing is acknowledged, so the device sends it all again.
            logger.exception(
                "event=storage_failed peer=%s frames=%d", connection.peer, len(frames)
            )
            connection.failed = True
            connection.writer.close()
            return
        self.worker.release(sum(1 for r in receipts if r.status != "accepted"))

        sent_at = device_time()
        connection.frames += len(frames)
        connection.send(
            b"".join(
                reply_to(frame.data, receipt, sent_at=sent_at)
                for frame, receipt in zip(frames, receipts, strict=True)
                if not frame.unframed
            )
        )
        try:
            async with asyncio.timeout(self.keepalive_seconds):
                await connection.writer.drain()
        except (ConnectionError, OSError, TimeoutError):
            # The device does not take its answers: stop reading from it too.
            connection.failed = True
            connection.writer.transport.abort()

        self._note_device(connection, receipts)
        self._note_answers(connection, receipts, frames)
        self.worker.process(receipts)

    def _note_device(
        self, connection: Connection, receipts: Sequence[services.Receipt]
    ) -> None:
        """Remember the device a connection speaks for, from its first frame.

        Only a registered device's frames count. The centre address and
        protocol version that commands use come from its first full frame
        (a vendor heartbeat carries neither).
        """
        if connection.device_address is not None and connection.centre_known:
            return
        for receipt in receipts:
            frame = receipt.frame
            if receipt.status == "rejected" or receipt.reason or frame is None:
                continue
            if isinstance(frame, gb26875.Frame) and not connection.centre_known:
                connection.centre_address = frame.header.destination_address
                connection.version_main = frame.header.version_main
                connection.version_user = frame.header.version_user
                connection.centre_known = True
            if connection.device_address is not None:
                continue
            connection.device_address = frame.source_hex
            self._by_device[frame.source_hex] = connection
            logger.info(
                "event=device_connected device=%s peer=%s",
                frame.source_hex,
                connection.peer,
            )
            self._in_background(
                gateway_services.record_online,
                device_address=frame.source_hex,
                peer=connection.peer,
                at=timezone.now(),
            )

    def _note_answers(
        self,
        connection: Connection,
        receipts: Sequence[services.Receipt],
        frames: Sequence[services.IncomingFrame],
    ) -> None:
        """Match confirms, denies and duty check answers to commands sent."""
        for receipt, incoming in zip(receipts, frames, strict=True):
            frame = receipt.frame
            if not isinstance(frame, gb26875.Frame):
                continue
            raw_id = getattr(receipt.raw_record, "pk", None)
            command = frame.header.command
            if command in (codes.COMMAND_CONFIRM, codes.COMMAND_DENY):
                self._in_background(
                    gateway_services.answer_by_serial,
                    device_address=frame.source_hex,
                    serial=frame.header.serial,
                    answer=(
                        GatewayCommand.Answer.CONFIRMED
                        if command == codes.COMMAND_CONFIRM
                        else GatewayCommand.Answer.DENIED
                    ),
                    raw_record_id=raw_id,
                    at=incoming.received_at,
                )
            elif answers_duty_check(frame):
                self._in_background(
                    gateway_services.answer_roll_call,
                    device_address=frame.source_hex,
                    raw_record_id=raw_id,
                    at=incoming.received_at,
                )

    def _in_background(self, function: Callable[..., Any], /, **kwargs) -> None:
        """Queue database work nobody waits for; log it if it fails."""
        self.worker.submit(function, **kwargs).add_done_callback(_log_failure)

    def _forget(self, connection: Connection) -> None:
        self._connections.discard(connection)
        address = connection.device_address
        if address and self._by_device.get(address) is connection:
            del self._by_device[address]

    async def _mark_offline(
        self, connection: Connection, *, event: str, delay: float
    ) -> None:
        if delay:
            await asyncio.sleep(delay)
        try:
            await self.worker.call(
                gateway_services.record_offline,
                device_address=connection.device_address,
                peer=connection.peer,
                last_data_at=connection.last_data_at,
                at=timezone.now(),
                event=event,
            )
        except Exception:
            logger.exception(
                "event=offline_not_recorded device=%s", connection.device_address
            )

    async def _poll_commands(self) -> None:
        """Send the roll-calls and clock syncs asked for devices connected here."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            if not self._by_device:
                continue
            try:
                await self._send_commands()
            except Exception:
                logger.exception("event=command_poll_failed")

    async def _send_commands(self) -> None:
        valid = timedelta(minutes=gateway_services.COMMAND_VALID_MINUTES)
        commands = await self.worker.call(
            gateway_queries.pending_commands,
            list(self._by_device),
            requested_after=timezone.now() - valid,
        )
        for command in commands:
            connection = self._by_device.get(command.device.source_address)
            if connection is None or connection.closed:
                continue
            serial = connection.take_serial()
            data = _command_frame(connection, command, serial=serial)
            claimed = await self.worker.call(
                gateway_services.claim_command,
                command=command,
                serial=serial,
                sent_by=self.identity,
                frame=data,
                peer=connection.peer,
                at=timezone.now(),
            )
            if claimed:
                connection.send(data)


def _command_frame(
    connection: Connection, command: GatewayCommand, *, serial: int
) -> bytes:
    """Build the frame of a command, from the centre to the device."""
    address = int(command.device.source_address, 16)
    now = device_time()
    fields = {
        "serial": serial,
        "source_address": connection.centre_address,
        "destination_address": address,
        "version_main": connection.version_main,
        "version_user": connection.version_user,
    }
    if command.kind == GatewayCommand.Kind.ROLL_CALL:
        return gb26875.duty_check(
            timeout_minutes=command.timeout_minutes
            or gateway_services.ROLL_CALL_TIMEOUT_MINUTES,
            sent_at=now,
            **fields,
        )
    return gb26875.clock_sync(clock=now, **fields)


def _log_failure(future: ThreadFuture) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("event=database_job_failed", exc_info=future.exception())


def _read_pending() -> None:
    """Read the frames a stopped gateway stored and acknowledged but never read."""
    try:
        while services.process_pending() > 0:
            pass
    except Exception:
        # A frame that cannot be read must not keep the gateway from serving.
        logger.exception("event=pending_frames_not_read")
        _after_error()


def _peer_name(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


class GatewayThread:
    """Run a gateway's event loop on a background thread.

    `offsite run` serves the web on the main thread and the gateway here;
    tests start one per test.
    """

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gateway", daemon=True)

    @property
    def port(self) -> int:
        return self.gateway.port

    def start(self, *, timeout_seconds: float = 600) -> int:
        """Start the gateway and return its port once it listens.

        Starting includes reading frames a crash left unread, which may take
        a while after a long outage.
        """
        self._thread.start()
        if not self._started.wait(timeout_seconds):
            raise TimeoutError(f"gateway did not start within {timeout_seconds} s")
        if self._error is not None:
            raise self._error
        return self.gateway.port

    def stop(self, *, timeout_seconds: float = 30) -> None:
        """Stop the gateway and wait for its thread; stopping twice is harmless."""
        if not self._thread.is_alive():
            return
        if self._loop is not None and self._stop is not None:
            # RuntimeError: the loop ended on its own meanwhile.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout_seconds)

    def wait_idle(self, *, timeout_seconds: float = 30) -> bool:
        """Wait until the database thread has had nothing to do for a moment."""
        deadline = time.monotonic() + timeout_seconds
        quiet = 0
        while time.monotonic() < deadline:
            quiet = quiet + 1 if self.gateway.worker.idle() else 0
            if quiet >= 5:
                return True
            time.sleep(0.02)
        return False

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:
            self._error = error
            self._started.set()
            logger.exception("event=gateway_failed")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self.gateway.start()
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            await self.gateway.stop()
