"""The count vectorisers featurise a message at prediction without scikit-learn's per-call work.

Rasa's ``CountVectorsFeaturizer.process`` calls ``CountVectorizer.transform`` twice for each
attribute of each message (the tokens for the sequence features, the joined text for the
sentence feature). Each call checks the vocabulary, builds a new analyser, makes a CSR matrix and
sorts it; Rasa sorts it again and turns it into COO: with Kefu's two count vectorisers about
0.75 ms of a ~6 ms parse (main thread, ``python -m bench.parse_compare --server``).

:func:`create_features` (``_create_features``) builds each vectoriser's analyser once and counts
a document's known n-grams straight into the COO matrix Rasa would make: the same shape, dtypes,
order and values (``tests/unit/bot/patches/test_count_features.py`` compares them on the
project's training examples and held-out messages). A vectoriser without a vocabulary goes
through Rasa's own code (which raises what it raises). Training featurises in batches
(:mod:`bot.patches.count_vectors_batch`), so this matters at prediction: installed by
:func:`bot.patches.install` for the Rasa server.
"""

from __future__ import annotations

import weakref
from typing import Any

from bot.patches import registry

#: Each fitted vectoriser's analyser, built once (``CountVectorizer.build_analyzer`` depends only
#: on its parameters).
_analysers: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def counts(vectorizer: Any, documents: list[str]) -> Any:
    """``vectorizer.transform(documents)`` with its indices sorted, as COO (Rasa's
    ``transform(...)``, ``sort_indices()``, ``tocoo()``)."""
    import numpy as np
    import scipy.sparse

    analyse = _analysers.get(vectorizer)
    if analyse is None:
        analyse = _analysers[vectorizer] = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    rows: list[int] = []
    columns: list[int] = []
    values: list[int] = []
    for row, document in enumerate(documents):
        counter: dict[Any, int] = {}
        for feature in analyse(document):
            column = vocabulary.get(feature)
            if column is not None:
                counter[column] = counter.get(column, 0) + 1
        for column in sorted(counter):
            rows.append(row)
            columns.append(column)
            values.append(counter[column])
    data = np.array(values, dtype=vectorizer.dtype)
    if vectorizer.binary:
        data.fill(1)
    return scipy.sparse.coo_matrix((data, (np.array(rows, dtype=np.int32), np.array(columns, dtype=np.int32))),
                                   shape=(len(documents), len(vocabulary)))


def create_features(self: Any, attribute: str, all_tokens: list[list[str]]) -> tuple[list[Any], list[Any]]:
    """Rasa's ``CountVectorsFeaturizer._create_features``, by :func:`counts`."""
    from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    vectorizer = self.vectorizers.get(attribute)
    if not vectorizer:
        return [None], [None]
    if not hasattr(vectorizer, "vocabulary_"):
        return registry.original(CountVectorsFeaturizer, "_create_features")(self, attribute, all_tokens)
    sequences: list[Any] = []
    sentences: list[Any] = []
    for tokens in all_tokens:
        if not tokens:
            sequences.append(None)
            sentences.append(None)
            continue
        sequences.append(counts(vectorizer, tokens))
        sentences.append(counts(vectorizer, [" ".join(tokens)]) if attribute in DENSE_FEATURIZABLE_ATTRIBUTES else None)
    return sequences, sentences


def install() -> None:
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    registry.replace(CountVectorsFeaturizer, "_create_features", create_features)
