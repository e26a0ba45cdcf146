"""The FAQ retrainer fine-tunes the model the servers run and trains from scratch when Rasa refuses."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import stat
from pathlib import Path

from bot.stack.training import (
    KEEP_OLD_MODELS,
    RasaRetrainer,
    current_model,
    model_path,
    set_current_model,
    train_command,
)
from kefu.settings import load_settings

ROOT = Path(__file__).resolve().parents[4]

#: Stands in for the Python interpreter: records its arguments, refuses to fine-tune (as Rasa does
#: when the intents changed), writes the model otherwise.
FAKE_PYTHON = """#!/bin/sh
echo "$@" >> "{calls}"
case "$*" in *--finetune*) exit 1;; esac
while [ $# -gt 0 ]; do
  case "$1" in --out) out="$2";; --fixed-model-name) name="$2";; esac
  shift
done
touch "$out/$name.tar.gz"
"""


def test_the_command_fine_tunes_without_validating_again(tmp_path):
    base = tmp_path / "kefu-old.tar.gz"
    command = train_command(ROOT, tmp_path / "kefu-new.tar.gz", finetune=base, python="py")
    assert command[:3] == ["py", "-m", "bot.stack.rasa_train"]
    assert command[-3:] == ["--finetune", str(base), "--skip-validation"]
    assert "--finetune" not in train_command(ROOT, tmp_path / "kefu-new.tar.gz", python="py")


def test_a_refused_fine_tuning_trains_from_scratch(tmp_path):
    calls = tmp_path / "calls.txt"
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON.format(calls=calls))
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path / "var")
    retrainer = RasaRetrainer(settings, python=str(python))
    (tmp_path / "var" / "models").mkdir(parents=True)
    running = tmp_path / "var" / "models" / "kefu-running.tar.gz"
    running.touch()
    faq_data = ROOT / "data" / "nlu" / "faq.yml"
    assert retrainer.base_model() == running
    target = asyncio.run(retrainer.retrain(faq_data))
    assert target == model_path(ROOT, faq_data, tmp_path / "var" / "models") and target.exists()
    first, second = calls.read_text().splitlines()
    assert f"--finetune {running}" in first and "--finetune" not in second
    log = (tmp_path / "var" / "logs" / "faq-retrain.log").read_text()
    assert log.count("$ -m bot.stack.rasa_train") == 2  # both commands are in the log
    assert os.path.exists(target)


def aged(path: Path, seconds: float) -> Path:
    path.touch()
    then = path.stat().st_mtime - seconds
    os.utime(path, (then, then))
    return path


def test_the_prune_keeps_the_model_the_servers_run_when_a_newer_one_did_not_load(tmp_path):
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path)
    retrainer = RasaRetrainer(settings)
    models = tmp_path / "models"
    models.mkdir()
    running = aged(models / "kefu-running.tar.gz", KEEP_OLD_MODELS + 60)
    older = aged(models / "kefu-older.tar.gz", KEEP_OLD_MODELS + 120)
    retrainer.serve(running)
    unloadable = aged(models / "kefu-new.tar.gz", 0)  # no server loaded it: not served
    retrainer.prune(unloadable)
    assert running.exists() and unloadable.exists() and not older.exists()
    assert current_model(models, tmp_path / "started.tar.gz") == running


def test_a_restarted_server_loads_the_current_model_else_the_started_one(tmp_path):
    from bot.stack import launcher

    models = tmp_path / "models"
    started = aged(tmp_path / "kefu-started.tar.gz", 0)
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path, bot_replicas=2, given_bot_api_token="t",
                                   given_secret_key="k" * 32, redis_url="redis://127.0.0.1:6379/0")
    rasa = [s for s in launcher.services(settings, started) if s.name.startswith("rasa")]

    def models_given() -> list[str]:
        return [s.command_now()[s.command_now().index("--model") + 1] for s in rasa]

    assert models_given() == [str(started)] * 2  # no pointer yet
    models.mkdir()
    published = aged(models / "kefu-published.tar.gz", 0)
    set_current_model(models, published)
    assert (models / "current").read_text() == f"{published}\n" and not list(models.glob(".current*"))
    assert models_given() == [str(published)] * 2
    published.unlink()  # named but gone (deleted by hand): the started model
    assert models_given() == [str(started)] * 2
