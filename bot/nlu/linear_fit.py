"""The classifier's logistic regression, fitted with its dense block kept dense.

:class:`bot.nlu.classifier.LinearIntentClassifier` learns a multinomial logistic regression over
TF-IDF n-grams (sparse, ~150 non-zeros a row) beside a 512-wide unit sentence vector (dense).
scikit-learn needs one matrix, so the sentence vector went in as 512 "sparse" non-zeros per row:
three quarters of the non-zeros, multiplied in scipy's sparse loops on every one of the ~140
L-BFGS iterations (two thirds of a training's CPU time). :func:`fit` minimises the very objective
of ``LogisticRegression(solver="lbfgs", multi_class="multinomial")`` in scikit-learn 1.1
(``sum_i w_i · (logsumexp(z_i) − z_i[y_i]) + ||W||² / 2C``, the intercept not penalised, ``w_i``
the balanced class weights) with the same stopping rule as its L-BFGS-B (``max |gradient| <= tol``), but multiplies the
dense block with BLAS and runs L-BFGS in NumPy (:func:`lbfgs`); it returns a fitted :class:`LogisticRegression`, so
prediction and persistence are scikit-learn's.

``start`` (the previous model's weights, :mod:`bot.nlu.warm_start`) begins the descent there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
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
    theta, iterations = lbfgs(loss_gradient, theta0, gtol=tol, max_iter=max_iter)
    model = LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, tol=tol)
    model.classes_ = classes
    model.coef_ = np.ascontiguousarray(theta[: k * width].reshape(width, k).T)
    model.intercept_ = theta[k * width:].copy()
    model.n_iter_ = np.array([iterations], dtype=np.int32)
    model.n_features_in_ = width
    return model


def lbfgs(loss_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, *, gtol: float,
          max_iter: int, memory: int = 10) -> tuple[np.ndarray, int]:
    """Minimises a smooth convex function by L-BFGS until ``max |gradient| <= gtol`` (scipy's
    L-BFGS-B stopping rule without bounds); returns (x, iterations).

    scipy's L-BFGS-B spends seconds per fit on the bounds of 1.5 million unbounded weights (Python
    lists of them) and its Fortran step; this is the textbook two-loop recursion (Nocedal &
    Wright, algorithm 7.4) with a backtracking Armijo line search in NumPy. The optimum is the
    same (the objective is strictly convex); the path and the iteration count differ a little.
    """
    x = np.array(x0, dtype=np.float64)
    value, gradient = loss_gradient(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    iterations = 0
    while iterations < max_iter and float(np.max(np.abs(gradient))) > gtol:
        direction = -gradient
        if history:
            alphas = []
            for s, y, rho in reversed(history):
                alpha = rho * float(s @ direction)
                direction = direction - alpha * y
                alphas.append(alpha)
            s, y, _ = history[-1]
            direction = direction * (float(s @ y) / float(y @ y))
            for (s, y, rho), alpha in zip(history, reversed(alphas)):
                direction = direction + (alpha - rho * float(y @ direction)) * s
        else:  # the first step: the gradient's direction, scaled to length 1
            direction = direction / max(float(np.linalg.norm(direction)), 1.0)
        slope = float(gradient @ direction)
        if slope >= 0:  # not a descent direction (rounding): start the memory again
            history.clear()
            direction, slope = -gradient, -float(gradient @ gradient)
        step = 1.0
        for _ in range(40):
            candidate = x + step * direction
            new_value, new_gradient = loss_gradient(candidate)
            if new_value <= value + 1e-4 * step * slope:
                break
            step *= 0.5
        else:
            break  # no decrease along the direction: as close as floating point gets
        s, y = candidate - x, new_gradient - gradient
        curvature = float(s @ y)
        if curvature > 1e-12:
            history.append((s, y, 1.0 / curvature))
            del history[:-memory]
        x, value, gradient = candidate, new_value, new_gradient
        iterations += 1
    return x, iterations
