"""Training data read once: unchanged YAML not parsed or validated again, the data not loaded twice.

Of an FAQ retrain's CPU time (``python -m bench.retrain --profile``) Rasa's reading of the NLU
training data was the largest part, for two reasons this patch removes:

* **every file parsed and schema-checked again.** A publication changes one file (the FAQ data);
  the other ~26 YAML files of ``data/`` are the same bytes as at the last training. Rasa's YAML
  reader (ruamel, then pykwalify's schema check, then the examples' parsing) gives the same
  :class:`~rasa.shared.nlu.training_data.training_data.TrainingData` for the same bytes, so
  :func:`rasa.shared.nlu.training_data.loading._load` keeps its result in
  ``var/cache/training-data/`` (relative to where ``rasa train`` runs, as the sentence vectors'
  cache), under the SHA-256 of the file's bytes, the language, Rasa's version and
  :data:`CACHE_VERSION`. A changed file has another key and is read (and validated) by Rasa;
  a cache file that cannot be read is ignored. Only the most recently used :data:`KEEP` entries
  are kept, so the folder does not grow with every publication.
* **unchanged YAML validated again.** The domain, the stories and rules, and the files read
  through ``read_validated_yaml`` are parsed a second time for pykwalify's schema check
  (``rasa.shared.utils.validation.validate_yaml_schema``), which returns nothing or raises. A
  content that passed the check once passes it again, so a marker (an empty file) under the
  SHA-256 of the content, the schema's name and Rasa's version records the pass and the check is
  skipped when the marker exists; new or changed content is checked by Rasa as before.
* **the whole data loaded twice.** ``rasa.model_training.train`` asks the importer for the NLU
  data (to decide what to train), then the graph's ``NLUTrainingDataProvider`` asks the same
  importer again with ``language=`` from ``config.yml``; the importer caches per arguments, so
  the second call read every file and deep-copied every example again. Rasa 3.6's readers do not
  use the language (it is passed down and ignored), so the provider here asks with the default
  arguments and gets the importer's cached result. ``model_training`` only reads that object
  before the graph runs, so the graph gets it as if freshly loaded.

Installed for Kefu's trainings only (``python -m bot.stack.rasa_train``); the model is the same
(``tests/unit/bot/patches/test_training_data_cache.py``, and the held-out figures of a model
trained with it, docs/operators/benchmarks.md). Pickles are read only from the project's own
``var/``, which holds the models (themselves pickles) too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Bump when what a cached file holds changes (another reader, a patch of the reader).
CACHE_VERSION = "1"
#: Where the parsed files go, relative to the directory ``rasa train`` runs in.
DIRECTORY = Path("var") / "cache" / "training-data"
#: Entries kept (most recently used): every file of ``data/`` with room for a few FAQ versions.
KEEP = 64
SUFFIXES = (".yml", ".yaml")


def file_key(path: Path, language: str | None) -> str:
    """The cache key of ``path`` read for ``language``: a hash of its bytes and what reads them."""
    from rasa import __version__ as rasa_version

    digest = hashlib.sha256(f"kefu-training-data/{CACHE_VERSION}\0{rasa_version}\0{language}\0".encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(entry: Path) -> Any | None:
    try:
        with entry.open("rb") as handle:
            data = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as error:  # noqa: BLE001 - a damaged or foreign entry: read the file itself
        logger.warning("training data cache entry %s unreadable (%s): reading the file", entry.name, error)
        return None
    os.utime(entry)  # most recently used
    return data


def _write(entry: Path, data: Any) -> None:
    directory = entry.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
        _prune(directory, "*.pickle")
    except OSError as error:  # a read-only or full disk costs only the next training's time
        logger.warning("training data cache not written (%s)", error)


def _prune(directory: Path, pattern: str) -> None:
    entries = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def validated(yaml_file_content: str, schema_path: str, package_name: str = "rasa") -> None:
    """Rasa's ``validate_yaml_schema``, skipped for a content that passed the same schema before."""
    from rasa import __version__ as rasa_version
    from rasa.shared.utils import validation

    from bot.patches import registry

    digest = hashlib.sha256(f"kefu-valid-yaml/{CACHE_VERSION}\0{rasa_version}\0{package_name}\0{schema_path}\0"
                            .encode())
    digest.update(yaml_file_content.encode("utf-8", "surrogatepass"))
    marker = Path.cwd() / DIRECTORY / f"valid-{digest.hexdigest()}"
    if marker.exists():
        return
    registry.original(validation, "validate_yaml_schema")(yaml_file_content, schema_path, package_name)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        _prune(marker.parent, "valid-*")
    except OSError as error:
        logger.warning("training data cache not written (%s)", error)


def cached_load(filename: str, language: str | None = "en") -> Any:
    """Rasa's ``loading._load``, from the cache when the file's bytes were read before."""
    from rasa.shared.nlu.training_data import loading

    from bot.patches import registry

    load = registry.original(loading, "_load")
    path = Path(filename)
    if path.suffix not in SUFFIXES:
        return load(filename, language)
    try:
        key = file_key(path, language)
    except OSError:
        return load(filename, language)
    entry = Path.cwd() / DIRECTORY / f"{key}.pickle"
    data = _read(entry)
    if data is not None:
        return data
    data = load(filename, language)
    if data is not None:
        _write(entry, data)
    return data


def provide(self: Any, importer: Any) -> Any:
    """``NLUTrainingDataProvider.provide`` with the importer's already loaded data (see above)."""
    training_data = importer.get_nlu_data()
    if self._config["persist"]:
        self._persist(training_data)
    return training_data


def install() -> None:
    from rasa.graph_components.providers.nlu_training_data_provider import NLUTrainingDataProvider
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.shared.nlu.training_data import loading
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from rasa.shared.utils import validation

    from bot.patches import registry

    # Rasa checks a graph component's run function by its annotations' types (not strings)
    provide.__annotations__ = {"importer": TrainingDataImporter, "return": TrainingData}
    registry.replace(loading, "_load", cached_load)
    registry.replace(validation, "validate_yaml_schema", validated)
    registry.replace(NLUTrainingDataProvider, "provide", provide)
