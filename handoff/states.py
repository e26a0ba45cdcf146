"""The status machine of a handoff.

::

    bot ──► waiting ──► active ──► resolved
     │        │  ▲        │
     │        │  └────────┘ (the agent releases it back to the queue)
     │        └──► abandoned (the customer went quiet before an agent came)
     └──► callback ──► active (an agent calls back) / waiting (asked again in service hours)
                  └──► abandoned

``bot`` is where every conversation starts: the bot holds it. A handoff record is created by the
first transition out of ``bot``; every transition is stored (``handoff_transitions``).
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    BOT = "bot"
    WAITING = "waiting"
    ACTIVE = "active"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"
    CALLBACK = "callback"

    def __str__(self) -> str:
        return self.value


class Reason(str, Enum):
    """Why the bot handed over (contract section 5)."""

    CUSTOMER_REQUEST = "customer_request"
    COMPLAINT = "complaint"
    LOW_CONFIDENCE = "low_confidence"
    VERIFICATION_FAILED = "verification_failed"
    NEGATIVE_SENTIMENT = "negative_sentiment"

    def __str__(self) -> str:
        return self.value


#: Queue priority per reason: higher is served first (complaints first).
PRIORITY: dict[Reason, int] = {
    Reason.COMPLAINT: 3,
    Reason.NEGATIVE_SENTIMENT: 2,
    Reason.VERIFICATION_FAILED: 2,
    Reason.CUSTOMER_REQUEST: 1,
    Reason.LOW_CONFIDENCE: 1,
}
#: Member tiers whose handoffs get one more priority point (contract section 8: they wait less
#: within the same reason); the tier is the linked customer's ``member_level`` in the shop.
PRIORITY_TIERS = frozenset({"gold", "black_gold"})

#: The statuses in which a conversation is with (or waiting for) a human.
OPEN = frozenset({Status.WAITING, Status.ACTIVE, Status.CALLBACK})
#: The statuses in which a human holds the conversation, so the bot says nothing: waiting (the
#: customer is in the queue) and active (an agent has it). A callback request is not held until an
#: agent claims it: nobody is coming before the service opens, so the bot keeps helping.
HELD = frozenset({Status.WAITING, Status.ACTIVE})
#: Statuses an agent may claim from.
CLAIMABLE = frozenset({Status.WAITING, Status.CALLBACK})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.BOT: frozenset({Status.WAITING, Status.CALLBACK}),
    Status.WAITING: frozenset({Status.ACTIVE, Status.ABANDONED}),
    Status.CALLBACK: frozenset({Status.ACTIVE, Status.WAITING, Status.ABANDONED}),
    Status.ACTIVE: frozenset({Status.RESOLVED, Status.WAITING}),
    Status.RESOLVED: frozenset(),
    Status.ABANDONED: frozenset(),
}


class HandoffError(Exception):
    """Base class of the handoff package's errors."""


class InvalidTransition(HandoffError):
    """A status change the machine does not allow; the message names it."""

    def __init__(self, current: Status | str, target: Status | str, handoff_id: int | None = None) -> None:
        self.current = Status(current)
        self.target = Status(target)
        self.handoff_id = handoff_id
        where = f" of handoff {handoff_id}" if handoff_id is not None else ""
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[self.current])) or "none (final status)"
        super().__init__(
            f"Invalid handoff transition{where}: '{self.current}' → '{self.target}' "
            f"(allowed from '{self.current}': {allowed})."
        )


class UnknownReason(HandoffError, ValueError):
    def __init__(self, value: object) -> None:
        super().__init__(
            f"Unknown handoff reason {value!r}; use one of {', '.join(r.value for r in Reason)}."
        )


def parse_reason(value: object) -> Reason:
    """The :class:`Reason` named by ``value``.

    Raises:
        UnknownReason: for anything else.
    """
    try:
        return Reason(value)
    except ValueError:
        raise UnknownReason(value) from None


def can_transition(current: Status | str, target: Status | str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def check_transition(current: Status | str, target: Status | str, handoff_id: int | None = None) -> Status:
    """Returns ``target`` as a :class:`Status` when the machine allows ``current → target``.

    Raises:
        InvalidTransition: naming the transition otherwise.
    """
    if not can_transition(current, target):
        raise InvalidTransition(current, target, handoff_id)
    return Status(target)


def priority_of(reason: Reason | str, member_level: str | None = None) -> int:
    """The queue priority of a handoff: its reason's (:data:`PRIORITY`), plus 1 for a customer
    of a tier in :data:`PRIORITY_TIERS`."""
    return PRIORITY[parse_reason(reason)] + (1 if member_level in PRIORITY_TIERS else 0)
