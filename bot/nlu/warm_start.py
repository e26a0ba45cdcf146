"""Where a fine-tuned classifier starts: the previous model's weights, laid out for the new input.

``rasa train --finetune`` (the FAQ publisher's retrain, :mod:`bot.stack.training`) hands
:class:`bot.nlu.classifier.LinearIntentClassifier` the model it trained last time; starting the
logistic regression from those weights instead of from zero converges in a fraction of the
iterations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


def sparse_blocks(message: Message) -> list[tuple[str, int]]:
    """(featurizer, width) of each sparse sentence feature of ``text``, in the order the
    classifier's input concatenates them."""
    return [(str(f.origin), int(f.features.shape[1])) for f in message.features
            if f.attribute == TEXT and f.is_sparse() and f.type == "sentence"]


def warm_start(previous: dict[str, Any] | None, blocks: list[tuple[str, int]], width: int,
                classes: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """The previous model's weights laid out for the new input and classes, or None.

    Under ``rasa train --finetune`` Rasa's CountVectorsFeaturizer keeps its vocabulary and appends
    the new words at the end, so each featurizer's old columns keep their order inside its block
    (the blocks shift by the words appended before them); the sentence vector is the last block.
    A class the previous model did not have (a new FAQ) starts at zero. The fit then converges
    to the same optimum (the problem is convex) in a fraction of the iterations.
    """
    if not previous or "classifier" not in previous or not previous.get("blocks"):
        return None
    old_blocks = previous["blocks"]
    if [origin for origin, _ in old_blocks] != [origin for origin, _ in blocks]:
        return None
    old = previous["classifier"]
    old_width = old.coef_.shape[1]
    old_sparse, new_sparse = sum(w for _, w in old_blocks), sum(w for _, w in blocks)
    dense = old_width - old_sparse
    if dense != width - new_sparse or any(new < was for (_, was), (_, new) in zip(old_blocks, blocks)):
        return None
    columns = np.empty(old_width, dtype=np.int64)
    old_offset = new_offset = 0
    for (_, was), (_, new) in zip(old_blocks, blocks):
        columns[old_offset:old_offset + was] = np.arange(new_offset, new_offset + was)
        old_offset, new_offset = old_offset + was, new_offset + new
    columns[old_offset:] = np.arange(new_offset, new_offset + dense)
    coef = np.zeros((len(classes), width))
    intercept = np.zeros(len(classes))
    position = {label: i for i, label in enumerate(old.classes_)}
    for row, label in enumerate(classes):
        if label in position:
            coef[row, columns] = old.coef_[position[label]]
            intercept[row] = old.intercept_[position[label]]
    if len(classes) == 2:  # scikit-learn's binary case has one row
        return None
    return coef, intercept
