"""Analytics from a real conversation: Rasa's events through the broker, the web app's ingest task,
the session's figures and the editors' inbox."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from analytics.models import ConversationSession, UnansweredMessage
from faq.loader import load_catalogue
from kefu.db import session_scope
from kefu.settings import ROOT
from tests.conversations.handoffs import new_sender, queue_entry, wait_for

pytestmark = pytest.mark.stack

SHIPPING_FEE = {f.id: f for f in load_catalogue(ROOT / "faq" / "content")[0].faqs}["shipping_fee"]


def database_url(stack) -> str:
    return stack.env.get("DATABASE_URL") or f"sqlite:///{stack.var_dir / 'app.db'}"


def rated_session(url: str, sender: str) -> ConversationSession | None:
    with session_scope(url) as db:
        session = db.execute(sa.select(ConversationSession).where(ConversationSession.sender_id == sender)
                             .order_by(ConversationSession.started_at.desc())).scalars().first()
        return session if session is not None and session.rating is not None else None


def test_a_conversation_with_an_faq_out_of_scope_fallbacks_and_a_rated_handoff(stack):
    agent, editor = stack.login("agent"), stack.login("editor")
    shopper = new_sender("analytics")
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh
    assert "回答不了" in stack.say(shopper, "今天北京天气怎么样")
    assert "say it another way" in stack.say(shopper, "blorp zinga frumious")
    assert "connecting you to a human agent" in stack.say(shopper, "xyzzy plugh")
    entry = queue_entry(stack, agent, shopper)
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)[0] == 200
    assert stack.send(shopper, "我的电话13812345678，请回电") == []  # to the agent, not the bot
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    wait_for(lambda: stack.send(shopper, ""), message="the rating question")
    assert "5" in stack.say(shopper, "5")

    url = database_url(stack)
    session = wait_for(lambda: rated_session(url, shopper), timeout=30, message="the ingested session")
    assert session.channel == "rest" and session.user_turns >= 6
    assert (session.faq_answers, session.out_of_scope, session.fallbacks) == (1, 1, 2)
    assert session.handed_over and not session.contained
    assert (session.handoff_reason, session.handoff_status, session.rating) == ("low_confidence", "resolved", 5)
    assert session.wait_seconds is not None and session.handling_seconds is not None

    with session_scope(url) as db:
        items = {item.text: item.kind for item in db.execute(
            sa.select(UnansweredMessage).where(UnansweredMessage.sender_id == shopper)).scalars()}
    assert items == {"今天北京天气怎么样": "out_of_scope", "blorp zinga frumious": "fallback",
                     "xyzzy plugh": "fallback"}

    status, inbox = stack.api("GET", "/api/inbox?limit=200", token=editor)
    assert status == 200
    weather = next(g for g in inbox["groups"] if "今天北京天气怎么样" in g["examples"])
    status, done = stack.api("POST", "/api/inbox/dismiss", {"texts": ["今天北京天气怎么样"]}, token=editor)
    assert status == 200 and done["dismissed"] >= 1
    status, inbox = stack.api("GET", "/api/inbox?limit=200", token=editor)
    assert weather["id"] not in [g["id"] for g in inbox["groups"] if "今天北京天气怎么样" in g["examples"]]
    status, report = stack.api("GET", "/api/analytics?days=1", token=editor)
    assert status == 200 and report["handoffs"]["by_reason"].get("low_confidence", 0) >= 1
    assert report["csat"]["distribution"]["5"] >= 1
