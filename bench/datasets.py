"""NLU accuracy of the project's own ``config.yml`` on public datasets.

``python -m bench.datasets clinc150|bitext|xsid_zh|all`` converts a dataset from
``../shared/datasets`` to Rasa NLU data, trains an NLU model with ``config.yml`` on its training
split (never on a test split), evaluates the test split and prints the figures:

* **clinc150** (Larson et al. 2019, "Full"): train on ``train`` + ``oos_train`` (label
  ``out_of_scope``), test on ``test`` + ``oos_test``. In-scope accuracy over the 4,500 in-scope
  test queries; OOS recall over the 1,000 OOS test queries, where a prediction of ``out_of_scope``
  or ``nlu_fallback`` counts as OOS (as the issue and the paper's thresholded rows do).
* **bitext** (27 customer-support intents): train on the training CSV, test on the testing CSV.
* **xsid_zh** (Chinese virtual-assistant intents): xSID ships validation and test splits only;
  train on ``zh.valid``, test on ``zh.test``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kefu.settings import ROOT


def _datasets_folder() -> Path:
    # ``shared/`` sits beside the checkout; a git worktree is one level deeper (``wt/<name>``).
    for parent in ROOT.parents:
        if (parent / "shared" / "datasets").is_dir():
            return parent / "shared" / "datasets"
    return ROOT.parent / "shared" / "datasets"


DATASETS = _datasets_folder()
OOS = "out_of_scope"


def _label(name: str) -> str:
    # Rasa reads "a/b" as a retrieval intent; public labels use "/" as a plain separator.
    return name.replace("/", "__")


def load(name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train, test) lists of (text, label)."""
    if name == "clinc150":
        data = json.loads((DATASETS / "clinc150" / "data_full.json").read_text())
        fix = lambda pairs: [(t, OOS if l == "oos" else l) for t, l in pairs]
        return fix(data["train"] + data["oos_train"]), fix(data["test"] + data["oos_test"])
    if name == "bitext":
        folder = DATASETS / "bitext_customer_support" / "intent_detection"

        def read(split: str) -> list[tuple[str, str]]:
            with (folder / f"Bitext_Sample_Customer_Service_{split}_Dataset.csv").open(encoding="utf-8") as f:
                return [(row["utterance"], row["intent"]) for row in csv.DictReader(f)]

        return read("Training"), read("Testing")
    if name == "xsid_zh":
        folder = DATASETS / "xsid_zh" / "tsv"

        def read(split: str) -> list[tuple[str, str]]:
            with (folder / f"zh.{split}.tsv").open(encoding="utf-8") as f:
                return [(row["text"], _label(row["intent"])) for row in csv.DictReader(f, delimiter="\t")]

        return read("valid"), read("test")
    raise SystemExit(f"unknown dataset {name!r}: use clinc150, bitext or xsid_zh")


def write_nlu(pairs: list[tuple[str, str]], path: Path) -> None:
    by_label: dict[str, list[str]] = {}
    for text, label in pairs:
        text = " ".join(text.split())
        if text:
            by_label.setdefault(label, []).append(text)
    lines = ['version: "3.1"', "nlu:"]
    for label, texts in by_label.items():
        lines.append(f"- intent: {label}")
        lines.append("  examples: |")
        lines.extend(f"    - {json.dumps(t, ensure_ascii=False)[1:-1]}" for t in dict.fromkeys(texts))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def train(nlu_file: Path, out: Path, config: Path) -> Path:
    from bot.stack.training import rasa_environment

    command = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(nlu_file),
               "--out", str(out), "--fixed-model-name", "bench"]
    result = subprocess.run(command, check=False, cwd=ROOT, env=rasa_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-3000:] + result.stderr[-3000:])
    return out / "bench.tar.gz"


async def predict(model: Path, texts: list[str]) -> list[tuple[str, str, float]]:
    """(final intent, best intent before the fallback decision, its confidence) per text."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa's structured log prints every parse at DEBUG otherwise
    agent = Agent.load(str(model))
    predictions = []
    for text in texts:
        result = await agent.parse_message(text)
        final = (result.get("intent") or {}).get("name") or "None"
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        best = ranking[0] if ranking else {"name": final, "confidence": 0.0}
        predictions.append((final, best.get("name") or "None", float(best.get("confidence") or 0.0)))
    return predictions


def threshold_curve(gold: list[str], predictions: list[tuple[str, str, float]]) -> list[dict]:
    """CLINC150 in-scope accuracy and OOS recall if the fallback threshold were t."""
    rows = []
    for t in (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7):
        labels = [best if confidence >= t else "nlu_fallback" for _, best, confidence in predictions]
        inscope = [(g, p) for g, p in zip(gold, labels) if g != OOS]
        oos = [p for g, p in zip(gold, labels) if g == OOS]
        rows.append({"threshold": t, "in_scope": round(sum(g == p for g, p in inscope) / len(inscope), 4),
                     "oos_recall": round(sum(p in (OOS, "nlu_fallback") for p in oos) / len(oos), 4)})
    return rows


def run(name: str, config: Path) -> dict:
    train_pairs, test_pairs = load(name)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        write_nlu(train_pairs, tmp_path / "train.yml")
        started = time.monotonic()
        model = train(tmp_path / "train.yml", tmp_path, config)
        train_seconds = time.monotonic() - started
        started = time.monotonic()
        predictions = asyncio.run(predict(model, [t for t, _ in test_pairs]))
        predicted = [final for final, _, _ in predictions]
        predict_seconds = time.monotonic() - started
    gold = [label for _, label in test_pairs]
    result = {"dataset": name, "train_examples": len(train_pairs), "test_examples": len(test_pairs),
              "train_seconds": round(train_seconds, 1), "ms_per_prediction": round(1000 * predict_seconds / len(gold), 2)}
    if name == "clinc150":
        inscope = [(g, p) for g, p in zip(gold, predicted) if g != OOS]
        oos = [p for g, p in zip(gold, predicted) if g == OOS]
        result["in_scope_accuracy"] = sum(g == p for g, p in inscope) / len(inscope)
        result["oos_recall"] = sum(p in (OOS, "nlu_fallback") for p in oos) / len(oos)
        result["threshold_curve"] = threshold_curve(gold, predictions)
    else:
        result["accuracy"] = sum(g == p for g, p in zip(gold, predicted)) / len(gold)
        result["fallback_rate"] = sum(p == "nlu_fallback" for p in predicted) / len(gold)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.datasets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=["clinc150", "bitext", "xsid_zh", "all"])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--json", type=Path, help="append results as JSON lines to this file")
    args = parser.parse_args()
    names = ["clinc150", "bitext", "xsid_zh"] if args.dataset == "all" else [args.dataset]
    for name in names:
        print(f"{name}: training on its training split with {args.config.name} ...", flush=True)
        result = run(name, args.config)
        print(json.dumps(result), flush=True)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
