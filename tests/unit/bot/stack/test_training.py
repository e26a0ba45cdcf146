"""The FAQ retrainer fine-tunes the model the servers run and trains from scratch when Rasa refuses."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import stat
from pathlib import Path

from bot.stack.training import RasaRetrainer, model_path, train_command
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
