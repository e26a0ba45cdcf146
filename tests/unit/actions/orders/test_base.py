"""The one guard of the actions on the verified order (actions/orders/base.py), action by action.

Whatever the shopper asked (status, cancel, yes to the cancel, return, the return's reason), the
order is acted on only when this shopper may see it now; a lapsed check asks for the digits again
and carries the request on; anything else gets the same refusal, and the action's own pending
state (the order waiting for a yes, the reason) is cleared.
"""

import pytest

from actions.orders.base import OrderAction
from actions.orders.cancel_order import ActionCancelOrder
from actions.orders.confirm_cancel import ActionCancelOrderConfirm
from actions.orders.order_status import ActionOrderStatus
from actions.orders.return_request import ActionReturnRequest
from actions.orders.submit_return import ActionReturnSubmit
from tests.unit.actions.orders.conftest import SENDER, verified
from verification.failures import FailureCounter

FORM = "order_lookup_form"
MINUTE = 60
#: action, what the shopper says, its intent, the slots it needs, the task it carries on, the order
#: and phone, and the slots it clears when it refuses
CASES = {
    "status": (ActionOrderStatus, "查订单", "order_status", {}, "status", ("261122000101", "6781"), []),
    "cancel": (ActionCancelOrder, "取消订单", "cancel_order", {}, "cancel", ("261122000101", "6781"),
               ["cancel_pending_order"]),
    "confirm": (ActionCancelOrderConfirm, "是的", "affirm", {"cancel_pending_order": "261122000101"}, "cancel",
                ("261122000101", "6781"), ["cancel_pending_order"]),
    "return": (ActionReturnRequest, "我要退货", "return_request", {}, "return", ("261117000611", "9043"), []),
    "submit": (ActionReturnSubmit, "不喜欢", "inform", {"return_reason": "不喜欢"}, "return",
               ("261117000611", "9043"), ["return_reason"]),
}


def run_case(chat, name, slots):
    action, text, intent, needed, _task, _order, _cleared = CASES[name]
    return chat(action(), text, intent=intent, slots={**needed, **slots})


def test_the_five_actions_on_the_verified_order_share_the_base():
    assert all(issubclass(case[0], OrderAction) for case in CASES.values())


@pytest.mark.parametrize("name", CASES)
def test_an_unverified_shopper_gets_the_refusal_and_nothing_changes(chat, shop, name):
    order_id, _phone = CASES[name][5]
    before = shop.get_order(order_id=order_id).status
    for slots in ({"order_id": order_id}, verified(order_id, "0000")):  # never checked; the wrong digits
        run = run_case(chat, name, slots)
        assert run.responses == ["utter_order_verification_failed"] and run.followup is None
        assert all(run.slot(slot) is None for slot in CASES[name][6])
    assert shop.get_order(order_id=order_id).status == before
    assert shop.count_after_sales_requests(order_id=order_id) == 0


@pytest.mark.parametrize("name", CASES)
def test_a_lapsed_check_asks_for_the_digits_again_and_keeps_the_task(chat, name):
    run = run_case(chat, name, verified(*CASES[name][5], age=16 * MINUTE))
    assert run.messages == [] and run.followup == FORM
    assert run.slot("phone_last4") is None and run.slot("order_task") == CASES[name][4]
    assert all(run.slot(slot) is None for slot in CASES[name][6])


@pytest.mark.parametrize("name", CASES)
def test_a_locked_conversation_is_refused_even_with_a_check(chat, shop, name):
    for _ in range(3):
        FailureCounter(shop.database_url).count_wrong_answer(SENDER)
    for age in (MINUTE, 16 * MINUTE):  # fresh, or lapsed: no new question once locked
        run = run_case(chat, name, verified(*CASES[name][5], age=age))
        assert run.responses == ["utter_order_verification_failed"] and run.followup is None


@pytest.mark.parametrize("name", CASES)
def test_a_verified_shopper_gets_the_action(chat, name):
    run = run_case(chat, name, verified(*CASES[name][5]))
    assert "utter_order_verification_failed" not in run.responses and run.responses
