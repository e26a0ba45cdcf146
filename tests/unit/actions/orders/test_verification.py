"""A passed phone check opens its order for a while, on its channel, in its session (issue 16).

Older than ``KEFU_VERIFICATION_MINUTES`` (15 by default), made on another input channel or in an
earlier session (the slot is carried over, the verification is not), it opens nothing: the
shopper is asked for the phone digits again, keeping the order number, and then the request
carries on (cancel stays cancel, return stays return).
"""

import pytest

from actions.orders.ask_phone_last4 import ActionAskPhoneLast4
from actions.orders.cancel_order import ActionCancelOrder
from actions.orders.confirm_cancel import ActionCancelOrderConfirm
from actions.orders.order_status import ActionOrderStatus
from actions.orders.return_request import ActionReturnRequest
from actions.orders.submit_return import ActionReturnSubmit
from actions.orders.validate_order_lookup_form import ValidateOrderLookupForm
from tests.unit.actions.orders.conftest import token, verified

FORM = "order_lookup_form"
status, validate, ask_phone = ActionOrderStatus(), ValidateOrderLookupForm(), ActionAskPhoneLast4()
IN_TRANSIT = ("261103004817", "8123")
MINUTE = 60


def asked_again(run, task: str) -> bool:
    """The run asks for the phone digits again and will carry on with ``task``, showing nothing."""
    return (run.followup == FORM and run.slot("phone_last4") is None and run.slot("order_task") == task
            and run.slot("order_id") == "unset" and "运输中" not in run.texts and "SF9296037519664" not in run.texts)


def test_a_verification_opens_its_order_for_fifteen_minutes(chat):
    fresh = chat(status, slots=verified(*IN_TRANSIT, age=14 * MINUTE))
    assert "SF9296037519664" in fresh.texts
    old = chat(status, slots=verified(*IN_TRANSIT, age=15 * MINUTE + 1))
    assert old.messages == [] and asked_again(old, "status")


def test_the_time_is_the_setting(chat, monkeypatch):
    monkeypatch.setenv("KEFU_VERIFICATION_MINUTES", "1")
    assert asked_again(chat(status, slots=verified(*IN_TRANSIT, age=MINUTE + 1)), "status")
    assert "SF9296037519664" in chat(status, slots=verified(*IN_TRANSIT, age=MINUTE - 5)).texts


@pytest.mark.parametrize("verified_on, asked_on", [("telegram", "rest"), ("socketio", "rest"), ("rest", "wechat")])
def test_a_verification_opens_nothing_on_another_channel(chat, verified_on, asked_on):
    run = chat(status, slots=verified(*IN_TRANSIT, channel=verified_on), channel=asked_on)
    assert asked_again(run, "status")
    assert "SF9296037519664" in chat(status, slots=verified(*IN_TRANSIT, channel=asked_on), channel=asked_on).texts


def test_a_verification_of_an_earlier_session_opens_nothing(chat):
    # verified 5 minutes ago, but the session started 2 minutes ago (the slot was carried over)
    run = chat(status, slots=verified(*IN_TRANSIT, age=5 * MINUTE), session_age=2 * MINUTE)
    assert asked_again(run, "status")


def test_the_lookup_asks_for_the_digits_again_keeping_the_order(chat):
    stale = verified(*IN_TRANSIT, age=20 * MINUTE)
    run = chat(validate, "取消订单", intent="cancel_order", slots=stale)
    assert run.slot("order_id") == "261103004817" and run.slot("phone_last4") is None
    assert run.slot("requested_slot") == "phone_last4" and run.messages == []
    # how the form asks: saying it checks once more (the order is not named)
    question = chat(ask_phone, "取消订单", intent="cancel_order", slots={**stale, "phone_last4": None})
    assert question.responses == ["utter_ask_phone_last4_again"] and "261103004817" not in question.texts
    assert chat(ask_phone, "查订单", slots={"order_id": "261103004817"}).responses == ["utter_ask_phone_last4"]
    # a verification that still counts is not asked again, and is not made younger either
    fresh = verified(*IN_TRANSIT, age=MINUTE)
    again = chat(validate, "取消订单", intent="cancel_order", slots=fresh)
    assert again.slot("requested_slot") is None and again.slot("order_verification") == "unset"


def test_cancel_after_the_verification_expired_asks_again_and_stays_a_cancel(chat, shop):
    stale = verified("261122000101", "6781", age=16 * MINUTE)
    asked = chat(ActionCancelOrder(), "取消订单", intent="cancel_order", slots=stale)
    assert asked_again(asked, "cancel") and "utter_cancel_confirm" not in asked.responses
    # "yes" to a question asked before the verification expired cancels nothing yet
    yes = chat(ActionCancelOrderConfirm(), "是的", intent="affirm",
               slots={**stale, "cancel_pending_order": "261122000101"})
    assert asked_again(yes, "cancel") and yes.responses == []
    assert shop.get_order(order_id="261122000101").status == "pending_payment"


def test_a_return_after_the_verification_expired_asks_again_and_stays_a_return(chat, shop):
    stale = verified("261117000611", "9043", age=16 * MINUTE)
    assert asked_again(chat(ActionReturnRequest(), "我要退货", intent="return_request", slots=stale), "return")
    filed = chat(ActionReturnSubmit(), "不喜欢", intent="inform", slots={**stale, "return_reason": "不喜欢"})
    assert asked_again(filed, "return")
    assert shop.count_after_sales_requests(order_id="261117000611") == 0


def test_a_signed_in_shopper_is_never_asked_for_digits(chat):
    run = chat(status, slots={"order_id": "261103004817", **verified(*IN_TRANSIT, age=20 * MINUTE)},
               metadata=token("C1001"))
    assert run.responses == ["utter_order_verification_failed"] and run.followup is None
