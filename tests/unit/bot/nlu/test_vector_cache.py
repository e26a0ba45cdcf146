"""Sentence vectors kept between trainings: reused only for the same text and the same encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import sentence_encoder
from bot.nlu.sentence_encoder import SentenceEncoderFeaturizer
from bot.nlu.vector_cache import VectorCache, encoder_identity


class Counting:
    """A stand-in encoder that records what it was asked (one fixed vector per text)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.asked.extend(texts)
        return np.array([[float(len(t)), float(sum(map(ord, t))), 1.0] for t in texts], dtype=np.float32)


def test_only_texts_never_seen_are_encoded_and_the_vectors_are_the_same(tmp_path: Path) -> None:
    encode = Counting()
    first = VectorCache(tmp_path, "enc-1").encode(["我要退货", "where is my parcel", "我要退货"], encode)
    assert encode.asked == ["我要退货", "where is my parcel"]  # a repeated text once
    second = VectorCache(tmp_path, "enc-1").encode(["where is my parcel", "充电宝能寄吗", "我要退货"], encode)
    assert encode.asked[2:] == ["充电宝能寄吗"]
    assert np.array_equal(second[0], first[1]) and np.array_equal(second[2], first[0])
    assert np.array_equal(second[1], encode(["充电宝能寄吗"])[0])


def test_an_edited_text_is_encoded_again_never_given_the_old_vector(tmp_path: Path) -> None:
    encode = Counting()
    VectorCache(tmp_path, "enc-1").encode(["运费多少"], encode)
    vectors = VectorCache(tmp_path, "enc-1").encode(["运费多少钱"], encode)
    assert encode.asked == ["运费多少", "运费多少钱"]
    assert np.array_equal(vectors[0], encode(["运费多少钱"])[0])


def test_another_encoder_uses_none_of_the_cached_vectors(tmp_path: Path) -> None:
    encode = Counting()
    VectorCache(tmp_path, "enc-1").encode(["运费多少", "hi"], encode)
    VectorCache(tmp_path, "enc-2").encode(["运费多少", "hi"], encode)
    assert encode.asked == ["运费多少", "hi", "运费多少", "hi"]


def test_an_unreadable_file_means_encoding_everything(tmp_path: Path) -> None:
    (tmp_path / VectorCache.FILE).write_bytes(b"not an npz file")
    encode = Counting()
    vectors = VectorCache(tmp_path, "enc-1").encode(["唔該晒", "ok"], encode)
    assert encode.asked == ["唔該晒", "ok"] and vectors.shape == (2, 3)
    VectorCache(tmp_path, "enc-1").encode(["唔該晒"], encode)
    assert encode.asked == ["唔該晒", "ok"]  # the broken file was replaced by a good one


def test_the_file_keeps_the_last_training_only(tmp_path: Path) -> None:
    encode = Counting()
    VectorCache(tmp_path, "enc-1").encode(["a1", "b2"], encode)
    VectorCache(tmp_path, "enc-1").encode(["b2"], encode)
    VectorCache(tmp_path, "enc-1").encode(["a1"], encode)
    assert encode.asked == ["a1", "b2", "a1"]


def test_the_encoder_identity_follows_the_model_files_bytes_and_the_versions(tmp_path: Path) -> None:
    model = tmp_path / "weights.npz"
    model.write_bytes(b"weights v1")
    one = encoder_identity([model], ["pkg==1"])
    assert encoder_identity([model], ["pkg==1"]) == one
    assert encoder_identity([model], ["pkg==2"]) != one
    model.write_bytes(b"weights v2")
    assert encoder_identity([model], ["pkg==1"]) != one


@pytest.fixture
def featurizer(tmp_path: Path) -> SentenceEncoderFeaturizer:
    config = {**SentenceEncoderFeaturizer.get_default_config(), "cache_dir": str(tmp_path / "cache")}
    return SentenceEncoderFeaturizer("cached", config)


def training_data(*texts: str) -> TrainingData:
    return TrainingData([Message(data={TEXT: text, "intent": "x"}) for text in texts])


def vectors(data: TrainingData) -> list[np.ndarray]:
    return [m.get_dense_features(TEXT)[1].features.reshape(-1) for m in data.training_examples]


def test_a_retrain_gets_the_vectors_a_training_from_scratch_computes(featurizer, monkeypatch) -> None:
    texts = ["我想买个充电宝，你们能寄吗", "可唔可以幫我包成禮物", "do you do gift wrapping", "運費幾多錢"]
    fresh = SentenceEncoderFeaturizer(
        "fresh", {**SentenceEncoderFeaturizer.get_default_config(), "cache_dir": None})
    expected = vectors(fresh.process_training_data(training_data(*texts)))
    featurizer.process_training_data(training_data(*texts[:2]))  # the earlier training
    asked: list[str] = []
    real = sentence_encoder.encode_all
    monkeypatch.setattr(sentence_encoder, "encode_all", lambda batch: asked.extend(batch) or real(batch))
    got = vectors(featurizer.process_training_data(training_data(*texts)))
    assert asked == texts[2:]
    for one, other in zip(got, expected):
        assert np.allclose(one, other, atol=1e-6)
