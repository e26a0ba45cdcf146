"""The count vectorisers featurise the training data in one call per attribute, not per message.

Rasa's ``CountVectorsFeaturizer.process_training_data`` calls scikit-learn's
``CountVectorizer.transform`` twice for every attribute of every training example (the tokens
for the sequence features, the joined text for the sentence feature): with Kefu's two count
vectorisers, ~3,600 examples and their responses, ~23,500 calls, each with its input validation
and a new sparse matrix, the largest part of the featurisers' time in an FAQ retrain
(``python -m bench.retrain --profile``).

``transform`` counts each document on its own, so transforming the tokens of all messages at
once and taking each message's rows gives every message the same matrices: here each attribute
is transformed in two calls, the rows cut per message, and the features are added to each message
exactly as Rasa adds them (same values, indices sorted, COO). Messages are processed as Rasa
does, one at a time, at prediction (``process``); only the training data's featurisation is
batched. Installed for Kefu's trainings only (``python -m bot.stack.rasa_train``); the model is
the same byte for byte (``python -m bench.retrain --before``,
``tests/unit/bot/patches/test_count_vectors_batch.py``).
"""

from __future__ import annotations

from typing import Any


def _rows(matrix: Any, start: int, stop: int) -> Any:
    """Rows ``start:stop`` of a CSR matrix with sorted indices, as the COO matrix Rasa makes of them
    (``transform(...)``, ``sort_indices()``, ``tocoo()``), without scipy's slicing per message."""
    import numpy as np
    import scipy.sparse

    begin, end = matrix.indptr[start], matrix.indptr[stop]
    rows = np.repeat(np.arange(stop - start, dtype=matrix.indices.dtype), np.diff(matrix.indptr[start:stop + 1]))
    return scipy.sparse.coo_matrix((matrix.data[begin:end], (rows, matrix.indices[begin:end])),
                                   shape=(stop - start, matrix.shape[1]))


def featurize(self: Any, attribute: str, all_tokens: list[list[str]]) -> tuple[list[Any], list[Any]]:
    """Rasa's ``_create_features`` for many messages, with two ``transform`` calls in all."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES

    vectorizer = self.vectorizers[attribute]
    present = [tokens for tokens in all_tokens if tokens]
    sequence_rows = vectorizer.transform([token for tokens in present for token in tokens]) if present else None
    sentence = attribute in DENSE_FEATURIZABLE_ATTRIBUTES
    sentence_rows = vectorizer.transform([" ".join(tokens) for tokens in present]) if present and sentence else None
    for rows in (sequence_rows, sentence_rows):
        if rows is not None:
            rows.sort_indices()  # scikit-learn's are sorted already; Rasa sorts each message's
    sequences: list[Any] = []
    sentences: list[Any] = []
    start = row = 0
    for tokens in all_tokens:
        if not tokens:
            sequences.append(None)
            sentences.append(None)
            continue
        assert sequence_rows is not None
        sequences.append(_rows(sequence_rows, start, start + len(tokens)))
        start += len(tokens)
        sentences.append(_rows(sentence_rows, row, row + 1) if sentence_rows is not None else None)
        row += 1
    return sequences, sentences


def process_training_data(self: Any, training_data: Any) -> Any:
    """``CountVectorsFeaturizer.process_training_data`` with each attribute featurised in one batch."""
    if self.vectorizers is None:
        return self.process(training_data.training_examples)  # Rasa logs the error
    messages = training_data.training_examples
    for attribute in self._attributes:
        tokens = [self._get_processed_message_tokens_by_attribute(m, attribute) for m in messages]
        if not self.vectorizers.get(attribute):
            sequences, sentences = [None] * len(messages), [None] * len(messages)
        else:
            sequences, sentences = featurize(self, attribute, tokens)
        for message, sequence, sentence in zip(messages, sequences, sentences):
            self.add_features_to_message(sequence, sentence, attribute, message)
    return training_data


def install() -> None:
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.patches import registry

    # Rasa checks a graph component's run function by its annotations' types (not strings)
    process_training_data.__annotations__ = {"training_data": TrainingData, "return": TrainingData}
    registry.replace(CountVectorsFeaturizer, "process_training_data", process_training_data)
