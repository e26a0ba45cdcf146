"""New FAQ content understood at once, and the background retrain: ``python -m bench.fresh``.

The FAQs of ``bench/data/new_faqs.yml`` (written apart from the shop's training data and held-out
sets) are published on top of the shop's content, and their paraphrases (Chinese and English,
never trained) are asked at once. Two parts, each printing JSON:

``--part nlu`` (default; the trained model loaded in this process, the publication recorded in
a throwaway SQLite database exactly as the publisher records it): for the fast path with and
without sentence vectors, side by side on the same loaded model,

* ``recall``: paraphrases answered with their new FAQ;
* ``false_selections``: held-out messages (``tests/nlu/heldout*.yml``, none about the new
  topics) whose answer the publication changed into one of the new FAQs;
* ``heldout_intent_accuracy`` with the new FAQs live;
* ``parse_p50_ms``: the NLU parse of the paraphrases and held-out messages, the two modes
  interleaved message by message, so both meet the same machine.

``--part stack``: a whole stack (``python -m bot run``, temporary ``var/``); the FAQs are created
through the editor API and published; as soon as the job is ``live`` the paraphrases are asked
through ``/model/parse`` (recall, and the seconds from ``live`` to the last answer); then the
background retrain is timed from ``live`` to ``swapped`` (every server runs the new model) and
the paraphrases are asked again of the retrained model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "new_faqs.yml"
HELDOUT = [ROOT / "tests" / "nlu" / name for name in ("heldout.yml", "heldout_hk.yml", "heldout_tw.yml")]
ENTRY_FIELDS = ("id", "category", "question_zh", "question_en", "examples_zh", "examples_en", "answer_zh", "answer_en")


def new_faqs() -> list[dict[str, Any]]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))["faqs"]


def paraphrases() -> list[tuple[str, str, str]]:
    """(faq id, language, text) of every paraphrase."""
    return [(faq["id"], language, text) for faq in new_faqs()
            for language, texts in faq["paraphrases"].items() for text in texts]


def heldout(files: list[Path]) -> list[tuple[str, str]]:
    from bench.nlu_eval import load_examples

    return [example for path in files for example in load_examples(path)]


def machine() -> dict[str, Any]:
    from bench.__main__ import machine as described

    return described()


# ------------------------------------------------------------------------------ nlu part
def _fast_paths(agent) -> list:
    from bot.nlu.faq_fastpath import FaqFastPath

    runner = agent.processor.graph_runner
    nodes = getattr(runner, "_instantiated_nodes", {})
    found = [getattr(node, "_component", None) for node in nodes.values()]
    return [c for c in found if isinstance(c, FaqFastPath)]


async def nlu_part(model: Path, files: list[Path]) -> dict[str, Any]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no debug line per parse on stdout (it would be timed too)

    from bench.nlu_eval import predicted_label
    from faq.codec import catalogue_content
    from faq.loader import load_catalogue
    from faq.publications import Publications
    from migrations import migrate

    database = Path(tempfile.mkdtemp(prefix="kefu-bench-fresh-")) / "app.db"
    url = f"sqlite:///{database}"
    migrate(url)
    agent = Agent.load(str(model))
    fast_paths = _fast_paths(agent)
    if not fast_paths:
        raise RuntimeError("the model has no FaqFastPath component")
    for component in fast_paths:
        component._config["database_url"] = url

    catalogue, _ = load_catalogue(ROOT / "faq" / "content")
    trained = catalogue_content(catalogue)
    publications = Publications(url)
    publications.record_publication("bench", trained, files_hash=None, detail="the trained content")
    await asyncio.sleep(1.1)  # faq.live.REFRESH_SECONDS
    examples = heldout(files)
    before = {text: predicted_label(await agent.parse_message(text)) for text, _ in examples}

    published = {**trained, "faqs": [*trained["faqs"], *({k: f[k] for k in ENTRY_FIELDS} for f in new_faqs())]}
    publications.record_publication("bench", published, files_hash=None, detail="with the new FAQs")
    await asyncio.sleep(1.1)
    new_ids = {f["id"] for f in new_faqs()}
    modes = {"characters": False, "sentence_vectors": True}
    asked = [(faq_id, text) for faq_id, _, text in paraphrases()] + [(None, text) for text, _ in examples]
    answers: dict[str, dict[str, str]] = {mode: {} for mode in modes}
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    for round_ in range(2):  # the first round warms up (encodes the new questions once)
        for _, text in asked:
            for mode, vectors in (modes.items() if round_ % 2 else reversed(list(modes.items()))):
                for component in fast_paths:
                    component._config["sentence_vectors"] = vectors
                started = time.perf_counter()
                result = await agent.parse_message(text)
                timings[mode].append((time.perf_counter() - started) * 1000)
                answers[mode][text] = predicted_label(result)
    report: dict[str, Any] = {"model": model.name, "paraphrases": len(paraphrases()),
                              "heldout_messages": len(examples), "heldout_files": [p.name for p in files]}
    for mode in modes:
        got = answers[mode]
        hits = [(faq_id, language, text) for faq_id, language, text in paraphrases() if got[text] == f"faq/{faq_id}"]
        false = [{"text": text, "was": before[text], "now": got[text]} for text, _ in examples
                 if got[text] != before[text] and got[text].split("/", 1)[-1] in new_ids]
        correct = sum(1 for text, label in examples if label != "nlu_fallback"
                      and got[text].split("/")[0] == label.split("/")[0])
        scored = sum(1 for _, label in examples if label != "nlu_fallback")
        report[mode] = {
            "recall": round(len(hits) / len(paraphrases()), 3),
            "recall_zh": _share(hits, paraphrases(), "zh"), "recall_en": _share(hits, paraphrases(), "en"),
            "missed": [{"text": text, "faq": faq_id, "got": got[text]} for faq_id, _, text in paraphrases()
                       if (faq_id, _, text) not in hits],
            "false_selections": len(false), "false_selection_rate": round(len(false) / len(examples), 4),
            "taken": false,
            "heldout_intent_accuracy": round(correct / scored, 4),
            "parse_p50_ms": round(statistics.median(timings[mode][len(asked):]), 2),
        }
    report["parse_p50_ratio"] = round(report["sentence_vectors"]["parse_p50_ms"]
                                      / report["characters"]["parse_p50_ms"], 3)
    report["machine"] = machine()
    return report


def _share(hits: list, everything: list, language: str) -> float:
    total = [p for p in everything if p[1] == language]
    return round(sum(1 for h in hits if h[1] == language) / len(total), 3) if total else 0.0


# ------------------------------------------------------------------------------ stack part
def stack_part(retrain_timeout: float) -> dict[str, Any]:
    from tests.stack import make_stack

    stack = make_stack(Path(tempfile.mkdtemp(prefix="kefu-bench-fresh-")),
                       env={"KEFU_RATE_MESSAGES_PER_MINUTE": "1000000", "KEFU_RATE_MESSAGES_BURST": "1000000"})
    stack.start()
    try:
        return _measure_stack(stack, retrain_timeout)
    finally:
        stack.stop()


def _key(parsed: dict[str, Any]) -> str:
    from bench.nlu_eval import predicted_label

    return predicted_label(parsed)


def _measure_stack(stack, retrain_timeout: float) -> dict[str, Any]:
    editor = stack.login("editor")
    for faq in new_faqs():
        status, body = stack.api("POST", "/api/faqs", {k: faq[k] for k in ENTRY_FIELDS}, token=editor)
        if status != 201:
            raise RuntimeError(f"creating {faq['id']}: {status} {body}")
    requested = time.monotonic()
    status, job = stack.api("POST", "/api/faqs/publish", token=editor)
    state = job
    while state["status"] == "running":
        time.sleep(0.2)
        state = stack.api("GET", f"/api/faqs/publish/{job['job']}", token=editor)[1]
    live = time.monotonic()
    if state["status"] != "live":
        raise RuntimeError(f"publication failed: {state}")
    asked = paraphrases()
    answers = {text: _key(stack.parse(text)) for _, _, text in asked}
    answered = time.monotonic()
    hits = sum(1 for faq_id, _, text in asked if answers[text] == f"faq/{faq_id}")
    model = state["model"]
    while model["status"] not in ("swapped", "failed") and time.monotonic() - live < retrain_timeout:
        time.sleep(0.5)
        model = stack.api("GET", f"/api/faqs/publish/{job['job']}", token=editor)[1]["model"]
    swapped = time.monotonic()
    after = {text: _key(stack.parse(text)) for _, _, text in asked}
    log = (stack.var_dir / "logs" / "faq-retrain.log")
    log_text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "paraphrases": len(asked),
        "publish_to_live_s": round(live - requested, 2),
        "recall_at_live": round(hits / len(asked), 3),
        "live_to_last_answer_s": round(answered - live, 2),
        "missed_at_live": [text for faq_id, _, text in asked if answers[text] != f"faq/{faq_id}"],
        "retrain": {"status": model["status"], "detail": model.get("detail"),
                    "live_to_swapped_s": round(swapped - live, 1),
                    "finetuned": "--finetune" in log_text and "training from scratch" not in log_text},
        "recall_after_retrain": round(sum(1 for faq_id, _, text in asked if after[text] == f"faq/{faq_id}")
                                      / len(asked), 3),
        "machine": machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fresh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("nlu", "stack"), default="nlu")
    parser.add_argument("--model", type=Path, help="nlu part: the model (default: the newest in models/)")
    parser.add_argument("--heldout", type=Path, nargs="*", default=HELDOUT,
                        help="nlu part: held-out sets whose answers must not change")
    parser.add_argument("--retrain-timeout", type=float, default=900)
    args = parser.parse_args()
    if args.part == "nlu":
        model = args.model or max((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        result = asyncio.run(nlu_part(model, list(args.heldout)))
    else:
        result = stack_part(args.retrain_timeout)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
