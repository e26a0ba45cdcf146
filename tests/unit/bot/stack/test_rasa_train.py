"""``python -m bot.stack.rasa_train`` leaves TensorFlow out only when no component needs it."""

from __future__ import annotations

from pathlib import Path

from bot.stack.rasa_train import config_uses_tensorflow

ROOT = Path(__file__).resolve().parents[4]


def test_the_projects_pipeline_trains_without_tensorflow():
    assert config_uses_tensorflow(ROOT / "config.yml") is False


def test_a_pipeline_or_policy_with_a_tensorflow_component_gets_it(tmp_path):
    plain_pipeline, plain_policies = "pipeline:\n  - name: WhitespaceTokenizer\n", "policies:\n  - name: RulePolicy\n"
    for component in ("pipeline:\n  - name: DIETClassifier\n" + plain_policies,
                      plain_pipeline + "policies:\n  - name: TEDPolicy\n",
                      "pipeline:\n  - name: rasa.nlu.selectors.response_selector.ResponseSelector\n" + plain_policies):
        config = tmp_path / "config.yml"
        config.write_text(f"recipe: default.v1\nlanguage: zh\n{component}")
        assert config_uses_tensorflow(config) is True, component


def test_plain_components_train_without_it(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("recipe: default.v1\nlanguage: zh\npipeline:\n  - name: WhitespaceTokenizer\n"
                      "  - name: bot.nlu.classifier.LinearIntentClassifier\npolicies:\n  - name: RulePolicy\n")
    assert config_uses_tensorflow(config) is False


def test_an_empty_configuration_gets_rasas_defaults_and_so_tensorflow(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("recipe: default.v1\nlanguage: zh\n")
    assert config_uses_tensorflow(config) is True
