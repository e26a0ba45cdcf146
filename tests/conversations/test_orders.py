"""Orders and after-sales through the REST channel of a running stack (trained model, real servers).

Anonymous shoppers chat with the fixture orders of the demo shop (seeded today by the stack's
start); a signed-in widget shopper sends a customer token in the message metadata. Tests that
change an order use an order no other test reads.
"""

from __future__ import annotations

import uuid

import pytest

from actions.orders.labels import STATUS_LABELS
from faq.loader import load_catalogue
from kefu.settings import ROOT
from kefu.tokens import CustomerTokens, customer_key
from shop.demo import DemoShop
from tests.conversations.orders import copy_order

pytestmark = pytest.mark.stack

FAQ = {faq.id: faq for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}
ALL_LABELS = [label for pair in STATUS_LABELS.values() for label in pair] + [
    "運輸中", "已簽收", "備貨中", "已發貨", "派送中", "退貨申請中"]
TRACKING = {"261103004817": "SF9296037519664", "261118000921": "78303879507668", "261119000277": "SF6907531031455"}


def sender() -> str:
    return f"orders-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def shop(stack) -> DemoShop:
    return DemoShop(f"sqlite:///{stack.var_dir / 'app.db'}")


def reveals_nothing(reply: str) -> bool:
    lowered = reply.lower()
    return (not any(label in reply or (label.isascii() and f" {label}" in lowered) for label in ALL_LABELS)
            and not any(number in reply for number in TRACKING.values()) and "SF" not in reply)


@pytest.mark.parametrize("opening, order_id, phone, label, language", [
    ("我的订单到哪了", "261103004817", "8123", "运输中", "zh"),
    ("where is my order?", "261118000921", "7812", "in transit", "en"),
    ("我的訂單到哪了", "261119000277", "5601", "運輸中", "zh-Hant"),
])
def test_status_only_after_the_phone_check(stack, opening, order_id, phone, label, language):
    conversation = sender()
    before = [stack.say(conversation, opening), stack.say(conversation, order_id)]
    assert all(reveals_nothing(reply) for reply in before), before
    reply = stack.say(conversation, phone)
    assert label in reply and TRACKING[order_id] in reply
    if language == "en":
        assert "SF Express" not in reply and "ZTO Express" in reply and "运" not in reply
    if language == "zh-Hant":
        assert "順豐速運" in reply and "运" not in reply


def test_number_in_the_first_message_and_full_width_digits(stack):
    conversation = sender()
    assert reveals_nothing(stack.say(conversation, "订单号：２６１１ ０３００ ４８１７ 到哪了"))
    reply = stack.say(conversation, "手机尾号8123")
    assert "运输中" in reply and "SF9296037519664" in reply and "预计" in reply
    assert "超过预计送达日期" in reply  # 261103004817 is overdue


def test_wrong_phone_and_unknown_order_get_identical_replies(stack):
    wrong, unknown = sender(), sender()
    stack.say(wrong, "查订单 261103004817")
    stack.say(unknown, "查订单 261199999999")
    assert stack.say(wrong, "5678") == stack.say(unknown, "8123")


def test_three_wrong_answers_unlock_nothing_and_end_the_lookup(stack):
    conversation = sender()
    stack.say(conversation, "查订单")
    replies = []
    for guess in ("0000", "1111", "2222"):
        replies.append(stack.say(conversation, "261103004817"))
        replies.append(stack.say(conversation, guess))
    assert all(reveals_nothing(reply) for reply in replies)
    assert "不能再为您查询订单" in replies[-1] and "转接人工客服" in replies[-1]
    # the conversation waits for an agent, with the reason the contract names
    status, waiting = stack.api("GET", "/api/handoffs?status=waiting", token=stack.login("agent"))
    assert status == 200
    assert [h["reason"] for h in waiting if h["sender_id"] == conversation] == ["verification_failed"]
    # the right answer now unlocks nothing: the bot no longer asks, it waits for the human
    after = [stack.say(conversation, "261103004817"), stack.say(conversation, "8123"),
             stack.say(conversation, "我的订单到哪了")]
    assert all(reveals_nothing(reply) for reply in after), after
    assert not any("手机号的后4位" in reply for reply in after)


@pytest.mark.parametrize("bad", ["26110300481X", "2611030048170000", "1' OR '1'='1", "'; DROP TABLE shop_orders; --",
                                 "<script>alert(1)</script>"])
def test_bad_order_numbers_reveal_nothing_and_change_nothing(stack, shop, bad):
    before = {o: shop.get_order(order_id=o).status for o in TRACKING}
    conversation = sender()
    replies = [stack.say(conversation, "查订单"), stack.say(conversation, bad)]
    assert all(reveals_nothing(r) and "Traceback" not in r and "Error" not in r for r in replies), replies
    assert {o: shop.get_order(order_id=o).status for o in TRACKING} == before


def test_another_customers_order_with_a_guessed_phone(stack, shop):
    conversation = sender()
    stack.say(conversation, "帮我取消订单 261120000733")  # C1004's, processing
    reply = stack.say(conversation, "5678")  # C1001's phone ending
    assert reveals_nothing(reply) and "对不上" in reply
    assert shop.get_order(order_id="261120000733").status == "processing"


def test_cancel_changes_the_order_only_after_yes(stack, shop):
    conversation = sender()
    stack.say(conversation, "我要取消订单 261121000388")
    question = stack.say(conversation, "0926")
    assert "确认要取消" in question and "待付款" in question
    assert shop.get_order(order_id="261121000388").status == "pending_payment"
    assert "已取消" in stack.say(conversation, "是的")
    assert shop.get_order(order_id="261121000388").status == "cancelled"


@pytest.mark.parametrize("opening, order_id, phone, vague, yes, question, done", [
    ("我要取消订单 261122000101", "261122000101", "6781", "这个呢", "好的 取消吧", "确认要取消", "已取消"),
    ("帮我取消 261122000047", "261122000047", "7319", "那个", "嗯", "确认要取消", "已取消"),
    ("cancel order 261121000091 please", "261121000091", "4420", "what about this one", "ok",
     "Cancel order 261121000091", "is now cancelled"),
])
def test_a_vague_reply_to_the_cancel_question_cancels_nothing_and_asks_again(
        stack, shop, opening, order_id, phone, vague, yes, question, done):
    conversation = sender()
    stack.say(conversation, opening)
    assert question in stack.say(conversation, phone)
    before = shop.get_order(order_id=order_id).status
    reply = stack.say(conversation, vague)  # "what about this one?" is not "yes, cancel it"
    assert done not in reply and question in reply, reply
    assert shop.get_order(order_id=order_id).status == before
    assert done in stack.say(conversation, yes)  # asked again, a real yes still cancels
    assert shop.get_order(order_id=order_id).status == "cancelled"


def test_two_vague_replies_in_a_row_get_a_human_and_keep_the_order(stack, shop):
    conversation = sender()
    stack.say(conversation, "取消订单 261122000102")
    assert "确认要取消" in stack.say(conversation, "2913")
    assert "确认要取消" in stack.say(conversation, "然后呢")
    handed = stack.say(conversation, "还有呢")  # not understood twice in a row: the contract's handoff
    assert "已取消" not in handed and "确认要取消" not in handed
    _status, waiting = stack.api("GET", "/api/handoffs?status=waiting", token=stack.login("agent"))
    assert [h["reason"] for h in waiting if h["sender_id"] == conversation] == ["low_confidence"]
    assert shop.get_order(order_id="261122000102").status == "pending_payment"


def test_saying_no_keeps_the_order(stack, shop):
    conversation = sender()
    stack.say(conversation, "cancel my order 261121000215")
    assert "Cancel order 261121000215" in stack.say(conversation, "7812")
    assert "stays as it is" in stack.say(conversation, "no")
    assert shop.get_order(order_id="261121000215").status == "paid"


def test_shipped_orders_cannot_be_cancelled(stack, shop):
    conversation = sender()
    stack.say(conversation, "取消订单 261120000815")
    reply = stack.say(conversation, "9043")
    assert "已无法取消" in reply and "已发货" in reply
    assert "已取消" not in stack.say(conversation, "是")
    assert shop.get_order(order_id="261120000815").status == "shipped"


def test_return_inside_the_window_is_filed_once(stack, shop):
    conversation = sender()
    stack.say(conversation, "我要退货 261117000611")
    assert "可以办理七天无理由退换货" in stack.say(conversation, "9043")
    vague = stack.say(conversation, "然后呢")  # no reason: nothing filed, the reason asked again
    assert "提交退货申请" not in vague and "请简单说一下原因" in vague
    assert shop.count_after_sales_requests(order_id="261117000611") == 0
    filed = stack.say(conversation, "不喜欢这个颜色")
    assert "已为订单261117000611提交退货申请" in filed
    assert "明镜路88号" in filed and FAQ["refund_time"].answer_zh in filed
    assert shop.get_order(order_id="261117000611").status == "return_requested"
    request = shop.get_after_sales_request(order_id="261117000611")
    assert (request.kind, request.reason) == ("return", "不喜欢这个颜色")
    again = sender()
    stack.say(again, "我要退货 261117000611")
    assert "退货申请中" in stack.say(again, "9043")
    assert shop.count_after_sales_requests(order_id="261117000611") == 1


@pytest.mark.parametrize("opening, reason, filed", [
    ("我要退货，尺码不合适", "尺码不合适", "原因：尺码不合适"),
    ("件衫太大想退", "件衫太大想退", "原因：件衫太大想退"),
    ("I want to return it, it's the wrong size", "it's the wrong size", 'the reason "it\'s the wrong size"'),
])
def test_a_reason_given_with_the_request_is_not_asked_again(stack, shop, opening, reason, filed):
    order_id = copy_order(stack, "261117000611", customer_id="C1005", status="delivered")
    conversation = sender()
    stack.say(conversation, f"{opening} {order_id}")
    reply = stack.say(conversation, "9043")
    # filed at once, the reason shown as filed; the reason question never comes
    assert filed in reply and order_id in reply, reply
    assert "请简单说一下原因" not in reply and "What's the reason?" not in reply
    request = shop.get_after_sales_request(order_id=order_id)
    assert (request.kind, request.reason) == ("return", reason)
    assert shop.get_order(order_id=order_id).status == "return_requested"


def test_return_just_outside_the_window_gets_the_quality_route(stack, shop):
    conversation = sender()
    stack.say(conversation, "退货 261112000345")
    reply = stack.say(conversation, "5678")
    assert "已于" in reply and "截止" in reply and FAQ["warranty_repair"].answer_zh in reply
    assert shop.get_order(order_id="261112000345").status == "delivered"


@pytest.mark.parametrize("order_id, phone, words", [
    ("261115000208", "4420", ["定制刻字保温杯", "定制商品"]),
    ("261110000432", "8156", ["阳澄湖大闸蟹礼盒", "鲜活易腐商品"]),
])
def test_excluded_goods_are_explained_with_article_25(stack, shop, order_id, phone, words):
    conversation = sender()
    stack.say(conversation, f"我要退货 {order_id}")
    reply = stack.say(conversation, phone)
    assert all(word in reply for word in words) and FAQ["return_exclusions"].answer_zh in reply
    assert shop.get_order(order_id=order_id).status == "delivered"
    assert shop.count_after_sales_requests(order_id=order_id) == 0


def test_signed_in_shopper_picks_from_their_orders_without_the_phone_question(stack):
    secret = (stack.var_dir / "secret_key").read_text().strip()
    metadata = {"customer_token": CustomerTokens(secret=customer_key(secret)).issue("C1001")}
    conversation = sender()
    replies = stack.send(conversation, "我的订单", metadata=metadata)
    assert "261120000612" in replies[0]["text"] and "261112000345" in replies[0]["text"]
    # the customer's seeded orders, newest first (other tests on the shared stack may add orders)
    titles = [b["title"] for b in replies[0]["buttons"]]
    assert [t for t in titles if t in ("261120000612", "261112000345")] == ["261120000612", "261112000345"]
    picked = stack.say(conversation, replies[0]["buttons"][0]["payload"], metadata=metadata)
    assert "备货中" in picked and "手机号" not in picked
    # another customer's order, even with that customer's phone ending: refused
    refused = stack.say(conversation, "261103004817 到哪了 尾号8123", metadata=metadata)
    assert "没有找到" in refused and "运输中" not in refused and "SF9296037519664" not in refused
    # the same conversation without the token is an anonymous one again
    assert "手机号的后4位" in stack.say(conversation, "查一下 261120000612")
