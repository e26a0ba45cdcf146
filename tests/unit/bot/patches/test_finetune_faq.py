"""A new FAQ does not stop the FAQ retrain from fine-tuning; any other change of the dialogue does."""

from __future__ import annotations

from rasa.shared.core.domain import Domain

from bot.patches.finetune_faq import core_fingerprint

BASE = {"intents": ["faq", "greet"], "responses": {
    "utter_greet": [{"text": "你好"}], "utter_faq/shipping_fee": [{"text": "满99包邮"}]}}


def domain(**changes) -> Domain:
    data = {**BASE, **changes}
    return Domain.from_dict({"version": "3.1", **data})


def test_a_new_or_edited_faq_response_keeps_the_fingerprint():
    grown = {**BASE["responses"], "utter_faq/battery_shipping": [{"text": "可以寄"}],
             "utter_faq/shipping_fee": [{"text": "满88包邮"}]}
    assert core_fingerprint(domain(responses=grown)) == core_fingerprint(domain())


def test_another_response_an_intent_or_a_slot_changes_it():
    assert core_fingerprint(domain(responses={**BASE["responses"], "utter_bye": [{"text": "再见"}]})) \
        != core_fingerprint(domain())
    assert core_fingerprint(domain(intents=["faq", "greet", "bye"])) != core_fingerprint(domain())
    slots = {"order_id": {"type": "text", "mappings": [{"type": "from_text"}]}}
    assert core_fingerprint(domain(slots=slots)) != core_fingerprint(domain())
