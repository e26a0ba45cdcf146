"""The REST channel's outbox: messages sent outside a reply wait for the customer's next call."""

from __future__ import annotations

import asyncio

from bot.channels.rest import KefuRestInput


async def test_agent_message_waits_for_the_next_call_and_is_delivered_once(database_url):
    channel = KefuRestInput(database_url)
    output = channel.get_output_channel()
    assert output.name() == "rest"  # Rasa keeps the conversation's channel as "rest"
    await output.send_response("shopper-1", {"text": "您好，我是小林", "agent": "小林"})
    await output.send_response("shopper-1", {"text": "请问订单号是多少？"})
    await output.send_response("shopper-2", {"text": "别人的消息"})
    first = await channel.pending_messages("shopper-1")
    assert [(m["recipient_id"], m["text"], m.get("agent")) for m in first] == [
        ("shopper-1", "您好，我是小林", "小林"), ("shopper-1", "请问订单号是多少？", None)]
    assert await channel.pending_messages("shopper-1") == []
    assert [m["text"] for m in await channel.pending_messages("shopper-2")] == ["别人的消息"]


async def test_two_calls_at_once_never_both_get_a_message(database_url):
    channel = KefuRestInput(database_url)
    for index in range(5):
        await channel.get_output_channel().send_response("s", {"text": f"m{index}"})
    results = await asyncio.gather(*(channel.pending_messages("s") for _ in range(4)))
    texts = [m["text"] for batch in results for m in batch]
    assert sorted(texts) == [f"m{i}" for i in range(5)]
