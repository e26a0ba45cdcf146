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
from typing import TypeAlias

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


#: :func:`message_row`'s answer: ((sparse columns, their values) or None, dense vector or None).
Row: TypeAlias = tuple[tuple[np.ndarray, np.ndarray] | None, np.ndarray | None]


def message_row(message: Message, attribute: str) -> Row:
    """One message's sentence features, read once: ``((indices, counts), dense)``, the non-zero
    columns of its combined sparse sentence row (increasing) with their values, and its combined
    dense sentence vector (1-D); either is None when the message has none.

    The same values as Rasa's ``get_sparse_features``/``get_dense_features``, without their
    combining (a deep copy of the first feature and a sparse stack of the sequence features as
    well, on every call). Sparse features of another kind than the count vectorisers' (one COO
    row per featuriser, columns increasing and distinct) are combined Rasa's way."""
    indices, counts, dense = [], [], []
    offset = 0
    regular = True
    for feature in message.features:
        if feature.attribute != attribute or feature.type != FEATURE_TYPE_SENTENCE:
            continue
        matrix = feature.features
        if not feature.is_sparse():
            dense.append(matrix)
        elif isinstance(matrix, scipy.sparse.coo_matrix) and matrix.shape[0] == 1:
            indices.append(matrix.col.astype(np.int64) + offset)
            counts.append(matrix.data)
            offset += matrix.shape[1]
        else:
            regular = False
    vector = None
    if dense:
        vector = np.asarray(dense[0] if len(dense) == 1 else np.concatenate(dense, axis=-1)).reshape(-1)
    if not indices and regular:
        return None, vector
    columns = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    if regular and (columns.size < 2 or bool(np.all(columns[1:] > columns[:-1]))):
        return (columns, np.concatenate(counts)), vector
    _, combined_row = message.get_sparse_features(attribute)
    assert combined_row is not None
    csr = scipy.sparse.csr_matrix(combined_row.features)
    csr.sum_duplicates()
    return (csr.indices, csr.data), vector
