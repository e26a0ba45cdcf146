"""validate_order_lookup_form and action_ask_order_id: who gets to see an order."""

import pytest

from actions.orders.ask_order_id import ActionAskOrderId
from actions.orders.validate_order_lookup_form import ValidateOrderLookupForm
from tests.unit.actions.orders.conftest import SENDER, token, verified
from verification.failures import FailureCounter

FORM = "order_lookup_form"
validate = ValidateOrderLookupForm()


def asking(slot, **slots):
    return {"requested_slot": slot, **slots}


@pytest.fixture
def counter(shop) -> FailureCounter:
    """The wrong answers of the conversation ``chat`` speaks in."""
    return FailureCounter(shop.database_url)


def test_number_then_phone_verifies(chat):
    first = chat(validate, "where is my order 261103004817", intent="order_status")
    assert first.slot("order_id") == "261103004817" and first.slot("requested_slot") == "phone_last4"
    assert first.messages == []
    second = chat(validate, "8123", loop=FORM, slots=asking("phone_last4", order_id="261103004817"), channel="telegram")
    recorded = second.slot("order_verification")
    assert (recorded["order_id"], recorded["channel"]) == ("261103004817", "telegram") and recorded["at"] > 0
    assert second.slot("requested_slot") is None and second.messages == []


def test_wrong_phone_and_unknown_order_get_the_same_answer_and_count(chat, counter):
    wrong = chat(validate, "5678", loop=FORM, slots=asking("phone_last4", order_id="261103004817"))
    assert counter.failures(SENDER) == 1
    unknown = chat(validate, "8123", loop=FORM, slots=asking("phone_last4", order_id="261199999999"))
    assert counter.failures(SENDER) == 2
    assert wrong.responses == unknown.responses == ["utter_order_verification_failed"]
    assert wrong.texts == unknown.texts
    # the number is kept and only the digits are asked again, for a known and an unknown order alike
    assert wrong.slot("order_id", "261103004817") == "261103004817"
    assert unknown.slot("order_id", "261199999999") == "261199999999"
    for run in (wrong, unknown):
        assert run.slot("order_verification") is None and run.slot("phone_last4") is None
        assert run.slot("requested_slot") == "phone_last4"


def test_number_and_wrong_digits_in_one_message_keep_the_number(chat, counter):
    run = chat(validate, "订单261103004817 尾号0000", intent="order_status")
    assert run.responses == ["utter_order_verification_failed"] and counter.failures(SENDER) == 1
    assert run.slot("order_id") == "261103004817" and run.slot("requested_slot") == "phone_last4"
    retyped = chat(validate, "８１２３", loop=FORM, slots=asking("phone_last4", order_id="261103004817"))
    assert retyped.messages == [] and retyped.slot("requested_slot") is None
    assert retyped.slot("order_verification")["order_id"] == "261103004817"


def test_third_wrong_answer_closes_the_lookup_and_hands_over(chat, counter):
    for _ in range(2):
        counter.count_wrong_answer(SENDER)
    run = chat(validate, "0000", loop=FORM, slots=asking("phone_last4", order_id="261103004817"))
    assert counter.failures(SENDER) == 3 and run.slot("handoff_reason") == "verification_failed"
    assert run.slot("requested_slot") is None and run.slot("order_verification") is None
    assert run.followup == "utter_order_lookup_locked"


def test_after_three_wrong_answers_even_the_right_ones_unlock_nothing(chat, counter):
    for _ in range(3):
        counter.count_wrong_answer(SENDER)
    # whatever the conversation's slots say (/restart empties them, /back rewinds them)
    run = chat(validate, "261103004817 尾号8123", intent="order_status")
    assert run.slot("order_verification", None) is None and run.followup == "utter_order_lookup_locked"


def test_malformed_numbers_are_refused_and_counted(chat, counter):
    for count, text in enumerate(("26110300481X", "2611030048170000", "1' OR '1'='1"), start=1):
        run = chat(validate, text, intent="nlu_fallback", loop=FORM, slots=asking("order_id"))
        assert run.responses == ["utter_order_id_invalid"], text
        assert counter.failures(SENDER) == count
        assert run.slot("requested_slot") == ("order_id" if count < 3 else None)


def test_a_phone_number_where_an_order_number_is_asked_is_wrong(chat, counter):
    run = chat(validate, "8123", loop=FORM, slots=asking("order_id"))
    assert run.responses == ["utter_order_id_invalid"] and counter.failures(SENDER) == 1


def test_another_topic_rejects_the_form_so_the_rules_answer_it(chat):
    assert chat(validate, "运费怎么算", intent="faq", loop=FORM, slots=asking("order_id")).events == []
    stop = chat(validate, "算了", intent="deny", loop=FORM, slots=asking("phone_last4", order_id="261103004817"))
    assert stop.events == []


def test_a_new_order_number_needs_its_own_phone_digits(chat):
    run = chat(validate, "查一下 261118000921", intent="order_status", slots=verified("261103004817", "8123"))
    assert run.slot("order_id") == "261118000921" and run.slot("phone_last4") is None
    assert run.slot("requested_slot") == "phone_last4"


def test_signed_in_customer_sees_own_order_without_the_phone_question(chat):
    run = chat(validate, "261120000612", intent="inform", metadata=token("C1001"), loop=FORM, slots=asking("order_id"))
    assert run.slot("requested_slot") is None and run.messages == []


def test_signed_in_customer_never_opens_another_customers_order(chat, counter):
    run = chat(validate, "261103004817 尾号8123", intent="order_status", metadata=token("C1001"))
    assert run.responses == ["utter_order_not_in_account"]
    assert run.slot("order_id") is None and counter.failures(SENDER) == 1
    unknown = chat(validate, "261199999999", intent="order_status", metadata=token("C1001"))
    assert unknown.texts == run.texts


def test_a_forged_token_is_anonymous(chat):
    run = chat(validate, "261120000612", intent="order_status", metadata={"customer_token": "a.b.c"})
    assert run.slot("requested_slot") == "phone_last4"


def test_signed_in_customer_is_offered_their_recent_orders(chat):
    run = chat(ActionAskOrderId(), "我的订单", intent="order_status", metadata=token("C1004"))
    assert run.responses == ["utter_ask_order_id_pick"]
    assert [b["title"] for b in run.messages[0]["buttons"]] == ["261120000733", "261103004817", "261101000654"]
    assert run.messages[0]["buttons"][0]["payload"] == '/inform{"order_id": "261120000733"}'
    assert "运输中" in run.texts and "261103004817" in run.texts


def test_anonymous_shopper_is_asked_to_type_the_number(chat):
    run = chat(ActionAskOrderId(), "我的订单", intent="order_status")
    assert run.responses == ["utter_ask_order_id"] and "订单号" in run.texts


@pytest.mark.parametrize("order_id, phone, script", [
    ("261108000719", "4702", "hk"),   # C1008, profile zh-HK
    ("261119000277", "5601", "tw"),   # C1007, profile zh-TW
    ("261103004817", "8123", "unset"),  # a zh-CN customer: nothing to set
])
def test_a_verified_customer_s_profile_picks_the_traditional_forms(chat, order_id, phone, script):
    run = chat(validate, phone, loop=FORM, slots=asking("phone_last4", order_id=order_id))
    assert run.slot("order_verification")["order_id"] == order_id
    assert run.slot("script") == script


def test_how_the_customer_writes_comes_before_the_profile(chat):
    run = chat(validate, "4702", loop=FORM, slots=asking("phone_last4", order_id="261108000719", script="tw"))
    assert run.slot("order_verification")["order_id"] == "261108000719" and run.slot("script") == "unset"


def test_a_signed_in_customer_s_profile_picks_the_forms_too(chat):
    run = chat(validate, "261108000719", intent="order_status", metadata=token("C1008"))
    assert run.slot("requested_slot") is None and run.slot("script") == "hk"
