"""Product fact questions written apart from the training data (tests/nlu/heldout_products.yml),
answered by the trained model and action_product_answer over the demo catalogue. The figures are
printed at the end of `make test` and written to results/nlu-heldout-products.json."""

from __future__ import annotations

import pytest

from tests.nlu import reports

#: regression floors a little under the measured figures (docs/developers/products.md, 2026-12-07:
#: fact accuracy 100%, unknown-fact honesty 93.3%).
MIN_FACT_ACCURACY = 0.9
MIN_UNKNOWN_HONESTY = 0.9


@pytest.fixture(scope="module")
def report(trained_model, tmp_path_factory):
    return reports.run_products(trained_model, tmp_path_factory.mktemp("products"))


def test_the_set_covers_each_language_with_known_and_unknown_facts(report):
    assert set(report["per_language"]) == {"zh-Hans", "zh-Hant", "en"}
    for figures in report["per_language"].values():
        assert figures["known"] >= 10 and figures["unknown"] >= 4


def test_no_fact_is_invented(report):
    assert report["invented"] == 0, [m for m in report["misses"] if m["invented"]]


def test_fact_accuracy(report):
    assert report["fact_accuracy"] >= MIN_FACT_ACCURACY, report["misses"]


def test_unknown_facts_are_said_to_be_unknown(report):
    assert report["unknown_honesty"] >= MIN_UNKNOWN_HONESTY, report["misses"]
