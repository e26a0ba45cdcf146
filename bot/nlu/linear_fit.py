"""The classifier's logistic regression, fitted with its dense block kept dense.

:class:`bot.nlu.classifier.LinearIntentClassifier` learns a multinomial logistic regression over
TF-IDF n-grams (sparse, ~150 non-zeros a row) beside a 512-wide unit sentence vector (dense).
scikit-learn needs one matrix, so the sentence vector went in as 512 "sparse" non-zeros per row:
three quarters of the non-zeros, multiplied in scipy's sparse loops on every one of the ~140
L-BFGS iterations (two thirds of a training's CPU time). :func:`fit` minimises the very objective
of ``LogisticRegression(solver="lbfgs", multi_class="multinomial")`` in scikit-learn 1.1
(``sum_i w_i · (logsumexp(z_i) − z_i[y_i]) + ||W||² / 2C``, the intercept not penalised, ``w_i``
the balanced class weights) with the same optimiser (scipy's L-BFGS-B, ``gtol`` = ``tol``), but
multiplies the dense block with BLAS; it returns a fitted :class:`LogisticRegression`, so
prediction and persistence are scikit-learn's.

``start`` (the previous model's weights, :mod:`bot.nlu.warm_start`) begins the descent there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse


def balanced_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """scikit-learn's ``class_weight="balanced"`` per sample: n / (classes · count of its class)."""
    counts = np.bincount(y, minlength=n_classes)
    return (len(y) / (n_classes * counts.astype(np.float64)))[y]


def fit(sparse: scipy.sparse.csr_matrix | None, dense: np.ndarray | None, labels: list[str], *, C: float,
        max_iter: int, tol: float = 1e-4, class_weight: Any = "balanced",
        start: tuple[np.ndarray, np.ndarray] | None = None) -> Any:
    """A fitted multinomial ``LogisticRegression`` over ``[sparse | dense]`` (rows: examples).

    Two classes (scikit-learn's binary model has one row) or other class weights than
    "balanced" or None: scikit-learn's own fit over the stacked matrix.
    """
    from sklearn.linear_model import LogisticRegression

    classes, y = np.unique(np.asarray(labels), return_inverse=True)
    k, n = len(classes), len(y)
    if k < 3 or class_weight not in ("balanced", None):
        stacked = scipy.sparse.hstack([p if scipy.sparse.issparse(p) else scipy.sparse.csr_matrix(p)
                                       for p in (sparse, dense) if p is not None]).tocsr()
        model = LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, tol=tol,
                                   warm_start=start is not None)
        if start is not None:
            model.coef_, model.intercept_ = start
        return model.fit(stacked, labels)
    width_s = sparse.shape[1] if sparse is not None else 0
    width_d = dense.shape[1] if dense is not None else 0
    width = width_s + width_d
    sample_weight = balanced_weights(y, k) if class_weight == "balanced" else np.ones(n)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    sparse_t = sparse.T.tocsr() if sparse is not None else None
    dense = np.ascontiguousarray(dense, dtype=np.float64) if dense is not None else None
    l2 = 1.0 / C

    # the weights as one (features × classes) C-ordered block: the sparse products walk rows
    def loss_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights = theta[: k * width].reshape(width, k)
        scores = np.broadcast_to(theta[k * width:], (n, k)).copy()
        if sparse is not None:
            scores += sparse @ weights[:width_s]
        if dense is not None:
            scores += dense @ weights[width_s:]
        top = scores.max(axis=1, keepdims=True)
        exp = np.exp(scores - top)
        total = exp.sum(axis=1, keepdims=True)
        loss = float(sample_weight @ (np.log(total[:, 0]) + top[:, 0] - scores[np.arange(n), y]))
        loss += 0.5 * l2 * float(np.vdot(weights, weights))
        residual = (exp / total - onehot) * sample_weight[:, None]
        grad = np.empty_like(theta)
        grad_weights = grad[: k * width].reshape(width, k)
        if sparse_t is not None:
            grad_weights[:width_s] = sparse_t @ residual
        if dense is not None:
            grad_weights[width_s:] = dense.T @ residual
        grad_weights += l2 * weights
        grad[k * width:] = residual.sum(axis=0)
        return loss, grad

    theta0 = np.zeros(k * width + k)
    if start is not None:
        theta0[: k * width] = np.asarray(start[0], dtype=np.float64).T.reshape(-1)
        theta0[k * width:] = start[1]
    result = scipy.optimize.minimize(loss_gradient, theta0, method="L-BFGS-B", jac=True,
                                     options={"gtol": tol, "maxiter": max_iter})
    model = LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, tol=tol)
    model.classes_ = classes
    model.coef_ = np.ascontiguousarray(result.x[: k * width].reshape(width, k).T)
    model.intercept_ = result.x[k * width:].copy()
    model.n_iter_ = np.array([int(result.nit)], dtype=np.int32)
    model.n_features_in_ = width
    return model
