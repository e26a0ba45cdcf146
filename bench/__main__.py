"""``make bench`` / ``python -m bench``: every benchmark of the project, then one table.

Each part runs in its own process (as a user would run it alone) and prints JSON; this collects
them into ``results/bench-<timestamp>.json`` and prints a table next to the goals of the
performance issue. Parts: ``nlu`` (held-out Chinese/English shop messages), ``latency`` (parse vs
REST turn, 10 concurrent conversations), ``startup`` (cold start, memory), ``datasets`` (CLINC150,
Bitext, xSID-zh with ``config.yml``), ``fresh`` (new FAQs published and their paraphrases asked at
once: recall, false selections on the held-out sets, parse time side by side with the character
fast path alone; then through a whole stack: live → answered, and the background retrain).
``--only latency,startup`` runs a subset.
``--compare-stock`` runs the latency part against Kefu's stack and a stack of stock Rasa
(``KEFU_STOCK_RASA=on``, none of ``bot/patches/``) side by side, and reports the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("nlu", "latency", "startup", "datasets", "fresh")


def _run(args: list[str], label: str) -> str:
    print(f"==> {label}: {' '.join(args)}", flush=True)
    started = time.monotonic()
    done = subprocess.run([sys.executable, *args], check=False, cwd=ROOT, capture_output=True, text=True)
    print(f"    ({time.monotonic() - started:.0f} s)", flush=True)
    if done.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _last_json(output: str) -> dict:
    start = output.rfind("\n{") + 1 if not output.startswith("{") else 0
    return json.loads(output[start:])


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_before": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--seconds", type=float, default=30, help="duration of the concurrency run")
    parser.add_argument("--compare-stock", action="store_true",
                        help="latency: Kefu's patched Rasa and stock Rasa (KEFU_STOCK_RASA=on) side by side")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")

    _run(["-m", "faq", "build"], "FAQ data")
    _run(["-m", "bot", "train"], "model (trained only if data or config changed)")
    model = max((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    results: dict = {"machine": machine(), "model": model.name}
    if "nlu" in parts:
        out = ROOT / "results" / "heldout.json"
        out.parent.mkdir(exist_ok=True)
        _run(["-m", "bench.nlu_eval", "--model", str(model), "--json", str(out), "tests/nlu/heldout.yml"], "held-out NLU")
        report = json.loads(out.read_text())
        results["nlu"] = {k: report[k] for k in ("messages", "accuracy", "intent_accuracy", "faq_key_accuracy", "fallback_rate",
                                                 "no_intent")}
    if "latency" in parts:
        compare = ["--compare-stock"] if args.compare_stock else []
        latency = _last_json(_run(["-m", "bench.latency", "--seconds", str(args.seconds), *compare], "latency"))
        if args.compare_stock:
            results["latency"] = latency.pop("patched")
            results["stock"] = latency
        else:
            results["latency"] = latency
    if "startup" in parts:
        results["startup"] = _last_json(_run(["-m", "bench.startup"], "cold start and memory"))
    if "datasets" in parts:
        rows = []
        for line in _run(["-m", "bench.datasets", "all"], "public datasets").splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                row.pop("threshold_curve", None)
                rows.append(row)
        results["datasets"] = rows

    if "fresh" in parts:
        nlu = _last_json(_run(["-m", "bench.fresh", "--part", "nlu", "--model", str(model)], "new FAQs at once (NLU)"))
        stack = _last_json(_run(["-m", "bench.fresh", "--part", "stack"], "new FAQs through the stack, retrain"))
        results["fresh"] = {"nlu": {k: v for k, v in nlu.items() if k != "machine"},
                            "stack": {k: v for k, v in stack.items() if k != "machine"}}

    out = ROOT / "results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print(table(results))
    print(f"\nfull results: {out.relative_to(ROOT)}")
    return 0


def table(r: dict) -> str:
    rows = [("figure", "measured", "goal")]
    if "nlu" in r:
        n = r["nlu"]
        rows += [("held-out intent accuracy", f"{n['intent_accuracy']:.1%}", "no loss"),
                 ("held-out FAQ key accuracy", f"{n['faq_key_accuracy']:.1%}", "no loss"),
                 *([("held-out fillers falling back", f"{n['no_intent']['fallback_rate']:.1%}", "")]
                   if n.get("no_intent") else [])]
    if "latency" in r:
        lat = r["latency"]
        rows += [("/model/parse p50", f"{lat['parse']['p50_ms']} ms", ""),
                 ("REST turn p50", f"{lat['turn']['p50_ms']} ms ({lat['turn_over_parse_p50']}x parse)", "<= 2x parse"),
                 *([("REST turn p50, one conversation", (f"{lat['turn_same_sender']['p50_ms']} ms "
                                                         f"({lat['same_sender_over_parse_p50']}x parse)"), "<= 2x parse")]
                   if "turn_same_sender" in lat else []),
                 *([("product turn p50", (f"{lat['product_turn']['p50_ms']} ms "
                                          f"({lat['product_turn_over_parse_p50']}x its parse)"), "")]
                   if "product_turn" in lat else []),
                 ("turns/s, 10 concurrent", (f"{lat['concurrent']['turns_per_s']} (p99 {lat['concurrent']['p99_ms']} ms, "
                                            f"{lat['concurrent']['errors']} errors)"), ">= 40")]
    if "stock" in r:
        st, x = r["stock"]["stock"], r["stock"]["stock_over_patched"]
        rows += [("stock Rasa: /model/parse p50", f"{st['parse']['p50_ms']} ms ({x['parse_p50']}x patched)", ""),
                 ("stock Rasa: REST turn p50", (f"{st['turn']['p50_ms']} ms ({x['turn_p50']}x patched, "
                                               f"{st['turn_over_parse_p50']}x parse)"), ""),
                 ("stock Rasa: turn p50, one conversation", (f"{st['turn_same_sender']['p50_ms']} ms "
                                                            f"({x['same_sender_p50']}x patched)"), ""),
                 ("stock Rasa: turns/s, 10 concurrent", (f"{st['concurrent']['turns_per_s']} "
                                                        f"(patched {x['concurrent_turns_per_s']}x as many)"), "")]
    if "startup" in r:
        s = r["startup"]
        rows += [("cold start to first answer (restart)", f"{s['restart_s']['median']} s", "<= 15 s"),
                 ("first run, fresh var/", f"{s['first_run_s']['median']} s", ""),
                 ("stack memory PSS / RSS sum", f"{s['memory']['pss_mb']} / {s['memory']['rss_mb']} MB", "<= 1024 MB")]
    for d in r.get("datasets", []):
        if d["dataset"] == "clinc150":
            rows += [("CLINC150 in-scope accuracy", f"{d['in_scope_accuracy']:.1%}", ">= 95.0%"),
                     ("CLINC150 OOS recall", f"{d['oos_recall']:.1%}", ">= 70.0%")]
        else:
            rows.append((f"{d['dataset']} accuracy", f"{d['accuracy']:.1%}", ""))
    if "fresh" in r:
        nlu, stack = r["fresh"]["nlu"], r["fresh"]["stack"]
        vectors, chars = nlu["sentence_vectors"], nlu["characters"]
        retrain = stack["retrain"]
        finetuned = " (fine-tuned)" if retrain["finetuned"] else ""
        rows += [("new FAQ paraphrases answered at once",
                  f"{vectors['recall']:.1%} (characters alone {chars['recall']:.1%})", ""),
                 ("held-out messages taken by the new FAQs",
                  f"{vectors['false_selections']} of {nlu['heldout_messages']}", "about 1 in 423"),
                 ("parse p50, vectors / characters alone", f"{nlu['parse_p50_ratio']}x", "<= 1.2x"),
                 ("stack: live → paraphrases answered",
                  f"{stack['live_to_last_answer_s']} s, recall {stack['recall_at_live']:.1%}", "<= 10 s"),
                 ("stack: background retrain, live → swapped", f"{retrain['live_to_swapped_s']} s{finetuned}",
                  "<= 30 s")]
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [" | ".join(cell.ljust(width[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in width))
    m = r["machine"]
    return "\n".join(lines) + f"\n\nmachine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, " \
                              f"load {m['load_before']:.2f} at start, {m['date']}"


if __name__ == "__main__":
    sys.exit(main())
