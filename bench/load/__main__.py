"""``python -m bench.load``: Kefu under 50 concurrent conversations over two Rasa replicas.

Starts the stack as ``make run`` does (``BOT_REPLICAS=2``, PostgreSQL in a throwaway database,
Redis lock store and rate limits), runs the locust users of ``bench/load/locustfile.py`` for the
given time, then checks every conversation against Rasa's tracker: the user messages stored are
exactly the ones sent, in order (none lost, none duplicated), and the bot messages after each one
are exactly the replies that came back. Prints turns/s, p50/p99, the stack's CPU time per turn,
errors and the memory (RSS) of each process, and writes ``results/load-<replicas>.json``. Exit
status 1 on any error or mismatch.

With ``--rabbitmq`` (``BENCH_RABBITMQ=1 make bench-load``) it runs twice, without and with
``RABBITMQ_URL``, checks that every event of every conversation reached the queue exactly once
(:mod:`bench.load.events`) and prints the two side by side.

    nice -n 0 .venv/bin/python -m bench.load [--replicas 2] [--users 50] [--duration 60] [--rabbitmq]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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


#: Seconds of quiet before the load, to measure what each process costs idle.
IDLE_SECONDS = 5
#: Seconds after the first turn whose turns the steady-state p99 leaves out: locust starts all the
#: users within the first second, so their first messages arrive at once (a queue no shop's
#: shoppers make: ~50 of the run's ~40 slowest turns came then, 2026-12-07).
RAMP_SECONDS = 5.0


def steady_timings(turns: list[dict]) -> list[float]:
    """The times of the turns that started :data:`RAMP_SECONDS` or more after the first one."""
    starts = [turn["end"] - turn["ms"] / 1000 for turn in turns]
    if not starts:
        return []
    first = min(starts)
    return [turn["ms"] for turn, start in zip(turns, starts) if start - first >= RAMP_SECONDS]

#: The shapes ``--shapes`` chooses from: (database, replicas or None for ``--replicas``, Redis).
SHAPES = {
    "prod": ("postgresql", None, True),  # the production shape: PostgreSQL, Redis, the replicas
    "sqlite": ("sqlite", None, True),  # the same on SQLite (PostgreSQL's own cost, by difference)
    "single": ("sqlite", 1, False),  # the embedded default: one process, SQLite, no Redis
}


def run(args: argparse.Namespace, *, rabbitmq: bool = False, shape: str = "prod") -> tuple[dict, list[str]]:
    """One load run; returns its summary and the mismatches found. ``rabbitmq``: with
    ``RABBITMQ_URL`` set (an exchange and a queue of the run's own), the stream checked after.
    ``shape``: a key of :data:`SHAPES` (``--sqlite`` makes ``prod`` run on SQLite)."""
    from bench.load import breakdown
    from bench.load.events import check_stream
    from tests import rabbitmq as mq
    from tests.conftest import POSTGRES_ADMIN_URL, create_postgres_database, drop_postgres_database

    database, replicas, with_redis = SHAPES[shape]
    sqlite = database == "sqlite" or args.sqlite
    replicas = replicas or args.replicas
    redis_url = "redis://127.0.0.1:6379/14"
    env = {"HANDOFF_SERVICE_HOURS": "00:00-24:00"}
    if with_redis:
        env["REDIS_URL"] = redis_url
    exchange, queue = mq.names("kefu-bench")
    if rabbitmq:
        env.update({"RABBITMQ_URL": mq.RABBITMQ_URL, "RABBITMQ_EXCHANGE": exchange, "RABBITMQ_QUEUES": queue})
    database_url = None if sqlite else create_postgres_database(POSTGRES_ADMIN_URL)
    database_name = database_url.rsplit("/", 1)[1] if database_url else ""
    statements = breakdown.StatementLog(POSTGRES_ADMIN_URL, database_name, Path(args.postgres_log)) if database_url else None
    if statements is not None and not statements.enable():
        print(f"(the PostgreSQL log {args.postgres_log} cannot be read: no statement counts)", flush=True)
        statements = None
    work = Path(tempfile.mkdtemp(prefix="kefu-load-"))
    stack = make_stack(work / "var", database_url=database_url, replicas=replicas, env=env)
    print(f"==> [{shape}] starting the stack: {replicas} Rasa replica{'s' if replicas > 1 else ''}, "
          f"{'SQLite' if sqlite else 'PostgreSQL'}{', Redis' if with_redis else ', no Redis'}"
          f"{', RabbitMQ' if rabbitmq else ''}", flush=True)
    stack.start()
    stream: dict | None = None
    try:
        ports = ",".join(str(stack.bot_port + i) for i in range(replicas))
        out = work / "transcripts.jsonl"
        idle = rss_by_process(stack.process.pid)
        print(f"==> {args.users} conversations for {args.duration} s on ports {ports}", flush=True)
        by_role = breakdown.roles(_descendants(stack.process.pid))
        idle_before = breakdown.cpu_by_role(by_role)
        time.sleep(IDLE_SECONDS)  # what each process costs with nobody talking (per second)
        cpu_before = breakdown.cpu_by_role(by_role)
        idle_cpu = {role: round(1000 * (cpu_before[role] - idle_before.get(role, 0.0)) / IDLE_SECONDS, 1)
                    for role in cpu_before}
        load_before = os.getloadavg()
        backends_before = breakdown.postgres_backends(POSTGRES_ADMIN_URL, database_name) if database_url else {}
        redis = breakdown.RedisCommands(redis_url) if with_redis else None
        if statements is not None:
            statements.start()
        if redis is not None:
            redis.start()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        locust = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"), "--headless",
                  "-u", str(args.users), "-r", str(args.users), "-t", f"{args.duration}s", "--stop-timeout", "120",
                  "--host", f"http://127.0.0.1:{stack.bot_port}", "--only-summary", "--loglevel", "WARNING"]
        locust_env = {**os.environ, "KEFU_LOAD_PORTS": ports, "KEFU_LOAD_OUT": str(out),
                      "KEFU_LOAD_THINK": str(args.think), "KEFU_LOAD_STICKY": "1" if args.sticky else "0"}
        profile = None
        if args.profile and shape == "prod":
            profile = subprocess.Popen([args.py_spy, "record", "--pid", str(by_role["rasa"][0]), "--duration",
                                        str(max(5, args.duration - 10)), "--rate", "100", "--format", "raw",
                                        "--output", str(work / "py-spy.txt"), "--nonblocking"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(locust, env=locust_env, cwd=ROOT, check=False)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        time.sleep(2)  # Rasa stores a tracker (and publishes its events) just after the reply has gone out
        cpu_after = breakdown.cpu_by_role(by_role)
        backends_after = breakdown.postgres_backends(POSTGRES_ADMIN_URL, database_name) if database_url else {}
        database_counts = statements.stop() if statements is not None else None
        redis_counts = redis.stop() if redis is not None else None
        load_after = os.getloadavg()
        loaded = rss_by_process(stack.process.pid)
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        turns = [turn for record in records for turn in record["turns"]]
        errors = sum(not turn["ok"] for turn in turns)
        window = [t for t in turns if t["end"] <= started + args.duration]
        timings = [turn["ms"] for turn in turns]
        steady = steady_timings(turns)
        if profile is not None:
            profile.wait(timeout=120)
            summary_path = ROOT / "results" / "load-py-spy.txt"
            summary_path.parent.mkdir(exist_ok=True)
            if (work / "py-spy.txt").exists():
                summary_path.write_text((work / "py-spy.txt").read_text())
                print(f"==> py-spy profile of rasa (collapsed stacks): {summary_path.relative_to(ROOT)}", flush=True)
        problems = check_transcripts(stack, records)
        transcript_mismatches = len(problems)
        if rabbitmq:
            # a user stopped before its first message has no conversation (Rasa's API makes up an
            # unsaved session start for such an id): only those that sent something are checked
            stream = check_stream(stack, [r["sender"] for r in records if r["turns"]],
                                  mq.consume(queue, idle=5, timeout=600))
            problems += stream.pop("problems")
        n = len(turns)
        cpu = {role: cpu_after[role] - cpu_before.get(role, 0.0) for role in cpu_after}
        if database_url:
            cpu["postgresql backends"] = breakdown.backends_cpu_delta(backends_before, backends_after)
        load_generator = (children_after.ru_utime + children_after.ru_stime
                          - children_before.ru_utime - children_before.ru_stime)
        stack_cpu = sum(cpu.values())
        rasa_cpu = sum(v for role, v in cpu.items() if role.startswith("rasa"))
        summary = {
            "shape": shape, "replicas": replicas, "users": args.users, "duration_s": args.duration,
            "think_s": args.think, "sticky": args.sticky, "database": "sqlite" if sqlite else "postgresql", "redis": with_redis,
            "rabbitmq": rabbitmq,
            "conversations": len(records), "turns": n, "errors": errors,
            "transcript_mismatches": transcript_mismatches,
            "turns_per_s": round(len(window) / args.duration, 1),
            "p50_ms": round(percentile(timings, 50), 1) if timings else None,
            "p99_ms": round(percentile(timings, 99), 1) if timings else None,
            "p99_ms_steady": round(percentile(steady, 99), 1) if steady else None,
            "cpu_ms_per_turn": breakdown.per_turn(1000 * stack_cpu, n, 1),
            "cpu_ms_per_turn_stack": breakdown.per_turn(1000 * stack_cpu, n, 1),
            "cpu_ms_per_turn_rasa": breakdown.per_turn(1000 * rasa_cpu, n, 1),
            "cpu_ms_per_turn_by_process": {**{role: breakdown.per_turn(1000 * v, n, 1) for role, v in cpu.items()},
                                           "load generator (locust)": breakdown.per_turn(1000 * load_generator, n, 1)},
            "idle_cpu_ms_per_s": idle_cpu,
            "load_before": round(load_before[0], 2), "load_after": round(load_after[0], 2),
            "rss_mb_idle": idle, "rss_mb_loaded": loaded,
            "machine": f"{os.cpu_count()} CPUs, {platform.platform()}, {_cpu_model()}",
        }
        if database_counts is not None:
            summary["db"] = {
                **database_counts,
                "round_trips_per_turn": breakdown.per_turn(database_counts["round_trips"], n),
                "statements_per_turn": {k: breakdown.per_turn(v, n) for k, v in database_counts["statements"].items()},
                "transactions_per_turn": breakdown.per_turn(
                    database_counts["xact_commit"] + database_counts["xact_rollback"], n),
            }
        if redis_counts is not None:
            summary["redis_ops"] = {
                **redis_counts,
                "round_trips_per_turn": breakdown.per_turn(redis_counts["round_trips"], n),
                "commands_per_turn": {k: breakdown.per_turn(v, n) for k, v in redis_counts["commands"].items()},
            }
        if stream is not None:
            stream["events_per_turn"] = round(stream["events_checked"] / len(turns), 1) if turns else None
            summary["stream"] = stream
    finally:
        stack.stop()
        if database_url:
            drop_postgres_database(POSTGRES_ADMIN_URL, database_url)
        if rabbitmq:
            mq.delete(exchange, queue)
    return summary, problems


def _cpu_model() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between a user's turns (s)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--rabbitmq", action="store_true",
                        help="run twice, without and with RABBITMQ_URL (127.0.0.1:5672): every event of every "
                             "conversation must reach the queue exactly once; the cost per turn side by side")
    parser.add_argument("--shapes", default="prod,single",
                        help="comma-separated runs, side by side: prod (PostgreSQL, Redis, --replicas), single "
                             "(one process, SQLite, no Redis), sqlite (SQLite, Redis, --replicas)")
    parser.add_argument("--sticky", action="store_true",
                        help="each conversation on one replica (a load balancer hashing the sender), not every turn anew")
    parser.add_argument("--profile", action="store_true", help="py-spy record the first replica of prod")
    parser.add_argument("--postgres-log", default="/var/log/postgresql/postgresql-15-main.log",
                        help="the PostgreSQL server's log (readable: statement counts)")
    parser.add_argument("--py-spy", default="py-spy", help="the py-spy executable (for --profile)")
    args = parser.parse_args(argv)

    from bench.load.breakdown import table

    shapes = [name.strip() for name in args.shapes.split(",") if name.strip()]
    if unknown := [name for name in shapes if name not in SHAPES]:
        parser.error(f"unknown shapes {unknown}: choose among {', '.join(SHAPES)}")
    problems: list[str] = []
    if args.rabbitmq:
        from bench.load.events import side_by_side

        summary, problems = run(args)
        streamed, stream_problems = run(args, rabbitmq=True)
        problems += stream_problems
        summary = {"without_rabbitmq": summary, "with_rabbitmq": streamed}
        name = f"load-{args.replicas}-rabbitmq"
    else:
        summary = {}
        for shape in shapes:
            summary[shape], found = run(args, shape=shape)
            problems += found
        name = f"load-{args.replicas}"
    for problem in problems[:20]:
        print("MISMATCH", problem)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    print(table(summary))
    if args.rabbitmq:
        print(side_by_side(summary["without_rabbitmq"], summary["with_rabbitmq"]))
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / f"{name}.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 1 if problems or any(r["errors"] for r in summary.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
