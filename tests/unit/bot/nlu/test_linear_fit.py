"""The classifier's own L-BFGS fit reaches scikit-learn's model: same objective, same optimum."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot.nlu.linear_fit import balanced_weights, fit


def problem(seed: int = 0, n: int = 400, classes: int = 6):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n)
    words = scipy.sparse.random(n, 60, density=0.08, random_state=seed, format="csr")
    words = words + scipy.sparse.csr_matrix((np.ones(n), (np.arange(n), labels * 3)), shape=(n, 60))
    dense = normalize(rng.normal(size=(n, 16)) + np.eye(classes, 16)[labels] * 1.5)
    names = np.array([f"intent_{i}" if i % 2 else f"faq/q{i}" for i in range(classes)])[labels]
    # unbalanced classes, as FAQ sub-intents are beside big intents
    keep = (labels != 0) | (np.arange(n) % 4 == 0)
    return normalize(words.tocsr()[keep]), dense[keep], list(names[keep])


def test_the_fit_equals_scikit_learns_logistic_regression() -> None:
    sparse, dense, labels = problem()
    ours = fit(sparse, dense, labels, C=100, max_iter=2000)
    theirs = LogisticRegression(C=100, class_weight="balanced", max_iter=2000).fit(
        scipy.sparse.hstack([sparse, scipy.sparse.csr_matrix(dense)]).tocsr(), labels)
    x = scipy.sparse.hstack([sparse, scipy.sparse.csr_matrix(dense)]).tocsr()
    assert list(ours.classes_) == list(theirs.classes_)
    assert np.abs(ours.predict_proba(x) - theirs.predict_proba(x)).max() < 0.01
    assert (ours.predict(x) == theirs.predict(x)).all()


def test_a_fit_started_from_the_optimum_stops_at_once_and_one_from_near_it_soon() -> None:
    sparse, dense, labels = problem(1)
    cold = fit(sparse, dense, labels, C=100, max_iter=2000)
    again = fit(sparse, dense, labels, C=100, max_iter=2000, start=(cold.coef_, cold.intercept_))
    assert again.n_iter_[0] <= 2
    more_sparse, more_dense, more_labels = problem(2, n=40)
    warm = fit(scipy.sparse.vstack([sparse, more_sparse]).tocsr(), np.vstack([dense, more_dense]),
               labels + more_labels, C=100, max_iter=2000, start=(cold.coef_, cold.intercept_))
    scratch = fit(scipy.sparse.vstack([sparse, more_sparse]).tocsr(), np.vstack([dense, more_dense]),
                  labels + more_labels, C=100, max_iter=2000)
    assert warm.n_iter_[0] < scratch.n_iter_[0]
    x = scipy.sparse.hstack([sparse, scipy.sparse.csr_matrix(dense)]).tocsr()
    assert np.abs(warm.predict_proba(x) - scratch.predict_proba(x)).max() < 0.02


def test_balanced_weights_are_scikit_learns() -> None:
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0, 0, 0, 1, 2, 2])
    assert np.allclose(balanced_weights(y, 3), compute_class_weight("balanced", classes=np.arange(3), y=y)[y])


def test_two_classes_get_scikit_learns_binary_model() -> None:
    model = fit(None, np.eye(4), ["a", "b", "a", "b"], C=1, max_iter=100)
    assert model.coef_.shape == (1, 4) and list(model.predict(np.eye(4))) == ["a", "b", "a", "b"]
