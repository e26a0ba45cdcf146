"""Issue 19.4: the first reply after a handoff request, from scripted handoffs (SLA figures of
``GET /api/analytics``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from analytics.report import dashboard
from handoff.hours import ServiceHours
from handoff.service import HandoffService
from handoff.states import Status
from handoff.store import HandoffStore
from kefu.events import record_events

ZONE = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 23)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE).astimezone(dt.timezone.utc)


def handoff(url: str, sender: str, when: dt.datetime, reply_after: float | None, *, end: str | None = None) -> None:
    """A handoff requested at ``when``; an agent's first message ``reply_after`` seconds later;
    ``end``: abandoned or resolved afterwards."""
    service = HandoffService(HandoffStore(url), hours=ServiceHours.parse(), clock=lambda: when)
    item = service.request(sender_id=sender, channel="rest", reason="customer_request").handoff
    store = HandoffStore(url)
    # the customer wrote a moment before (not an agent's message), a bot reply without agent too
    record_events(url, [{"event": "bot", "sender_id": sender, "text": "正在为您转接人工客服",
                         "timestamp": (when + dt.timedelta(seconds=1)).timestamp()}])
    if reply_after is not None:
        store.transition(item.id, Status.ACTIVE, actor="agent:xiaolin", at=when + dt.timedelta(seconds=5),
                         claimed_by="xiaolin", expected=None)
        reply = when + dt.timedelta(seconds=reply_after)
        record_events(url, [
            {"event": "bot", "sender_id": sender, "text": "您好，我是小林", "metadata": {"agent": "小林"},
             "timestamp": reply.timestamp()},
            {"event": "bot", "sender_id": sender, "text": "请问有什么可以帮您", "metadata": {"agent": "小林"},
             "timestamp": (reply + dt.timedelta(seconds=30)).timestamp()},
        ])
        if end == "resolved":
            store.transition(item.id, Status.RESOLVED, actor="agent:xiaolin", at=reply + dt.timedelta(minutes=2))
    elif end == "abandoned":
        store.transition(item.id, Status.ABANDONED, actor="system", at=when + dt.timedelta(minutes=10))


def test_median_and_shares_over_handoffs_in_service_hours(database_url):
    handoff(database_url, "a", at(DAY, 10), 20, end="resolved")       # within 30 s
    handoff(database_url, "b", at(DAY, 10, 10), 100)                  # within 3 min
    handoff(database_url, "c", at(DAY, 11), 400, end="resolved")      # late
    handoff(database_url, "d", at(DAY, 12), None, end="abandoned")    # never answered: counts as late
    handoff(database_url, "e", at(DAY, 13), None)                      # still waiting: not counted yet
    handoff(database_url, "f", at(DAY, 23, 30), 10)                    # outside service hours: a callback
    handoff(database_url, "g", at(DAY + dt.timedelta(days=1), 9, 30), 40)
    report = dashboard(database_url, days=2, today=DAY + dt.timedelta(days=1), zone=ZONE)
    reply = report["first_reply"]
    assert {k: reply[k] for k in ("median_s", "within_30s", "within_3min", "count")} == {
        "median_s": 70.0, "within_30s": 0.2, "within_3min": 0.6, "count": 5}
    first_day, second_day = reply["per_day"]
    assert first_day == {"day": "2026-11-23", "median_s": 100.0, "within_30s": 0.25, "within_3min": 0.5, "count": 4}
    assert second_day == {"day": "2026-11-24", "median_s": 40.0, "within_30s": 0.0, "within_3min": 1.0, "count": 1}


def test_no_handoffs_no_figures(database_url):
    reply = dashboard(database_url, days=1, today=DAY, zone=ZONE)["first_reply"]
    assert (reply["median_s"], reply["within_30s"], reply["within_3min"], reply["count"]) == (None, None, None, 0)
