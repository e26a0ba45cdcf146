"""Helpers for the fault tests: a TCP proxy the test can cut, a port blocker, REST calls to replicas."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
import urllib.error
from typing import Any

from tests.stack import Stack, free_port, http

ORDER = ("我的订单到哪了", "261103004817", "8123")  # fixture order: in transit, SF9296037519664
ORDER_STATUS, ORDER_TRACKING = "运输中", "SF9296037519664"


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to a server; :meth:`cut` drops every connection and refuses new
    ones (as a database server that went away), :meth:`restore` listens again."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._transports: set[asyncio.BaseTransport] = set()

    def _call(self, coroutine) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def start(self) -> TcpProxy:
        self._thread.start()
        self.restore()
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port, reuse_address=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._transports |= {writer.transport, upstream_writer.transport}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                sink.transport.abort()
                self._transports.discard(sink.transport)

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    def cut(self) -> None:
        self._call(self._cut())

    def restore(self) -> None:
        self._call(self._listen())

    def stop(self) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


class PortBlocker:
    """Takes a port: accepts connections and closes them at once (a server that is down)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5
        while True:
            try:
                self.sock.bind(("127.0.0.1", port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def kill(pid: int) -> None:
    """SIGKILL a stack child (its own process group) and wait until it is gone."""
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} did not die")


def post(port: int, sender: str, text: str, *, timeout: float = 120) -> list[dict] | None:
    """A REST message to one replica: its replies, or ``None`` when that replica is unreachable."""
    try:
        status, replies = http("POST", f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                               {"sender": sender, "message": text}, timeout=timeout)
    except (urllib.error.URLError, ConnectionError, OSError):
        return None
    assert status == 200, (status, replies)
    return replies


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def conversation(stack: Stack, sender: str, port: int | None = None) -> tuple[list[str], list[str]]:
    """(user texts, bot text parts) of a conversation, as the Rasa HTTP API of a replica shows it."""
    token = stack.extra.get("token") or stack.token
    status, tracker = http("GET", f"http://127.0.0.1:{port or stack.bot_port}/conversations/{sender}/tracker"
                                  f"?token={token}")
    assert status == 200, (status, tracker)
    users = [e["text"] for e in tracker["events"] if e.get("event") == "user"]
    bots = [part for e in tracker["events"] if e.get("event") == "bot" and e.get("text")
            for part in e["text"].strip().split("\n\n")]
    return users, bots


def alternate_order_lookup(stack: Stack, sender: str) -> None:
    """An order lookup started on replica 1 and verified on replica 2; every reply exactly once."""
    first, second = stack.bot_port, stack.bot_port + 1
    turns = [("你好", first), (ORDER[0], second), (ORDER[1], first), (ORDER[2], second)]
    received: list[str] = []
    for number, (text, port) in enumerate(turns):
        replies = [r["text"] for r in post(port, sender, text) or [] if r.get("text")]
        assert replies, (text, port)
        verified = "\n".join(replies)
        if number < len(turns) - 1:  # nothing revealed before the phone check
            assert ORDER_STATUS not in verified and ORDER_TRACKING not in verified, verified
        received += replies
    assert ORDER_STATUS in verified and ORDER_TRACKING in verified, verified
    for port in (first, second):
        users, bots = conversation(stack, sender, port)
        assert users == [text for text, _ in turns]
        assert bots == received  # each reply once, in order, whichever replica sent it
