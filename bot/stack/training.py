"""The trained Rasa model: named after a fingerprint of everything that shapes it.

``models/kefu-<fingerprint>.tar.gz`` exists exactly when the current config, domain, training
data and NLU component code have been trained, so a start with unchanged inputs never retrains.

:class:`RasaRetrainer` is the :class:`faq.publishing.Retrainer` the web app hands the FAQ
publisher: it trains ``var/models/kefu-<fingerprint>.tar.gz`` with the published FAQ data in
place of ``data/nlu/faq.yml`` (``rasa train`` in a nice'd subprocess).
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import time
from pathlib import Path

from faq.publishing import RetrainFailed
from kefu.settings import Settings, inherited_environment

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


#: The generated FAQ training data; published FAQ content replaces it (see ``faq_data``).
FAQ_DATA = "data/nlu/faq.yml"


def training_fingerprint(root: Path, faq_data: Path | None = None) -> str:
    """A short hash of every training input's path and content.

    With ``faq_data`` (FAQ training data generated from published content) that file takes the
    place of ``data/nlu/faq.yml``: the same content gives the same fingerprint.
    """
    digest = hashlib.sha256()
    files = sorted({p for pattern in TRAINING_INPUTS for p in root.glob(pattern) if p.is_file()})
    if faq_data is not None and (root / FAQ_DATA) not in files:
        files = sorted([*files, root / FAQ_DATA])
    for path in files:
        relative = path.relative_to(root)
        source = faq_data if faq_data is not None and str(relative) == FAQ_DATA else path
        digest.update(str(relative).encode())
        digest.update(b"\0")
        digest.update(source.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path, faq_data: Path | None = None, models_dir: Path | None = None) -> Path:
    return (models_dir or root / "models") / f"{MODEL_PREFIX}{training_fingerprint(root, faq_data)}.tar.gz"


def training_data_paths(root: Path, faq_data: Path | None = None) -> list[str]:
    """``rasa train --data`` arguments: the project's data, with ``faq_data`` for the FAQ file."""
    if faq_data is None:
        return ["data"]
    paths = sorted(str(p.relative_to(root)) for p in (root / "data").glob("**/*.yml")
                   if p.is_file() and str(p.relative_to(root)) != FAQ_DATA)
    return [*paths, str(faq_data)]


def train_command(root: Path, target: Path, faq_data: Path | None = None, *,
                  python: str = sys.executable) -> list[str]:
    """``rasa train`` writing ``target`` (``models_dir/kefu-<fingerprint>.tar.gz``); run it in ``root``."""
    return [
        python, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", *training_data_paths(root, faq_data),
        "--out", str(target.parent), "--fixed-model-name", target.name[: -len(".tar.gz")],
    ]


def ensure_model(root: Path, *, python: str = sys.executable, force: bool = False,
                 faq_data: Path | None = None, models_dir: Path | None = None) -> Path:
    """Trains the model unless one for the current inputs exists; returns its path.

    Args:
        faq_data: FAQ training data to use instead of ``data/nlu/faq.yml`` (published content).
        models_dir: where models go (default ``models/``); older Kefu models there are removed.

    Raises:
        RuntimeError: when ``rasa train`` fails (its output has been shown).
    """
    models_dir = models_dir or root / "models"
    target = model_path(root, faq_data, models_dir)
    if target.exists() and not force:
        print(f"model: up to date ({_shown(target, root)})", flush=True)
        return target
    print("model: training data or config changed, training (about a minute) ...", flush=True)
    started = time.monotonic()
    result = subprocess.run(train_command(root, target, faq_data, python=python), check=False, cwd=root,
                            env=rasa_environment())
    if result.returncode != 0 or not target.exists():
        raise RuntimeError(f"rasa train failed with exit code {result.returncode}; see the output above.")
    for old in models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"model: trained in {time.monotonic() - started:.0f} s → {_shown(target, root)}", flush=True)
    return target


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def rasa_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa subprocesses: this process's, with TensorFlow quiet, telemetry off, and
    the warnings known to come from third-party code ignored by their messages (any other shows)."""
    from kefu.known_warnings import pythonwarnings

    env = inherited_environment()
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", pythonwarnings())
    env.setdefault("GIT_PYTHON_REFRESH", "quiet")
    if extra:
        env.update(extra)
    return env


#: Retrained models younger than this (seconds) are kept when a newer one is loaded.
KEEP_OLD_MODELS = 3600


class RasaRetrainer:
    """Trains the model with published FAQ data into ``var/models/`` (:class:`faq.publishing.Retrainer`)."""

    def __init__(self, settings: Settings, *, python: str = sys.executable) -> None:
        self.root = settings.root
        self.models_dir = settings.var_dir / "models"
        self.log_path = settings.var_dir / "logs" / "faq-retrain.log"
        self.python = python

    def trained(self, faq_data: Path) -> Path | None:
        """The model already trained with ``faq_data``, if there is one."""
        target = model_path(self.root, faq_data, self.models_dir)
        return target if target.exists() else None

    async def retrain(self, faq_data: Path) -> Path:
        """Runs ``rasa train`` (nice'd, its output appended to ``var/logs/faq-retrain.log``).

        Raises:
            RetrainFailed: ``rasa train`` failed or wrote no model.
        """
        target = model_path(self.root, faq_data, self.models_dir)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                "nice", "-n", "10", *train_command(self.root, target, faq_data, python=self.python),
                cwd=self.root, env=rasa_environment(), stdout=log, stderr=asyncio.subprocess.STDOUT)
            code = await process.wait()
        if code != 0 or not target.exists():
            raise RetrainFailed(f"rasa train exited with {code} (see var/logs/{self.log_path.name})")
        return target

    def prune(self, keep: Path) -> None:
        """Removes the retrained models but ``keep`` older than an hour (a server may still load one)."""
        for old in self.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
            if old != keep and time.time() - old.stat().st_mtime > KEEP_OLD_MODELS:
                old.unlink(missing_ok=True)
