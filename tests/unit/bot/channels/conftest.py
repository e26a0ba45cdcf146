"""In-process channel tests: a channel's real Sanic blueprint served on 127.0.0.1, a scripted bot
standing in for Rasa, and the fake messenger APIs of tests/fakes.py."""

from __future__ import annotations

import contextlib
import socket
import tempfile
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sanic import Sanic

from tests.databases import migrated_sqlite
from tests.fakes import FakeTelegramApi, FakeWeChatApi


class ReadyAgent:
    """What a channel sees of Rasa's agent: ready, with no conversations stored."""

    tracker_store = None

    def is_ready(self) -> bool:
        return True


def empty_handoff_record() -> str:
    """A migrated app database of its own, with no handoff in it (tests/databases.py)."""
    return migrated_sqlite(Path(tempfile.mkdtemp(prefix="kefu-channels-")) / "app.db")


@contextlib.asynccontextmanager
async def serving(channel: Any, on_new_message, prefix: str, *, gate: Any = None, agent: Any = None):
    """Serves ``channel.blueprint(on_new_message)`` under ``prefix``; yields the base URL. The
    channel's gate (default: one asking an empty handoff record, so every message goes to
    ``on_new_message``) and what the channel sees of Rasa's agent (default: :class:`ReadyAgent`,
    which has no lock store: the gate then hands every message over without asking) can be given."""
    from bot.channels.gate import Gate
    from handoff.store import HandoffStore

    channel.gate = gate or Gate(HandoffStore(empty_handoff_record()))
    Sanic.test_mode = True  # several apps in one process (as sanic-testing does)
    app = Sanic(f"kefu_test_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent or ReadyAgent()
    app.blueprint(channel.blueprint(on_new_message), url_prefix=prefix)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}{prefix}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


@pytest.fixture
def fake_wechat_api():
    fake = FakeWeChatApi("wxunit0000000000", "unit-secret").start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_bot_api():
    fake = FakeTelegramApi("42:unit-test-token").start()
    yield fake
    fake.stop()


def app_stub() -> Any:
    return SimpleNamespace(ctx=SimpleNamespace(agent=ReadyAgent()))
