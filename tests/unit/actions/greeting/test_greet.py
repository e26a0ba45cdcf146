"""action_greet: a proven customer by name in their profile's language; nobody else."""

from __future__ import annotations

import pytest

from actions.greeting.greet import ActionGreet
from tests.unit.actions.orders.conftest import runner, shop, token, verified  # noqa: F401 - shop is a fixture

greet = ActionGreet()


@pytest.fixture
def chat(shop):  # noqa: F811 - the fixture imported above
    return runner()


def test_anonymous_shoppers_get_the_usual_greeting(chat):
    run = chat(greet, "你好", intent="greet")
    assert run.responses == ["utter_greet"] and run.events == []
    forged = chat(greet, "你好", intent="greet", metadata={"customer_token": "forged"})
    assert forged.responses == ["utter_greet"]


def test_a_signed_in_customer_is_greeted_by_name_in_their_profile_s_language(chat):
    run = chat(greet, "你好", intent="greet", metadata=token("C1008"))  # zh-HK
    assert run.responses == ["utter_greet_known"]
    assert run.messages[0]["customer_name"] == "周傑"
    assert (run.messages[0]["reply_language"], run.messages[0]["reply_script"]) == ("zh-Hant", "hk")
    assert run.slot("language") == "zh-Hant" and run.slot("script") == "hk"
    english = chat(greet, "hello", intent="greet", metadata=token("C1008"))
    assert english.messages[0]["reply_language"] == "en" and english.slot("script") == "unset"


def test_a_check_passed_in_this_conversation_proves_the_customer_a_stale_one_does_not(chat):
    fresh = chat(greet, "hi", intent="greet", slots=verified("261103004817", "8123"))
    assert fresh.responses == ["utter_greet_known"] and fresh.messages[0]["customer_name"] == "刘洋"
    stale = chat(greet, "hi", intent="greet", slots=verified("261103004817", "8123", age=16 * 60))
    assert stale.responses == ["utter_greet"]
    elsewhere = chat(greet, "hi", intent="greet", slots=verified("261103004817", "8123", channel="telegram"))
    assert elsewhere.responses == ["utter_greet"]


def test_a_merely_linked_channel_identity_is_not_greeted_by_name(chat):
    from actions import customer_links

    customer_links.links().link("C1004", channel="rest", sender_id="shopper", by="order_check")
    assert customer_links.linked_customer(_tracker_for("shopper")) == "C1004"
    assert chat(greet, "你好", intent="greet").responses == ["utter_greet"]


def _tracker_for(sender_id: str):
    from rasa_sdk import Tracker

    return Tracker(sender_id, {}, {}, [], False, None, {}, "action_listen")
