"""Two Rasa replicas on PostgreSQL and Redis, started as ``make run`` starts them, and the faults
issue 7 names: one conversation alternating between the replicas, the database unreachable for a
few seconds, the action server down, a replica killed mid-traffic, the whole stack restarted with
a handoff waiting. One stack for the module (the tests run in this order); PostgreSQL is reached
through a TCP proxy that the test can cut.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
import uuid

import pytest
from sqlalchemy.engine import make_url

from tests.conversations.handoffs import queue_entry, wait_for
from tests.databases import create_postgres_database, drop_postgres_database
from tests.reliability.faults import (
    ORDER,
    ORDER_STATUS,
    ORDER_TRACKING,
    PortBlocker,
    TcpProxy,
    alternate_order_lookup,
    conversation,
    kill,
    post,
    texts,
)
from tests.security.test_security_stack import _redis_up
from tests.stack import Stack, http, make_stack

pytestmark = [pytest.mark.stack, pytest.mark.postgres]

APOLOGY_ZH = "抱歉，系统出了点技术问题，请稍后再试。"


def sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def database(postgres_server):
    url = create_postgres_database(postgres_server)
    target = make_url(url)
    proxy = TcpProxy(target.port or 5432, target.host or "127.0.0.1").start()
    yield proxy, str(target.set(port=proxy.port).render_as_string(hide_password=False))
    proxy.stop()
    drop_postgres_database(postgres_server, url)


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory, trained_model, database) -> Stack:
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    _proxy, url = database
    running = make_stack(tmp_path_factory.mktemp("reliability-pg"), database_url=url, replicas=2, env={
        "REDIS_URL": "redis://127.0.0.1:6379/10",
        "HANDOFF_SERVICE_HOURS": "00:00-24:00",
    })
    running.start()
    yield running
    running.stop()


def test_one_conversation_alternating_between_replicas(pg_stack):
    alternate_order_lookup(pg_stack, sender("alt-pg"))


async def test_an_agents_message_reaches_a_widget_on_the_other_replica(pg_stack):
    """The console sends an agent's message through one replica (the web app's preferred one); the
    shopper's widget socket may be held by the other: the message must reach it live, not only in
    the history after a reconnect."""
    import asyncio

    from tests.widget_client import WidgetClient

    widget = await WidgetClient.open(f"http://127.0.0.1:{pg_stack.bot_port + 1}")
    try:
        await widget.say("转人工")
        assert "排在第" in (await widget.next(60))["text"]
        agent = await asyncio.to_thread(pg_stack.login, "agent")
        handoff = await asyncio.to_thread(queue_entry, pg_stack, agent, widget.sender, "waiting")
        for path, body, expected in ((f"/api/handoffs/{handoff['id']}/claim", None, 200),
                                     (f"/api/handoffs/{handoff['id']}/messages", {"text": "您好，我是客服小周。"}, 201)):
            status, _ = await asyncio.to_thread(pg_stack.api, "POST", path, body, token=agent)
            assert status == expected
        pushed = await widget.next(20)
        while "客服小周" not in pushed.get("text", ""):  # e.g. the "an agent has joined" notice first
            pushed = await widget.next(20)
        assert pushed["metadata"]["agent"]
    finally:
        await widget.close()


def test_database_unreachable_gets_an_apology_and_the_bot_recovers_by_itself(pg_stack, database):
    proxy, _url = database
    shopper, first, second = sender("dbdown"), pg_stack.bot_port, pg_stack.bot_port + 1
    assert "订单号" in texts(post(first, shopper, ORDER[0]))
    proxy.cut()
    try:
        # both replicas answer with an apology (not silence, not a 500), in the message's language
        replies = post(first, shopper, "还在吗？", timeout=60)
        assert replies == [{"recipient_id": shopper, "text": APOLOGY_ZH}], replies
        english = post(second, shopper, "where is my order?", timeout=60)
        assert english[0]["text"].startswith("Sorry, we have a technical"), english
        digits_only = texts(post(second, shopper, ORDER[1], timeout=60))  # no words: both languages
        assert APOLOGY_ZH in digits_only and "Sorry" in digits_only
    finally:
        proxy.restore()
    # the same conversation carries on where it was, on either replica, with nothing to restart
    assert "手机号" in texts(post(second, shopper, ORDER[1]))
    verified = texts(post(first, shopper, ORDER[2]))
    assert ORDER_STATUS in verified and ORDER_TRACKING in verified
    users, _bots = conversation(pg_stack, shopper)
    assert users == list(ORDER)  # the turns that met the outage left nothing behind
    log = pg_stack.log()
    assert "the database or Redis is unavailable" in log and "261103004817" not in log


async def test_database_unreachable_the_widget_gets_the_apology_too(pg_stack, database):
    import asyncio

    from tests.widget_client import WidgetClient

    proxy, _url = database
    widget = await WidgetClient.open(pg_stack.bot_url)
    try:
        await asyncio.to_thread(proxy.cut)
        try:
            await widget.say("运费怎么算")
            assert (await widget.next(60))["text"] == APOLOGY_ZH
        finally:
            await asyncio.to_thread(proxy.restore)
        await widget.say("运费怎么算")
        assert "99" in (await widget.next(60))["text"]
    finally:
        await widget.close()


def test_a_replica_killed_mid_traffic_loses_nothing(pg_stack):
    first, second = pg_stack.bot_port, pg_stack.bot_port + 1
    shopper = sender("kill")
    assert "订单号" in texts(post(first, shopper, ORDER[0]))
    assert "手机号" in texts(post(second, shopper, ORDER[1]))

    # other shoppers keep writing to both replicas, as a load balancer spreads them; a message the
    # dead replica did not answer is sent again to the other one (what a load balancer retries)
    stop = threading.Event()
    questions = ["运费怎么算", "退款多久到账", "你好", "怎么开发票"]

    def traffic(index: int) -> tuple[str, list[str], set[str]]:
        name, acknowledged, retried = sender(f"load{index}"), [], set()
        count = 0
        while not stop.is_set() and count < 40:
            text = f"{questions[count % len(questions)]} {count}"
            replies = post((first, second)[(index + count) % 2], name, text)
            if replies is None:
                retried.add(text)
                replies = post(first, name, text)  # may wait TICKET_LOCK_LIFETIME for a dead holder
            assert replies is not None, text
            acknowledged.append(text)
            count += 1
        return name, acknowledged, retried

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        senders = [pool.submit(traffic, i) for i in range(4)]
        time.sleep(3)
        [replica] = pg_stack.children("bot.server", second)
        kill(replica)
        assert post(second, shopper, ORDER[2], timeout=5) is None  # that replica is gone ...
        verified = texts(post(first, shopper, ORDER[2]))  # ... and the conversation goes on on the other
        time.sleep(2)
        stop.set()
        results = [future.result() for future in senders]

    assert ORDER_STATUS in verified and ORDER_TRACKING in verified
    assert conversation(pg_stack, shopper)[0] == list(ORDER)
    for name, acknowledged, retried in results:
        users, _bots = conversation(pg_stack, name)
        # every acknowledged message is there once, in order; only one the dead replica took before
        # dying (and that was sent again to the other) may be there twice, one after the other
        once = [text for i, text in enumerate(users) if i == 0 or text != users[i - 1]]
        assert once == acknowledged, (users, acknowledged)
        assert all(users.count(text) == 1 or text in retried for text in acknowledged), (users, retried)
    # the launcher brings the replica back, and it knows the conversation
    wait_for(lambda: _port_open(second) and http("GET", f"http://127.0.0.1:{second}/", timeout=2)[0] == 200,
             timeout=180, interval=1, message="the killed replica back")
    assert ORDER_STATUS in texts(post(second, shopper, "查订单"))  # the verified order, remembered
    assert conversation(pg_stack, shopper, second)[0] == [*ORDER, "查订单"]


def test_action_server_down_gets_a_friendly_reply_and_a_human(pg_stack):
    [actions] = pg_stack.children("bot.action_server")
    kill(actions)
    blocker = PortBlocker(pg_stack.actions_port)  # the launcher's restarts find the port taken
    try:
        shopper = sender("actions-down")
        replies = post(pg_stack.bot_port, shopper, ORDER[0])
        offer = texts(replies)
        assert "暂时无法使用" in offer and "转人工" in offer, offer
        assert any(b["title"] == "转人工" for r in replies for b in r.get("buttons", [])), replies
        queued = texts(post(pg_stack.bot_port + 1, shopper, "转人工"))
        assert "正在为您转接人工客服" in queued and "排在第" in queued, queued
        agent = pg_stack.login("agent")
        assert queue_entry(pg_stack, agent, shopper, status="waiting")["reason"] == "customer_request"
        assert "custom action action_handoff_request ran inside the Rasa server instead" in pg_stack.log()
        english = sender("actions-down-en")
        assert "human" in texts(post(pg_stack.bot_port, english, "cancel my order 261121000215"))
    finally:
        blocker.close()
    # the launcher brings the action server back by itself
    wait_for(lambda: http("GET", f"http://127.0.0.1:{pg_stack.actions_port}/health", timeout=2)[0] == 200
             if _port_open(pg_stack.actions_port) else False, timeout=90, interval=1, message="the action server")
    assert "订单号" in texts(post(pg_stack.bot_port, sender("actions-back"), ORDER[0]))


def _port_open(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_the_whole_stack_restarted_keeps_a_waiting_handoff(pg_stack):
    shopper = sender("restart")
    assert "订单号" in texts(post(pg_stack.bot_port, shopper, ORDER[0]))
    assert "排在第" in texts(post(pg_stack.bot_port + 1, shopper, "转人工"))
    agent = pg_stack.login("agent")
    assert queue_entry(pg_stack, agent, shopper, status="waiting")

    assert pg_stack.stop() is not None
    pg_stack.start()  # same DATABASE_URL, same Redis

    agent = pg_stack.login("agent")
    handoff = queue_entry(pg_stack, agent, shopper, status="waiting")
    assert pg_stack.api("POST", f"/api/handoffs/{handoff['id']}/claim", token=agent)[0] == 200
    status, _ = pg_stack.api("POST", f"/api/handoffs/{handoff['id']}/messages",
                             {"text": "您好，我是客服小李，您的订单我来帮您查。"}, token=agent)
    assert status == 201
    received = wait_for(lambda: [r for r in post(pg_stack.bot_port + 1, shopper, "") or []
                                 if "客服小李" in r.get("text", "")], timeout=30, interval=0.5,
                        message="the agent's message at the shopper")
    assert len(received) == 1
    users, _bots = conversation(pg_stack, shopper)
    assert users == [ORDER[0], "转人工"]
