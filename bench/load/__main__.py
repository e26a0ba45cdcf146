"""``python -m bench.load``: Kefu under 50 concurrent conversations over two Rasa replicas.

Starts the stack as ``make run`` does (``BOT_REPLICAS=2``, PostgreSQL in a throwaway database,
Redis lock store and rate limits), runs the locust users of ``bench/load/locustfile.py`` for the
given time, then checks every conversation against Rasa's tracker: the user messages stored are
exactly the ones sent, in order (none lost, none duplicated), and the bot messages after each one
are exactly the replies that came back. Prints turns/s, p50/p99, errors and the memory (RSS) of
each process, and writes ``results/load.json``. Exit status 1 on any error or mismatch.

    nice -n 0 .venv/bin/python -m bench.load [--replicas 2] [--users 50] [--duration 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.latency import percentile
from tests.stack import ROOT, http, make_stack


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, changed = {root}, True
    while changed:
        new = {pid for pid, parent in parents.items() if parent in found} - found
        changed = bool(new)
        found |= new
    return found


def rss_by_process(launcher: int) -> dict[str, float]:
    """Resident memory (MB) of the stack's processes (the launcher and its children), from /proc."""
    result: dict[str, float] = {}
    for pid in sorted(_descendants(launcher)):
        entry = Path("/proc") / str(pid)
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            rss_kb = next(int(line.split()[1]) for line in (entry / "status").read_text().splitlines()
                          if line.startswith("VmRSS:"))
        except (OSError, StopIteration, ProcessLookupError):
            continue
        role = ("rasa" if "bot.server" in cmdline else "actions" if "action_server" in cmdline
                else "web" if "-m web" in cmdline else "launcher" if "bot run" in cmdline else None)
        if role:
            key = role
            index = 2
            while key in result:
                key, index = f"{role}{index}", index + 1
            result[key] = round(rss_kb / 1024, 1)
    return result


def check_transcripts(stack, records: list[dict]) -> list[str]:
    """Differences between what the users saw and what the tracker holds."""
    problems = []
    for record in records:
        sender = urllib.parse.quote(record["sender"])
        status, tracker = http("GET", f"{stack.bot_url}/conversations/{sender}/tracker?token={stack.token}")
        if status != 200:
            problems.append(f"{record['sender']}: tracker {status}")
            continue
        stored: list[tuple[str, list[str]]] = []
        for event in tracker.get("events", []):
            if event.get("event") == "user":
                stored.append((event.get("text"), []))
            elif event.get("event") == "bot" and stored and event.get("text"):
                stored[-1][1].append(event["text"])
        sent = [(turn["message"], turn["replies"]) for turn in record["turns"]]
        if [m for m, _ in stored] != [m for m, _ in sent]:
            problems.append(f"{record['sender']}: sent {[m for m, _ in sent]}, stored {[m for m, _ in stored]}")
        elif [r for _, r in stored] != [r for _, r in sent]:
            problems.append(f"{record['sender']}: replies differ from the tracker's bot messages")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between a user's turns (s)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args(argv)

    from tests.conftest import POSTGRES_ADMIN_URL, create_postgres_database, drop_postgres_database

    database_url = None if args.sqlite else create_postgres_database(POSTGRES_ADMIN_URL)
    work = Path(tempfile.mkdtemp(prefix="kefu-load-"))
    stack = make_stack(work / "var", database_url=database_url, replicas=args.replicas, env={
        "REDIS_URL": "redis://127.0.0.1:6379/14", "HANDOFF_SERVICE_HOURS": "00:00-24:00"})
    print(f"==> starting the stack: {args.replicas} Rasa replicas, "
          f"{'SQLite' if args.sqlite else 'PostgreSQL'}, Redis", flush=True)
    stack.start()
    try:
        ports = ",".join(str(stack.bot_port + i) for i in range(args.replicas))
        out = work / "transcripts.jsonl"
        idle = rss_by_process(stack.process.pid)
        print(f"==> {args.users} conversations for {args.duration} s on ports {ports}", flush=True)
        started = time.time()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.users), "-t", f"{args.duration}s", "--stop-timeout", "120",
             "--host", f"http://127.0.0.1:{stack.bot_port}", "--only-summary", "--loglevel", "WARNING"],
            env={**os.environ, "KEFU_LOAD_PORTS": ports, "KEFU_LOAD_OUT": str(out), "KEFU_LOAD_THINK": str(args.think)},
            cwd=ROOT, check=False,
        )
        loaded = rss_by_process(stack.process.pid)
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        turns = [turn for record in records for turn in record["turns"]]
        errors = sum(not turn["ok"] for turn in turns)
        window = [t for t in turns if t["end"] <= started + args.duration]
        timings = [turn["ms"] for turn in turns]
        time.sleep(2)  # Rasa stores a tracker just after the reply has gone out
        problems = check_transcripts(stack, records)
        summary = {
            "replicas": args.replicas, "users": args.users, "duration_s": args.duration, "think_s": args.think,
            "database": "sqlite" if args.sqlite else "postgresql", "conversations": len(records),
            "turns": len(turns), "errors": errors, "transcript_mismatches": len(problems),
            "turns_per_s": round(len(window) / args.duration, 1),
            "p50_ms": round(percentile(timings, 50), 1) if timings else None,
            "p99_ms": round(percentile(timings, 99), 1) if timings else None,
            "rss_mb_idle": idle, "rss_mb_loaded": loaded,
            "machine": f"{os.cpu_count()} CPUs, {platform.platform()}, load before: {os.getloadavg()[0]:.2f}",
        }
    finally:
        stack.stop()
        if database_url:
            drop_postgres_database(POSTGRES_ADMIN_URL, database_url)
    for problem in problems[:20]:
        print("MISMATCH", problem)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / f"load-{args.replicas}.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 1 if errors or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
