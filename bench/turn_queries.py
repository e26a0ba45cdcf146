"""``python -m bench.turn_queries``: database round trips and CPU of one turn in the production
shape (PostgreSQL, Redis, two Rasa replicas), counted per process, without the load test.

Starts the stack of a checkout (``--tree``, default this one) as ``make run`` does, on a throwaway
PostgreSQL database whose statements are all logged (``log_statement = 'all'``), warms it with one
conversation of each script, then drives ``--rounds`` rounds of the load test's script mix
(``bench/load/locustfile.py: SCRIPTS``, each script once a round) one turn at a time, every turn on
the other replica (as the load test does). Every reply is checked like the load test checks it.

Per turn it prints the statements each process sent, by kind (``bench.load.breakdown.KINDS``), with
the backend of each logged statement mapped to the client process holding its connection
(``pg_stat_activity.client_port`` and ``ss -tnp``), and the CPU milliseconds of each process
(``/proc/<pid>/stat``). The Rasa replicas and the action server are on the reply's path; the web
app's statements (analytics ingest, its upkeep) are its background work and depend on the run's
duration, not on the turns. Sequential turns: CPU a turn, not latency under load.

    .venv/bin/python -m bench.turn_queries [--rounds 20] [--tree /path/to/other/checkout] [--json out.json]
        [--database postgresql --database sqlite] [--repeat 2]

``--database sqlite`` runs the same shape on SQLite (with Redis and the replicas: the load test's
``sqlite`` shape) for the CPU side by side; it has no statement counts.

For a before/after comparison run it once per checkout (the other checkout needs ``models/`` and
``.venv``: a symlink to this one's will do) and alternate the two a few times.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.load import breakdown
from tests.stack import ROOT, Stack, http, make_stack


def load_scripts() -> list[list[tuple[str, str | None]]]:
    """The load test's scripts (``bench/load/locustfile.py: SCRIPTS``), read without importing
    locust (which patches the standard library with gevent's on import)."""
    import ast

    tree = ast.parse((ROOT / "bench/load/locustfile.py").read_text(encoding="utf-8"))
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "SCRIPTS" for t in node.targets))
    return [script for _weight, script in ast.literal_eval(value)]


def start(stack: Stack, tree: Path, timeout: float = 300) -> None:
    """:meth:`Stack.start`, from the checkout ``tree``."""
    stack.var_dir.mkdir(parents=True, exist_ok=True)
    stack.log_path = stack.var_dir / "stack.log"
    log = stack.log_path.open("ab")
    stack.process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tree, env=stack.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"the stack exited:\n{stack.log()[-4000:]}")
        if b"Kefu is running" in stack.log_path.read_bytes():
            return
        time.sleep(0.5)
    stack.stop()
    raise RuntimeError(f"the stack did not start in {timeout} s:\n{stack.log()[-4000:]}")


def conversation(stack: Stack, script: list[tuple[str, str | None]], tag: str, turn_counter: list[int]) -> None:
    sender = f"tq-{tag}"
    for message, expected in script:
        port = stack.bot_port + turn_counter[0] % stack.replicas
        turn_counter[0] += 1
        status, replies = http("POST", f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                               {"sender": sender, "message": message}, timeout=60)
        texts = [r.get("text", "") for r in replies] if status == 200 and isinstance(replies, list) else []
        if not texts or (expected and expected not in "\n".join(texts)):
            raise RuntimeError(f"{sender} {message!r}: status {status}, replies {replies!r:.300}")


def client_processes(database: str) -> dict[int, int]:
    """Backend pid → pid of the client process holding that connection (local TCP connections)."""
    import sqlalchemy as sa

    from tests.conftest import POSTGRES_ADMIN_URL

    engine = sa.create_engine(POSTGRES_ADMIN_URL, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT pid, client_port FROM pg_stat_activity "
                                              "WHERE datname = :d AND client_port IS NOT NULL"),
                                      {"d": database}).all()
    finally:
        engine.dispose()
    owners: dict[int, int] = {}
    listing = subprocess.run(["ss", "-tnpH", "state", "established"], capture_output=True, text=True,
                             check=False).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) < 5 or not fields[-2].endswith(":5432"):
            continue
        match = re.search(r"pid=(\d+)", line)
        if match:
            owners[int(fields[-3].rsplit(":", 1)[1])] = int(match.group(1))
    return {pid: owners[port] for pid, port in rows if port in owners}


def statements_by_backend(log: Path, offset: int, database: str,
                          texts: dict[int, collections.Counter[str]] | None = None) -> dict[int, collections.Counter[str]]:
    """Statements logged since ``offset`` for ``database``, by backend pid and kind (and into
    ``texts``, by backend pid and the statement's first 100 characters, when given)."""
    marker = re.compile(r"\[(\d+)\] \S*@" + re.escape(database) + r" LOG:  statement: (.*)$")
    counts: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    current: tuple[int, list[str]] | None = None

    def flush() -> None:
        if current is not None:
            text = " ".join(" ".join(current[1]).split())
            counts[current[0]][breakdown.kind_of(text)] += 1
            if texts is not None:
                texts[current[0]][re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "'…'", text))[:100]] += 1

    with log.open("rb") as handle:
        handle.seek(offset)
        for raw in handle:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("\t") and current is not None:
                current[1].append(line)
                continue
            flush()
            current = None
            found = marker.search(line)
            if found:
                current = (int(found.group(1)), [found.group(2)])
    flush()
    return counts


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.conftest import POSTGRES_ADMIN_URL, create_postgres_database, drop_postgres_database

    tree = Path(args.tree).resolve()
    postgres = args.database == "postgresql"
    database_url = create_postgres_database(POSTGRES_ADMIN_URL) if postgres else None
    database = database_url.rsplit("/", 1)[1] if database_url else ""
    log = Path(args.postgres_log)
    if postgres and not breakdown.StatementLog(POSTGRES_ADMIN_URL, database, log).enable():
        raise SystemExit(f"the PostgreSQL log {log} cannot be read")
    work = Path(tempfile.mkdtemp(prefix="kefu-turnq-"))
    stack = make_stack(work / "var", database_url=database_url, replicas=args.replicas,
                       env={"HANDOFF_SERVICE_HOURS": "00:00-24:00", "REDIS_URL": args.redis_url})
    scripts = load_scripts()
    counter = [0]
    try:
        start(stack, tree)
        by_role = breakdown.roles(_descendants(stack.process.pid))  # type: ignore[union-attr]
        for index, script in enumerate(scripts):  # warm: every path once, both replicas
            conversation(stack, script, f"warm{index}-{os.getpid()}", counter)
            conversation(stack, script, f"warm{index}b-{os.getpid()}", counter)
        time.sleep(2)
        offset = log.stat().st_size if postgres else 0
        backends_before = breakdown.postgres_backends(POSTGRES_ADMIN_URL, database) if postgres else {}
        cpu_before = breakdown.cpu_by_role(by_role)
        started = time.monotonic()
        counter[0] = 0
        for round_ in range(args.rounds):
            for index, script in enumerate(scripts):
                conversation(stack, script, f"r{round_}s{index}-{os.getpid()}", counter)
        elapsed = time.monotonic() - started
        time.sleep(1)  # the trackers' saves and the broker's batches after the last replies
        cpu_after = breakdown.cpu_by_role(by_role)
        backends_after = breakdown.postgres_backends(POSTGRES_ADMIN_URL, database) if postgres else {}
        owners = client_processes(database) if postgres else {}
        texts: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        counts = statements_by_backend(log, offset, database, texts) if postgres else {}
    finally:
        stack.stop()
        if database_url:
            drop_postgres_database(POSTGRES_ADMIN_URL, database_url)
    turns = counter[0]
    role_of_pid = {pid: role for role, pids in by_role.items() for pid in pids}
    by_process: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    by_text: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for backend, kinds in counts.items():
        role = role_of_pid.get(owners.get(backend, -1), "unknown (connection closed)")
        by_process["rasa replicas" if role.startswith("rasa") else role].update(kinds)
        by_text["rasa replicas" if role.startswith("rasa") else role].update(texts[backend])
    cpu = {role: round(1000 * (cpu_after[role] - cpu_before.get(role, 0.0)) / turns, 2) for role in cpu_after}
    replicas_cpu = round(sum(value for role, value in cpu.items() if role.startswith("rasa")), 2)
    return {
        "tree": str(tree), "database": args.database, "turns": turns, "seconds": round(elapsed, 1),
        "cpu_ms_per_turn": {**cpu, "rasa replicas": replicas_cpu,
                            "postgresql backends": round(1000 * breakdown.backends_cpu_delta(
                                backends_before, backends_after) / turns, 2)},
        "round_trips_per_turn": {role: {"all": round(sum(kinds.values()) / turns, 2),
                                        **{kind: round(n / turns, 2) for kind, n in kinds.most_common()}}
                                 for role, kinds in sorted(by_process.items())},
        "load_average": os.getloadavg()[0],
        "statements_per_turn": {role: {text: round(n / turns, 2) for text, n in found.most_common(args.top)}
                                for role, found in sorted(by_text.items())},
    }


def _descendants(root: int) -> set[int]:
    from bench.load.__main__ import _descendants as descendants

    return descendants(root)


def table(results: list[dict[str, Any]]) -> str:
    names = [f"{Path(r['tree']).name} {r['database']} #{i + 1}" for i, r in enumerate(results)]
    lines = ["| per turn | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    rows: list[tuple[str, list[Any]]] = [("turns", [r["turns"] for r in results])]
    for role in ("rasa replicas", "rasa", "rasa2", "actions", "web", "postgresql backends"):
        rows.append((f"CPU ms: {role}", [r["cpu_ms_per_turn"].get(role) for r in results]))
    processes: list[str] = []
    for r in results:
        processes += [p for p in r["round_trips_per_turn"] if p not in processes]
    for process in processes:
        kinds: list[str] = []
        for r in results:
            kinds += [k for k in r["round_trips_per_turn"].get(process, {}) if k not in kinds]
        for kind in kinds:
            label = f"**round trips: {process}**" if kind == "all" else f"… {kind}"
            rows.append((label, [r["round_trips_per_turn"].get(process, {}).get(kind) for r in results]))
    for label, values in rows:
        lines.append(f"| {label} | " + " | ".join("" if v is None else str(v) for v in values) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.turn_queries", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", help="checkout(s) to run the stack from (default: this one); "
                        "given several times, they are run one after the other, --repeat times")
    parser.add_argument("--repeat", type=int, default=1, help="run the trees in turn this many times")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of the script mix (6 scripts, 15 turns)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--database", action="append", choices=("postgresql", "sqlite"),
                        help="the app database and tracker store (default postgresql; given twice, each in turn; "
                             "SQLite: CPU only)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--postgres-log", default=str(breakdown.POSTGRES_LOG))
    parser.add_argument("--json", help="write the results there")
    parser.add_argument("--top", type=int, default=25, help="statements listed per process (their first 100 characters)")
    args = parser.parse_args()
    trees = args.tree or [str(ROOT)]
    results = []
    databases = args.database or ["postgresql"]
    for _ in range(args.repeat):
        for database in databases:
            for tree in trees:
                print(f"==> {tree} on {database}", flush=True)
                args.tree, args.database = tree, database
                results.append(run(args))
                print(json.dumps(results[-1], indent=1), flush=True)
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
