"""The sequential graph runner gives exactly what Rasa's Dask runner gives, on the trained model."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.engine.runner.dask import DaskGraphRunner

from bot.patches.runner import SequentialGraphRunner

MESSAGES = ["你好", "運費怎麼算", "how long does a refund take", "我的快递到哪了", "转人工", "今天天气怎么样",
            "261103004817", "", "😀", "谢谢"]


def _agent(model, runner_class):
    import rasa.core.processor
    from rasa.core.agent import Agent

    original = rasa.core.processor.DaskGraphRunner
    rasa.core.processor.DaskGraphRunner = runner_class
    try:
        return Agent.load(str(model))
    finally:
        rasa.core.processor.DaskGraphRunner = original


@pytest.fixture(scope="module")
def agents(trained_model):
    return _agent(trained_model, DaskGraphRunner), _agent(trained_model, SequentialGraphRunner)


def test_agents_really_use_the_runners_under_test(agents):
    dask_agent, sequential_agent = agents
    assert type(dask_agent.processor.graph_runner) is DaskGraphRunner
    assert type(sequential_agent.processor.graph_runner) is SequentialGraphRunner


@pytest.mark.parametrize("text", MESSAGES)
def test_same_parse(agents, text):
    dask_agent, sequential_agent = agents
    assert asyncio.run(sequential_agent.parse_message(text)) == asyncio.run(dask_agent.parse_message(text))


def test_same_conversation(agents):
    replies = []
    for agent in agents:
        async def converse(agent=agent):
            out = []
            for text in MESSAGES:
                channel = CollectingOutputChannel()
                await agent.handle_message(UserMessage(text, channel, "same-conversation"))
                out.append([m.get("text") for m in channel.messages])
            tracker = await agent.tracker_store.retrieve("same-conversation")
            return out, [e.as_dict().get("name") for e in tracker.events if e.type_name == "action"]

        replies.append(asyncio.run(converse()))
    assert replies[0] == replies[1]
