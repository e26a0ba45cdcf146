"""action_cancel_order and action_cancel_order_confirm: only unshipped orders, only after "yes"."""

import pytest

from actions.orders.cancel_order import ActionCancelOrder
from actions.orders.confirm_cancel import ActionCancelOrderConfirm
from tests.unit.actions.orders.conftest import verified

ask, confirm = ActionCancelOrder(), ActionCancelOrderConfirm()


@pytest.mark.parametrize("order_id, phone, label", [
    ("261122000102", "2913", "待付款"), ("261122000047", "7319", "已付款"), ("261121000091", "4420", "备货中")])
def test_cancellable_order_is_cancelled_only_after_yes(chat, shop, order_id, phone, label):
    asked = chat(ask, "取消订单", intent="cancel_order", slots=verified(order_id, phone))
    assert asked.responses == ["utter_cancel_confirm"] and label in asked.texts
    assert asked.slot("cancel_pending_order") == order_id
    assert shop.get_order(order_id=order_id).status != "cancelled"
    done = chat(confirm, "是的", intent="affirm", slots=verified(order_id, phone, cancel_pending_order=order_id))
    assert done.responses[0] == "utter_cancel_done" and "已取消" in done.texts
    assert shop.get_order(order_id=order_id).status == "cancelled"
    assert ("utter_cancel_refund" in done.responses) == (label != "待付款")


@pytest.mark.parametrize("text, intent", [("否", "deny"), ("不取消了", "cancel_order"), ("no", "deny")])
def test_no_keeps_the_order(chat, shop, text, intent):
    pending = verified("261121000215", "7812", cancel_pending_order="261121000215")
    run = chat(confirm, text, intent=intent, slots=pending)
    assert run.responses == ["utter_cancel_kept"] and run.slot("cancel_pending_order") is None
    assert shop.get_order(order_id="261121000215").status == "paid"


@pytest.mark.parametrize("text, intent", [("这个呢", "affirm"), ("那个", "nlu_fallback"), ("嗯？", "affirm")])
def test_a_vague_reply_changes_nothing_and_asks_again(chat, shop, text, intent):
    pending = verified("261121000215", "7812", cancel_pending_order="261121000215")
    run = chat(confirm, text, intent=intent, slots=pending)
    assert run.responses == ["utter_cancel_unclear"] and run.followup == "action_cancel_order"
    assert run.slot("cancel_pending_order") == "unset"  # still waiting for the answer
    assert shop.get_order(order_id="261121000215").status == "paid"


def test_misunderstood_twice_in_a_row_goes_to_a_human(chat, shop):
    pending = verified("261121000215", "7812", cancel_pending_order="261121000215")
    before = {"event": "user", "text": "然后呢", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    run = chat(confirm, "还有呢", intent="nlu_fallback", slots=pending, history=[before])
    assert run.followup == "action_handoff_request" and run.slot("cancel_pending_order") is None
    assert shop.get_order(order_id="261121000215").status == "paid"


@pytest.mark.parametrize("order_id, phone, label", [
    ("261120000815", "9043", "已发货"), ("261103004817", "8123", "运输中"), ("261117000611", "9043", "已签收"),
    ("261110000187", "7319", "退款中")])
def test_shipped_or_later_orders_cannot_be_cancelled(chat, shop, order_id, phone, label):
    run = chat(ask, "取消订单", intent="cancel_order", slots=verified(order_id, phone))
    assert run.responses == ["utter_cancel_not_possible"] and label in run.texts
    assert run.slot("cancel_pending_order") is None
    assert shop.get_order(order_id=order_id).status != "cancelled"


def test_yes_without_a_pending_question_cancels_nothing(chat, shop):
    run = chat(confirm, "是", intent="affirm", slots=verified("261122000101", "6781"))
    assert run.responses == ["utter_ack"] and shop.get_order(order_id="261122000101").status == "pending_payment"


def test_yes_for_an_order_the_shopper_no_longer_may_see(chat, shop):
    run = chat(confirm, "是", intent="affirm", slots=verified("261122000101", "0000",
                                                               cancel_pending_order="261122000101"))
    assert run.responses == ["utter_order_verification_failed"]
    assert shop.get_order(order_id="261122000101").status == "pending_payment"


def test_status_is_rechecked_when_cancelling(chat, shop):
    # the order shipped between the question and the answer
    from kefu.db import session_scope
    from shop.demo.models import Order

    with session_scope(shop.database_url) as session:
        session.get(Order, "261120000733").status = "shipped"
    pending = verified("261120000733", "8123", cancel_pending_order="261120000733")
    run = chat(confirm, "是", intent="affirm", slots=pending)
    assert run.responses == ["utter_cancel_not_possible"] and "已发货" in run.texts
    assert shop.get_order(order_id="261120000733").status == "shipped"


def test_already_cancelled(chat):
    run = chat(ask, "取消", intent="cancel_order", slots=verified("261116000903", "7812"))
    assert run.responses == ["utter_cancel_already"] and "已取消" in run.texts


def test_another_number_after_a_refused_cancel_carries_the_cancel_over(chat, shop):
    """The remembered order can't be cancelled; the shopper sends another number: still a cancel."""
    from actions.orders.order_inform import ActionOrderInform

    slots = verified("261117000611", "9043", order_task="cancel")
    run = chat(ActionOrderInform(), "261122000101", intent="inform", slots=slots)
    assert run.slot("order_task") == "cancel" and run.followup == "order_lookup_form"
    named = chat(confirm, "那261122000101呢 可以取消吗", intent="affirm", slots=slots)
    assert named.slot("order_task") == "cancel" and named.followup == "order_lookup_form"


def test_a_bare_number_after_a_finished_cancel_asks_its_status(chat, shop):
    from actions.orders.order_inform import ActionOrderInform

    done = chat(confirm, "是", intent="affirm", slots=verified("261122000101", "6781", order_task="cancel",
                                                               cancel_pending_order="261122000101"))
    assert done.responses[0] == "utter_cancel_done" and done.slot("order_task") is None
    run = chat(ActionOrderInform(), "261117000611", intent="inform", slots=verified("261122000101", "6781"))
    assert run.slot("order_task") == "status"
