"""bot.patches.install: the version gate, and the stock switch that leaves Rasa as it is."""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys

import pytest

from bot import patches
from bot.patches import registry, tf_free
from kefu.settings import ROOT, SettingsError, load_settings

#: Every attribute Kefu's patches replace, named independently of the patches' own bookkeeping:
#: (module, class or None for the module itself, attribute).
TARGETS = [
    ("rasa.core.agent", "Agent", "load_model"),
    ("rasa.core.processor", None, "copy"),
    ("rasa.core.policies.rule_policy", None, "copy"),
    ("rasa.core.policies.memoization", None, "copy"),
    ("rasa.core.processor", None, "DaskGraphRunner"),
    ("rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer", "CountVectorsFeaturizer", "_create_features"),
    ("rasa.shared.core.domain", "Domain", "states_for_tracker_history"),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "applied_events"),
    ("rasa.shared.core.trackers", "DialogueStateTracker", "copy"),
    ("rasa.core.featurizers.tracker_featurizers", "MaxHistoryTrackerFeaturizer", "prediction_states"),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_prediction_states"),
    ("rasa.core.policies.rule_policy", "RulePolicy", "_get_possible_keys"),
    ("rasa.core.policies.policy", "Policy", "format_tracker_states"),
    ("rasa.core.agent", "Agent", "handle_message"),
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "retrieve"),
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "retrieve_full_tracker"),
    ("rasa.core.tracker_store", "FailSafeTrackerStore", "save"),
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result"),
    ("rasa.core.actions.action", "RemoteAction", "run"),
    ("bot.stores", "KefuTrackerStore", "domain"),
    ("bot.stores", "KefuTrackerStore", "retrieve"),
    ("bot.stores", "KefuTrackerStore", "save"),
    ("rasa.core.lock_store", "LockStore", "lock"),
    ("rasa.core.lock_store", "RedisLockStore", "issue_ticket"),
    ("rasa.core.lock_store", "RedisLockStore", "cleanup"),
    ("rasa.core.lock_store", "RedisLockStore", "lock"),
    ("rasa.utils.endpoints", "EndpointConfig", "session"),
]


def _owner(module: str, cls: str | None):
    owner = importlib.import_module(module)
    return getattr(owner, cls) if cls else owner


def current() -> dict[tuple, object]:
    """What each target is now, as its owner's attribute lookup gives it."""
    return {target: inspect_attribute(_owner(*target[:2]), target[2]) for target in TARGETS}


def inspect_attribute(owner, name: str):
    # through the class's __dict__ chain, so that a staticmethod or property compares as itself
    for klass in owner.__mro__ if isinstance(owner, type) else [owner]:
        if name in vars(klass):
            return vars(klass)[name]
    raise AttributeError(name)


@pytest.fixture
def settings(monkeypatch, restored):
    def load(switch: str | None):
        if switch is None:
            monkeypatch.delenv("KEFU_STOCK_RASA", raising=False)
        else:
            monkeypatch.setenv("KEFU_STOCK_RASA", switch)
        return load_settings()

    logger = logging.getLogger("rasa")
    level = logger.level
    logger.setLevel(logging.INFO)  # as under make run: the debug-only copies are skipped
    yield load
    logger.setLevel(level)


def test_another_rasa_is_refused_with_the_versions_and_what_to_do(settings, monkeypatch):
    monkeypatch.setattr("rasa.version.__version__", "3.6.20")
    for switch in (None, "on"):  # stock Rasa too: Kefu's tracker store relies on 3.6's internals
        with pytest.raises(patches.UnsupportedRasa) as refused:
            patches.install(settings(switch))
        message = str(refused.value)
        assert "rasa 3.6.20 is installed" in message and "Kefu needs rasa 3.6.21" in message
        assert "pip install -r requirements.txt -c constraints.txt" in message and "bot/patches/" in message
        assert registry.replaced() == []  # refused before anything was touched


def test_another_rasa_sdk_is_refused_where_a_patch_runs_it(settings, monkeypatch):
    monkeypatch.setattr("rasa_sdk.version.__version__", "3.7.0")
    refusal = r"rasa-sdk 3\.7\.0 is installed, but Kefu needs rasa-sdk 3\.6\.2"
    with pytest.raises(patches.UnsupportedRasa, match=refusal):
        patches.install(settings(None))
    assert registry.replaced() == []
    assert patches.install(settings("on")) == []  # stock Rasa runs no rasa-sdk in the Rasa server


def test_the_rasa_server_refuses_to_start_on_another_rasa(tmp_path):
    """``python -m bot.server`` itself: one line naming both versions, exit 2, no traceback."""
    script = ("import runpy, sys, rasa.version\n"
              "rasa.version.__version__ = '3.7.0'\n"
              f"sys.argv = ['bot.server', '--model', {str(tmp_path / 'model.tar.gz')!r}]\n"
              "runpy.run_module('bot.server', run_name='__main__')\n")
    env = {**os.environ, "KEFU_VAR_DIR": str(tmp_path), "KEFU_SECRET_KEY": "k" * 40, "BOT_API_TOKEN": "t"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "python -m bot.server cannot start: rasa 3.7.0 is installed, but Kefu needs rasa 3.6.21" in done.stderr
    assert "Traceback" not in done.stderr


def test_stock_mode_leaves_every_function_rasas_own(settings):
    rasa_own = current()
    assert patches.install(settings("on")) == []
    after = current()
    assert [t for t in TARGETS if after[t] is not rasa_own[t]] == []
    assert registry.replaced() == [] and not tf_free.installed()


def test_patched_mode_replaces_each_of_them(settings):
    """The counterpart of the stock test: the list above is what the patches replace, all of it."""
    rasa_own = current()
    installed = patches.install(settings(None))  # no model given: TensorFlow is left alone
    assert installed == [name for name in patches.ORDER if name != "tf_free"]
    after = current()
    assert [t for t in TARGETS if after[t] is rasa_own[t]] == []
    named = {f"{module if cls is None else f'{module}.{cls}'}.{name}" for module, cls, name in TARGETS}
    assert set(registry.replaced()) == named
    assert patches.install(settings(None)) == installed and len(registry.replaced()) == len(named)  # idempotent


@pytest.mark.parametrize("value, stock", [("on", True), ("1", True), ("OFF", False), ("no", False), ("", False)])
def test_the_switch_is_on_or_off(settings, value, stock):
    assert settings(value).stock_rasa is stock


def test_the_switch_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("KEFU_STOCK_RASA", "stock")
    with pytest.raises(SettingsError, match="KEFU_STOCK_RASA='stock' is not on or off"):
        load_settings()
