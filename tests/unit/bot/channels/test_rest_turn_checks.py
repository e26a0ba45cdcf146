"""A REST turn's two looks at the app database (who holds the conversation, what waits in its
outbox), asked in one statement: the REST channel's real blueprint over HTTP, the real handoff
record and outbox (SQLite and PostgreSQL), Rasa's in-memory lock store and the scripted processor
of test_gate.py standing in for Rasa."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import httpx
import sqlalchemy as sa
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore

from bot.channels.gate import Gate
from bot.channels.rest import KefuRestInput
from handoff.states import Status
from handoff.store import HandoffStore, NewHandoff
from kefu.db import get_engine, reader
from kefu.outbox import put_outbox
from tests.unit.bot.channels.conftest import serving
from tests.unit.bot.channels.test_gate import Processor


class Bot:
    """Answers every message it is handed with one line."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, f"bot: {message.text}")


def agent() -> SimpleNamespace:
    return SimpleNamespace(lock_store=InMemoryLockStore(), processor=Processor(), is_ready=lambda: True,
                           tracker_store=None)


async def say(client: httpx.AsyncClient, url: str, sender: str, text: str) -> list[str]:
    reply = await client.post(f"{url}/webhook", json={"sender": sender, "message": text})
    assert reply.status_code == 200, reply.text
    return [m["text"] for m in reply.json()]


def agent_writes(url: str, sender: str, text: str) -> None:
    """What Rasa's HTTP API does with an agent's message for a REST customer (web app → outbox)."""
    put_outbox(url, sender, {"recipient_id": sender, "text": text, "agent": "小林"})


async def test_a_handoff_taken_between_two_turns_stops_the_bot_and_the_agents_words_arrive(database_url):
    bot = Bot()
    async with serving(KefuRestInput(database_url), bot, "/webhooks/rest", gate=Gate(HandoffStore(database_url)),
                       agent=agent()) as url, httpx.AsyncClient() as client:
        assert await say(client, url, "shopper", "运费怎么算") == ["bot: 运费怎么算"]
        # another replica's turn or the web app, between the customer's two messages
        HandoffStore(database_url).open_handoff(NewHandoff("shopper", "rest", "customer_request", 1),
                                                status=Status.WAITING, actor="bot", at=dt.datetime.now(dt.timezone.utc))
        agent_writes(database_url, "shopper", "您好，我是小林")
        assert await say(client, url, "shopper", "还在吗") == ["您好，我是小林"]  # the agent's, no bot reply
        assert await say(client, url, "shopper", "喂") == []  # delivered once; still no bot
    assert bot.heard == ["运费怎么算"]


async def test_a_message_put_in_the_outbox_between_turns_comes_first_in_the_next_reply_once(database_url):
    async with serving(KefuRestInput(database_url), Bot(), "/webhooks/rest", gate=Gate(HandoffStore(database_url)),
                       agent=agent()) as url, httpx.AsyncClient() as client:
        assert await say(client, url, "shopper", "你好") == ["bot: 你好"]
        agent_writes(database_url, "shopper", "评价一下本次服务吧")
        assert await say(client, url, "shopper", "好的") == ["评价一下本次服务吧", "bot: 好的"]
        assert await say(client, url, "shopper", "5") == ["bot: 5"]


async def test_a_quiet_turn_asks_the_database_once_for_both(database_url):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = reader(database_url)
    async with serving(KefuRestInput(database_url), Bot(), "/webhooks/rest", gate=Gate(HandoffStore(database_url)),
                       agent=agent()) as url, httpx.AsyncClient() as client:
        await say(client, url, "warm", "你好")
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            assert await say(client, url, "shopper", "你好") == ["bot: 你好"]
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
    [statement] = statements  # the hold and the outbox in one round trip (before: one each)
    assert "handoffs" in statement and "outbox_messages" in statement


async def test_when_the_handoff_record_cannot_be_read_the_bot_answers_and_waiting_messages_still_arrive(
        database_url):
    agent_writes(database_url, "shopper", "您好，我是小林")
    with get_engine(database_url).begin() as connection:  # the record's table is gone: every look fails
        connection.execute(sa.text("ALTER TABLE handoffs RENAME TO handoffs_elsewhere"))
    async with serving(KefuRestInput(database_url), Bot(), "/webhooks/rest", gate=Gate(HandoffStore(database_url)),
                       agent=agent()) as url, httpx.AsyncClient() as client:
        assert await say(client, url, "shopper", "还在吗") == ["您好，我是小林", "bot: 还在吗"]
