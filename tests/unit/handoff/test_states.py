"""The handoff status machine: which changes are allowed, and what a refused one says."""

import pytest

from handoff.states import (
    PRIORITY,
    InvalidTransition,
    Reason,
    Status,
    UnknownReason,
    can_transition,
    check_transition,
    parse_reason,
    priority_of,
)

ALLOWED = {
    ("bot", "waiting"), ("bot", "callback"),
    ("waiting", "active"), ("waiting", "abandoned"),
    ("callback", "active"), ("callback", "waiting"), ("callback", "abandoned"),
    ("active", "resolved"), ("active", "waiting"),
}


@pytest.mark.parametrize("current", [s.value for s in Status])
@pytest.mark.parametrize("target", [s.value for s in Status])
def test_exactly_the_drawn_transitions_are_allowed(current, target):
    assert can_transition(current, target) == ((current, target) in ALLOWED)


def test_happy_path_bot_waiting_active_resolved():
    status = Status.BOT
    for target in (Status.WAITING, Status.ACTIVE, Status.RESOLVED):
        status = check_transition(status, target)
    assert status is Status.RESOLVED


@pytest.mark.parametrize("current, target", [("resolved", "active"), ("waiting", "resolved"),
                                             ("abandoned", "waiting"), ("bot", "active")])
def test_invalid_transition_is_typed_and_names_the_transition(current, target):
    with pytest.raises(InvalidTransition) as caught:
        check_transition(current, target, handoff_id=7)
    message = str(caught.value)
    assert f"'{current}' → '{target}'" in message and "handoff 7" in message
    assert caught.value.current == Status(current) and caught.value.target == Status(target)


def test_final_statuses_say_so():
    with pytest.raises(InvalidTransition, match="none \\(final status\\)"):
        check_transition("resolved", "waiting")


def test_complaints_come_first_and_every_reason_has_a_priority():
    assert set(PRIORITY) == set(Reason)
    assert priority_of("complaint") == max(PRIORITY.values())
    assert all(priority_of(r) < priority_of("complaint") for r in Reason if r is not Reason.COMPLAINT)


def test_reasons_are_the_contract_values():
    assert {r.value for r in Reason} == {
        "customer_request", "complaint", "low_confidence", "verification_failed", "negative_sentiment"}
    assert parse_reason("complaint") is Reason.COMPLAINT
    with pytest.raises(UnknownReason, match="'angry'"):
        parse_reason("angry")
