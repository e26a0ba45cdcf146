"""Contract section 8: a handoff's priority is its reason's plus 1 for a gold or black_gold member;
the queue serves higher priority first, then longer waiting."""

from __future__ import annotations

import datetime as dt

import pytest

from handoff.hours import ServiceHours
from handoff.service import HandoffService
from handoff.states import priority_of
from handoff.store import HandoffStore

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("reason, level, priority", [
    ("complaint", None, 3), ("complaint", "gold", 4), ("negative_sentiment", "black_gold", 3),
    ("verification_failed", "silver", 2), ("customer_request", "regular", 1), ("customer_request", "gold", 2),
    ("low_confidence", "black_gold", 2), ("low_confidence", "platinum?", 1),
])
def test_priority_of_reason_and_tier(reason, level, priority):
    assert priority_of(reason, level) == priority


def test_a_member_waits_less_within_the_same_reason_but_not_before_a_complaint(database_url):
    moment = {"now": dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)}
    service = HandoffService(HandoffStore(database_url), hours=ServiceHours.parse(), clock=lambda: moment["now"])

    def ask(sender: str, reason: str, level: str | None) -> int:
        moment["now"] += dt.timedelta(seconds=10)
        return service.request(sender_id=sender, channel="rest", reason=reason, member_level=level,
                               customer_id=f"C-{sender}", customer_proven=True).position or 0

    assert ask("regular", "customer_request", "regular") == 1
    assert ask("complaint", "complaint", None) == 1
    assert ask("gold", "customer_request", "gold") == 2  # after the complaint, before the earlier regular
    assert ask("silver", "customer_request", "silver") == 4
    order = [h.sender_id for h in service.store.list(["waiting"])]
    assert order == ["complaint", "gold", "regular", "silver"]
    # when the gold member's turn comes they are served first of the two
    assert service.queue_position(service.store.open_for("gold")) == 2


def test_a_customer_only_linked_earlier_gets_no_tier_point(database_url):
    """Linking never widens what an anonymous conversation gets (issue 19): the tier of a customer
    the channel identity was linked to before counts only when this conversation proves it."""
    service = HandoffService(HandoffStore(database_url), hours=ServiceHours.parse(),
                             clock=lambda: dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    linked = service.request(sender_id="linked", channel="telegram", reason="customer_request",
                             customer_id="C1001", member_level="gold").handoff
    proven = service.request(sender_id="proven", channel="socketio", reason="customer_request",
                             customer_id="C1001", member_level="gold", customer_proven=True).handoff
    assert (linked.priority, linked.customer_proven) == (1, False)
    assert (proven.priority, proven.customer_proven) == (2, True)
