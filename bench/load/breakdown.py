"""Where a turn's work goes in ``python -m bench.load``: CPU per process, database round trips and
Redis commands per turn, all counted outside the stack (nothing of it runs in the hot path).

* **CPU** (:func:`cpu_by_role`): user + system time from ``/proc/<pid>/stat`` of each process of
  the stack (each Rasa replica, the action server, the web app, the launcher), of the PostgreSQL
  backends serving the run's database (``pg_stat_activity``), and of the load generator (locust,
  ``RUSAGE_CHILDREN``), so a figure does not depend on how loaded the machine is.
* **Database round trips** (:class:`StatementLog`): the run's throwaway database gets
  ``log_statement = 'all'`` (``ALTER DATABASE``, before the stack connects); every statement the
  stack sends is one line of the server's log, ``BEGIN``/``COMMIT``/``ROLLBACK`` and the pool's
  ``SELECT 1`` pings included (psycopg2 sends each as a simple query: one round trip). They are
  read back from the log and sorted by kind from their text (:data:`KINDS`). With
  ``pg_stat_database``'s transaction counts beside them.
* **Redis commands** (:class:`RedisCommands`): a ``MONITOR`` connection counts each command sent
  to the run's Redis database by name (commands run inside a Lua script counted apart: they are
  no round trip). ``MONITOR`` rather than ``INFO commandstats``, which counts the whole server's
  commands, other work's included.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import threading
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")

#: The PostgreSQL server's log, where ``log_statement`` writes (Debian's cluster layout; ``--postgres-log``).
POSTGRES_LOG = Path("/var/log/postgresql/postgresql-15-main.log")

#: (kind, pattern of the statement's text), the first that matches names it.
KINDS = [
    ("transaction (BEGIN/COMMIT/ROLLBACK)", r"^(BEGIN|COMMIT|ROLLBACK)\b"),
    ("pool ping (SELECT 1)", r"^SELECT 1$"),
    ("tracker: newest event id", r"^SELECT max\(events\.id\)"),
    ("tracker: fetch events", r"^SELECT .*\bFROM events\b"),
    ("tracker: save events", r"^INSERT INTO events\b"),
    ("event broker (conversation_events)", r"^INSERT INTO conversation_events\b"),
    ("handoff hold + outbox check (one statement)", r"\bhandoffs\b.*\boutbox_messages\b"),
    ("outbox check", r"\boutbox_messages\b"),
    ("handoff hold check", r"\bhandoffs\b"),
    ("FAQ live check", r"\bfaq_publications\b"),
    ("analytics ingest (web app, in the background)", r"\banalytics_\w+"),
    ("shop, customers, verification (actions)", r"\b(shop_\w+|customer_\w+|verification_\w+)"),
]
_KINDS = [(kind, re.compile(pattern, re.IGNORECASE | re.DOTALL)) for kind, pattern in KINDS]


def kind_of(statement: str) -> str:
    text = " ".join(statement.split())
    return next((kind for kind, pattern in _KINDS if pattern.search(text)), "other")


# ---------------------------------------------------------------------------------------------- CPU
def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far; None once it is gone."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15 of stat)


def role_of(cmdline: str) -> str | None:
    return ("rasa" if "bot.server" in cmdline else "actions" if "action_server" in cmdline
            else "web" if "-m web" in cmdline else "launcher" if "bot run" in cmdline else None)


def roles(pids: set[int]) -> dict[str, list[int]]:
    """The stack's processes by role (``rasa``, ``rasa2``, ``actions``, ``web``, ``launcher``)."""
    found: dict[str, list[int]] = {}
    replicas: list[tuple[int, int]] = []
    for pid in sorted(pids):
        try:
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        role = role_of(cmdline)
        if role == "rasa":
            port = re.search(r"--port (\d+)", cmdline)
            replicas.append((int(port.group(1)) if port else pid, pid))
        elif role:
            found.setdefault(role, []).append(pid)
    for index, (_port, pid) in enumerate(sorted(replicas)):
        found["rasa" if index == 0 else f"rasa{index + 1}"] = [pid]
    return found


def cpu_by_role(by_role: dict[str, list[int]]) -> dict[str, float]:
    return {role: sum(process_cpu(pid) or 0.0 for pid in pids) for role, pids in by_role.items()}


def postgres_backends(admin_url: str, database: str) -> dict[int, float]:
    """CPU seconds so far of the PostgreSQL backends connected to ``database`` (by pid)."""
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, future=True)
    try:
        with engine.connect() as connection:
            pids = connection.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                      {"d": database}).scalars().all()
    finally:
        engine.dispose()
    return {pid: cpu for pid in pids if (cpu := process_cpu(pid)) is not None}


def backends_cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the backends used between two samples (a backend started in between: all of its time;
    one that ended in between is missed: the pools keep theirs open)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# ---------------------------------------------------------------------------------------------- PostgreSQL
class StatementLog:
    """The statements the stack sends to one database, read from the server's log."""

    def __init__(self, admin_url: str, database: str, log: Path = POSTGRES_LOG) -> None:
        self.admin_url, self.database, self.log = admin_url, database, log
        self._offset = 0
        self._xacts: tuple[int, int] | None = None

    def _admin(self, statement: str) -> Any:
        import sqlalchemy as sa

        engine = sa.create_engine(self.admin_url, future=True, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                result = connection.execute(sa.text(statement), {"d": self.database})
                return result.first() if result.returns_rows else None
        finally:
            engine.dispose()

    def enable(self) -> bool:
        """Before the stack connects: every statement of the database is logged from then on."""
        if not os.access(self.log, os.R_OK):
            return False
        self._admin(f'ALTER DATABASE "{self.database}" SET log_statement = \'all\'')
        return True

    def _xact_counts(self) -> tuple[int, int]:
        row = self._admin("SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = :d")
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def start(self) -> None:
        self._offset = self.log.stat().st_size
        self._xacts = self._xact_counts()

    def stop(self) -> dict[str, Any]:
        """Statements by kind since :meth:`start`, and the transactions ``pg_stat_database`` counted."""
        commits, rollbacks = self._xact_counts()
        assert self._xacts is not None
        marker = f"@{self.database} LOG:  statement: "
        counts: collections.Counter[str] = collections.Counter()
        current: list[str] | None = None
        with self.log.open("rb") as handle:
            handle.seek(self._offset)
            for raw in handle:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if line.startswith("\t") and current is not None:
                    current.append(line)
                    continue
                if current is not None:
                    counts[kind_of(" ".join(current))] += 1
                    current = None
                at = line.find(marker)
                if at >= 0:
                    current = [line[at + len(marker):]]
        if current is not None:
            counts[kind_of(" ".join(current))] += 1
        return {"statements": dict(counts.most_common()), "round_trips": sum(counts.values()),
                "xact_commit": commits - self._xacts[0], "xact_rollback": rollbacks - self._xacts[1]}


# ---------------------------------------------------------------------------------------------- Redis
class RedisCommands:
    """Counts the commands sent to one Redis database, by name, while running (``MONITOR``)."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.db = int(url.rsplit("/", 1)[1]) if url.rsplit("/", 1)[1].isdigit() else 0
        self.counts: collections.Counter[str] = collections.Counter()
        self.scripted: collections.Counter[str] = collections.Counter()
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self._monitor: Any = None

    def start(self) -> None:
        self._monitor = self.client.monitor().__enter__()
        self._running.set()
        self._thread = threading.Thread(target=self._listen, daemon=True, name="redis-monitor")
        self._thread.start()

    def _listen(self) -> None:
        pattern = re.compile(rb'^\+?\d+\.\d+ \[(\d+) ([^\]]+)\] "([^"]+)"')
        connection = self._monitor.connection
        while self._running.is_set():
            try:
                response = connection.read_response(disconnect_on_error=False)
            except Exception:  # noqa: BLE001 - the connection closed at stop
                return
            raw = response if isinstance(response, bytes) else str(response).encode()
            match = pattern.match(raw)
            if not match or int(match.group(1)) != self.db:
                continue
            name = match.group(3).decode().upper()
            (self.scripted if match.group(2) == b"lua" else self.counts)[name] += 1

    def stop(self) -> dict[str, Any]:
        self._running.clear()
        with contextlib.suppress(Exception):  # closed already
            self._monitor.connection.disconnect()
        if self._thread:
            self._thread.join(timeout=5)
        return {"commands": dict(self.counts.most_common()), "round_trips": sum(self.counts.values()),
                "inside_scripts": dict(self.scripted.most_common())}


# ---------------------------------------------------------------------------------------------- tables
def per_turn(value: float | None, turns: int, digits: int = 2) -> float | None:
    return round(value / turns, digits) if value is not None and turns else None


def table(shapes: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of the breakdowns of several runs side by side (the first the production
    shape) with the ratio of each other run to the first on CPU."""
    names = list(shapes)
    lines = ["| per turn | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label: str, values: list[Any]) -> None:
        lines.append(f"| {label} | " + " | ".join("" if v is None else str(v) for v in values) + " |")

    for key, label in [("turns", "turns"), ("turns_per_s", "turns/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"),
                       ("p99_ms_steady", "p99 ms after the first 5 s"),
                       ("load_before", "load average before")]:
        row(label, [s.get(key) for s in shapes.values()])
    cpu_roles: list[str] = []
    for s in shapes.values():
        cpu_roles += [r for r in s.get("cpu_ms_per_turn_by_process", {}) if r not in cpu_roles]
    for role in cpu_roles:
        row(f"CPU ms: {role}", [s.get("cpu_ms_per_turn_by_process", {}).get(role) for s in shapes.values()])
    for role in [r for r in cpu_roles if r.startswith("rasa")]:
        row(f"idle CPU ms per second: {role}", [s.get("idle_cpu_ms_per_s", {}).get(role) for s in shapes.values()])
    row("**CPU ms: stack (Rasa + actions + web + PostgreSQL)**", [s.get("cpu_ms_per_turn_stack") for s in shapes.values()])
    row("CPU ms: Rasa replicas together", [s.get("cpu_ms_per_turn_rasa") for s in shapes.values()])
    first = next(iter(shapes.values())).get("cpu_ms_per_turn_rasa")
    row(f"Rasa CPU of {names[0]} ÷ this column's", [f"{first / s['cpu_ms_per_turn_rasa']:.2f}×"
                                                    if first and s.get("cpu_ms_per_turn_rasa") else None
                                                    for s in shapes.values()])
    kinds: list[str] = []
    for s in shapes.values():
        kinds += [k for k in s.get("db", {}).get("statements_per_turn", {}) if k not in kinds]
    if kinds:
        row("**database round trips**", [s.get("db", {}).get("round_trips_per_turn") for s in shapes.values()])
        for kind in kinds:
            row(f"… {kind}", [s.get("db", {}).get("statements_per_turn", {}).get(kind) for s in shapes.values()])
        row("transactions (pg_stat_database)", [s.get("db", {}).get("transactions_per_turn")
                                                for s in shapes.values()])
    commands: list[str] = []
    for s in shapes.values():
        commands += [c for c in s.get("redis_ops", {}).get("commands_per_turn", {}) if c not in commands]
    if commands:
        row("**Redis round trips**", [s.get("redis_ops", {}).get("round_trips_per_turn") for s in shapes.values()])
        for command in commands:
            row(f"… {command}", [s.get("redis_ops", {}).get("commands_per_turn", {}).get(command) for s in shapes.values()])
    return "\n".join(lines)
