"""The RabbitMQ side of ``python -m bench.load --rabbitmq`` (``BENCH_RABBITMQ=1 make bench-load``).

The same load runs twice, without ``RABBITMQ_URL`` and with it (this machine's RabbitMQ, an
exchange and a queue of the run's own); after the second, a consumer drains the queue and every
conversation's events there are compared with its tracker: each event must arrive exactly once
(none lost, none twice); the order is counted separately. Each run's cost is measured as the
stack's CPU time per turn (``/proc``: user + system time of every process of the stack), besides
turns/s and p50/p99, and the two are printed side by side with their ratio.
"""

from __future__ import annotations

import collections
import json
import urllib.parse
from typing import Any

from tests.stack import Stack, http


def _key(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, ensure_ascii=False)


def _brief(key: str) -> str:
    event = json.loads(key)
    return f"{event.get('event')}:{event.get('name') or event.get('text') or ''}@{event.get('timestamp', 0):.3f}"


def check_stream(stack: Stack, senders: list[str], messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Compares each conversation's events in the queue with its tracker's."""
    by_sender: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for message in messages:
        by_sender[str(message.get("sender_id"))].append(message)
    lost = duplicated = out_of_order = extra = checked = events = 0
    problems: list[str] = []
    examples: list[dict[str, Any]] = []
    for sender in senders:
        status, tracker = http("GET", f"{stack.bot_url}/conversations/{urllib.parse.quote(sender)}/tracker"
                                      f"?token={stack.token}")
        if status != 200:
            problems.append(f"{sender}: tracker {status}")
            continue
        expected = [_key({"sender_id": sender, **event}) for event in tracker.get("events", [])]
        received = [_key(message) for message in by_sender.pop(sender, [])]
        checked += 1
        events += len(expected)
        want, got = collections.Counter(expected), collections.Counter(received)
        missing = sum((want - got).values())
        twice = sum((got - want).values())
        lost += missing
        duplicated += twice
        if not missing and not twice and received != expected:
            out_of_order += 1
            if len(examples) < 5:
                at = next(i for i, (a, b) in enumerate(zip(received, expected)) if a != b)
                examples.append({"sender": sender, "at": at, "of": len(expected),
                                 "queue": [_brief(m) for m in received[max(0, at - 1):at + 3]],
                                 "tracker": [_brief(m) for m in expected[max(0, at - 1):at + 3]]})
        if (missing or twice) and len(problems) < 20:
            gone = [f"{_brief(key)} (#{expected.index(key)} of {len(expected)})" for key in (want - got)]
            problems.append(f"{sender}: {missing} events lost ({', '.join(gone[:5])}), {twice} more than once")
    extra = sum(len(rest) for rest in by_sender.values())  # events of conversations not checked
    size = sum(len(json.dumps(message)) for message in messages) / len(messages) if messages else 0
    return {"conversations_checked": checked, "events_checked": events, "event_json_bytes_mean": round(size),
            "events_lost": lost,
            "events_duplicated": duplicated, "conversations_out_of_order": out_of_order, "out_of_order_examples": examples,
            "events_of_other_conversations": extra, "problems": problems}


ROWS = [("turns", "turns"), ("turns/s", "turns_per_s"), ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"),
        ("stack CPU ms per turn", "cpu_ms_per_turn"), ("errors", "errors"),
        ("load average before", "load_before")]


def side_by_side(without: dict[str, Any], with_stream: dict[str, Any]) -> str:
    """A Markdown table of the two runs and their ratio (with / without)."""
    lines = ["| | without RabbitMQ | with RabbitMQ | ratio |", "|---|---|---|---|"]
    for label, key in ROWS:
        a, b = without.get(key), with_stream.get(key)
        ratio = f"{b / a:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a else ""
        lines.append(f"| {label} | {a} | {b} | {ratio} |")
    return "\n".join(lines)
