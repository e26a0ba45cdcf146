"""Issue 19.3: each churn signal of contract section 8 from a scripted history, and the score."""

from __future__ import annotations

import datetime as dt

from customers.care import Care
from customers.signals import Signal, repeat_contacts, score
from shop.demo import DemoShop
from tests.unit.customers.history import SCORE, SIGNALS, day, script

UTC = dt.timezone.utc


def test_every_signal_of_the_history_with_its_time_and_the_score(database_url):
    script(database_url)
    care = Care(database_url, DemoShop(database_url), clock=lambda: day(6))
    identities = care.links.identities("C1004")
    signals = care.signals("C1004", identities, days=60)
    assert [s.kind for s in signals] == SIGNALS
    by_kind = {s.kind: s for s in signals}
    assert by_kind["low_rating"].detail.startswith("rated 2/5")
    assert "delivery" in by_kind["complaint"].detail and "18645678123" not in by_kind["complaint"].detail
    assert by_kind["repeat_contact"].at >= day(5) and by_kind["repeat_contact"].detail == "3 conversations in 7 days"
    assert by_kind["unanswered"].detail == "2 unanswered messages in one conversation"
    assert by_kind["refund"].detail == "order 261101000654: refunded"
    assert by_kind["abandoned_handoff"].at == day(2) + dt.timedelta(seconds=16, minutes=10)
    assert score(signals) == SCORE
    # the last 3 days hold only the WeChat conversation's two signals
    recent = care.signals("C1004", identities, days=3)
    assert [s.kind for s in recent] == ["repeat_contact", "unanswered"] and score(recent) == 2


def test_the_at_risk_list_puts_the_highest_score_first(database_url):
    script(database_url)
    care = Care(database_url, DemoShop(database_url), clock=lambda: day(6))
    [row] = care.at_risk(days=60)  # tg:8888 is nobody's: it is not listed
    assert (row["customer_id"], row["name"], row["member_level"], row["score"]) == ("C1004", "刘洋", "regular", SCORE)
    assert [s["kind"] for s in row["signals"]] == list(reversed(SIGNALS)) and row["follow_up"] is None


def test_two_conversations_a_week_are_no_repeat_contact():
    t0 = dt.datetime(2026, 11, 1, tzinfo=UTC)
    assert repeat_contacts([t0, t0 + dt.timedelta(days=3)]) == []
    assert repeat_contacts([t0, t0 + dt.timedelta(days=4), t0 + dt.timedelta(days=8)]) == []
    three = repeat_contacts([t0, t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=6, hours=23)])
    assert three == [Signal("repeat_contact", t0 + dt.timedelta(days=6, hours=23), "3 conversations in 7 days")]
