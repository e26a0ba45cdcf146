"""Sentence vectors of training examples kept between trainings, keyed by text and encoder.

The sentence encoder is deterministic: the same text through the same model and code gives the
same vector. A retrain after an FAQ publication changes a handful of the ~3,600 training
examples, so :class:`~bot.nlu.sentence_encoder.SentenceEncoderFeaturizer` looks each example up
here first and encodes only the texts it has never seen.

A vector is found only under the hash of its exact text *and* of the encoder that computed it
(:func:`encoder_identity`: the model files' bytes, the packages' versions and
:data:`ENCODING_VERSION`), so a changed text, a changed model or a changed way of encoding can
never pick up a stale vector; a file that cannot be read is ignored (everything is encoded
again). The file holds the vectors of the last training only, so it does not grow with every
publication; it is replaced atomically (a reader sees the old file or the new one).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: Bump when the way a text becomes a vector changes outside the model files (the tokenizer's
#: set-up in :func:`bot.nlu.sentence_encoder.encoder`, say): every cached vector is then unused.
ENCODING_VERSION = "1"


def text_key(identity: str, text: str) -> bytes:
    """The 32-byte key of ``text`` encoded by the encoder ``identity``."""
    return hashlib.sha256(f"{identity}\0{text}".encode()).digest()


def encoder_identity(files: Iterable[Path], versions: Iterable[str]) -> str:
    """A hash of the encoder's model files (their bytes), the packages' versions and
    :data:`ENCODING_VERSION`."""
    digest = hashlib.sha256(f"kefu-sentence-vectors/{ENCODING_VERSION}\0".encode())
    for version in versions:
        digest.update(version.encode() + b"\0")
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


class VectorCache:
    """The vectors of one encoder in ``directory/sentence-vectors.npz``."""

    FILE = "sentence-vectors.npz"

    def __init__(self, directory: Path, identity: str) -> None:
        self.path = directory / self.FILE
        self.identity = identity

    def _load(self) -> dict[bytes, np.ndarray]:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                if str(data["identity"]) != self.identity:
                    return {}
                keys, vectors = data["keys"], data["vectors"]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError) as error:
            logger.warning("sentence vector cache %s unreadable (%s); encoding every example", self.path, error)
            return {}
        if keys.ndim != 2 or keys.shape[1] != 32 or len(keys) != len(vectors):
            return {}
        return {bytes(key): vector for key, vector in zip(keys, vectors)}

    def encode(self, texts: Sequence[str], compute: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """The vectors of ``texts`` (one row each, float32): cached ones looked up, the others
        computed by ``compute`` (a list of texts → their vectors); the file then holds exactly
        these texts' vectors."""
        known = self._load()
        keys = [text_key(self.identity, text) for text in texts]
        missing = [i for i, key in enumerate(keys) if key not in known]
        unique: dict[bytes, int] = {}
        for i in missing:
            unique.setdefault(keys[i], i)
        if unique:
            computed = np.asarray(compute([texts[i] for i in unique.values()]), dtype=np.float32)
            known.update(zip(unique, computed))
        logger.info("sentence vectors: %d of %d training texts cached, %d encoded",
                    len(texts) - len(missing), len(texts), len(unique))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.vstack([known[key] for key in keys]).astype(np.float32)
        self._save(keys, vectors)
        return vectors

    def _save(self, keys: list[bytes], vectors: np.ndarray) -> None:
        order = {key: i for i, key in enumerate(keys)}  # each text once
        rows = list(order.values())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".sentence-vectors-", suffix=".npz")
            with os.fdopen(handle, "wb") as out:
                np.savez(out, identity=np.array(self.identity),
                         keys=np.frombuffer(b"".join(order), dtype=np.uint8).reshape(len(order), 32),
                         vectors=vectors[rows])
            os.replace(temporary, self.path)
        except OSError as error:  # a read-only var/ costs the next training time, nothing else
            logger.warning("sentence vector cache %s not written (%s)", self.path, error)
