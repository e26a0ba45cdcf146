"""The real RabbitMQ server of this machine (127.0.0.1:5672, guest/guest) for tests and the load bench.

Each test publishes to an exchange and a queue of its own (:func:`names`) and deletes them after
(:func:`delete`), so tests never read each other's events. :class:`Outage` is a TCP relay in front
of RabbitMQ that can be cut (every connection dropped, new ones refused) and restored: RabbitMQ
"going away" for the stack under test, without stopping the server other processes use.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import threading
import time
import uuid
from typing import Any

RABBITMQ_HOST, RABBITMQ_PORT = "127.0.0.1", 5672
RABBITMQ_URL = f"amqp://guest:guest@{RABBITMQ_HOST}:{RABBITMQ_PORT}/"


def available() -> bool:
    try:
        with socket.create_connection((RABBITMQ_HOST, RABBITMQ_PORT), timeout=1):
            return True
    except OSError:
        return False


def names(prefix: str = "kefu-test") -> tuple[str, str]:
    """A fresh (exchange, queue) pair."""
    tag = f"{prefix}-{uuid.uuid4().hex[:10]}"
    return f"{tag}-exchange", f"{tag}-events"


def _run(coroutine: Any) -> Any:
    """Runs a coroutine to its end on a loop of its own (callable from sync code and from a test's loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _consume(queue: str, expect: int | None, timeout: float, idle: float) -> list[tuple[str, dict[str, Any]]]:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    bodies: list[tuple[str, dict[str, Any]]] = []
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True)
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while time.monotonic() < deadline:
            message = await declared.get(no_ack=False, fail=False)
            if message is None:
                # ``expect`` counts distinct events (message ids): a duplicate sent again after an
                # outage must not end the wait before the events kept during it have arrived
                if (expect is not None and len({message_id for message_id, _ in bodies}) >= expect) or (
                        expect is None and time.monotonic() - last > idle):
                    break
                await asyncio.sleep(0.05)
                continue
            last = time.monotonic()
            assert message.delivery_mode == 2, "events are persistent messages"
            bodies.append((str(message.message_id), json.loads(message.body)))
            await message.ack()
        # anything after the expected count is a duplicate: read it too
        if expect is not None:
            await asyncio.sleep(idle)
            while (message := await declared.get(no_ack=True, fail=False)) is not None:
                bodies.append((str(message.message_id), json.loads(message.body)))
    finally:
        await connection.close()
    return bodies


def consume_with_ids(queue: str, *, expect: int | None = None, timeout: float = 30,
                     idle: float = 1.0) -> list[tuple[str, dict[str, Any]]]:
    """Takes every message off ``queue`` (as a data team's consumer does, acknowledging each):
    until ``expect`` distinct ones (by message id) have come and nothing more for ``idle`` seconds, or (``expect`` None) until
    the queue stays empty for ``idle`` seconds; ``timeout`` at most. Each as (message id, event)."""
    return _run(_consume(queue, expect, timeout, idle))


def consume(queue: str, **kwargs: Any) -> list[dict[str, Any]]:
    """:func:`consume_with_ids`, the events alone."""
    return [body for _, body in consume_with_ids(queue, **kwargs)]


def first_of_each(messages: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The events with the duplicates dropped by message id, as a consumer should (an event
    RabbitMQ took just before a connection broke is sent again: at least once)."""
    seen: set[str] = set()
    events = []
    for message_id, body in messages:
        if message_id not in seen:
            seen.add(message_id)
            events.append(body)
    return events


async def _delete(exchange: str, queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)
    finally:
        await connection.close()


def delete(exchange: str, queue: str) -> None:
    _run(_delete(exchange, queue))


class Outage:
    """A TCP relay on 127.0.0.1:``port`` to RabbitMQ, on a thread of its own, that can be cut and restored."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.AbstractServer | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._answering = asyncio.Event()  # cleared: RabbitMQ's answers held back (used on the relay's loop)
        self._answering.set()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def restore(self) -> None:
        """Listens (again): RabbitMQ is reachable."""
        self._call(self._listen())

    def cut(self) -> None:
        """Drops every connection and refuses new ones: RabbitMQ is gone."""
        self._call(self._cut())

    def stall(self) -> None:
        """Holds back what RabbitMQ sends (its confirmations among it), connections kept open: a
        server that takes the messages and does not answer."""
        self._loop.call_soon_threadsafe(self._answering.clear)

    def resume(self) -> None:
        """Lets RabbitMQ's answers through again (those held back first)."""
        self._loop.call_soon_threadsafe(self._answering.set)

    def close(self) -> None:
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for client, upstream in list(self._pairs):
            client.transport.abort()
            upstream.transport.abort()
        self._pairs.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(RABBITMQ_HOST, RABBITMQ_PORT)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer, up_writer)
        self._pairs.add(pair)

        answering = self._answering

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, answers: bool = False) -> None:
            try:
                while data := await source.read(65536):
                    if answers:
                        await answering.wait()
                    sink.write(data)
                    await sink.drain()
            except (OSError, ConnectionError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer, answers=True))
        self._pairs.discard(pair)
