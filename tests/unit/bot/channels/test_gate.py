"""The channels' gate against a real handoff record (SQLite) and Rasa's real lock stores, with a
scripted stand-in for Rasa's processor: what it does when a human holds the conversation, and
when the record or the lock store cannot be reached. (The real stack: tests/conversations/
test_handoff_record.py.)"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore as KefuInMemoryLockStore
from rasa.core.lock_store import RedisLockStore as KefuRedisLockStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.gate import Gate
from handoff.states import Status
from handoff.store import HandoffStore, NewHandoff
from kefu.ratelimit import RateLimiter
from tests.unit.bot.channels.conftest import empty_handoff_record


class Processor:
    """Stands in for Rasa's MessageProcessor: logs the message on a real tracker, keeps what it saved."""

    def __init__(self) -> None:
        self.saved: list[DialogueStateTracker] = []

    async def log_message(self, message: UserMessage, should_save_tracker: bool = True) -> DialogueStateTracker:
        tracker = DialogueStateTracker(message.sender_id, [])
        tracker.update(UserUttered(message.text))
        return tracker

    async def run_action_extract_slots(self, _output, tracker):
        return tracker

    async def run_anonymization_pipeline(self, _tracker) -> None:
        return None

    async def save_tracker(self, tracker) -> None:
        self.saved.append(tracker)


class Bot:
    def __init__(self) -> None:
        self.heard: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message.text)


def app_with(lock_store) -> SimpleNamespace:
    return SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(lock_store=lock_store, processor=Processor())))


def handed_over(url: str, sender: str, status: Status = Status.WAITING) -> None:
    HandoffStore(url).open_handoff(NewHandoff(sender, "rest", "customer_request", 1), status=status, actor="bot",
                              at=dt.datetime.now(dt.timezone.utc))


def message(sender: str, text: str = "还在吗") -> UserMessage:
    return UserMessage(text, CollectingOutputChannel(), sender, input_channel="rest")


async def test_a_held_conversation_is_recorded_for_the_agent_and_not_answered():
    url = empty_handoff_record()
    handed_over(url, "held")
    gate, bot, app = Gate(HandoffStore(url)), Bot(), app_with(KefuInMemoryLockStore())
    assert await gate.hand_over(message("held"), bot, app) is False
    [tracker] = app.ctx.agent.processor.saved
    assert [type(e) for e in tracker.events] == [UserUttered, ActionExecuted]
    assert tracker.latest_action_name == "action_listen" and not tracker.is_paused()
    assert bot.heard == []
    assert await gate.hand_over(message("free", "运费怎么算"), bot, app) is True  # nobody holds this one
    assert bot.heard == ["运费怎么算"]


async def test_a_callback_request_leaves_the_bot_answering():
    url = empty_handoff_record()
    handed_over(url, "night", Status.CALLBACK)
    bot = Bot()
    assert await Gate(HandoffStore(url)).hand_over(message("night"), bot, app_with(KefuInMemoryLockStore()))
    assert bot.heard == ["还在吗"]


async def test_an_unreadable_record_lets_the_bot_answer():
    bot = Bot()
    gate = Gate(HandoffStore("postgresql://postgres@127.0.0.1:1/nowhere"))  # nothing listens there
    assert await gate.hand_over(message("anyone"), bot, app_with(KefuInMemoryLockStore()))
    assert bot.heard == ["还在吗"]  # Rasa answers, or apologises if its database is down too


async def test_a_lock_store_that_is_down_hands_the_message_to_rasa_for_its_apology():
    url = empty_handoff_record()
    handed_over(url, "held")
    bot = Bot()
    redis_down = KefuRedisLockStore(host="127.0.0.1", port=1, key_prefix="kefu")
    assert await Gate(HandoffStore(url)).hand_over(message("held"), bot, app_with(redis_down))
    assert bot.heard == ["还在吗"]  # Rasa's turn fails on the same lock and apologises (bot.faults)


async def test_the_rate_limit_refuses_a_flood_and_says_to_tell_the_sender_once():
    gate = Gate(HandoffStore(empty_handoff_record()), RateLimiter(name="gate-test", per_minute=1, burst=2))
    decisions = [await gate.admit("rest", "flooder") for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, False, False, False]
    assert [d.notify for d in decisions] == [False, False, True, False, False]
    assert (await gate.admit("rest", "calm")).allowed  # one sender's flood is that sender's
