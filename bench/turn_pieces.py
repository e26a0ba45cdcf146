"""``python -m bench.turn_pieces``: CPU and round trips of each per-turn database call that the
turn-path cuts changed, the old way and the new side by side in one process, on a throwaway
PostgreSQL database (127.0.0.1) and on SQLite. Rounds alternate the two ways; CPU is
``time.process_time`` of this process (the client's side: what a Rasa replica or the action server
spends), round trips are the statements and ``BEGIN``/``COMMIT``/``ROLLBACK`` the driver sends
(a SQLAlchemy ``before_cursor_execute`` listener, plus psycopg2's implicit ``BEGIN`` and the
``COMMIT``/``ROLLBACK`` of a non-autocommit connection: each one round trip).

Pieces (each a REST turn's or an order turn's call, as the code before and after runs it):

* ``gate+outbox``: the handoff hold check, then the outbox check after the turn (nothing waiting)
  → one statement asking both (:meth:`handoff.store.HandoffStore.hold_of` with ``outbox=True``);
* ``broker``: the event broker's write of a 6-event turn in a transaction → one autocommit
  multi-row ``INSERT`` (:func:`kefu.events.record_events`);
* ``order read``: the demo shop's ``get_order`` in an ORM transaction → a read session in
  autocommit (:func:`kefu.db.read_scope`);
* ``failures``: the verification failure count in an ORM transaction → one autocommit ``SELECT``.

    .venv/bin/python -m bench.turn_pieces [--calls 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa


class RoundTrips:
    """Counts what each engine sends: statements, and the transaction's BEGIN and COMMIT/ROLLBACK."""

    def __init__(self) -> None:
        self.count = 0
        self._engines: list[Any] = []

    def watch(self, engine: Any) -> None:
        if engine in self._engines:
            return
        self._engines.append(engine)
        autocommit = engine.dialect.name == "postgresql" and \
            str(engine.get_execution_options().get("isolation_level", "")) == "AUTOCOMMIT" or \
            getattr(engine.pool, "_kefu_autocommit", False)
        server = engine.dialect.name == "postgresql"

        def statement(*_args: Any) -> None:
            self.count += 1

        def begin(_connection: Any) -> None:
            if server and not autocommit:
                self.count += 1  # psycopg2's implicit BEGIN before the first statement

        def end(_connection: Any) -> None:
            if server and not autocommit:
                self.count += 1

        sa.event.listen(engine, "before_cursor_execute", statement)
        sa.event.listen(engine, "begin", begin)
        sa.event.listen(engine, "commit", end)
        sa.event.listen(engine, "rollback", end)


def _events(sender: str) -> list[dict[str, Any]]:
    now = time.time()
    return [{"sender_id": sender, "event": "action", "name": "action_listen", "timestamp": now},
            {"sender_id": sender, "event": "user", "text": "运费怎么算", "timestamp": now,
             "parse_data": {"intent": {"name": "faq", "confidence": 0.93}}, "input_channel": "rest"},
            {"sender_id": sender, "event": "user_featurization", "timestamp": now},
            {"sender_id": sender, "event": "action", "name": "utter_faq", "timestamp": now},
            {"sender_id": sender, "event": "bot", "text": "中国大陆订单实付满99元免运费", "timestamp": now},
            {"sender_id": sender, "event": "action", "name": "action_listen", "timestamp": now}]


def pieces(url: str) -> dict[str, tuple[Callable[[int], Any], Callable[[int], Any]]]:
    """name → (the old way, the new way), each called with the call's number."""
    from handoff.store import HandoffStore
    from kefu import events as kefu_events
    from kefu.db import get_engine, session_scope
    from kefu.outbox import take_outbox
    from shop.demo import DemoShop
    from shop.demo.models import Order
    from shop.demo.repository import _view
    from verification.failures import CONVERSATION, FailureCounter
    from verification.models import VerificationFailure

    store, shop, counter = HandoffStore(url), DemoShop(url), FailureCounter(url)
    order_id = "261103004817"

    def old_broker(i: int) -> None:
        rows = [kefu_events.event_row(e) for e in _events(f"b{i}")]
        for row in rows:
            row["metadata"] = row.pop("event_metadata")
        with get_engine(url).begin() as connection:
            connection.execute(kefu_events._INSERT_EVENTS, rows)

    def old_order(_i: int) -> Any:
        with session_scope(url) as session:
            order = session.get(Order, order_id)
            return _view(order) if order else None

    def old_failures(i: int) -> int:
        table = VerificationFailure.__table__
        with session_scope(url) as session:
            return int(session.execute(sa.select(table.c.failures).where(
                table.c.scope == CONVERSATION, table.c.subject == f"s{i}",
                table.c.first_failed_at > counter.clock() - counter.window)).scalar_one_or_none() or 0)

    return {
        "gate+outbox": (lambda i: (store.hold_of(f"s{i}"), take_outbox(url, f"s{i}")),
                        lambda i: store.hold_of(f"s{i}", outbox=True)),
        "broker": (old_broker, lambda i: kefu_events.record_events(url, _events(f"b{i}"))),
        "order read": (old_order, lambda _i: shop.get_order(order_id=order_id)),
        "failures": (old_failures, lambda i: counter.failures(f"s{i}")),
    }


def measure(url: str, calls: int, rounds: int) -> dict[str, Any]:
    from kefu.db import get_engine, reader

    trips = RoundTrips()
    get_engine(url)  # created before the listeners
    for engine in (get_engine(url), reader(url)):
        if engine is reader(url) and engine is not get_engine(url):
            engine.pool._kefu_autocommit = True
        trips.watch(engine)
    results: dict[str, Any] = {}
    for name, ways in pieces(url).items():
        for way in ways:  # warm: statements compiled, pools filled
            for i in range(20):
                way(i)
        cpu: dict[str, list[float]] = {"before": [], "after": []}
        rts: dict[str, float] = {}
        for _ in range(rounds):
            for label, way in zip(("before", "after"), ways):
                trips.count = 0
                started = time.process_time()
                for i in range(calls):
                    way(i)
                cpu[label].append(1000 * (time.process_time() - started) / calls)
                rts[label] = trips.count / calls
        results[name] = {label: {"cpu_ms": round(sorted(values)[len(values) // 2], 3),
                                 "round_trips": round(rts[label], 2)} for label, values in cpu.items()}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.turn_pieces", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from shop.demo.seed import seed_demo_shop
    from tests.conftest import POSTGRES_ADMIN_URL
    from tests.databases import create_postgres_database, drop_postgres_database, migrated_sqlite

    sqlite = migrated_sqlite(Path(tempfile.mkdtemp(prefix="kefu-pieces-")) / "app.db")
    postgres = create_postgres_database(POSTGRES_ADMIN_URL, migrated=True)
    out: dict[str, Any] = {}
    try:
        for name, url in (("postgresql", postgres), ("sqlite", sqlite)):
            seed_demo_shop(url)
            out[name] = measure(url, args.calls, args.rounds)
    finally:
        drop_postgres_database(POSTGRES_ADMIN_URL, postgres)
    print(json.dumps(out, indent=1))
    print("| piece | database | CPU ms before | CPU ms after | round trips before | round trips after |")
    print("|---|---|---|---|---|---|")
    for database, found in out.items():
        for piece, r in found.items():
            print(f"| {piece} | {database} | {r['before']['cpu_ms']} | {r['after']['cpu_ms']} | "
                  f"{r['before']['round_trips']} | {r['after']['round_trips']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
