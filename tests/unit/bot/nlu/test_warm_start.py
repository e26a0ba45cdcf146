"""The fine-tuned classifier starts from the previous model's weights, each in its new column."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from sklearn.linear_model import LogisticRegression

from bot.nlu.warm_start import warm_start


def previous(blocks, coef, classes):
    classifier = SimpleNamespace(coef_=np.asarray(coef, dtype=float), intercept_=np.arange(len(classes), dtype=float),
                                 classes_=np.array(classes))
    return {"classifier": classifier, "blocks": blocks}


def test_each_old_weight_moves_with_its_column_and_a_new_class_starts_at_zero():
    # word block of 2, char block of 3, a sentence vector of 2; the finetuned vocabularies grew by 1 each
    old = previous([("words", 2), ("chars", 3)], [[1, 2, 3, 4, 5, 6, 7], [10, 20, 30, 40, 50, 60, 70],
                                                  [-1, -2, -3, -4, -5, -6, -7]], ["faq/a", "greet", "thanks"])
    coef, intercept = warm_start(old, [("words", 3), ("chars", 4)], 9, ["faq/a", "faq/new", "greet", "thanks"])
    assert coef.shape == (4, 9)
    assert coef[0].tolist() == [1, 2, 0, 3, 4, 5, 0, 6, 7]
    assert coef[2].tolist() == [10, 20, 0, 30, 40, 50, 0, 60, 70]
    assert coef[1].tolist() == [0] * 9 and intercept.tolist() == [0, 0, 1, 2]


def test_no_warm_start_when_the_features_are_not_laid_out_alike():
    old = previous([("words", 2), ("chars", 3)], [[0] * 7] * 3, ["a", "b", "c"])
    assert warm_start(old, [("chars", 3), ("words", 2)], 7, ["a", "b", "c"]) is None  # other featurizers
    assert warm_start(old, [("words", 1), ("chars", 3)], 6, ["a", "b", "c"]) is None  # a vocabulary shrank
    assert warm_start(old, [("words", 2), ("chars", 3)], 8, ["a", "b", "c"]) is None  # another sentence vector
    assert warm_start(None, [("words", 2)], 2, ["a", "b", "c"]) is None
    assert warm_start({"classifier": old["classifier"]}, [("words", 2), ("chars", 3)], 7, ["a", "b", "c"]) is None


def test_a_warm_fit_reaches_the_same_model_in_fewer_iterations():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 12))
    labels = np.array(["a", "b", "c", "d"])[np.argmax(x[:, :4] + 0.3 * rng.normal(size=(300, 4)), axis=1)]
    cold = LogisticRegression(C=100, max_iter=2000).fit(x, labels)
    start = warm_start(previous([("words", 10)], cold.coef_, list(cold.classes_)), [("words", 10)], 12,
                       list(cold.classes_))
    warm = LogisticRegression(C=100, max_iter=2000, warm_start=True)
    warm.coef_, warm.intercept_ = start[0], cold.intercept_.copy()
    warm.fit(x, labels)
    assert warm.n_iter_.max() < cold.n_iter_.max() / 3
    assert (warm.predict(x) == cold.predict(x)).all()
    assert np.abs(warm.predict_proba(x) - cold.predict_proba(x)).max() < 0.01
