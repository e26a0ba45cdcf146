"""The order responses in domain.yml: both languages, the same values, no labels before the check."""

import re

import yaml

from actions.orders.labels import STATUS_LABELS
from kefu.settings import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
ORDER_RESPONSES = [name for name in DOMAIN["responses"]
                   if re.match(r"utter_(ask_order|ask_phone|order|phone|cancel|return|exchange|no_orders|ask_return"
                               r"|handoff_offer)", name)]
#: What an anonymous shopper can be told before the identity check.
BEFORE_CHECK = ["utter_ask_order_id", "utter_ask_phone_last4", "utter_ask_phone_last4_again", "utter_order_id_invalid",
                "utter_phone_last4_invalid",
                "utter_order_verification_failed", "utter_order_lookup_locked", "utter_handoff_offer",
                "utter_order_lookup_stopped", "utter_ask_order_task", "utter_greet", "utter_default"]


def variations(name):
    by_language = {}
    for variation in DOMAIN["responses"][name]:
        condition = variation.get("condition") or []
        language = condition[0]["value"] if condition else "zh"
        by_language[language] = variation["text"]
    return by_language


def test_every_order_response_has_chinese_and_english_with_the_same_values():
    assert len(ORDER_RESPONSES) > 30
    for name in ORDER_RESPONSES:
        texts = variations(name)
        assert set(texts) == {"zh", "en"}, name
        assert set(re.findall(r"{(\w+)}", texts["zh"])) == set(re.findall(r"{(\w+)}", texts["en"])), name


def test_no_status_label_before_the_identity_check():
    labels = [label for pair in STATUS_LABELS.values() for label in pair]
    for name in BEFORE_CHECK:
        for text in variations(name).values():
            assert not any(re.search(rf"\b{re.escape(label)}\b" if label.isascii() else re.escape(label), text)
                           for label in labels), (name, text)


def test_identity_slots_are_set_only_by_actions():
    slots = DOMAIN["slots"]
    for name in ("order_id", "phone_last4", "order_verification", "cancel_pending_order", "return_reason",
                 "handoff_reason"):
        assert slots[name]["mappings"] == [{"type": "custom"}], name
