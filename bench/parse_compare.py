"""NLU parse time side by side with the pipeline of an earlier commit: ``python -m bench.parse_compare``.

``--before COMMIT``: the code, configuration and data of ``COMMIT`` (``git archive`` into a
temporary folder, its FAQ data built and its model trained there, as ``make run`` would), against
this checkout's model (``models/``, trained first if missing). Each pipeline runs in a process of
its own (the two codes share module names); the held-out messages of ``tests/nlu/``
(the shop's, Hong Kong's and Taiwan's, or the lines of ``--texts``) go to both one at a time, alternating which goes first, ``--rounds``
times, and the wall and CPU p50 of each are printed with their ratios as JSON: CPU of the whole
process (BLAS threads too) and of the thread that parses. ``--server``: each worker installs Kefu's
patches of Rasa first (``bot.patches.install``), as ``python -m bot.server`` does. ``--models A B``
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
from pathlib import Path
logging.disable(logging.WARNING)
if sys.argv[2] == "server":  # as python -m bot.server runs it: Kefu's patches of Rasa installed
    from bot import patches
    from kefu.settings import load_settings
    patches.install(load_settings(), model=Path(sys.argv[1]))
from rasa.core.agent import Agent
from rasa.utils.log_utils import configure_structlog
configure_structlog(logging.WARNING)
agent = Agent.load(sys.argv[1])
async def main():
    await agent.parse_message("你好")
    print("ready", flush=True)
    for line in sys.stdin:
        cpu, wall, thread = time.process_time(), time.perf_counter(), time.thread_time()
        await agent.parse_message(line.rstrip("\\n"))
        print(f"{(time.perf_counter() - wall) * 1000:.3f} {(time.process_time() - cpu) * 1000:.3f} "
              f"{(time.thread_time() - thread) * 1000:.3f}", flush=True)
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


def worker(code: Path, model: Path, server: bool = False) -> subprocess.Popen[str]:
    from bot.stack.training import rasa_environment

    process = subprocess.Popen([sys.executable, "-c", WORKER, str(model.resolve()), "server" if server else "agent"],
                               cwd=code,
                               env=rasa_environment({"PYTHONPATH": str(code)}), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    while process.stdout.readline().strip() != "ready":
        if process.poll() is not None:
            raise RuntimeError(f"the parse worker for {model} exited with {process.returncode}")
    return process


def compare(pipelines: dict[str, tuple[Path, Path]], texts: list[str], rounds: int, server: bool = False) -> dict:
    processes = {name: worker(code, model, server) for name, (code, model) in pipelines.items()}
    times: dict[str, tuple[list[float], list[float], list[float]]] = {name: ([], [], []) for name in processes}
    names = list(processes)
    try:
        for turn in range(rounds):
            for i, text in enumerate(texts):
                for name in (names if (i + turn) % 2 == 0 else names[::-1]):
                    process = processes[name]
                    assert process.stdin is not None and process.stdout is not None
                    process.stdin.write(" ".join(text.split()) + "\n")
                    process.stdin.flush()
                    wall, cpu, thread = map(float, process.stdout.readline().split())
                    times[name][0].append(wall)
                    times[name][1].append(cpu)
                    times[name][2].append(thread)
    finally:
        for process in processes.values():
            process.kill()
    result: dict = {name: {"messages": len(w), "wall_p50_ms": round(statistics.median(w), 2),
                           "cpu_p50_ms": round(statistics.median(c), 2),
                           "main_thread_cpu_p50_ms": round(statistics.median(t), 2),
                           "cpu_mean_ms": round(statistics.fmean(c), 2)} for name, (w, c, t) in times.items()}
    before, now = names
    for kind in ("wall", "cpu", "main_thread_cpu", "cpu_mean"):
        key = kind if kind.endswith("_mean") else f"{kind}_p50"
        result[f"{key}_ratio"] = round(result[now][f"{key}_ms"] / result[before][f"{key}_ms"], 3)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parse_compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="COMMIT", required=True)
    parser.add_argument("--models", nargs=2, type=Path, metavar=("BEFORE", "NOW"),
                        help="already trained models of the before code and of this checkout")
    parser.add_argument("--texts", type=Path, help="messages, one a line (default: the held-out sets)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--server", action="store_true",
                        help="install Kefu's patches of Rasa in each worker, as python -m bot.server does")
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
    result = compare({"before": (code, before_model), "now": (ROOT, now_model)}, texts, args.rounds, args.server)
    print(json.dumps({**result, "before_commit": args.before, "machine": machine(),
                      "load_after": [round(x, 2) for x in os.getloadavg()]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
