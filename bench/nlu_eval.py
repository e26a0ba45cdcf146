"""Evaluates a trained Kefu model on labelled messages in Rasa NLU YAML.

``python -m bench.nlu_eval --model models/kefu-*.tar.gz tests/nlu/heldout.yml`` prints intent
accuracy, FAQ-key accuracy, per-label recall and the misclassified messages.

Messages labelled ``nlu_fallback`` carry no intent ("这个呢", "and?"): they are scored apart
(``no_intent``: the share that falls back, and what the others were taken for), so that the intent
figures stay those of the messages that have an intent.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
from pathlib import Path

FALLBACK = "nlu_fallback"


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) pairs; the label of an FAQ example is its full key ``faq/<id>``."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent_response_key") or m.get("intent")) for m in data.intent_examples]


def load_polite(path: Path) -> set[str]:
    """Texts of the blocks marked ``metadata: {polite: true}``: courteous messages that must never
    be taken for a complaint, whatever else they are taken for."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return {m.get("text") for m in data.intent_examples
            if ((m.get("metadata") or {}).get("intent") or {}).get("polite") is True}


def predicted_label(result: dict) -> str:
    intent = (result.get("intent") or {}).get("name") or "None"
    if intent == "faq":
        selector = result.get("response_selector", {}).get("faq", {})
        return selector.get("response", {}).get("intent_response_key") or "faq"
    return intent


async def evaluate(model: Path, examples: list[tuple[str, str]]) -> dict:
    return (await evaluate_sets(model, {"": examples}))[""]


async def evaluate_sets(model: Path, sets: dict[str, list[tuple[str, str]]]) -> dict[str, dict]:
    """:func:`summarise` of each named set of examples, parsed by one loaded model."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    reports = {}
    for name, examples in sets.items():
        rows = []
        for text, label in examples:
            result = await agent.parse_message(text)
            rows.append((text, label, predicted_label(result), (result.get("intent") or {}).get("confidence", 0.0)))
        reports[name] = summarise(rows)
    return reports


def summarise(rows: list[tuple[str, str, str, float]]) -> dict:
    def base(label: str) -> str:
        return label.split("/")[0]

    fillers = [r for r in rows if r[1] == FALLBACK]
    all_rows, rows = rows, [r for r in rows if r[1] != FALLBACK]
    total = len(rows)
    exact = sum(1 for _, gold, pred, _ in rows if gold == pred)
    intent_ok = sum(1 for _, gold, pred, _ in rows if base(gold) == base(pred))
    per_label: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for _, gold, pred, _ in all_rows:
        per_label[gold][1] += 1
        per_label[gold][0] += gold == pred
    faq_rows = [r for r in rows if r[1].startswith("faq/")]
    return {
        "messages": total,
        "accuracy": exact / total if total else 0.0,
        "intent_accuracy": intent_ok / total if total else 0.0,
        "faq_key_accuracy": (sum(1 for r in faq_rows if r[1] == r[2]) / len(faq_rows)) if faq_rows else None,
        "fallback_rate": sum(1 for r in rows if r[2] == FALLBACK) / total if total else 0.0,
        "per_label": {k: {"correct": v[0], "total": v[1]} for k, v in sorted(per_label.items())},
        "errors": [{"text": t, "expected": g, "predicted": p, "confidence": round(c, 3)}
                   for t, g, p, c in all_rows if g != p],
        # FAQ answers that are the wrong answer: another FAQ's, or one for a message no FAQ answers
        "wrong_faq": [{"text": t, "expected": g, "predicted": p} for t, g, p, _ in all_rows
                      if p.startswith("faq/") and g != p],
        "faq_answers": sum(1 for r in all_rows if r[2].startswith("faq/")),
        # messages that are not complaints but would have been handed over as one
        "taken_for_complaint": [t for t, g, p, _ in all_rows if p == "complaint" and g != "complaint"],
        "no_intent": {
            "messages": len(fillers),
            "fallback_rate": sum(1 for r in fillers if r[2] == FALLBACK) / len(fillers),
            "taken_as": dict(collections.Counter(base(r[2]) for r in fillers if r[2] != FALLBACK)),
        } if fillers else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_eval")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--json", type=Path, help="also write the full report here")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    examples = [e for f in args.files for e in load_examples(f)]
    report = asyncio.run(evaluate(args.model, examples))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"messages {report['messages']}  exact {report['accuracy']:.1%}  intent {report['intent_accuracy']:.1%}  "
          f"faq-key {report['faq_key_accuracy'] or 0:.1%}  fallback {report['fallback_rate']:.1%}")
    print(f"wrong FAQ answers: {len(report['wrong_faq'])} of {report['faq_answers']} FAQ answers")
    if report["no_intent"]:
        fillers = report["no_intent"]
        print(f"no intent: {fillers['messages']} messages, fallback {fillers['fallback_rate']:.1%}, "
              f"taken as {fillers['taken_as'] or 'nothing else'}")
    for label, counts in report["per_label"].items():
        if counts["correct"] < counts["total"]:
            print(f"  {label:32s} {counts['correct']}/{counts['total']}")
    for error in report["errors"]:
        print(f"  ✗ {error['text']!r}: expected {error['expected']}, got {error['predicted']} ({error['confidence']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
