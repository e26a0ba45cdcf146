"""Serving without TensorFlow: which models qualify, and that Rasa then really runs without it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

from bot import patches
from bot.patches import tf_free
from kefu.settings import ROOT


def fake_model(tmp_path: Path, components: list[str]) -> Path:
    metadata = {"predict_schema": {"nodes": {f"n{i}": {"uses": c} for i, c in enumerate(components)}}}
    path = tmp_path / "model.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(metadata).encode()
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_the_project_model_needs_no_tensorflow(trained_model):
    assert not tf_free.needs_tensorflow(trained_model)
    assert "bot.nlu.classifier.LinearIntentClassifier" in tf_free.model_components(trained_model)


def test_tensorflow_components_are_recognised(tmp_path):
    assert tf_free.needs_tensorflow(fake_model(tmp_path, ["rasa.core.policies.rule_policy.RulePolicy",
                                                          "rasa.nlu.classifiers.diet_classifier.DIETClassifier"]))
    assert not tf_free.needs_tensorflow(fake_model(tmp_path, ["rasa.core.policies.rule_policy.RulePolicy"]))


def test_a_custom_component_importing_tensorflow_is_recognised(tmp_path, monkeypatch):
    package = tmp_path / "custom_components"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "deep.py").write_text("import tensorflow as tf\nclass Deep: ...\n")
    (package / "plain.py").write_text('"""Mentions TensorFlow in prose only."""\nclass Plain: ...\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert tf_free.needs_tensorflow(fake_model(tmp_path, ["custom_components.deep.Deep"]))
    assert not tf_free.needs_tensorflow(fake_model(tmp_path, ["custom_components.plain.Plain"]))
    assert tf_free.needs_tensorflow(fake_model(tmp_path, ["custom_components.missing.Gone"]))  # unknown: safe side


def test_rasa_serves_the_model_without_importing_tensorflow(trained_model, tmp_path):
    """In a fresh process, as the Rasa server does: every patch installed in order, the stand-in
    first; the model answers and no module of the real TensorFlow is loaded."""
    script = textwrap.dedent(f"""
        import asyncio, sys
        from pathlib import Path
        from bot import patches
        from kefu.settings import load_settings
        print("installed:", " ".join(patches.install(load_settings(), model=Path({str(trained_model)!r}))))
        from rasa.core.agent import Agent
        agent = Agent.load({str(trained_model)!r})
        result = asyncio.run(agent.parse_message("运费怎么算"))
        print(result["response_selector"]["faq"]["response"]["intent_response_key"])
        real = [m for m in sys.modules.values() if "site-packages/tensorflow" in (getattr(m, "__file__", None) or "")]
        print("real tensorflow modules:", len(real))
        try:
            agent.load_model({str(fake_model(tmp_path, ["rasa.core.policies.ted_policy.TEDPolicy"]))!r})
        except RuntimeError as error:
            print("refused:", "restart the server" in str(error))
    """)
    env = {key: value for key, value in os.environ.items() if key != "KEFU_STOCK_RASA"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert f"installed: {' '.join(patches.ORDER)}" in lines
    assert "faq/shipping_fee" in lines
    assert "real tensorflow modules: 0" in lines
    assert "refused: True" in lines
