"""The trained Rasa model: named after a fingerprint of everything that shapes it.

``models/kefu-<fingerprint>.tar.gz`` exists exactly when the current config, domain, training
data and NLU component code have been trained, so a start with unchanged inputs never retrains.

:class:`RasaRetrainer` is the :class:`faq.publishing.Retrainer` the web app hands the FAQ
publisher: it trains ``var/models/kefu-<fingerprint>.tar.gz`` with the published FAQ data in
place of ``data/nlu/faq.yml`` (``rasa train`` in a nice'd subprocess). Only the FAQ content
changes between its retrains, so it fine-tunes the model the servers run (``rasa train
--finetune``, without the data validation ``make run`` did at start): the featurizers keep their
vocabulary, the classifier starts from the previous weights, the sentiment model and the dialogue
policies are kept (:class:`bot.nlu.classifier.LinearIntentClassifier`,
:class:`bot.nlu.sentiment.SentimentAnalyzer`). When Rasa refuses to fine-tune (the configuration
or the intents changed) it trains from scratch.

``var/models/current`` names the model the Rasa servers run (:func:`set_current_model`, replaced
atomically): the launcher writes it at start, the retrainer after a hot swap (:meth:`RasaRetrainer.serve`),
and the launcher starts a server it restarts with it (:func:`current_model`), so a replica that
dies after a publication comes back with the published model, not the start's (which the prune
may have deleted).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.stack.training_data import TrainingDataError, check_training_data
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
    "bot/patches/finetune_faq.py",  # what a model memorises for fine-tuning
)
MODEL_PREFIX = "kefu-"

logger = logging.getLogger(__name__)


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
                  python: str = sys.executable, finetune: Path | None = None) -> list[str]:
    """``rasa train`` writing ``target`` (``models_dir/kefu-<fingerprint>.tar.gz``); run it in ``root``.

    With ``finetune`` (a model trained on the same configuration and intents) Rasa starts from
    that model (``--finetune``) and skips the validation of domain and stories.
    """
    return [
        python, "-m", "bot.stack.rasa_train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", *training_data_paths(root, faq_data),
        "--out", str(target.parent), "--fixed-model-name", target.name[: -len(".tar.gz")],
        # every component runs: Kefu trains only when an input changed (training_fingerprint, which
        # also covers the components' code, unlike Rasa's graph cache; bot.patches.no_train_cache)
        "--force",
        *(["--finetune", str(finetune), "--skip-validation"] if finetune is not None else []),
    ]


def ensure_model(root: Path, *, python: str = sys.executable, force: bool = False,
                 faq_data: Path | None = None, models_dir: Path | None = None,
                 log_path: Path | None = None) -> Path:
    """Trains the model unless one for the current inputs exists; returns its path.

    Args:
        faq_data: FAQ training data to use instead of ``data/nlu/faq.yml`` (published content).
        models_dir: where models go (default ``models/``); older Kefu models there are removed.
        log_path: where ``rasa train``'s output goes (``var/logs/train.log`` under ``make run``):
            the terminal gets one line before and one after, or the log's last lines on failure.
            Without it the output is shown as it comes.

    Raises:
        TrainingDataError: comment lines inside examples blocks (file:line), before anything is trained.
        RuntimeError: when ``rasa train`` fails (its last lines and the log's path in the message).
    """
    check_training_data(root)
    models_dir = models_dir or root / "models"
    target = model_path(root, faq_data, models_dir)
    if target.exists() and not force:
        print(f"==> model: up to date ({_shown(target, root)})", flush=True)
        return target
    where = f"; its output: {_shown(log_path, root)}" if log_path else ""
    print(f"==> model: training data or config changed, training (a few minutes{where}) ...", flush=True)
    started = time.monotonic()
    command = train_command(root, target, faq_data, python=python)
    if log_path is None:
        result = subprocess.run(command, cwd=root, env=rasa_environment(), check=False)
    else:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            result = subprocess.run(command, cwd=root, env=rasa_environment(), stdout=log,
                                    stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0 or not target.exists():
        if log_path is None:
            raise RuntimeError(f"rasa train failed with exit code {result.returncode}; see the output above.")
        raise RuntimeError(f"rasa train failed with exit code {result.returncode}; its last lines:\n"
                           f"{last_lines(log_path)}\nThe whole output: {_shown(log_path, root)}")
    for old in models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    print(f"==> model: trained in {time.monotonic() - started:.0f} s → {_shown(target, root)}", flush=True)
    return target


def last_lines(path: Path, count: int = 15) -> str:
    """The last ``count`` lines of a log, indented (progress bars' carriage returns cut away)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[-count:]
    return "\n".join(f"  {line.rsplit(chr(13), 1)[-1]}" for line in lines)


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
    # the training entry point (bot.stack.rasa_train) and the pipeline's components import from this
    # source tree, whichever directory the training runs in
    source = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([source, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    if extra:
        env.update(extra)
    return env


#: The file in the models folder naming the model the Rasa servers run (an absolute path).
CURRENT_MODEL_FILE = "current"


def set_current_model(models_dir: Path, model: Path) -> None:
    """Records ``model`` as the one the Rasa servers run: ``models_dir/current`` is replaced in one
    step (a reader sees the previous name or the new one, never a part)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    pointer = models_dir / CURRENT_MODEL_FILE
    written = pointer.with_name(f".{CURRENT_MODEL_FILE}.{os.getpid()}.tmp")
    written.write_text(f"{model.absolute()}\n", encoding="utf-8")
    os.replace(written, pointer)


def named_current_model(models_dir: Path) -> Path | None:
    """The model ``models_dir/current`` names, if it names one that exists."""
    try:
        named = Path((models_dir / CURRENT_MODEL_FILE).read_text(encoding="utf-8").strip())
    except OSError:
        return None
    return named if named.is_absolute() and named.is_file() else None


def current_model(models_dir: Path, started: Path) -> Path:
    """The model a (re)started Rasa server loads: the one ``models_dir/current`` names, else the
    ``started`` one (the launcher's), else the newest Kefu model in ``models_dir``."""
    named = named_current_model(models_dir)
    if named is not None:
        return named
    if started.is_file():
        return started
    newest = sorted(models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return newest[-1] if newest else started


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

    def base_model(self) -> Path | None:
        """The model to fine-tune: the newest retrained one, else the model ``make run`` trained
        for the current inputs (what the servers run), if it exists."""
        retrained = sorted(self.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if retrained:
            return retrained[-1]
        started = model_path(self.root)
        return started if started.exists() else None

    async def retrain(self, faq_data: Path) -> Path:
        """Runs ``rasa train`` (nice'd, its output appended to ``var/logs/faq-retrain.log``),
        fine-tuning :meth:`base_model` when there is one, from scratch when there is none or Rasa
        refuses to fine-tune it.

        Raises:
            RetrainFailed: ``rasa train`` failed or wrote no model.
        """
        try:
            check_training_data(self.root)
        except TrainingDataError as error:
            raise RetrainFailed(str(error)) from error
        target = model_path(self.root, faq_data, self.models_dir)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        base = self.base_model()
        code = None
        if base is not None:
            code = await self._train(train_command(self.root, target, faq_data, python=self.python, finetune=base))
            if code != 0 or not target.exists():
                logger.info("FAQ retrain: fine-tuning %s failed (exit %s); training from scratch", base.name, code)
        if code != 0 or not target.exists():
            code = await self._train(train_command(self.root, target, faq_data, python=self.python))
        if code != 0 or not target.exists():
            raise RetrainFailed(f"rasa train exited with {code} (see var/logs/{self.log_path.name})")
        return target

    async def _train(self, command: list[str]) -> int:
        with self.log_path.open("ab") as log:
            log.write(f"\n$ {' '.join(command[1:])}\n".encode())
            log.flush()
            process = await asyncio.create_subprocess_exec(
                "nice", "-n", "10", *command, cwd=self.root, env=rasa_environment(), stdout=log,
                stderr=asyncio.subprocess.STDOUT)
            return await process.wait()

    def serve(self, model: Path) -> None:
        """Records ``model`` (loaded by the Rasa servers) as the one a restarted server loads."""
        set_current_model(self.models_dir, model)

    def prune(self, keep: Path) -> None:
        """Removes the retrained models but ``keep`` and the current one (:meth:`serve`) older than
        an hour (a server may still load one)."""
        kept = {keep.absolute(), *filter(None, [named_current_model(self.models_dir)])}
        for old in self.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
            if old.absolute() not in kept and time.time() - old.stat().st_mtime > KEEP_OLD_MODELS:
                old.unlink(missing_ok=True)
