"""Shared channel pieces: de-duplication memory, retries, agent names, languages."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.channels.common import (
    SeenCache,
    TransientError,
    agent_name,
    reply_language,
    retrying,
    text_please,
    with_agent_prefix,
)


def test_seen_cache_remembers_then_forgets(monkeypatch):
    cache = SeenCache(ttl=10, capacity=3)
    assert cache.first_time(1) and not cache.first_time(1)
    for key in (2, 3, 4):
        assert cache.first_time(key)
    assert 1 not in cache and cache.first_time(1)  # oldest forgotten beyond capacity
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 11)
    assert cache.first_time(4)  # expired


async def test_retrying_until_success_with_pauses():
    attempts: list[float] = []

    async def flaky():
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise TransientError("HTTP 500")
        return "sent"

    assert await retrying(flaky, what="test call", delays=(0.05, 0.1)) == "sent"
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] >= 0.04 and attempts[2] - attempts[1] >= 0.09


async def test_retrying_gives_up_and_logs(caplog):
    async def down():
        raise TransientError("connection refused")

    with pytest.raises(TransientError):
        await retrying(down, what="sendMessage", delays=(0.01, 0.01))
    assert "sendMessage failed 3 times, giving up" in caplog.text


async def test_retrying_respects_retry_after():
    calls: list[float] = []

    async def limited():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise TransientError("429", retry_after=0.2)
        return True

    await retrying(limited, what="x", delays=(0.01,))
    assert calls[1] - calls[0] >= 0.18  # asyncio may wake a hair early


async def test_other_errors_are_not_retried():
    calls = []

    async def broken():
        calls.append(1)
        raise ValueError("bad request")

    with pytest.raises(ValueError):
        await retrying(broken, what="x", delays=(0.01, 0.01))
    assert calls == [1]


@pytest.mark.parametrize("message, expected", [
    ({"text": "hi", "agent": "小林"}, "小林"),
    ({"agent_name": "Lin"}, "Lin"),
    ({"agent": {"name": "Lin", "id": 3}}, "Lin"),
    ({"metadata": {"agent": "小林"}}, "小林"),
    ({"role": "agent"}, "客服 Agent"),
    ({"utter_action": "utter_greet"}, None),
    ({"agent": "  "}, None),
    ({}, None),
])
def test_agent_name(message, expected):
    assert agent_name(message) == expected


def test_agent_prefix():
    assert with_agent_prefix("您好", {"agent": "小林"}) == "小林：您好"
    assert with_agent_prefix("您好", {}) == "您好"


@pytest.mark.parametrize("conversation, hint, expected", [
    ("en", "zh-hans", "en"),
    ("zh-Hant", None, "zh-Hant"),
    (None, "en-GB", "en"),
    (None, "ru", "en"),
    (None, "zh-TW", "zh-Hant"),
    (None, "zh-hans", "zh-Hans"),
    (None, None, "zh-Hans"),
])
def test_reply_language(conversation, hint, expected):
    assert reply_language(conversation=conversation, hint=hint) == expected


def test_text_please_in_three_scripts():
    assert "文字" in text_please("zh-Hans")
    assert "請用文字" in text_please("zh-Hant") and "请" not in text_please("zh-Hant")
    assert "text" in text_please("en")


async def test_background_tasks_keep_and_drain():
    from bot.channels.common import BackgroundTasks

    tasks = BackgroundTasks()
    done = []

    async def work():
        await asyncio.sleep(0.01)
        done.append(1)

    tasks.spawn(work(), name="w")
    assert len(tasks) == 1
    await tasks.drain(timeout=1)
    assert done == [1] and len(tasks) == 0
