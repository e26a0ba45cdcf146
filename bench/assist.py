"""Bench of the agents' tools: suggestion quality, and the console's time to show a conversation.

``python -m bench.assist quality``: the held-out shopper messages of
``bench/data/assist_suggestions.yml`` (written apart from the FAQ examples and from the earlier
agents' answers in the same file) are given to :func:`assist.suggestions.suggest` with the shop's
FAQ content and those earlier answers recorded as conversations in a fresh SQLite database. A
message counts when one of its top-3 suggestions is acceptable (top-1 too); for the messages that
nothing fits, how often something was suggested anyway.

``python -m bench.assist console [--conversations 200] [--samples 100]``: the web app alone
(``python -m web``) on a fresh SQLite database with that many handed-over conversations waiting in
the queue (the order and complaint scripts of tests/unit/assist, and earlier agents' answers), the
demo shop seeded; for ``samples`` of them, the time of what the console does to show one: ``GET
/api/handoffs/{id}/details`` then ``GET /api/assist/handoffs/{id}`` (summary, suggestions, canned
replies); and the queue list (``GET /api/handoffs?status=waiting,callback``). p50 and p95 in ms.

``python -m bench.assist refresh [--conversations 2000]``: the index of agents' earlier replies
(:class:`assist.pairs.PairReader`) on a fresh SQLite database with that many conversations an agent
answered: the CPU time of reading the whole window (the first read; before the incremental reader,
every refresh) against one read after one more answered conversation, with the rows each fetched,
and of building the questions' index over the pairs (done when new pairs came). Medians of 5.

All print JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "assist_suggestions.yml"


def _record_answers(url: str, answers: list[dict[str, str]]) -> dict[int, str]:
    """Records each earlier answer as a conversation; returns reply event id → key."""
    import sqlalchemy as sa

    from kefu.db import session_scope
    from kefu.events import ConversationEvent
    from tests.unit.assist.scripts import answered_by_agent

    keys: dict[int, str] = {}
    for position, answer in enumerate(answers):
        answered_by_agent(url, f"bench-earlier-{position}", answer["question"], answer["reply"])
        with session_scope(url) as db:
            keys[int(db.execute(sa.select(sa.func.max(ConversationEvent.id))).scalar_one())] = answer["key"]
    return keys


def quality() -> dict[str, Any]:
    from assist.conversation import VerifiedData
    from assist.suggestions import FaqIndex, ReplyIndex, suggest
    from faq.loader import load_catalogue
    from kefu.text import detect_language
    from migrations import migrate

    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    faqs = {faq.id: faq.as_dict() for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        keys = _record_answers(url, data["agent_answers"])
        replies = ReplyIndex(url)
        replies.refresh(force=True)
        index = FaqIndex().index(faqs, "bench")
        rows = []
        for message in data["messages"]:
            language = detect_language(message["text"]) or "zh-Hans"
            found = suggest(message["text"], language=language, faqs=faqs, faq_index=index, replies=replies,
                            verified=VerifiedData())
            refs = [f"faq:{s.ref}" if s.source == "faq" else f"agent:{keys.get(int(s.ref), s.ref)}" for s in found]
            rows.append({"text": message["text"], "acceptable": message["acceptable"], "top3": refs})
    answerable = [r for r in rows if r["acceptable"]]
    nothing_fits = [r for r in rows if not r["acceptable"]]

    def rate(selected: list[dict[str, Any]], top: int) -> float:
        hits = sum(1 for r in selected if set(r["top3"][:top]) & set(r["acceptable"]))
        return round(hits / len(selected), 3) if selected else 0.0

    groups = {
        "faq_zh": [r for r in answerable if r["acceptable"][0].startswith("faq:") and detect_language(r["text"]) != "en"],
        "faq_en": [r for r in answerable if r["acceptable"][0].startswith("faq:") and detect_language(r["text"]) == "en"],
        "agent_replies": [r for r in answerable if r["acceptable"][0].startswith("agent:")],
    }
    return {
        "messages": len(rows), "answerable": len(answerable),
        "top3": rate(answerable, 3), "top1": rate(answerable, 1),
        "by_group": {name: {"messages": len(group), "top3": rate(group, 3), "top1": rate(group, 1)}
                     for name, group in groups.items()},
        "nothing_fits": {"messages": len(nothing_fits),
                         "suggested_anyway": sum(1 for r in nothing_fits if r["top3"])},
        "misses": [{"text": r["text"], "acceptable": r["acceptable"], "top3": r["top3"]}
                   for r in answerable if not set(r["top3"]) & set(r["acceptable"])],
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "samples": len(ordered)}


def console(conversations: int, samples: int) -> dict[str, Any]:
    from shop.demo.seed import seed_demo_shop
    from tests.stack import http
    from tests.unit.assist.scripts import answered_by_agent, complaint_conversation, order_conversation
    from tests.webapp import start_web

    ids: list[int] = []
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))

    def prepare(url: str) -> None:
        seed_demo_shop(url)
        for position, answer in enumerate(data["agent_answers"]):
            answered_by_agent(url, f"bench-earlier-{position}", answer["question"], answer["reply"])
        for n in range(conversations):
            script = order_conversation if n % 2 == 0 else complaint_conversation
            ids.append(script(url, sender=f"bench-queue-{n}"))

    with tempfile.TemporaryDirectory() as tmp:
        app = start_web(Path(tmp), prepare=prepare, env={"ANALYTICS_INTERVAL": "0"})
        try:
            token = app.login("agent")
            headers = {"Authorization": f"Bearer {token}"}
            status, queue = http("GET", f"{app.url}/api/handoffs?status=waiting,active", headers=headers)
            assert status == 200 and len(queue) >= conversations, (status, len(queue))
            http("GET", f"{app.url}/api/assist/handoffs/{ids[0]}", headers=headers)  # warm the indexes
            shown, lists = [], []
            step = max(1, len(ids) // samples)
            for handoff_id in ids[::step][:samples]:
                started = time.perf_counter()
                status, _ = http("GET", f"{app.url}/api/handoffs/{handoff_id}/details", headers=headers)
                status2, view = http("GET", f"{app.url}/api/assist/handoffs/{handoff_id}", headers=headers)
                shown.append(time.perf_counter() - started)
                assert status == status2 == 200 and view["summary"]["lines"], view
            for _ in range(min(samples, 30)):
                started = time.perf_counter()
                status, _ = http("GET", f"{app.url}/api/handoffs?status=waiting,callback", headers=headers)
                lists.append(time.perf_counter() - started)
        finally:
            app.stop()
    return {"conversations_in_queue": len(queue), "show_conversation": _percentiles(shown),
            "queue_list": _percentiles(lists), "database": "sqlite"}


def refresh(conversations: int, rounds: int = 5) -> dict[str, Any]:
    from assist.pairs import PairReader
    from faq.similarity import QuestionIndex
    from tests.databases import migrated_sqlite
    from tests.unit.assist.scripts import answered_by_agent

    def cpu(work: Any) -> float:
        started = time.process_time()
        work()
        return time.process_time() - started

    with tempfile.TemporaryDirectory() as tmp:
        url = migrated_sqlite(Path(tmp) / "app.db")
        for n in range(conversations):
            answered_by_agent(url, f"bench-answered-{n}", f"第{n}个问题：羽绒服可以机洗吗", f"回答{n}：建议手洗。")
        whole, new, index, fetched = [], [], [], {}
        reader = PairReader(url)
        reader.read()
        for n in range(rounds):
            fresh = PairReader(url)
            whole.append(cpu(fresh.read))
            fetched["whole"] = fresh.rows_read
            answered_by_agent(url, f"bench-new-{n}", f"新的问题{n}：退货运费谁出呢", f"本店承担{n}。")
            new.append(cpu(reader.read))
            fetched["new"] = reader.rows_read
            index.append(cpu(lambda: QuestionIndex((str(i), p.question) for i, p in enumerate(reader.pairs))))
    ms = lambda values: round(statistics.median(values) * 1000, 2)
    return {"answered_conversations": conversations, "pairs": len(reader.pairs),
            "whole_window_read_cpu_ms": ms(whole), "whole_window_rows": fetched["whole"],
            "incremental_read_cpu_ms": ms(new), "incremental_rows": fetched["new"],
            "read_ratio": round(statistics.median(whole) / statistics.median(new), 1),
            "index_build_cpu_ms": ms(index), "database": "sqlite"}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.assist", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=("quality", "console", "refresh"))
    parser.add_argument("--conversations", type=int, help="console: 200, refresh: 2000")
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    if args.part == "refresh":
        result = refresh(args.conversations or 2000)
    else:
        result = quality() if args.part == "quality" else console(args.conversations or 200, args.samples)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
