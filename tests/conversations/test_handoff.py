"""Human handoff end to end over REST: each trigger, the silent bot, the agent, the rating.

The stack's agents are on duty round the clock (see the ``stack`` fixture); service hours are
covered in tests/unit/actions and test_handoff_callback.py.
"""

from __future__ import annotations

import pytest

from faq.loader import load_catalogue
from kefu.settings import ROOT
from tests.conversations.handoffs import new_sender, queue_entry, transcript, wait_for, wait_in_transcript

pytestmark = pytest.mark.stack

SHIPPING_FEE = {f.id: f for f in load_catalogue(ROOT / "faq" / "content")[0].faqs}["shipping_fee"]


@pytest.fixture(scope="module")
def agent(stack) -> str:
    return stack.login("agent")


def test_asking_for_a_human_queues_the_conversation_and_the_bot_goes_quiet(stack, agent):
    shopper = new_sender()
    stack.say(shopper, "你好")
    reply = stack.say(shopper, "转人工")
    assert "正在为您转接人工客服" in reply and "排在第" in reply and "预计等待约" in reply
    entry = queue_entry(stack, agent, shopper)
    assert (entry["reason"], entry["priority"], entry["status"], entry["channel"]) == (
        "customer_request", 1, "waiting", "rest")
    assert set(entry) == {"id", "sender_id", "channel", "reason", "priority", "status", "created_at", "claimed_by",
                          "transcript"}
    # while waiting, the bot says nothing, and the agent sees what the customer writes
    assert stack.send(shopper, "我的订单261103004817一直没到，能帮我看看吗") == []
    assert stack.send(shopper, "运费怎么算") == []
    lines = wait_in_transcript(stack, agent, entry["id"], ("customer", "运费怎么算"))
    assert lines[:2] == [("customer", "你好"), ("bot", lines[1][1])] and "明镜商城" in lines[1][1]
    assert ("customer", "转人工") in lines and ("customer", "我的订单261103004817一直没到，能帮我看看吗") in lines


def test_english_request_is_answered_in_english(stack, agent):
    shopper = new_sender()
    reply = stack.say(shopper, "I want to talk to a human")
    assert "connecting you to a human agent" in reply and "number" in reply
    assert queue_entry(stack, agent, shopper)["reason"] == "customer_request"


def test_a_complaint_is_recorded_and_served_first(stack, agent):
    patient, angry = new_sender(), new_sender()
    stack.say(patient, "人工客服")
    _, before = stack.api("GET", "/api/handoffs?status=waiting", token=agent)
    complaints_ahead = sum(1 for h in before if h["priority"] >= 3)  # other tests share the queue
    reply = stack.say(angry, "我要投诉，你们的客服态度太差了")
    assert "投诉已记录" in reply and f"排在第 {complaints_ahead + 1} 位" in reply
    entry = queue_entry(stack, agent, angry)
    assert (entry["reason"], entry["priority"]) == ("complaint", 3)
    _, waiting = stack.api("GET", "/api/handoffs?status=waiting", token=agent)
    order = [h["sender_id"] for h in waiting]
    assert order.index(angry) < order.index(patient)
    assert [h["priority"] for h in waiting] == sorted((h["priority"] for h in waiting), reverse=True)
    _, tickets = stack.api("GET", "/api/complaints", token=agent)
    [ticket] = [t for t in tickets if t["sender_id"] == angry]
    assert ticket["category"] == "service" and ticket["status"] == "open" and ticket["handoff_id"] == entry["id"]
    assert ticket["summary"] == "我要投诉，你们的客服态度太差了"
    assert ("customer", "我要投诉，你们的客服态度太差了") in [(l["role"], l["text"]) for l in ticket["transcript"]]


@pytest.mark.parametrize(
    "message, expected",
    [
        ("这次购物体验太糟糕了，退款什么时候到账", "正在为您转接人工客服"),
        ("My headphones stopped working after two days, I'm really disappointed", "connecting you to a human agent"),
    ],
    ids=["zh", "en"],
)
def test_an_upset_customer_asking_something_else_gets_a_human(stack, agent, message, expected):
    parse = stack.parse(message)
    assert parse["intent"]["name"] == "complaint"
    assert parse["sentiment"]["label"] == "negative" and parse["sentiment"]["intent_before"] not in (None, "complaint")
    shopper = new_sender()
    reply = stack.say(shopper, message)
    assert expected in reply
    entry = queue_entry(stack, agent, shopper)
    assert (entry["reason"], entry["priority"]) == ("negative_sentiment", 2)


def test_calm_questions_are_still_answered_by_the_bot(stack):
    shopper = new_sender()
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh
    assert stack.parse("我的快递到哪了")["sentiment"]["label"] == "neutral"


def test_two_misunderstandings_in_a_row_bring_a_human(stack, agent):
    shopper = new_sender()
    assert stack.parse("blorp zinga frumious")["intent"]["name"] == "nlu_fallback"
    assert "say it another way" in stack.say(shopper, "blorp zinga frumious")
    assert "connecting you to a human agent" in stack.say(shopper, "xyzzy plugh")
    entry = queue_entry(stack, agent, shopper)
    assert (entry["reason"], entry["priority"]) == ("low_confidence", 1)


@pytest.mark.parametrize("first, second", [
    ("do you have a physical store", "xyzzy plugh"),  # an FAQ guess the FAQ gate withheld, then nlu_fallback
    ("blorp zinga frumious", "do you have a physical store"),
])
def test_a_withheld_faq_guess_counts_as_a_misunderstanding(stack, agent, first, second):
    assert stack.parse("do you have a physical store").get("faq_gate")
    shopper = new_sender()
    assert "connecting you to a human agent" not in stack.say(shopper, first)
    assert "connecting you to a human agent" in stack.say(shopper, second)
    entry = queue_entry(stack, agent, shopper)
    assert entry["reason"] == "low_confidence"


def test_a_question_the_model_knows_is_out_of_scope_is_no_misunderstanding(stack, agent):
    shopper = new_sender()
    parsed = stack.parse("今天北京天气怎么样")
    assert parsed["intent"]["name"] == "out_of_scope" and not parsed.get("faq_gate")
    assert "say it another way" in stack.say(shopper, "blorp zinga frumious")
    assert "转人工" in stack.say(shopper, "今天北京天气怎么样")
    _, handoffs = stack.api("GET", "/api/handoffs", token=agent)
    assert shopper not in [h["sender_id"] for h in handoffs]


def test_one_misunderstanding_is_not_enough(stack, agent):
    shopper = new_sender()
    assert "say it another way" in stack.say(shopper, "blorp zinga frumious")
    assert "Lumen Mall" in stack.say(shopper, "hello")
    assert "say it another way" in stack.say(shopper, "xyzzy plugh")
    _, handoffs = stack.api("GET", "/api/handoffs", token=agent)
    assert shopper not in [h["sender_id"] for h in handoffs]


def test_agent_chats_resolves_and_the_bot_asks_for_a_rating(stack, agent):
    shopper = new_sender()
    stack.say(shopper, "转人工")
    entry = queue_entry(stack, agent, shopper)

    status, claimed = stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)
    assert status == 200 and claimed["status"] == "active" and claimed["claimed_by"] == "agent"
    status, _ = stack.api("POST", f"/api/handoffs/{entry['id']}/messages", {"text": "您好，我是小林，请问有什么可以帮您？"},
                          token=agent)
    assert status == 201

    # the agent's message reaches the REST customer on their next call, before anything else
    replies = stack.send(shopper, "我想改一下收货地址")
    assert [(r["text"], r.get("agent")) for r in replies] == [("您好，我是小林，请问有什么可以帮您？", "小林 (Agent Lin)")]
    assert stack.send(shopper, "改成上海市浦东新区") == []  # the bot stays silent while the agent holds it
    lines = wait_in_transcript(stack, agent, entry["id"], ("customer", "改成上海市浦东新区"))
    assert ("agent", "您好，我是小林，请问有什么可以帮您？") in lines
    assert lines.index(("agent", "您好，我是小林，请问有什么可以帮您？")) < lines.index(("customer", "我想改一下收货地址"))

    status, resolved = stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)
    assert status == 200 and resolved["status"] == "resolved"
    # the bot is back: it says the agent is done and asks for a 1-5 rating (a REST client fetches
    # what is waiting for it with an empty message)
    replies = [r["text"] for r in stack.send(shopper, "")]
    assert replies == ["本次人工服务已结束，接下来由我继续为您服务。",
                       "请为本次人工服务打分：1–5 分（5 分为非常满意），直接回复数字即可。"]
    assert stack.send(shopper, "") == []  # nothing waiting: an empty fetch is silent
    assert stack.say(shopper, "５分") == "感谢您的评价（5 分）！还有其他可以帮您的吗？"
    _, details = stack.api("GET", f"/api/handoffs/{entry['id']}/details", token=agent)
    assert details["rating"] == 5
    assert [t["to"] for t in details["transitions"]] == ["waiting", "active", "resolved"]
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh


def resolve_for(stack, agent, shopper):
    stack.say(shopper, "转人工")
    entry = queue_entry(stack, agent, shopper)
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)[0] == 200
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    return entry["id"]


@pytest.mark.parametrize("answer, rating", [("非常满意", 5), ("3分", 3), ("１", 1)])
def test_ratings_in_words_and_full_width_digits(stack, agent, answer, rating):
    shopper = new_sender()
    handoff_id = resolve_for(stack, agent, shopper)
    assert any("1–5 分" in r["text"] for r in stack.send(shopper, ""))
    assert f"（{rating} 分）" in stack.say(shopper, answer)
    assert stack.api("GET", f"/api/handoffs/{handoff_id}/details", token=agent)[1]["rating"] == rating


def test_a_bad_rating_is_asked_again_once_then_the_bot_moves_on(stack, agent):
    shopper = new_sender()
    handoff_id = resolve_for(stack, agent, shopper)
    stack.send(shopper, "")
    again = stack.say(shopper, "我也说不好")
    assert "没能识别您的评分" in again and "1–5 分" in again
    assert "不打扰您了" in stack.say(shopper, "不知道")
    assert stack.api("GET", f"/api/handoffs/{handoff_id}/details", token=agent)[1]["rating"] is None
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh


def test_rating_question_in_english_for_english_customers(stack, agent):
    shopper = new_sender()
    stack.say(shopper, "human please")
    entry = queue_entry(stack, agent, shopper)
    stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)
    stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)
    replies = " ".join(r["text"] for r in stack.send(shopper, ""))
    assert "rating from 1 to 5" in replies
    assert "Thank you for your rating (4/5)" in stack.say(shopper, "4")


def test_transcript_survives_without_any_console(stack, agent):
    """Nobody watches the queue: the messages are in the database all the same."""
    shopper = new_sender()
    stack.say(shopper, "转人工")
    for text in ("第一条", "第二条", "第三条"):
        assert stack.send(shopper, text) == []
    entry = queue_entry(stack, agent, shopper)
    wait_for(lambda: [t for r, t in transcript(stack, agent, entry["id"]) if r == "customer"][-3:] == ["第一条", "第二条", "第三条"],
             message="the three messages in order")
