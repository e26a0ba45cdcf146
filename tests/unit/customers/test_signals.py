"""Issue 19.3: each churn signal of contract section 8 from a scripted history, and the score."""

from __future__ import annotations

import datetime as dt

from customers.care import Care
from customers.links import CustomerLinks
from customers.signals import Signal, repeat_contacts, score
from handoff.states import Status
from handoff.store import HandoffStore, NewHandoff
from kefu.events import record_events
from shop.demo import DemoShop
from tests.unit.analytics.seed import Conversation
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


class CountingShop(DemoShop):
    """The demo shop, counting whose orders were asked for."""

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        self.orders_asked: list[str] = []

    def list_customer_orders(self, *, customer_id: str, limit: int = 5):
        self.orders_asked.append(customer_id)
        return super().list_customer_orders(customer_id=customer_id, limit=limit)


def _history_with_links(database_url):
    script(database_url)
    links = CustomerLinks(database_url)
    for number, customer_id in enumerate(["C1001", "C1002", "C1003", "C1006"]):  # C1006 has a return filed
        links.link(customer_id, channel="telegram", sender_id=f"tg:77{number}", by="order_check", at=day(1))
    # C1007 (a refunded order) left the queue on day 3 without writing anywhere Kefu links
    left = Conversation("web:c1007", "socketio", day(3))
    record_events(database_url, left.user("转人工", "request_human").hand_over().events)
    store = HandoffStore(database_url)
    item, _ = store.open_handoff(NewHandoff(sender_id="web:c1007", channel="socketio", reason="customer_request",
                                            priority=1, customer_id="C1007"), status=Status.WAITING, actor="bot",
                                 at=left.now)
    store.transition(item.id, Status.ABANDONED, actor="system", at=left.now + dt.timedelta(minutes=3))


def _every_candidate_alone(care, days):
    """What the list is by its definition: every known customer with a signal, the shop asked for each."""
    expected = []
    for customer_id in care.candidates():
        signals = care.signals(customer_id, care.links.identities(customer_id), days=days)
        if signals:
            expected.append((customer_id, score(signals), [s.as_json() for s in reversed(signals)]))
    return sorted(expected, key=lambda e: (-e[1], e[0]))


def test_the_at_risk_list_asks_the_shop_only_about_customers_with_a_signal(database_url):
    _history_with_links(database_url)
    shop = CountingShop(database_url)
    care = Care(database_url, shop, clock=lambda: day(6))
    days = 60
    rows = care.at_risk(days=days)
    assert [(r["customer_id"], r["score"], r["signals"]) for r in rows] == _every_candidate_alone(care, days)
    assert [r["customer_id"] for r in rows] == ["C1004", "C1007", "C1006"]
    assert [s["kind"] for s in rows[1]["signals"]] == ["abandoned_handoff", "refund"]
    assert [s["kind"] for s in rows[2]["signals"]] == ["refund"]  # a refund alone lists a customer (contract 8)
    shop.orders_asked.clear()
    care.at_risk(days=days)
    assert sorted(shop.orders_asked) == ["C1004", "C1006", "C1007"]  # not C1001-C1003: no signal, no refund


class ShopWithoutRefundLookup:
    """A shop adapter that defines only the required methods (no ``customers_with_refunds``)."""

    def __init__(self, database_url):
        self.shop = CountingShop(database_url)

    def __getattr__(self, name):
        if name == "customers_with_refunds":
            raise AttributeError(name)
        return getattr(self.shop, name)


def test_without_the_shops_refund_lookup_every_known_customer_is_asked_and_the_list_is_the_same(database_url):
    _history_with_links(database_url)
    shop = ShopWithoutRefundLookup(database_url)
    care = Care(database_url, shop, clock=lambda: day(6))
    rows = care.at_risk(days=60)
    assert [(r["customer_id"], r["score"], r["signals"]) for r in rows] == _every_candidate_alone(care, 60)
    assert [r["customer_id"] for r in rows] == ["C1004", "C1007", "C1006"]
    shop.shop.orders_asked.clear()
    care.at_risk(days=60)
    assert sorted(shop.shop.orders_asked) == sorted(care.candidates())
