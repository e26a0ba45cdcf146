"""What happens to a handoff, independent of how it is reached (Rasa action, web API, console).

:class:`HandoffService` opens handoffs (queue position and wait estimate, or a callback request
outside service hours), lets agents claim, write and resolve, records ratings and complaint
tickets. Every time comes from an injected clock, so tests decide what time it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handoff import complaints
from handoff.hours import ServiceHours
from handoff.models import ComplaintTicket, Handoff
from handoff.states import CLAIMABLE, HandoffError, Reason, Status, parse_reason, priority_of
from handoff.store import HandoffConflict, HandoffStore, NewHandoff
from handoff.tickets import ComplaintTickets
from handoff.transcripts import Transcripts
from kefu.clock import as_utc, utcnow
from kefu.events import TranscriptLine

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]

#: Minutes one customer takes an agent when there is no recent history to go by.
DEFAULT_HANDLING_MINUTES = 4.0
#: Longest wait ever promised; beyond it the customer is told "about 2 hours".
MAX_WAIT_MINUTES = 120
#: Longest agent message (characters).
MAX_AGENT_MESSAGE = 2000
#: Reasons that open a complaint ticket.
TICKET_REASONS = frozenset({Reason.COMPLAINT, Reason.NEGATIVE_SENTIMENT})


class NotHolder(HandoffError):
    """An agent acted on a handoff another agent holds (or nobody has claimed)."""

    def __init__(self, handoff: Handoff, agent: str) -> None:
        self.handoff = handoff
        holder = handoff.claimed_by
        if handoff.status in (Status.RESOLVED.value, Status.ABANDONED.value):
            message = f"Handoff {handoff.id} is {handoff.status}: the conversation is back with the bot."
        elif handoff.status != Status.ACTIVE.value:
            message = f"Handoff {handoff.id} is {handoff.status}; claim it before writing or resolving."
        else:
            message = f"Handoff {handoff.id} is held by '{holder}', not by '{agent}'."
        super().__init__(message)


class InvalidMessage(HandoffError, ValueError):
    pass


@dataclass(frozen=True)
class HandoffRequest:
    """The outcome of handing a conversation over, for the bot to tell the customer."""

    handoff: Handoff
    created: bool
    #: 1 = next in line (waiting only)
    position: int | None
    #: expected minutes until an agent picks it up (waiting only)
    wait_minutes: int | None
    #: outside service hours: when the customer will hear back (service's time zone)
    callback_at: dt.datetime | None
    #: the complaint ticket opened for it (complaint, negative_sentiment)
    ticket_id: int | None = None

    @property
    def is_callback(self) -> bool:
        return self.handoff.status == Status.CALLBACK.value


class HandoffService:
    """The handoff queue's rules on top of a :class:`~handoff.store.HandoffStore` (with the
    complaint tickets and transcripts of the same database)."""

    def __init__(self, store: HandoffStore, *, hours: ServiceHours | None = None, clock: Clock = utcnow) -> None:
        self.store = store
        self.tickets = ComplaintTickets(store.database_url)
        self.transcripts = Transcripts(store.database_url)
        self.hours = hours or ServiceHours.from_environment()
        self.clock = clock

    @classmethod
    def create(cls, database_url: str, **kwargs: Any) -> HandoffService:
        """The service on the app database at ``database_url`` (keyword arguments as for the class)."""
        return cls(HandoffStore(database_url), **kwargs)

    def now(self) -> dt.datetime:
        now = self.clock()
        return now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)

    # ------------------------------------------------------------------ the bot hands over
    def request(
        self, *, sender_id: str, channel: str, reason: Reason | str, language: str | None = None,
        customer_id: str | None = None, order_id: str | None = None, trigger_text: str | None = None,
        transcript: list[dict[str, Any]] | None = None, member_level: str | None = None,
        customer_proven: bool = False,
    ) -> HandoffRequest:
        """Puts a conversation in the queue (service hours) or takes a callback request (outside).

        A conversation that already has an open handoff keeps it; a callback request made in
        service hours joins the queue.

        Args:
            transcript: the conversation so far (for a complaint ticket), ``[{"role", "text", "ts"}]``.
            member_level: the tier of the conversation's customer: gold and black_gold raise the
                priority by 1 (:func:`handoff.states.priority_of`), only when ``customer_proven``.
            customer_proven: the conversation proved ``customer_id`` itself (a signed token or an
                order check passed in it); False for a customer only linked to its channel identity
                earlier, who is not verified and gets no tier point ("linking never widens what an
                anonymous conversation may see").
        """
        reason = parse_reason(reason)
        now = self.now()
        is_open = self.hours.is_open(now)
        status = Status.WAITING if is_open else Status.CALLBACK
        callback_at = None if is_open else self.hours.next_opening(now)
        new = NewHandoff(
            sender_id=sender_id, channel=channel or "", reason=reason.value, priority=priority_of(reason, member_level if customer_proven else None),
            language=language, customer_id=customer_id, customer_proven=customer_proven, order_id=order_id,
            trigger_text=(trigger_text or "")[:2000] or None,
        )
        handoff, created = self.store.open_handoff(
            new, status=status, actor="bot", at=now,
            callback_due_at=callback_at.astimezone(dt.timezone.utc) if callback_at else None,
        )
        if not created and handoff.status == Status.CALLBACK.value and is_open:
            handoff = self.store.transition(handoff.id, Status.WAITING, actor="bot", at=now,
                                            note="asked again in service hours")
        ticket_id = None
        if created and reason in TICKET_REASONS:
            ticket_id = self._open_ticket(handoff, transcript or [], now).id
        if handoff.status == Status.CALLBACK.value:
            due = handoff.callback_due_at
            return HandoffRequest(handoff, created, None, None,
                                  as_utc(due).astimezone(self.hours.zone) if due else self.hours.next_opening(now),
                                  ticket_id)
        if handoff.status == Status.ACTIVE.value:
            return HandoffRequest(handoff, created, 0, 0, None, ticket_id)
        position = self.queue_position(handoff)
        return HandoffRequest(handoff, created, position, self.estimate_wait(position), None, ticket_id)

    def _open_ticket(self, handoff: Handoff, transcript: list[dict[str, Any]], now: dt.datetime) -> ComplaintTicket:
        summary = handoff.trigger_text or next(
            (line["text"] for line in reversed(transcript) if line.get("role") == "customer"), "")
        return self.tickets.create(handoff, category=complaints.categorize(summary), summary=summary,
                                   transcript=transcript, at=now)

    def queue_position(self, handoff: Handoff) -> int:
        """1 for the next conversation an agent will take."""
        return self.store.waiting_ahead(handoff) + 1

    def estimate_wait(self, position: int) -> int:
        """Expected minutes until an agent takes the conversation at ``position``.

        Position × the median minutes agents spent per conversation over the last day
        (:data:`DEFAULT_HANDLING_MINUTES` without history) ÷ the number of agents who took
        conversations in the last hour (at least 1); between 1 and :data:`MAX_WAIT_MINUTES`.
        """
        now = self.now()
        minutes, _ = self.store.recent_handling(since=now - dt.timedelta(days=1))
        _, agents = self.store.recent_handling(since=now - dt.timedelta(hours=1))
        per_customer = statistics.median(minutes) if minutes else DEFAULT_HANDLING_MINUTES
        per_customer = min(max(per_customer, 1.0), 30.0)
        estimate = math.ceil(position * per_customer / max(agents, 1))
        return max(1, min(estimate, MAX_WAIT_MINUTES))

    # ------------------------------------------------------------------ agents
    def claim(self, handoff_id: int, agent: str) -> Handoff:
        """The agent takes the conversation. Claiming one's own conversation again is fine.

        One transition of the record, nothing else: from then on the channels' gate keeps the bot
        silent in the conversation (a callback request was not held before).

        Raises:
            HandoffConflict: another agent holds it, or it has ended.
        """
        handoff = self.store.get(handoff_id)
        if handoff.status == Status.ACTIVE.value and handoff.claimed_by == agent:
            return handoff
        if handoff.status == Status.ACTIVE.value:
            raise HandoffConflict(f"Handoff {handoff_id} is already held by '{handoff.claimed_by}'.", handoff)
        try:
            return self.store.transition(handoff_id, Status.ACTIVE, actor=f"agent:{agent}", at=self.now(),
                                         expected=CLAIMABLE, claimed_by=agent)
        except HandoffConflict as conflict:
            latest = conflict.handoff
            if latest is not None and latest.status == Status.ACTIVE.value and latest.claimed_by == agent:
                return latest
            if latest is not None and latest.status == Status.ACTIVE.value:
                raise HandoffConflict(f"Handoff {handoff_id} is already held by '{latest.claimed_by}'.",
                                      latest) from None
            raise

    def check_can_write(self, handoff_id: int, agent: str, text: object) -> tuple[Handoff, str]:
        """Checks that ``agent`` may send ``text`` on the handoff now; returns it and the clean text.

        Raises:
            HandoffNotFound: there is no such handoff.
            InvalidMessage: empty, not text, or longer than :data:`MAX_AGENT_MESSAGE`.
            NotHolder: the handoff is not active in this agent's hands.
        """
        handoff = self.store.get(handoff_id)
        if not isinstance(text, str) or not text.strip():
            raise InvalidMessage("text must be a non-empty string")
        text = text.strip()
        if len(text) > MAX_AGENT_MESSAGE:
            raise InvalidMessage(f"text must be at most {MAX_AGENT_MESSAGE} characters")
        if handoff.status != Status.ACTIVE.value or handoff.claimed_by != agent:
            raise NotHolder(handoff, agent)
        return handoff, text

    def release(self, handoff_id: int, agent: str) -> Handoff:
        """The agent puts the conversation back in the queue."""
        handoff = self.store.get(handoff_id)
        if handoff.status != Status.ACTIVE.value or handoff.claimed_by != agent:
            raise NotHolder(handoff, agent)
        return self.store.transition(handoff_id, Status.WAITING, actor=f"agent:{agent}", at=self.now(),
                                     expected={Status.ACTIVE}, note="released")

    def resolve(self, handoff_id: int, agent: str) -> Handoff:
        """The agent is done; the conversation goes back to the bot at once (the channels' gate lets
        the customer's next message through). The rating question is sent afterwards
        (:mod:`handoff.upkeep`).

        Raises:
            NotHolder: the handoff is not active in this agent's hands.
            HandoffConflict: it changed meanwhile.
        """
        handoff = self.store.get(handoff_id)
        if handoff.status != Status.ACTIVE.value or handoff.claimed_by != agent:
            raise NotHolder(handoff, agent)
        now = self.now()
        resolved = self.store.transition(handoff_id, Status.RESOLVED, actor=f"agent:{agent}", at=now,
                                         expected={Status.ACTIVE})
        self._close_ticket(resolved, "handled", now)
        return resolved

    def abandon_stale(self, *, quiet_for: dt.timedelta) -> list[Handoff]:
        """Marks waiting handoffs abandoned when their customer has been quiet for ``quiet_for``."""
        now = self.now()
        abandoned = []
        for handoff in self.store.stale_waiting(quiet_since=now - quiet_for):
            try:
                ended = self.store.transition(handoff.id, Status.ABANDONED, actor="system", at=now,
                                              expected={Status.WAITING}, note="customer quiet")
            except HandoffError:
                continue
            self._close_ticket(ended, None, now)
            abandoned.append(ended)
        return abandoned

    def _close_ticket(self, handoff: Handoff, status: str | None, now: dt.datetime) -> None:
        ticket = self.tickets.of_handoff(handoff.id)
        if ticket is None:
            return
        lines = [line.as_json() for line in self.transcripts.of(handoff)]
        self.tickets.update(ticket.id, at=now, status=status if ticket.status == "open" else None,
                            transcript=lines or None)

    def follow_up(self, ticket_id: int, agent: str, note: str) -> ComplaintTicket:
        """Records the follow-up of a complaint ticket.

        Raises:
            TicketNotFound: there is no such ticket.
        """
        return self.tickets.update(ticket_id, at=self.now(), status="followed_up", note=f"{note}\n— {agent}")

    # ------------------------------------------------------------------ after the handoff
    def record_rating(self, sender_id: str, rating: int) -> Handoff | None:
        """Stores a 1-5 rating on the conversation's latest resolved, unrated handoff."""
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValueError(f"A rating is a whole number from 1 to 5, got {rating!r}.")
        return self.store.record_rating(sender_id, rating, self.now())

    def transcript(self, handoff: Handoff) -> list[TranscriptLine]:
        return self.transcripts.of(handoff)
