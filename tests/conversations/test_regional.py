"""Hong Kong (written Cantonese) and Taiwan shoppers through the REST channel of a running stack.

What they notice: a thank-you is thanked (never queued as a complaint), 唔好 / 係呀 and 先不要 /
好喔 answer the cancel question, 搵真人 gets a person, an order is looked up from its number and
phone ending, 安安 is a greeting, and every reply is written in the forms their region writes:
Hong Kong's (s2hk: 裏, 説, 賬户) for Cantonese writers and zh-HK customers, Taiwan's (為, 裡, 台,
智慧客服, 訊息) for Taiwanese usage and zh-TW customers (kefu/regional.py).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
import yaml

from kefu.db import session_scope
from kefu.settings import ROOT
from kefu.text import to_traditional
from shop.demo import DemoShop
from shop.demo.models import Order
from tests.conversations.handoffs import queue_entry

pytestmark = pytest.mark.stack

SHOP_NAME = "明镜商城"
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def chinese(response: str, **values) -> str:
    """The simplified Chinese text of a domain response, filled in."""
    text = next(v["text"] for v in RESPONSES[response] if not v.get("condition"))
    return text.format(shop_name=SHOP_NAME, **values)


def reads(response: str, region: str | None, **values) -> str:
    """What a traditional-character reader of ``region`` sees for a domain response."""
    return to_traditional(chinese(response, **values), region)


def sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def shop(stack) -> DemoShop:
    return DemoShop(f"sqlite:///{stack.var_dir / 'app.db'}")


@pytest.fixture(scope="module")
def agent(stack) -> str:
    return stack.login("agent")


@contextmanager
def restored(shop: DemoShop, order_id: str):
    """Puts a fixture order back as it was after a test cancelled it (other tests read it too)."""
    with session_scope(shop.database_url) as session:
        before = session.execute(sa.select(Order.status, Order.cancelled_at).where(Order.order_id == order_id)).one()
    try:
        yield
    finally:
        with session_scope(shop.database_url) as session:
            session.execute(sa.update(Order).where(Order.order_id == order_id)
                            .values(status=before.status, cancelled_at=before.cancelled_at))


def slot(stack, conversation: str, name: str):
    return stack.tracker(conversation)["slots"].get(name)


def handoffs_of(stack, agent: str, conversation: str) -> list[dict]:
    _, handoffs = stack.api("GET", "/api/handoffs?status=waiting,active,callback,resolved", token=agent)
    return [h for h in handoffs if h["sender_id"] == conversation]


@pytest.mark.parametrize("message, region", [("唔該晒！", "hk"), ("m該晒", "hk"), ("唔該晒你", "hk"), ("謝謝你喔 感恩", "tw")])
def test_thanks_are_thanked_never_queued_as_a_complaint(stack, agent, message, region):
    conversation = sender("thanks")
    assert stack.parse(message)["intent"]["name"] == "thank"
    assert stack.say(conversation, message) == reads("utter_thank", region)
    assert slot(stack, conversation, "script") == region
    assert handoffs_of(stack, agent, conversation) == []


def test_cantonese_no_then_yes_to_the_cancel_question(stack, shop):
    conversation = sender("hk-cancel")
    with restored(shop, "261121000530"):  # C1008's, paid
        assert stack.say(conversation, "幫我cancel張單 261121000530") == reads("utter_ask_phone_last4", "hk")
        question = stack.say(conversation, "電話尾四位係4702")
        assert "確認要取消訂單261121000530" in question and "已付款" in question
        assert stack.say(conversation, "唔好") == reads("utter_cancel_kept", "hk", order_id="261121000530")
        assert shop.get_order(order_id="261121000530").status == "paid"
        assert "確認要取消訂單261121000530" in stack.say(conversation, "都係cancel咗佢啦")
        done = stack.say(conversation, "係呀")
        assert reads("utter_cancel_done", "hk", order_id="261121000530", status="已取消") in done
        assert reads("utter_cancel_refund", "hk") in done and "賬户" in done  # Hong Kong's 户
        assert shop.get_order(order_id="261121000530").status == "cancelled"


def test_taiwanese_no_then_yes_to_the_cancel_question(stack, shop):
    conversation = sender("tw-cancel")
    with restored(shop, "261121000215"):  # C1003's, paid
        stack.say(conversation, "麻煩幫我取消訂單261121000215 謝謝喔")
        question = stack.say(conversation, "手機末四碼7812")
        assert "確認要取消訂單261121000215" in question and "已付款" in question
        assert stack.say(conversation, "先不要") == reads("utter_cancel_kept", "tw", order_id="261121000215")
        assert shop.get_order(order_id="261121000215").status == "paid"
        assert "確認要取消訂單261121000215" in stack.say(conversation, "還是取消好了 訂單261121000215")
        done = stack.say(conversation, "好喔")
        assert reads("utter_cancel_done", "tw", order_id="261121000215", status="已取消") in done
        assert reads("utter_cancel_refund", "tw") in done and "帳戶" in done  # Taiwan's 帳
        assert shop.get_order(order_id="261121000215").status == "cancelled"


@pytest.mark.parametrize("message, region, words", [
    ("搵真人", "hk", "客服會看到您的全部消息"),
    ("我要同真人傾", "hk", "客服會看到您的全部消息"),
    ("轉人工唔該", "hk", "客服會看到您的全部消息"),
    ("我要真人客服喔", "tw", "客服會看到您的全部訊息"),  # Taiwan's 訊息 for messages
])
def test_asking_for_a_person(stack, agent, message, region, words):
    conversation = sender("human")
    reply = stack.say(conversation, message)
    assert reply.startswith("正在為您轉接人工客服") and words in reply, reply
    assert slot(stack, conversation, "script") == region
    assert queue_entry(stack, agent, conversation)["reason"] == "customer_request"


@pytest.mark.parametrize("message, phone, status, bot_question, region, forms", [
    ("我張單261108000719去咗邊", "電話尾四位4702", "已簽收", "你係咪機械人嚟㗎", "hk", ("智能客服機器人", "隨時説")),
    ("請問訂單261119000277到哪了", "手機末四碼5601", "運輸中", "你是機器人喔", "tw", ("智慧客服機器人", "隨時說")),
])
def test_an_order_looked_up_with_its_number_and_phone_ending(stack, message, phone, status, bot_question, region,
                                                             forms):
    conversation = sender("lookup")
    assert stack.say(conversation, message) == reads("utter_ask_phone_last4", region)
    reply = stack.say(conversation, phone)
    assert status in reply and "順豐速運" in reply and "运" not in reply
    answer = stack.say(conversation, bot_question)
    assert answer == reads("utter_iamabot", region) and all(form in answer for form in forms)


@pytest.mark.parametrize("order_id, phone, region, forms", [
    ("261108000719", "4702", "hk", ("智能客服機器人", "隨時説")),  # C1008, profile zh-HK
    ("261119000277", "5601", "tw", ("智慧客服機器人", "隨時說")),  # C1007, profile zh-TW
])
def test_a_customer_s_profile_picks_the_forms_for_standard_traditional_writing(stack, order_id, phone, region,
                                                                               forms):
    conversation = sender("profile")
    # no word of Cantonese or of Taiwan: Taiwan's characters, none of its words, until the profile is known
    assert stack.say(conversation, "你是機器人嗎") == reads("utter_iamabot", None)
    stack.say(conversation, f"查詢訂單{order_id}")
    stack.say(conversation, f"手機後四位{phone}")
    assert slot(stack, conversation, "script") == region
    answer = stack.say(conversation, "你是機器人嗎")
    assert answer == reads("utter_iamabot", region) and all(form in answer for form in forms)


def test_greetings(stack):
    taiwan, hong_kong = sender("greet-tw"), sender("greet-hk")
    reply = stack.say(taiwan, "安安")
    assert reply == reads("utter_greet", "tw") and "明鏡商城智慧客服" in reply
    reply = stack.say(hong_kong, "你好呀 有冇人喺度")
    assert reply == reads("utter_greet", "hk") and "明鏡商城智能客服" in reply


def test_a_taiwanese_writer_reads_為_裡_台_and_a_cantonese_writer_hong_kong_forms(stack):
    taiwan, hong_kong = sender("forms-tw"), sender("forms-hk")
    assert stack.say(taiwan, "我要查訂單喔") == reads("utter_ask_order_id", "tw") == \
        "請發給我您的訂單號（12位數字，可在“我的訂單”裡找到）。"
    assert stack.say(taiwan, "261119000277") == "為了保護您的隱私，請告訴我下單時所留手機號的後4位。"
    assert "台灣" in stack.say(taiwan, "有寄台灣嗎 宅配可以嗎")
    assert stack.say(hong_kong, "我想查下張單") == reads("utter_ask_order_id", "hk") == \
        "請發給我您的訂單號（12位數字，可在“我的訂單”裏找到）。"
    assert "台灣" in stack.say(hong_kong, "寄唔寄得去台灣㗎")
