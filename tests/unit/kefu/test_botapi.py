"""kefu.botapi: the web app's one client of the Rasa servers, against the real stack.

Conversation calls must reach the conversation the sender id names, whatever it holds: Rasa's
``/conversations/<conversation_id:path>/...`` route (Sanic 21.12) passed the id on undecoded,
so ``客户`` or ``a b`` percent-encoded named another, empty conversation.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from kefu.botapi import BotApiError, BotServers, BotUnreachable
from tests.stack import free_port

#: sender ids a REST caller may use, with what a URL path must encode
SENDER_IDS = ["shop:{n}", "a/b/{n}", "50%off-{n}", "two words {n}", "客户{n}", "x?y#z&{n}", "%2F%41-{n}"]


def nobody() -> str:
    """The address of a Rasa server that is not running (nothing listens on the port)."""
    return f"http://127.0.0.1:{free_port()}"


def run(coroutine):
    return asyncio.run(coroutine)


async def using(bots: BotServers, call):
    try:
        return await call(bots)
    finally:
        await bots.close()


@pytest.mark.parametrize("shape", SENDER_IDS)
def test_a_message_sent_into_a_conversation_reaches_its_customer_whatever_the_id_holds(stack, shape):
    sender = shape.format(n=uuid.uuid4().hex[:6])
    assert stack.say(sender, "你好")  # the REST customer's conversation (the id travels in a JSON body)
    bots = BotServers([stack.bot_url], stack.token)
    tracker = run(using(bots, lambda b: b.send_bot_message(sender, "您好，我是小林。", channel="rest",
                                                            metadata={"agent": "小林"})))
    assert tracker["sender_id"] == sender
    # the REST channel keeps it for the customer's next call (an empty message fetches it)
    assert [(m["text"], m.get("agent")) for m in stack.send(sender, "")] == [("您好，我是小林。", "小林")]


def test_an_intent_triggered_on_a_channel_answers_there(stack):
    sender = f"客户 {uuid.uuid4().hex[:6]}/x"
    greeting = stack.say(sender, "你好")
    bots = BotServers([stack.bot_url], stack.token)
    run(using(bots, lambda b: b.trigger_intent(sender, "greet", channel="rest")))
    assert [m["text"] for m in stack.send(sender, "")] == [greeting]


def test_conversation_calls_go_to_the_next_server_when_one_cannot_be_reached(stack):
    sender = f"failover-{uuid.uuid4().hex[:6]}"
    stack.say(sender, "你好")
    bots = BotServers([nobody(), stack.bot_url], stack.token)

    async def twice(b: BotServers):
        await b.post_events(sender, {"event": "slot", "name": "order_id", "value": "100000000001"})
        return await b.post_events(sender, {"event": "slot", "name": "order_id", "value": "100000000002"})

    tracker = run(using(bots, twice))
    assert tracker["slots"]["order_id"] == "100000000002"
    with pytest.raises(BotUnreachable, match="no Rasa server could be reached") as error:
        run(using(BotServers([nobody()], stack.token), lambda b: b.post_events(sender, {"event": "pause"})))
    assert sender not in str(error.value)  # no customer's id in what gets logged


def test_parsing_on_each_server_says_which_answered(stack):
    down = nobody()
    answers = run(using(BotServers([stack.bot_url, down], stack.token), lambda b: b.parse_each("运费多少钱")))
    assert answers[stack.bot_url]["intent"]["name"] == "faq"
    assert isinstance(answers[down], BotUnreachable) and answers[down].server == down
    parsed = run(using(BotServers([down, stack.bot_url], stack.token), lambda b: b.parse("运费多少钱")))
    assert parsed["text"] == "运费多少钱"


def test_a_refusal_says_which_server_and_why(stack):
    with pytest.raises(BotApiError) as error:
        run(using(BotServers([stack.bot_url], "not-the-token"), lambda b: b.parse("你好")))
    assert error.value.status == 401 and error.value.server == stack.bot_url
    assert not isinstance(error.value, BotUnreachable)


def test_loading_a_model_reports_each_server(stack, tmp_path):
    down = nobody()
    missing = tmp_path / "kefu-missing.tar.gz"
    results = run(using(BotServers([stack.bot_url, down], stack.token), lambda b: b.load_model(missing)))
    assert results[stack.bot_url].status == 400 and "model_file" in str(results[stack.bot_url])
    assert isinstance(results[down], BotUnreachable)
    assert stack.say(f"still-{uuid.uuid4().hex[:6]}", "你好")  # the running model stays


def test_the_channel_is_always_named(stack):
    bots = BotServers([stack.bot_url], stack.token)
    for channel in ("latest", ""):
        with pytest.raises(ValueError, match="never 'latest'"):
            run(using(bots, lambda b, channel=channel: b.send_bot_message("someone", "hi", channel=channel)))
