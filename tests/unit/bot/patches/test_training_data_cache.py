"""Training data files read once per content; the NLU data loaded once per training."""

from __future__ import annotations

import pickle

import pytest
from rasa.graph_components.providers.nlu_training_data_provider import NLUTrainingDataProvider
from rasa.shared.exceptions import YamlException
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data import loading
from rasa.shared.nlu.training_data.formats.rasa_yaml import NLU_SCHEMA_FILE
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.patches import training_data_cache
from bot.patches.training_data_cache import DIRECTORY, cached_load, file_key, validated
from kefu.settings import ROOT

NLU = """version: "3.1"
nlu:
- intent: thanks
  examples: |
    - 唔該晒
    - 多謝你
"""


def texts(data: TrainingData) -> list[tuple[str, str]]:
    return [(m.get("text"), m.get("intent")) for m in data.training_examples]


def test_a_file_is_read_as_rasa_reads_it_and_then_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "nlu.yml"
    path.write_text(NLU, encoding="utf-8")
    first = cached_load(str(path), "zh")
    assert texts(first) == texts(loading.load_data(str(path))) == [("唔該晒", "thanks"), ("多謝你", "thanks")]
    entry = tmp_path / DIRECTORY / f"{file_key(path, 'zh')}.pickle"
    assert entry.exists()
    # the same bytes: the kept result is used (shown by putting another one in its place)
    entry.write_bytes(pickle.dumps(TrainingData(), protocol=pickle.HIGHEST_PROTOCOL))
    assert texts(cached_load(str(path), "zh")) == []


def test_a_changed_file_is_read_again_and_a_damaged_entry_ignored(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "nlu.yml"
    path.write_text(NLU, encoding="utf-8")
    cached_load(str(path), "zh")
    path.write_text(NLU + "    - 辛苦晒\n", encoding="utf-8")
    assert texts(cached_load(str(path), "zh"))[-1] == ("辛苦晒", "thanks")
    (tmp_path / DIRECTORY / f"{file_key(path, 'zh')}.pickle").write_bytes(b"not a pickle")
    assert len(texts(cached_load(str(path), "zh"))) == 3


def test_the_training_graph_gets_the_data_the_training_already_loaded(tmp_path, monkeypatch, restored):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nlu.yml").write_text(NLU, encoding="utf-8")
    (tmp_path / "domain.yml").write_text('version: "3.1"\nintents: [thanks]\n', encoding="utf-8")
    training_data_cache.install()
    importer = TrainingDataImporter.load_from_config(str(ROOT / "config.yml"), "domain.yml", ["nlu.yml"])
    loaded = importer.get_nlu_data()
    provider = NLUTrainingDataProvider({"language": "zh", "persist": False}, None, None)  # type: ignore[arg-type]
    provided = provider.provide(importer)
    assert provided is loaded
    assert ("唔該晒", "thanks") in texts(provided)


def test_content_that_passed_the_schema_is_not_checked_again_and_bad_content_still_fails(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    validated(NLU, NLU_SCHEMA_FILE)
    assert len(list((tmp_path / DIRECTORY).glob("valid-*"))) == 1
    validated(NLU, NLU_SCHEMA_FILE)
    assert len(list((tmp_path / DIRECTORY).glob("valid-*"))) == 1
    with pytest.raises(YamlException):
        validated(NLU.replace("examples: |", "exemples: |"), NLU_SCHEMA_FILE)
