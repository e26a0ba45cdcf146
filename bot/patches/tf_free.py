"""Serving a model without loading TensorFlow, when the model has no TensorFlow component.

Rasa 3.6 imports TensorFlow as soon as its dialogue code is imported (its policy base module pulls
in training callbacks and data generators that subclass Keras classes), although Kefu's pipeline
(``config.yml``) never runs a TensorFlow operation. Importing it costs the Rasa server about
300 MB of memory and several seconds at start. When every component of the model to serve is known
not to use TensorFlow, :func:`install` puts a stand-in package in front of ``tensorflow`` (and the
TensorFlow add-ons Rasa imports) whose attributes are inert classes: Rasa's modules import and
define their classes, and nothing ever calls them. A model that does use TensorFlow (DIET,
ResponseSelector, TED, a custom component importing it) is served with the real TensorFlow, and
loading such a model into a server started without it fails with a message saying to restart.

Measured: start 57 s → single-digit seconds, Rasa server RSS 755 → ~330 MB. :func:`install` must
run before anything imports Rasa's dialogue code (``bot.patches.install`` runs it first).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import re
import sys
import tarfile
import types
from pathlib import Path

logger = logging.getLogger(__name__)

_TF_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(?:tensorflow|tensorflow_hub|tensorflow_text|tensorflow_addons|keras|rasa\.utils\.tensorflow)\b",
    re.MULTILINE,
)

#: Packages served by the stand-in.
STUBBED = ("tensorflow", "tensorflow_hub", "tensorflow_text", "tensorflow_addons", "tensorflow_probability", "keras")
#: Rasa 3.6's components that run TensorFlow.
TENSORFLOW_COMPONENTS = frozenset({
    "rasa.nlu.classifiers.diet_classifier.DIETClassifier",
    "rasa.nlu.selectors.response_selector.ResponseSelector",
    "rasa.core.policies.ted_policy.TEDPolicy",
    "rasa.core.policies.unexpected_intent_policy.UnexpecTEDIntentPolicy",
    "rasa.nlu.featurizers.dense_featurizer.lm_featurizer.LanguageModelFeaturizer",
    "rasa.nlu.featurizers.dense_featurizer.convert_featurizer.ConveRTFeaturizer",
})


def model_components(model_path: Path) -> set[str]:
    """Class paths of the components a trained model's prediction graph uses."""
    with tarfile.open(model_path, "r:gz") as archive:
        for member in archive:
            if member.name.lstrip("/") == "metadata.json":
                metadata = json.load(archive.extractfile(member))
                return {node["uses"] for node in metadata["predict_schema"]["nodes"].values()}
    raise ValueError(f"{model_path} has no metadata.json: is it a Rasa 3 model?")


def _uses_tensorflow(class_path: str) -> bool:
    if class_path in TENSORFLOW_COMPONENTS:
        return True
    if class_path.startswith("rasa."):
        return False  # Rasa's other components are TensorFlow-free
    module = class_path.rpartition(".")[0]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return True  # cannot tell: be safe
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return True
    return bool(_TF_IMPORT.search(Path(spec.origin).read_text(encoding="utf-8", errors="replace")))


def needs_tensorflow(model_path: Path) -> bool:
    """True when any component of the model runs (or may run) TensorFlow."""
    return any(_uses_tensorflow(path) for path in model_components(model_path))


class _InertMeta(type):
    """Classes whose attributes are more such classes; callable as a pass-through decorator."""

    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _inert(name)

    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # @tf.function and friends leave the function as it is
        return super().__call__()


def _inert(name: str) -> type:
    return _InertMeta(name, (), {"__module__": "kefu_tensorflow_stand_in"})


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _inert(name)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in STUBBED:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StandInModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module) -> None:
        return None


def installed() -> bool:
    return any(isinstance(finder, _StandInFinder) for finder in sys.meta_path)


def install() -> None:
    """Serves ``tensorflow`` imports with the stand-in. Must run before Rasa is imported."""
    loaded = [name for name in sys.modules if name.split(".")[0] in STUBBED]
    if loaded:
        raise RuntimeError(f"{loaded[0]} is already imported; install() must run before Rasa is imported")
    if not installed():
        sys.meta_path.insert(0, _StandInFinder())


def guard_model_loading() -> None:
    """Makes loading a TensorFlow model into a server without TensorFlow fail clearly."""
    from rasa.core.agent import Agent

    from bot.patches import registry

    if registry.is_replaced(Agent, "load_model"):
        return
    original = Agent.load_model

    def load_model(self, model_path, fingerprint=None):
        if installed() and needs_tensorflow(Path(model_path)):
            raise RuntimeError(
                f"{model_path} uses TensorFlow, but this Rasa server was started without it for a "
                "TensorFlow-free model; restart the server (python -m bot.server / make run) to serve it."
            )
        return original(self, model_path, fingerprint)

    registry.replace(Agent, "load_model", load_model)
