"""NLU accuracy on messages written independently of the training data (tests/nlu/heldout.yml).

The figures are printed at the end of `make test` and written to results/nlu-heldout.json.
The floors below are regression guards a little under the measured figures (docs/developers/nlu.md).
"""

from __future__ import annotations

import pytest

MIN_INTENT_ACCURACY = 0.97
MIN_EXACT_ACCURACY = 0.95
MIN_FAQ_KEY_ACCURACY = 0.94
#: messages without an intent ("这个呢", "and?", section nlu_fallback of heldout.yml) that fall back
MIN_NO_INTENT_FALLBACK = 0.85


@pytest.fixture(scope="module")
def report(heldout_reports):
    return heldout_reports["shop"]


def test_heldout_set_covers_every_intent_and_faq(report):
    labels = set(report["per_label"])
    for intent in ("greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "order_status", "cancel_order",
                   "return_request", "complaint", "request_human", "inform", "out_of_scope"):
        assert intent in labels
    assert sum(1 for label in labels if label.startswith("faq/")) == 32


def test_intent_accuracy(report):
    assert report["intent_accuracy"] >= MIN_INTENT_ACCURACY


def test_exact_accuracy_including_faq_keys(report):
    assert report["accuracy"] >= MIN_EXACT_ACCURACY


def test_faq_key_accuracy(report):
    assert report["faq_key_accuracy"] >= MIN_FAQ_KEY_ACCURACY


def test_messages_without_an_intent_fall_back(report):
    fillers = report["no_intent"]
    assert fillers["messages"] >= 15
    assert fillers["fallback_rate"] >= MIN_NO_INTENT_FALLBACK, fillers


def test_no_filler_is_taken_for_a_yes_or_a_no(report):
    """"这个呢" / "那个" to a yes/no question ("cancel this order?") must not answer it."""
    taken = report["no_intent"]["taken_as"]
    assert "affirm" not in taken and "deny" not in taken, taken
