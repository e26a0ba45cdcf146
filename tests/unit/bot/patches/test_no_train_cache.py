"""Kefu's trainings fill no Rasa graph cache: nothing fingerprinted, nothing written to it."""

from __future__ import annotations

from rasa.engine.caching import LocalTrainingCache
from rasa.engine.graph import ExecutionContext, GraphSchema, SchemaNode
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.training.hooks import TrainingHook
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normalizer import TextNormalizer
from bot.patches import no_train_cache
from bot.stack.training import train_command
from kefu.settings import ROOT


def run_hook(tmp_path, monkeypatch) -> LocalTrainingCache:
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    cache = LocalTrainingCache()
    schema = GraphSchema({"normalizer": SchemaNode(needs={}, uses=TextNormalizer, constructor_name="create",
                                                   fn="process_training_data", config={})})
    hook = TrainingHook(cache=cache, model_storage=LocalModelStorage(tmp_path / "models"), pruned_schema=schema)
    data = TrainingData([Message(data={"text": "我要退货", "intent": "return"})])
    context = ExecutionContext(schema, "test")
    before = hook.on_before_node("normalizer", context, {}, {"training_data": data})
    hook.on_after_node("normalizer", context, {}, data, before)
    return cache


def test_rasa_alone_fingerprints_and_caches_a_node_output(tmp_path, monkeypatch, restored):
    cache = run_hook(tmp_path, monkeypatch)
    with cache._sessionmaker() as session:
        assert session.query(cache.CacheEntry).count() == 1


def test_with_the_patch_nothing_is_fingerprinted_or_cached(tmp_path, monkeypatch, restored):
    no_train_cache.install()
    called = []
    monkeypatch.setattr(TrainingData, "fingerprint", lambda self: called.append(1) or "x")
    cache = run_hook(tmp_path, monkeypatch)
    with cache._sessionmaker() as session:
        assert session.query(cache.CacheEntry).count() == 0
    assert called == []


def test_every_training_runs_every_component():
    assert "--force" in train_command(ROOT, ROOT / "models" / "kefu-x.tar.gz", python="py")
