"""Cold start to first answer, and resident memory of the whole stack.

``python -m bench.startup [--runs 3]`` starts ``python -m bot run`` (what ``make run`` starts, with
the trained model already in ``models/``) and measures, from this separate process:

- **first run**: a fresh ``var/`` (database created, migrated and seeded, demo accounts made), time
  from launching the process to the first bot reply to a REST message;
- **restart**: the same ``var/`` again, which is what a deploy or a crash-restart costs;
- **memory** after 60 warm-up turns: the sum over every process of the stack (launcher, Rasa,
  action server, web app) of RSS, and of PSS (shared pages counted once, split between sharers),
  read from the OS with psutil.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency import MESSAGES
from tests.stack import http, make_stack


def _first_answer(stack, timeout: float = 300) -> float:
    """Launch the stack and return seconds until the first bot reply."""
    stack.var_dir.mkdir(parents=True, exist_ok=True)
    stack.log_path = stack.var_dir / "stack.log"
    started = time.perf_counter()
    stack.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=stack.env,
                                     stdout=stack.log_path.open("ab"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
    url = f"{stack.bot_url}/webhooks/rest/webhook"
    while time.perf_counter() - started < timeout:
        if stack.process.poll() is not None:
            raise RuntimeError(f"the stack exited:\n{stack.log()[-3000:]}")
        try:
            status, replies = http("POST", url, {"sender": "bench-start", "message": "你好"}, timeout=5)
        except OSError:
            status, replies = 0, None
        if status == 200 and isinstance(replies, list) and replies:
            return time.perf_counter() - started
        time.sleep(0.1)
    raise RuntimeError("no answer within the timeout")


def _wait_ready(stack, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while "Kefu is running" not in stack.log():
        if time.monotonic() > deadline:
            raise RuntimeError("the stack did not report readiness")
        time.sleep(0.2)


def _memory(pid: int) -> dict:
    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    rss = pss = 0
    by_process = []
    for process in processes:
        try:
            info = process.memory_full_info()
            cmd = " ".join(process.cmdline()[1:4])
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        by_process.append({"process": cmd, "rss_mb": round(info.rss / 2**20), "pss_mb": round(getattr(info, "pss", info.rss) / 2**20)})
    return {"processes": len(by_process), "rss_mb": round(rss / 2**20), "pss_mb": round(pss / 2**20),
            "by_process": by_process}


def measure(runs: int) -> dict:
    first, restart, memory = [], [], None
    for run in range(runs):
        var_dir = Path(tempfile.mkdtemp(prefix="kefu-bench-start-"))
        stack = make_stack(var_dir)
        try:
            first.append(_first_answer(stack))
            _wait_ready(stack)
        finally:
            stack.stop()
        stack = make_stack(var_dir)
        try:
            restart.append(_first_answer(stack))
            _wait_ready(stack)
            if run == runs - 1:
                url = f"{stack.bot_url}/webhooks/rest/webhook"
                for i in range(60):
                    http("POST", url, {"sender": f"bench-mem-{i % 6}", "message": MESSAGES[i % len(MESSAGES)]})
                memory = _memory(stack.process.pid)
        finally:
            stack.stop()
    return {
        "first_run_s": {"median": round(statistics.median(first), 1), "all": [round(x, 1) for x in first]},
        "restart_s": {"median": round(statistics.median(restart), 1), "all": [round(x, 1) for x in restart]},
        "memory": memory,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not list((ROOT / "models").glob("*.tar.gz")):
        print("no trained model in models/: run `make train` first", file=sys.stderr)
        return 2
    print(json.dumps(measure(args.runs), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
