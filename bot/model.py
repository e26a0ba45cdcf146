"""The trained Rasa model: named after a fingerprint of everything that shapes it.

``models/kefu-<fingerprint>.tar.gz`` exists exactly when the current config, domain, training
data and NLU component code have been trained, so a start with unchanged inputs never retrains.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

#: Inputs of training, relative to the project root (globs).
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "data/**/*.yml",
    "bot/nlu/**/*.py",
    "bot/nlu/dict/*",
    "kefu/text.py",  # the normaliser shapes the training examples too
    "bot/nlu/sentiment/*",
)
MODEL_PREFIX = "kefu-"


def training_fingerprint(root: Path) -> str:
    """A short hash of every training input's path and content."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in TRAINING_INPUTS for p in root.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path) -> Path:
    return root / "models" / f"{MODEL_PREFIX}{training_fingerprint(root)}.tar.gz"


def ensure_model(root: Path, *, python: str = sys.executable, force: bool = False) -> Path:
    """Trains the model unless one for the current inputs exists; returns its path.

    Raises:
        RuntimeError: when ``rasa train`` fails (its output has been shown).
    """
    target = model_path(root)
    if target.exists() and not force:
        print(f"model: up to date ({target.relative_to(root)})", flush=True)
        return target
    print("model: training data or config changed, training (about a minute) ...", flush=True)
    started = time.monotonic()
    command = [
        python, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", "models", "--fixed-model-name", target.name[: -len(".tar.gz")],
    ]
    result = subprocess.run(command, cwd=root, env=rasa_environment())
    if result.returncode != 0 or not target.exists():
        raise RuntimeError(f"rasa train failed with exit code {result.returncode}; see the output above.")
    for old in (root / "models").glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"model: trained in {time.monotonic() - started:.0f} s → {target.relative_to(root)}", flush=True)
    return target


def rasa_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa subprocesses: quiet TensorFlow and telemetry off."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("GIT_PYTHON_REFRESH", "quiet")
    if extra:
        env.update(extra)
    return env
