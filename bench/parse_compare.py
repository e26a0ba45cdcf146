"""NLU parse time side by side with the pipeline of an earlier commit: ``python -m bench.parse_compare``.

``--before COMMIT``: the code, configuration and data of ``COMMIT`` (``git archive`` into a
temporary folder, its FAQ data built and its model trained there, as ``make run`` would), against
this checkout's model (``models/``, trained first if missing). Each pipeline runs in a process of
its own (the two codes share module names); the held-out messages of ``tests/nlu/``
(the shop's, Hong Kong's and Taiwan's, or the lines of ``--texts``) go to both one at a time, alternating which goes first, ``--rounds``
times, and the wall and CPU p50 of each are printed with their ratios as JSON. ``--models A B``
compares two trained models (of the before code and this one) without training.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The messages of bench.fresh's held-out part: the shop's, Hong Kong's and Taiwan's (719).
HELDOUT = ("heldout.yml", "heldout_hk.yml", "heldout_tw.yml")

WORKER = """
import asyncio, logging, sys, time
logging.disable(logging.WARNING)
from rasa.core.agent import Agent
from rasa.utils.log_utils import configure_structlog
configure_structlog(logging.WARNING)
agent = Agent.load(sys.argv[1])
async def main():
    await agent.parse_message("你好")
    print("ready", flush=True)
    for line in sys.stdin:
        cpu, wall = time.process_time(), time.perf_counter()
        await agent.parse_message(line.rstrip("\\n"))
        print(f"{(time.perf_counter() - wall) * 1000:.3f} {(time.process_time() - cpu) * 1000:.3f}", flush=True)
asyncio.run(main())
"""


def before_pipeline(commit: str, folder: Path) -> Path:
    """``COMMIT``'s code and data in ``folder`` with its model trained; the model's path."""
    from bot.stack.training import rasa_environment

    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    env = rasa_environment({"PYTHONPATH": str(folder)})
    for step in (["-m", "faq", "build"], ["-m", "bot", "train"]):
        subprocess.run([sys.executable, *step], cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL)
    return next((folder / "models").glob("kefu-*.tar.gz"))


def worker(code: Path, model: Path) -> subprocess.Popen[str]:
    from bot.stack.training import rasa_environment

    process = subprocess.Popen([sys.executable, "-c", WORKER, str(model)], cwd=code,
                               env=rasa_environment({"PYTHONPATH": str(code)}), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    while process.stdout.readline().strip() != "ready":
        if process.poll() is not None:
            raise RuntimeError(f"the parse worker for {model} exited with {process.returncode}")
    return process


def compare(pipelines: dict[str, tuple[Path, Path]], texts: list[str], rounds: int) -> dict:
    processes = {name: worker(code, model) for name, (code, model) in pipelines.items()}
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in processes}
    names = list(processes)
    try:
        for turn in range(rounds):
            for i, text in enumerate(texts):
                for name in (names if (i + turn) % 2 == 0 else names[::-1]):
                    process = processes[name]
                    assert process.stdin is not None and process.stdout is not None
                    process.stdin.write(" ".join(text.split()) + "\n")
                    process.stdin.flush()
                    wall, cpu = map(float, process.stdout.readline().split())
                    times[name][0].append(wall)
                    times[name][1].append(cpu)
    finally:
        for process in processes.values():
            process.kill()
    result: dict = {name: {"messages": len(w), "wall_p50_ms": round(statistics.median(w), 2),
                           "cpu_p50_ms": round(statistics.median(c), 2)} for name, (w, c) in times.items()}
    before, now = names
    for kind in ("wall", "cpu"):
        result[f"{kind}_p50_ratio"] = round(result[now][f"{kind}_p50_ms"] / result[before][f"{kind}_p50_ms"], 3)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parse_compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="COMMIT", required=True)
    parser.add_argument("--models", nargs=2, type=Path, metavar=("BEFORE", "NOW"),
                        help="already trained models of the before code and of this checkout")
    parser.add_argument("--texts", type=Path, help="messages, one a line (default: the held-out sets)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from bench.__main__ import machine
    from bench.nlu_eval import load_examples
    from bot.stack.training import ensure_model

    folder = Path(tempfile.mkdtemp(prefix="kefu-bench-parse-")) / "before"
    if args.models:
        code = folder
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", args.before], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        before_model, now_model = args.models
    else:
        before_model, code = before_pipeline(args.before, folder), folder
        now_model = ensure_model(ROOT)
    if args.texts:
        texts = [t for t in args.texts.read_text(encoding="utf-8").splitlines() if t.strip()]
    else:
        texts = [t for name in HELDOUT for t, _ in load_examples(ROOT / "tests" / "nlu" / name)]
    result = compare({"before": (code, before_model), "now": (ROOT, now_model)}, texts, args.rounds)
    print(json.dumps({**result, "before_commit": args.before, "machine": machine(),
                      "load_after": [round(x, 2) for x in os.getloadavg()]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
