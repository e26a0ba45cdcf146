"""NLU accuracy on messages written independently of the training data (tests/nlu/heldout.yml).

The figures are printed at the end of `make test` and written to results/nlu-heldout.json.
The floors below are regression guards a little under the measured figures (README).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bench.nlu_eval import evaluate, load_examples
from kefu.settings import ROOT

HELDOUT = Path(__file__).with_name("heldout.yml")
MIN_INTENT_ACCURACY = 0.97
MIN_EXACT_ACCURACY = 0.95
MIN_FAQ_KEY_ACCURACY = 0.94

REPORT: dict = {}


@pytest.fixture(scope="module")
def report(trained_model):
    result = asyncio.run(evaluate(trained_model, load_examples(HELDOUT)))
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "nlu-heldout.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    REPORT.update(result)
    return result


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
