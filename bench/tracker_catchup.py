"""``python -m bench.tracker_catchup``: what a cross-replica retrieve costs a Rasa replica, with the
tracker cache's catch-up (the rows the other replica wrote since, applied to the cached tracker)
and with the full read it replaces (the whole session read and replayed), on PostgreSQL.

Two tracker stores on one throwaway database stand for the two replicas. Conversations of about
10 and 40 turns (the events of real turns of the trained model: a user message with its parse,
slots, the bot's action and reply, ``action_listen``) are written alternately by both; then, round
after round, replica B adds a turn to each conversation and replica A retrieves it, the rounds
alternating between the catch-up and the full read (the cached tracker's proof dropped first, so
the retrieve takes the fallback path: the code before the catch-up, plus the proof it records).
Per retrieve: Rasa's CPU (``time.process_time``: SQLAlchemy, psycopg2, the JSON parse and the
replay), the PostgreSQL backends' CPU (``/proc``), round trips (the server's statement log, as
``bench.load`` counts them, ``BEGIN``/``COMMIT`` included; else the statements SQLAlchemy sent).
``--conversations 40 --rounds 6`` by default.
"""
# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["怎么注册账号？", "运费怎么算", "忘记密码怎么办？", "可以用微信登录吗", "运费怎么算", "注册要手机号吗"]


async def template_turns(model: str) -> list[list[dict]]:
    """The events of real turns (the trained model, one conversation), as stored, by turn."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no debug line per turn on stdout
    logging.getLogger("rasa").setLevel(logging.WARNING)
    from bot.stores import KefuTrackerStore

    agent = Agent.load(model)
    store = KefuTrackerStore(domain=agent.domain, host=f"sqlite:///{tempfile.mkdtemp()}/t.db")
    agent.tracker_store = agent.processor.tracker_store = store
    for text in QUESTIONS:
        await agent.handle_text(text, sender_id="template")
    tracker = await store.retrieve("template")
    turns: list[list[dict]] = []
    for event in tracker.events:
        data = json.loads(json.dumps(event.as_dict()))
        if data["event"] == "user":
            turns.append([])
        if turns:
            turns[-1].append(data)
    return turns


def events_of(template: list[dict]) -> list:
    from rasa.shared.core.events import Event

    events = []
    for data in template:
        event = Event.from_parameters(data)
        event.timestamp = time.time()
        events.append(event)
    return events


async def turn(store, sender: str, template: list[dict]) -> None:
    """A turn as the processor saves it: the message, then the bot's events."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    if not tracker.events:
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
            event.timestamp = time.time()
            tracker.update(event)
    events = events_of(template)
    tracker.update(events[0])
    await store.save(tracker)
    for event in events[1:]:
        tracker.update(event)
    await store.save(tracker)


class Counted:
    """Statements SQLAlchemy sent (and transactions it began: a BEGIN and a COMMIT on PostgreSQL)."""

    def __init__(self) -> None:
        self.statements = self.transactions = 0
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._statement)
        sa.event.listen(sa.engine.Engine, "begin", self._begin)

    def _statement(self, *_args) -> None:
        self.statements += 1

    def _begin(self, *_args) -> None:
        self.transactions += 1

    def take(self) -> tuple[int, int]:
        taken = (self.statements, self.transactions)
        self.statements = self.transactions = 0
        return taken


async def main(args) -> None:
    from bench.load import breakdown
    from bot.patches import registry, tracker_cache
    from bot.stores import KefuTrackerStore
    from tests.conftest import POSTGRES_ADMIN_URL, create_postgres_database, drop_postgres_database

    model = args.model or max(glob.glob(str(ROOT / "models" / "*.tar.gz")), key=os.path.getmtime)
    templates = await template_turns(model)
    url = create_postgres_database(POSTGRES_ADMIN_URL)
    database = url.rsplit("/", 1)[1]
    log = breakdown.StatementLog(POSTGRES_ADMIN_URL, database, Path(args.postgres_log))
    logged = log.enable()
    tracker_cache.install()
    try:
        a, b = KefuTrackerStore(host=url), KefuTrackerStore(host=url)
        from rasa.shared.core.domain import Domain

        domain = Domain.load(str(ROOT / "domain.yml"))
        a.domain = b.domain = domain
        counted = Counted()
        results = {}
        for size in args.sizes:
            senders = [f"c{size}-{i}" for i in range(args.conversations)]
            for i in range(size):  # written alternately, the last turn by A (A has it cached)
                for sender in senders:
                    await turn((a, b)[(size - 1 - i) % 2], sender, templates[i % len(templates)])
            figures = {"catch-up": [], "full read": []}
            for r in range(args.rounds):
                mode = ("catch-up", "full read")[r % 2]
                for sender in senders:
                    await turn(b, sender, templates[(size + r) % len(templates)])
                    if mode == "full read":
                        tracker_cache._state(a).known[sender].basis = None  # the retrieve as before the catch-up
                counted.take()
                if logged:
                    log.start()
                backends = breakdown.postgres_backends(POSTGRES_ADMIN_URL, database)
                cpu = 0.0
                for sender in senders:
                    started = time.process_time()
                    await a.retrieve(sender)
                    cpu += time.process_time() - started
                backend_cpu = breakdown.backends_cpu_delta(backends, breakdown.postgres_backends(POSTGRES_ADMIN_URL, database))
                statements, transactions = counted.take()
                if logged:
                    time.sleep(0.3)  # the server's log catches up
                    trips = log.stop()["round_trips"] / len(senders)
                else:
                    trips = (statements + 2 * transactions) / len(senders)
                figures[mode].append({"rasa_ms": cpu / len(senders) * 1e3, "postgres_ms": backend_cpu / len(senders) * 1e3,
                                      "round_trips": trips, "statements": statements / len(senders)})
            events = len((await a.retrieve(senders[0])).events)
            results[size] = figures
            print(f"~{size + args.rounds // 2} turns ({events} events in the session at the end), "
                  f"{args.conversations} conversations, {args.rounds // 2} rounds each:")
            for mode, rows in figures.items():
                mean = {key: statistics.mean(row[key] for row in rows) for key in rows[0]}
                print(f"  {mode:10s} Rasa CPU {mean['rasa_ms']:.3f} ms  PostgreSQL CPU {mean['postgres_ms']:.3f} ms  "
                      f"round trips {mean['round_trips']:.2f}  (rounds: Rasa ms {[round(x['rasa_ms'], 3) for x in rows]})")
            before = statistics.mean(row["rasa_ms"] for row in figures["full read"])
            after = statistics.mean(row["rasa_ms"] for row in figures["catch-up"])
            print(f"  Rasa CPU full read → catch-up: {before:.3f} → {after:.3f} ms ({after / before:.2f}×)")
        if not logged:
            print("(the PostgreSQL log is not readable: round trips = statements + BEGIN and COMMIT of each transaction)")
    finally:
        registry.restore()
        drop_postgres_database(POSTGRES_ADMIN_URL, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 37], help="turns before the rounds")
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--model", default=None, help="default: the newest in models/")
    parser.add_argument("--postgres-log", default="/var/log/postgresql/postgresql-15-main.log")
    asyncio.run(main(parser.parse_args()))
