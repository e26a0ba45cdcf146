"""The sentence features of many messages as two matrices, without Rasa's per-message combining.

``Message.get_sparse_features`` combines a message's features of every featuriser by deep-copying
the first and stacking the rest, for the sequence features as well as the sentence features it
was asked for: over ~3,600 training examples, 7,300 deep copies and sparse stacks, the largest
part of the classifier's time in an FAQ retrain after the fit itself (``python -m bench.retrain
--profile``). :func:`sentence_features` stacks each featuriser's sentence rows of all messages
once and puts the featurisers' blocks side by side: the same matrix, value for value and in the
same order (``tests/unit/bot/nlu/test_sentence_matrix.py``). Messages whose features do not
have that regular shape (one row per featuriser, the same featurisers for every message) go
through Rasa's combining as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE
from rasa.shared.nlu.training_data.message import Message


def _sentence(message: Message, attribute: str, sparse: bool) -> list:
    return [f for f in message.features
            if f.attribute == attribute and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse() == sparse]


def combined(messages: Sequence[Message], attribute: str) -> tuple[scipy.sparse.csr_matrix | None, np.ndarray | None]:
    """Rasa's way: each message's features combined by ``get_sparse_features``/``get_dense_features``."""
    sparse_rows, dense_rows = [], []
    for message in messages:
        _, sparse = message.get_sparse_features(attribute)
        _, dense = message.get_dense_features(attribute)
        if sparse is not None:
            rows = sparse.features
            sparse_rows.append(rows if rows.shape[0] == 1 else scipy.sparse.csr_matrix(rows.sum(axis=0)))
        if dense is not None:
            dense_rows.append(np.asarray(dense.features, dtype=np.float64).reshape(-1))
    sparse_matrix = scipy.sparse.vstack(sparse_rows, format="csr") if sparse_rows else None
    dense_matrix = np.vstack(dense_rows) if dense_rows else None
    return sparse_matrix, dense_matrix


def sentence_features(messages: Sequence[Message],
                      attribute: str) -> tuple[scipy.sparse.csr_matrix | None, np.ndarray | None]:
    """(sparse sentence features, dense sentence features) of ``messages``, a row per message."""
    sparse = [_sentence(m, attribute, True) for m in messages]
    dense = [_sentence(m, attribute, False) for m in messages]
    shapes = {(tuple(f.origin for f in s), tuple(f.origin for f in d)) for s, d in zip(sparse, dense)}
    regular = len(shapes) == 1 and all(f.features.shape[0] == 1 for s in sparse for f in s)
    if not messages or not regular:
        return combined(messages, attribute)
    sparse_matrix = None
    if sparse[0]:
        blocks = [scipy.sparse.vstack([s[k].features for s in sparse], format="csr") for k in range(len(sparse[0]))]
        sparse_matrix = blocks[0] if len(blocks) == 1 else scipy.sparse.hstack(blocks, format="csr")
    dense_matrix = None
    if dense[0]:
        dense_matrix = np.vstack([np.concatenate([np.asarray(f.features, dtype=np.float64).reshape(-1) for f in d])
                                  for d in dense])
    return sparse_matrix, dense_matrix
