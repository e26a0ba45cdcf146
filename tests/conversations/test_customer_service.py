"""Service shaped by who the customer is (issue 19 item 2) on the running stack: a proven customer
greeted by name in their profile's language, a signed-in shopper offered their orders for every
order request, and who pays a return's postage by the tier's benefits."""

from __future__ import annotations

import uuid

import pytest

from faq.loader import load_catalogue
from kefu.settings import ROOT
from kefu.tokens import CustomerTokens, customer_key
from tests.conversations.handoffs import queue_entry
from tests.conversations.orders import copy_order

pytestmark = pytest.mark.stack

FAQ = {faq.id: faq for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}


def sender(prefix: str = "known") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def signed_in(stack, customer_id: str) -> dict[str, str]:
    secret = (stack.var_dir / "secret_key").read_text().strip()
    return {"customer_token": CustomerTokens(secret=customer_key(secret)).issue(customer_id)}


@pytest.mark.parametrize("customer_id, text, greeting", [
    ("C1001", "您好", "王芳您好，欢迎回来！我是明镜商城智能客服"),                  # zh-CN
    ("C1008", "你好", "周傑您好，歡迎回來！我是明鏡商城智能客服"),                  # zh-HK: Hong Kong's forms
    ("C1007", "安安", "黃婷您好，歡迎回來！我是明鏡商城智慧客服"),                  # zh-TW: Taiwan's words
    ("C1009", "hi there", "Hi Emily Carter, welcome back! I'm the"),                   # en
    ("C1008", "hello, anyone there", "Hi 周傑, welcome back!"),                     # wrote in another language
    ("C1009", "你好，在吗", "Emily Carter您好，欢迎回来！"),
])
def test_a_signed_in_customer_is_greeted_by_name_in_their_language(stack, customer_id, text, greeting):
    reply = stack.say(sender(), text, metadata=signed_in(stack, customer_id))
    assert reply.startswith(greeting)
    assert any(words in reply for words in ("介绍商品", "介紹商品", "about our products"))  # products too


def test_the_profile_s_language_holds_until_the_customer_writes_in_another(stack):
    conversation, metadata = sender(), signed_in(stack, "C1008")
    assert "歡迎回來" in stack.say(conversation, "你好", metadata=metadata)
    assert "機器人" in stack.say(conversation, "/bot_challenge", metadata=metadata)  # no words: the profile's
    assert "I'm" in stack.say(conversation, "are you a bot?", metadata=metadata)


def test_anonymous_and_merely_linked_conversations_are_not_greeted_by_name(stack):
    conversation = sender("anon")
    assert "刘洋" not in stack.say(conversation, "你好")
    stack.say(conversation, "查下订单 261103004817")
    assert "运输中" in stack.say(conversation, "尾号８１２３")
    # the check passed in this conversation: the customer has proven who they are
    assert stack.say(conversation, "你好呀").startswith("刘洋您好")
    # a new start of the same channel identity is still linked to 刘洋 for staff, but proves nothing
    stack.say(conversation, "/restart")
    reply = stack.say(conversation, "你好")
    assert "刘洋" not in reply and reply.startswith("您好！我是明镜商城智能客服")


@pytest.mark.parametrize("customer_id, text, pick, orders", [
    ("C1010", "I want to cancel an order", "Here are your recent orders", ["261121000091", "261115000208"]),
    ("C1007", "我想退貨", "這是您最近的訂單", ["261119000277", "261025000290"]),
    ("C1008", "我想查一下訂單", "這是您最近的訂單", ["261121000530", "261108000719"]),
])
def test_a_signed_in_shopper_is_offered_their_orders_for_status_cancel_and_return(stack, customer_id, text, pick,
                                                                                    orders):
    replies = stack.send(sender("orders"), text, metadata=signed_in(stack, customer_id))
    assert replies[0]["text"].startswith(pick) and [b["title"] for b in replies[0]["buttons"]] == orders
    assert "手机号" not in replies[0]["text"] and "phone" not in replies[0]["text"]


@pytest.mark.parametrize("customer_id, phone, opening, reason, said", [
    # black_gold: the catalogue's free return shipping, in its words
    ("C1005", "9043", "我要退货", "不喜欢这个颜色", "您是黑金会员，退货运费：每个订单赠送退货运费险"),
    ("C1005", "9043", "I'd like to return order", "the colour is wrong", "Return postage for your Black Gold membership"),
    # regular and gold: the FAQ's rule
    ("C1002", "6781", "我想退貨", "顏色唔啱", None),
    ("C1001", "5678", "return order pls", "too small", None),
])
def test_a_return_says_who_pays_the_postage_for_this_customer(stack, customer_id, phone, opening, reason, said):
    order_id = copy_order(stack, "261117000611", customer_id=customer_id, status="delivered")
    conversation = sender("return")
    stack.say(conversation, f"{opening} {order_id}")
    stack.say(conversation, phone)
    filed = stack.say(conversation, reason)
    assert order_id in filed
    english = opening.isascii()
    faq_rule = FAQ["return_shipping_cost"].answer_en if english else "七天无理由退货的寄回运费由顾客承担"
    if said is not None:
        assert said in filed and faq_rule not in filed
    else:
        assert "membership" not in filed and "会员，退货运费" not in filed
        assert faq_rule in filed or "七天無理由退貨的寄回運費由顧客承擔" in filed


@pytest.mark.parametrize("customer_id, text, words", [
    ("C1008", "唔該幫我轉真人", ["周傑您好", "專屬客服"]),                      # gold, zh-HK, Cantonese
    ("C1005", "转人工", ["陈静您好", "专属客服"]),                              # black_gold
    ("C1008", "can I talk to a human please", ["周傑, as a valued member", "dedicated agent"]),
    ("C1007", "我要找真人客服", None),                                           # silver: the usual queue message
])
def test_the_dedicated_service_wording_for_tiers_whose_benefits_give_it(stack, customer_id, text, words):
    conversation = sender("member")
    reply = stack.say(conversation, text, metadata=signed_in(stack, customer_id))
    if words is None:
        assert "专属" not in reply and "專屬" not in reply and "黃婷" not in reply and "位" in reply  # its place
    else:
        assert all(word in reply for word in words), reply
    agent = stack.login("agent")
    entry = queue_entry(stack, agent, conversation)
    assert entry["priority"] == (2 if words else 1)
    stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)
    stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)
