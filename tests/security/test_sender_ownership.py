"""A conversation belongs to the shopper who started it (issue 16, item 1), on the real stack.

An attacker here is a REST caller who knows (or guesses) another channel's sender id, or a second
browser (B) that knows what shopper A's browser holds or what staff and logs see of A's
conversation. Neither reads, joins or speaks in A's conversation.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.request
import uuid

import pytest

from tests.channels.conftest import TelegramSide, WeChatSide, new_openid, unique_id, user_events, wechat_text
from tests.fakes import wait_for
from tests.stack import Stack, http
from tests.widget_client import TOKEN_SHAPE, WidgetClient, widget_sender

pytestmark = pytest.mark.stack


def rest(stack: Stack, sender: str, message: str, **extra) -> tuple[int, object]:
    return http("POST", f"{stack.bot_url}/webhooks/rest/webhook", {"sender": sender, "message": message, **extra})


def events(stack: Stack, sender: str) -> list[dict]:
    return stack.tracker(sender).get("events", [])


def staff_sender_id(stack: Stack, text: str) -> str:
    """The sender id of the conversation in which a customer wrote ``text``, as the console, the
    handoff queue and analytics see it (the app database's conversation events)."""
    def lookup():
        with sqlite3.connect(stack.var_dir / "app.db") as db:
            row = db.execute("SELECT sender_id FROM conversation_events WHERE type = 'user' AND text = ?",
                             (text,)).fetchone()
        return row[0] if row else None

    return wait_for(lookup, timeout=20)


def stored(stack: Stack, sender: str, count: int = 1) -> None:
    """Waits until Rasa has stored the conversation's turn (it saves just after replying)."""
    user_events(stack, sender, count)


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def marker(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:8]} 我的手机尾号8123"


# -- REST cannot speak for another channel's conversations ------------------------------------------
def test_a_rest_caller_cannot_speak_as_a_telegram_shopper_who_verified_an_order(channels_stack, fake_telegram):
    stack, telegram = channels_stack, TelegramSide(channels_stack)
    chat = unique_id()
    for count, text in enumerate(("我的订单到哪了", "261103004817", "8123"), 1):
        assert telegram.post(telegram.message(chat, text=text))[0] == 200
        user_events(stack, f"tg:{chat}", count)  # answered and stored before the next one
    # verified on Telegram: the status and tracking number went to the chat
    wait_for(lambda: any("SF9296037519664" in text for text in fake_telegram.sent_texts(chat)), timeout=30)
    before, sent = len(events(stack, f"tg:{chat}")), len(fake_telegram.sent_texts(chat))

    for sender in (f"tg:{chat}", f"TG:{chat}", f"  tg:{chat}"):
        for message in ("我的订单到哪了", "取消订单", "是", ""):
            status, body = rest(stack, sender, message)
            assert status == 400, (sender, message, status, body)
            assert "tg:" in body["error"] and "Telegram" in body["error"]
            assert "SF9296037519664" not in json.dumps(body, ensure_ascii=False)
    time.sleep(1)
    assert len(events(stack, f"tg:{chat}")) == before  # the Telegram conversation is untouched
    assert len(fake_telegram.sent_texts(chat)) == sent


def test_a_rest_caller_cannot_speak_as_a_wechat_follower(channels_stack):
    stack, wechat = channels_stack, WeChatSide(channels_stack)
    openid = new_openid()
    assert wechat.post_encrypted(wechat_text(openid, "你好"))[0] == 200
    user_events(stack, f"wx:{openid}", 1)
    before = len(events(stack, f"wx:{openid}"))
    for message in ("我的订单到哪了", ""):
        status, body = rest(stack, f"wx:{openid}", message)
        assert status == 400 and "wx:" in body["error"] and "WeChat" in body["error"], body
    time.sleep(1)
    assert len(events(stack, f"wx:{openid}")) == before


async def test_a_rest_caller_cannot_speak_in_a_widget_conversation(stack):
    shopper = await WidgetClient.open(stack.bot_url)
    try:
        said = marker("widget")
        await shopper.say(said)
        await shopper.next()
        sender = await asyncio.to_thread(staff_sender_id, stack, said)
        before = len(await asyncio.to_thread(events, stack, sender))
        legacy = uuid.uuid4().hex
        for claimed in (sender, f"web:{uuid.uuid4().hex[:22]}", legacy, legacy.upper()):
            status, body = await asyncio.to_thread(rest, stack, claimed, "我的订单到哪了")
            assert status == 400 and "widget" in body["error"], (claimed, status, body)
        for claimed in (shopper.token, shopper.token.split(".")[0]):  # a REST conversation of its own
            status, body = await asyncio.to_thread(rest, stack, claimed, "我的订单到哪了")
            assert status == 200 and body[0]["recipient_id"] == claimed
        assert await shopper.quiet_for(2)
        assert len(await asyncio.to_thread(events, stack, sender)) == before
    finally:
        await shopper.close()


def test_rest_callers_keep_their_own_ids(stack):
    """The README's examples and an integrator's own ids still work."""
    for sender in (f"shop-user-{uuid.uuid4().hex[:8]}", f"{uuid.uuid4().hex[:31]}", f"order-{uuid.uuid4().hex}",
                   f"telegram-fan-{unique_id()}"):
        status, body = rest(stack, sender, "运费怎么算")
        assert status == 200 and "99" in json.dumps(body, ensure_ascii=False), (sender, body)


# -- REST metadata: known keys, capped -----------------------------------------------------------------
def test_rest_metadata_is_capped_and_limited_to_known_keys(stack):
    sender = f"meta-{uuid.uuid4().hex[:8]}"
    status, body = rest(stack, sender, "你好", metadata={"locale": "en-US", "page": "/cart"})
    assert status == 400 and "'page'" in body["error"] and "customer_token" in body["error"], body
    status, body = rest(stack, sender, "你好", metadata={"locale": "x" * 30_000})  # over 4 KB, a small body
    assert status == 400 and "4096" in body["error"], body
    status, body = rest(stack, sender, "你好", metadata={"locale": "x" * 300_000})  # over the body limit
    assert status == 413, body
    status, body = rest(stack, sender, "你好", metadata={"customer_token": "forged.token.value"})
    assert status == 400 and "customer_token" in body["error"], body
    assert [e for e in events(stack, sender) if e.get("event") == "user"] == []  # nothing was stored
    status, body = rest(stack, sender, "你好", metadata={"locale": "en-US"})
    assert status == 200 and body


# -- widget sessions are issued, signed and bound ------------------------------------------------------
async def test_session_ids_are_issued_by_the_server(stack):
    legacy = uuid.uuid4().hex
    first = await WidgetClient.open(stack.bot_url)
    try:
        assert TOKEN_SHAPE.fullmatch(first.token), first.token
        said = marker("issued")
        await first.say(said)
        await first.next()
        sender = await asyncio.to_thread(staff_sender_id, stack, said)
        assert sender == widget_sender(first.token) and first.token not in sender  # staff never see the token
        for chosen in ("my-own-session", legacy, tampered(first.token), first.token.split(".")[0] + ".", sender,
                       first.token.split(".")[0][:-1] + "x." + first.token.split(".")[1], 12345):
            other = await WidgetClient.open(stack.bot_url, chosen)
            try:
                assert TOKEN_SHAPE.fullmatch(other.token) and other.token != first.token, (chosen, other.token)
                assert other.sender != sender
            finally:
                await other.close()
        again = await WidgetClient.open(stack.bot_url, first.token)  # a valid token keeps its session
        try:
            assert again.token == first.token
            assert said in [m["text"] for m in await again.history()]
        finally:
            await again.close()
    finally:
        await first.close()


async def test_another_browser_cannot_read_a_shoppers_history(stack):
    a = await WidgetClient.open(stack.bot_url)
    b = await WidgetClient.open(stack.bot_url)
    unbound = WidgetClient(stack.bot_url)
    await unbound.connect()
    try:
        said = marker("A")
        await a.say(said)
        await a.next()
        sender = await asyncio.to_thread(staff_sender_id, stack, said)
        assert said in [m["text"] for m in await a.history()]  # A reads its own
        forged = a.token.split(".")[0] + "." + (b.token.partition(".")[2] or "A" * 22)  # B's signature
        for named in (a.token, sender, a.token.split(".")[0], tampered(a.token), forged):
            for client in (b, unbound):
                history = await client.history(named)
                assert said not in json.dumps(history, ensure_ascii=False) and "8123" not in json.dumps(history), \
                    (named, history)
    finally:
        for client in (a, b, unbound):
            await client.close()


async def test_another_browser_cannot_join_a_shoppers_conversation(stack):
    a = await WidgetClient.open(stack.bot_url)
    intruders: list[WidgetClient] = []
    try:
        said = marker("A")
        await a.say(said)
        await a.next()
        sender = await asyncio.to_thread(staff_sender_id, stack, said)
        forged = a.token.split(".")[0] + "." + "A" * 22
        for claim in (sender, a.token.split(".")[0], forged, tampered(a.token)):
            intruder = await WidgetClient.open(stack.bot_url, claim)
            intruders.append(intruder)
            assert intruder.token != a.token and intruder.sender != sender
        await a.say("运费怎么算")
        assert "运费" in (await a.next())["text"]
        for intruder in intruders:
            assert await intruder.quiet_for(0.5)  # none of A's later replies
    finally:
        for client in (a, *intruders):
            await client.close()


async def test_another_browser_cannot_speak_in_a_shoppers_conversation(stack):
    a = await WidgetClient.open(stack.bot_url)
    b = await WidgetClient.open(stack.bot_url)
    unbound = WidgetClient(stack.bot_url)
    await unbound.connect()
    try:
        said = marker("A")
        await a.say(said)
        await a.next()
        sender = await asyncio.to_thread(staff_sender_id, stack, said)
        intrusions = []
        for client, named in ((b, a.token), (b, sender), (b, tampered(a.token)), (unbound, sender),
                              (unbound, tampered(a.token)), (unbound, a.token.split(".")[0])):
            text = f"intruder {uuid.uuid4().hex[:6]} 取消订单"
            intrusions.append(text)
            await client.say(text, named)
        assert await a.quiet_for(3)  # A's conversation did not answer anyone
        assert await b.quiet_for(0.1) and await unbound.quiet_for(0.1)
        texts = [e.get("text") for e in await asyncio.to_thread(events, stack, sender) if e.get("event") == "user"]
        assert texts == [said]
        await b.say("你好")  # B still speaks in its own conversation
        assert "明镜商城" in (await b.next())["text"]
    finally:
        for client in (a, b, unbound):
            await client.close()


async def test_a_reconnecting_tab_whose_first_event_is_a_message_is_answered(stack):
    """Socket.IO clients that resend a buffered message before ``session_request`` (as socket.io
    does after a reconnect) keep working with their own token."""
    a = await WidgetClient.open(stack.bot_url)
    token = a.token
    await a.close()
    back = WidgetClient(stack.bot_url)
    await back.connect()
    try:
        await back.say("你好", token)
        assert "明镜商城" in (await back.next())["text"]
        await asyncio.to_thread(stored, stack, widget_sender(token))
        assert next(m["text"] for m in await back.history(token)) == "你好"
    finally:
        await back.close()


# -- kefu_history is rate-limited per socket and per address -------------------------------------------
async def test_history_is_rate_limited_per_socket(stack):
    a = await WidgetClient.open(stack.bot_url, source_ip="127.0.0.31")
    try:
        said = marker("limited")
        await a.say(said)
        await a.next()
        await asyncio.to_thread(staff_sender_id, stack, said)  # stored
        answers = [await a.history() for _ in range(12)]
        assert all(isinstance(h, list) and h for h in answers[:10]), answers[:10]
        assert all(not isinstance(h, list) and "too many" in h["error"] for h in answers[10:]), answers[10:]
        tab = await WidgetClient.open(stack.bot_url, a.token, source_ip="127.0.0.31")
        try:  # another tab of the same session, from the same address: its own budget
            assert (await tab.history())[0]["text"] == said
        finally:
            await tab.close()
    finally:
        await a.close()


async def test_history_is_rate_limited_per_address(stack):
    a = await WidgetClient.open(stack.bot_url, source_ip="127.0.0.32")
    tabs: list[WidgetClient] = []
    try:
        said = marker("limited")
        await a.say(said)
        await a.next()
        await asyncio.to_thread(staff_sender_id, stack, said)  # stored
        started = time.monotonic()
        answered = refused = 0
        for _ in range(8):  # 8 tabs of 9 calls: no socket reaches its own limit of 10 a minute
            tab = await WidgetClient.open(stack.bot_url, a.token, source_ip="127.0.0.32")
            tabs.append(tab)
            for _ in range(9):
                reply = await tab.history()
                if isinstance(reply, list) and reply:
                    answered += 1
                else:
                    assert "too many" in reply["error"], reply
                    refused += 1
        elapsed = time.monotonic() - started
        assert refused >= 1 and 60 <= answered <= 60 + elapsed + 1, (answered, refused, elapsed)
        elsewhere = await WidgetClient.open(stack.bot_url, a.token, source_ip="127.0.0.33")
        try:  # another address is not affected
            assert (await elsewhere.history())[0]["text"] == said
        finally:
            await elsewhere.close()
    finally:
        for client in (a, *tabs):
            await client.close()


async def test_socketio_refuses_an_oversized_packet(stack):
    """Socket.IO's buffer is capped like the rest of the server (KEFU_MAX_REQUEST_BYTES)."""
    def handshake() -> dict:
        with urllib.request.urlopen(f"{stack.bot_url}/socket.io/?EIO=4&transport=polling", timeout=10) as reply:
            return json.loads(reply.read().decode()[1:])

    assert (await asyncio.to_thread(handshake))["maxPayload"] == 256 * 1024
    shopper = await WidgetClient.open(stack.bot_url)
    try:
        await shopper.say("运费怎么算" + "。" * (100 * 1024))  # 300 KB of UTF-8
        assert await shopper.quiet_for(5)
    finally:
        await shopper.close()
    assert [e for e in await asyncio.to_thread(events, stack, shopper.sender) if e.get("event") == "user"] == []
