"""Dialogue behaviour of issue 22 (1-4) and issue 20 (2) through the REST channel of a running stack.

* an explicit ask for a person wins wherever it stands in the message, inside a form too, and is
  no ask when negated;
* a cancel or return stays the request when the shopper switches to another order (which gets
  its own phone check);
* an upset shopper's question is answered, then handed over;
* a question no FAQ answers is declined (with a person offered) and counted as unanswered;
* messages that say two things (request + order number + phone ending) start that request;
  after wrong digits only the digits are asked again.

Tests that could change an order end before anything is changed ("no" to the question).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from analytics.models import UnansweredMessage
from faq.loader import load_catalogue
from kefu.db import session_scope
from kefu.settings import ROOT
from shop.demo import DemoShop
from tests.conversations.handoffs import new_sender, wait_for
from tests.conversations.orders import copy_order

pytestmark = pytest.mark.stack

FAQ = {faq.id: faq for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}
QUEUED_ZH, QUEUED_EN = "正在为您转接人工客服", "connecting you to a human agent"
ASK_PHONE_ZH, ASK_PHONE_EN = "手机号的后4位", "last 4 digits of the phone number"


@pytest.fixture(scope="module")
def shop(stack) -> DemoShop:
    return DemoShop(f"sqlite:///{stack.var_dir / 'app.db'}")


def reasons(stack, conversation: str) -> list[str]:
    status, handoffs = stack.api("GET", "/api/handoffs?status=waiting,active,callback", token=stack.login("agent"))
    assert status == 200, handoffs
    return [h["reason"] for h in handoffs if h["sender_id"] == conversation]


# ---------------------------------------------------------------------- 22.1 asking for a person
@pytest.mark.parametrize("message, queued", [
    ("我的包裹好几天没动了，转人工", QUEUED_ZH),
    ("等咗成個禮拜都未到，唔該幫我轉人工", QUEUED_ZH.replace("转", "轉").replace("为", "為")),
    ("my parcel hasn't moved in days, I want to talk to a real person", QUEUED_EN),
    # a person to come and handle it: an ask for a human, no complaint
    ("搵個人嚟處理吓", QUEUED_ZH.replace("转", "轉").replace("为", "為")),
    ("你搞不定的话，叫个人来跟进", QUEUED_ZH),
])
def test_an_ask_for_a_person_inside_a_sentence_hands_over(stack, message, queued):
    conversation = new_sender("human")
    reply = stack.say(conversation, message)
    assert queued in reply and "订单号" not in reply and "order number" not in reply, reply
    assert reasons(stack, conversation) == ["customer_request"]


@pytest.mark.parametrize("opening, ask, message, queued", [
    ("查一下我的订单", "订单号", "算了，找真人吧", QUEUED_ZH),
    ("我要取消订单 261120000612", ASK_PHONE_ZH, "记不得了 人工客服", QUEUED_ZH),
    ("I want to return something", "order number", "this is taking too long, agent please", QUEUED_EN),
])
def test_an_ask_for_a_person_inside_the_order_form_hands_over(stack, opening, ask, message, queued):
    conversation = new_sender("human")
    assert ask in stack.say(conversation, opening)
    assert queued in stack.say(conversation, message)
    assert reasons(stack, conversation) == ["customer_request"]


def test_an_ask_for_a_person_instead_of_a_rating_hands_over_again(stack):
    agent, conversation = stack.login("agent"), new_sender("human")
    stack.say(conversation, "转人工")
    entry = wait_for(lambda: [h for h in stack.api("GET", "/api/handoffs?status=waiting", token=agent)[1]
                              if h["sender_id"] == conversation], message="the handoff")[0]
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)[0] == 200
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    asked = wait_for(lambda: stack.say(conversation, ""), message="the rating question")
    assert "1–5" in asked
    assert QUEUED_ZH in stack.say(conversation, "问题还没解决，我还要找人工客服")
    assert reasons(stack, conversation) == ["customer_request"]


@pytest.mark.parametrize("message, expected", [
    ("不用转人工，运费怎么算", FAQ["shipping_fee"].answer_zh),
    ("不要人工", "好的"),
    ("你是真人吗", "机器人"),
])
def test_a_negated_or_mentioned_person_is_no_ask(stack, message, expected):
    conversation = new_sender("human")
    reply = stack.say(conversation, message)
    assert expected in reply and QUEUED_ZH not in reply, reply
    assert reasons(stack, conversation) == []


# ---------------------------------------------------------------------- 22.2 switching orders
def test_a_refused_cancel_carries_over_to_the_next_order_number(stack, shop):
    conversation = new_sender("switch")
    stack.say(conversation, "取消订单261120000815")
    assert "已无法取消" in stack.say(conversation, "9043")
    # another number: still the cancel, and the new order needs its own phone check
    reply = stack.say(conversation, "换成261120000612这单吧")
    assert ASK_PHONE_ZH in reply and "处理中" not in reply and "备货中" not in reply, reply
    question = stack.say(conversation, "5678")
    assert "确认要取消订单261120000612" in question, question
    assert "不取消" in stack.say(conversation, "不取消了")
    assert shop.get_order(order_id="261120000612").status == "processing"


def test_a_refused_return_carries_over_to_the_next_order_number_in_english(stack, shop):
    conversation = new_sender("switch")
    stack.say(conversation, "I want to return order 261120000815")
    assert "once it has been delivered" in stack.say(conversation, "9043")
    reply = stack.say(conversation, "261117000611")
    assert ASK_PHONE_EN in reply and "status" not in reply, reply
    eligible = stack.say(conversation, "9043")
    assert "can be returned or exchanged without a reason" in eligible, eligible
    assert "haven't filed anything" in stack.say(conversation, "no")


def test_after_a_finished_request_a_bare_number_asks_its_status(stack):
    conversation = new_sender("switch")
    stack.say(conversation, "取消订单261120000612")
    assert "确认要取消" in stack.say(conversation, "5678")
    assert "不取消" in stack.say(conversation, "不取消")
    reply = stack.say(conversation, "261103004817")  # the cancel was dropped: this is a status question
    assert ASK_PHONE_ZH in reply
    assert "运输中" in stack.say(conversation, "8123")


# ---------------------------------------------------------------------- 22.3 upset and asking
def test_an_upset_shoppers_question_is_answered_then_handed_over(stack):
    conversation = new_sender("upset")
    replies = [r["text"] for r in stack.send(conversation, "这次购物体验太糟糕了，退款什么时候到账")]
    answer = replies.index(FAQ["refund_time"].answer_zh)
    complaint = next(i for i, text in enumerate(replies) if "投诉已记录（编号" in text)
    assert answer < complaint, replies
    assert reasons(stack, conversation) == ["negative_sentiment"]


# ---------------------------------------------------------------------- 22.4 no FAQ answers it
@pytest.mark.parametrize("message, declined, wrong", [
    ("你们有实体店吗", "转人工", FAQ["product_authenticity"].answer_zh),
    ("do you have a physical store", "human", FAQ["product_authenticity"].answer_en),
])
def test_a_question_no_faq_answers_is_declined_offers_a_person_and_is_counted(stack, message, declined, wrong):
    conversation = new_sender("unanswered")
    reply = stack.say(conversation, message)
    assert wrong not in reply and declined in reply, reply
    url = stack.env.get("DATABASE_URL") or f"sqlite:///{stack.var_dir / 'app.db'}"

    def counted() -> list[str]:
        with session_scope(url) as db:
            return list(db.execute(sa.select(UnansweredMessage.kind)
                                   .where(UnansweredMessage.sender_id == conversation)).scalars())

    assert wait_for(counted, timeout=30, message="the unanswered message in the inbox") == ["out_of_scope"]


# ---------------------------------------------------------------------- 20.2 two things at once
def test_a_return_with_order_number_and_phone_ending_in_one_message(stack, shop):
    conversation = new_sender("twothings")
    reply = stack.say(conversation, "订单261117000611的大衣想七天无理由退货，手机尾号9043")
    assert "可以办理七天无理由退换货" in reply and ASK_PHONE_ZH not in reply, reply
    assert "没有提交退换货申请" in stack.say(conversation, "算了不退了")


def test_a_return_with_order_number_phone_ending_and_reason_in_one_message(stack, shop):
    order_id = copy_order(stack, "261117000611", customer_id="C1005", status="delivered")
    conversation = new_sender("twothings")
    reply = stack.say(conversation, f"订单{order_id}的大衣收到了不太喜欢，想七天无理由退货，手机尾号9043")
    assert "可以办理七天无理由退换货" in reply and ASK_PHONE_ZH not in reply, reply
    assert f"已为订单{order_id}提交退货申请" in reply and "原因：大衣收到了不太喜欢" in reply, reply
    assert shop.get_after_sales_request(order_id=order_id).reason == "大衣收到了不太喜欢"


@pytest.mark.parametrize("message, expected", [
    ("261103004817到哪了 手机尾号８１２３", "运输中"),
    ("訂單261120000612唔想要喇，幫我取消，手機尾號5678", "確認要取消訂單261120000612"),
    ("please cancel order 261120000612, my phone ends with 5678", "Cancel order 261120000612"),
])
def test_status_and_cancel_with_everything_in_one_message(stack, shop, message, expected):
    conversation = new_sender("twothings")
    assert expected in stack.say(conversation, message)
    stack.say(conversation, "no")
    assert shop.get_order(order_id="261120000612").status == "processing"


def test_retyped_phone_digits_after_a_wrong_ending_keep_the_order_number(stack):
    conversation = new_sender("retype")
    stack.say(conversation, "查订单261103004817")
    wrong = stack.say(conversation, "8132")
    assert "对不上" in wrong and ASK_PHONE_ZH in wrong and "订单号是12位" not in wrong, wrong
    reply = stack.say(conversation, "８１２３")
    assert "运输中" in reply and "不是订单号" not in reply, reply


def test_an_unknown_number_gets_the_same_replies_as_a_wrong_ending(stack):
    wrong, unknown = new_sender("retype"), new_sender("retype")
    stack.say(wrong, "查订单 261103004817")
    stack.say(unknown, "查订单 261199999999")
    first = (stack.say(wrong, "5678"), stack.say(unknown, "8123"))
    second = (stack.say(wrong, "5679"), stack.say(unknown, "8124"))
    assert first[0] == first[1] and second[0] == second[1]
    assert ASK_PHONE_ZH in first[0]


def test_the_limit_still_applies_to_retyped_digits(stack):
    conversation = new_sender("retype")
    stack.say(conversation, "查订单 261103004817")
    replies = [stack.say(conversation, guess) for guess in ("0000", "1111", "2222")]
    assert "不能再为您查询订单" in replies[-1]
    assert reasons(stack, conversation) == ["verification_failed"]
    assert "运输中" not in stack.say(conversation, "8123")
