"""Who holds a conversation is the handoff record, and only it: every channel's gate asks it for
each message, so a claim, an abandoned wait or a resolve changes who answers with the very next
message; nothing pauses Rasa's tracker. Conversations an older Kefu paused are resumed.

(The Rasa server unreachable from the web app: tests/reliability/test_sqlite_replicas.py.)
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import time

import pytest
import sqlalchemy as sa

from faq.loader import load_catalogue
from handoff.states import Status
from handoff.store import HandoffStore
from kefu.db import get_engine
from kefu.settings import ROOT
from tests.conversations.handoffs import app_database, callback_request, new_sender, queue_entry, wait_for
from tests.stack import http

pytestmark = pytest.mark.stack

SHIPPING_FEE = {f.id: f for f in load_catalogue(ROOT / "faq" / "content")[0].faqs}["shipping_fee"]


@pytest.fixture(scope="module")
def agent(stack) -> str:
    return stack.login("agent")


def pause_like_an_older_kefu(stack, shopper: str, handoff_id: int) -> None:
    """What a Kefu before migration 0007 left behind: Rasa's tracker paused, the handoff marked."""
    status, body = http("POST", f"{stack.bot_url}/conversations/{shopper}/tracker/events?token={stack.token}",
                        {"event": "pause"})
    assert status == 200, body
    assert stack.tracker(shopper)["paused"]
    with get_engine(app_database(stack)).begin() as connection:
        connection.execute(sa.text("UPDATE handoffs SET tracker_paused = 1 WHERE id = :id"), {"id": handoff_id})


def test_a_message_right_after_the_claim_gets_no_bot_reply(stack, agent):
    shopper = new_sender("claimed")
    stack.say(shopper, "你好")
    handoff_id = callback_request(stack, shopper)
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh  # nobody is coming yet: the bot helps
    status, claimed = stack.api("POST", f"/api/handoffs/{handoff_id}/claim", token=agent)
    assert status == 200 and claimed["status"] == "active"
    assert stack.send(shopper, "运费怎么算") == []  # the very next message is the agent's
    assert stack.tracker(shopper)["paused"] is False  # the record holds it, not a flag in Rasa


def test_messages_sent_while_the_handoff_is_being_answered_get_no_bot_reply(stack, agent):
    shopper = new_sender("quick")
    stack.say(shopper, "你好")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        handing_over = pool.submit(stack.say, shopper, "转人工")
        time.sleep(0.05)  # typed while the bot is still handing over
        follow_up = pool.submit(stack.send, shopper, "我的订单261103004817一直没到")
        assert "排在第" in handing_over.result()
        assert follow_up.result() == []
    entry = queue_entry(stack, agent, shopper)
    assert entry["status"] == "waiting"
    assert stack.send(shopper, "运费怎么算") == []


def test_an_abandoned_wait_gives_the_conversation_back_at_once(stack, agent):
    shopper = new_sender("abandoned")
    stack.say(shopper, "转人工")
    entry = queue_entry(stack, agent, shopper)
    assert stack.send(shopper, "还在吗") == []
    # what the upkeep does to a customer quiet for HANDOFF_ABANDON_AFTER_MINUTES
    HandoffStore(app_database(stack)).transition(entry["id"], Status.ABANDONED, actor="system",
                                                  at=dt.datetime.now(dt.timezone.utc), expected={Status.WAITING})
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh


def test_a_conversation_an_older_kefu_left_paused_is_answered_again(stack, agent):
    shopper = new_sender("old-pause")
    stack.say(shopper, "转人工")
    entry = queue_entry(stack, agent, shopper)
    pause_like_an_older_kefu(stack, shopper, entry["id"])
    assert stack.send(shopper, "还在吗") == []  # still waiting for an agent
    HandoffStore(app_database(stack)).transition(entry["id"], Status.ABANDONED, actor="system",
                                                  at=dt.datetime.now(dt.timezone.utc), expected={Status.WAITING})
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh  # the gate resumed the tracker
    assert stack.tracker(shopper)["paused"] is False
    assert not HandoffStore(app_database(stack)).hold_of(shopper).tracker_paused


def test_a_handoff_an_older_kefu_paused_still_ends_with_the_rating_question(stack, agent):
    shopper = new_sender("old-rating")
    stack.say(shopper, "转人工")
    entry = queue_entry(stack, agent, shopper)
    pause_like_an_older_kefu(stack, shopper, entry["id"])
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)[0] == 200
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    replies = wait_for(lambda: [r["text"] for r in stack.send(shopper, "")
                                if "1–5 分" in r.get("text", "") or "已结束" in r.get("text", "")],
                       message="the rating question")
    assert any("1–5 分" in text for text in replies)
    assert stack.say(shopper, "５分") == "感谢您的评价（5 分）！还有其他可以帮您的吗？"
    assert stack.tracker(shopper)["paused"] is False
