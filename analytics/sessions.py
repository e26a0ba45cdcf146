"""Conversation events → the analytics rows of the sessions they belong to.

:class:`SessionTally` applies the events of one ingest transaction, in order:

* a ``session_started`` event opens a new :class:`~analytics.models.ConversationSession` of its
  sender (the events of a sender seen before any ``session_started`` open one too);
* a customer message (``user`` event, not an ``EXTERNAL`` intent) counts a turn and gives the
  session its channel;
* a ``bot`` event sent by ``utter_faq/<id>`` counts an FAQ answer (:class:`~analytics.models.FaqAnswer`);
* the action ``utter_default`` (the bot did not understand) makes the customer's last message an
  unanswered ``fallback``; ``utter_out_of_scope`` an ``out_of_scope`` one; ``action_handoff_request``
  a ``handoff`` one (a ``fallback`` when NLU did not understand it; when the customer merely asked
  for a human, their last real question instead). Unanswered texts are stored masked.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.events import Event, MalformedEvent, parse_event
from analytics.models import MAX_TEXT, ConversationSession, FaqAnswer, UnansweredMessage
from kefu.clock import as_utc
from kefu.events import ConversationEvent
from kefu.privacy import mask_pii
from kefu.text import normalize

FALLBACK_ACTION = "utter_default"
OUT_OF_SCOPE_ACTION = "utter_out_of_scope"
HANDOFF_ACTION = "action_handoff_request"
FAQ_PREFIX = "utter_faq/"
FALLBACK_INTENT = "nlu_fallback"
#: Intents of messages that ask nothing by themselves: when one triggers a handoff, the inbox
#: takes the customer's last message before it that did ask something.
NOT_QUESTIONS = frozenset({"request_human", "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"})


class SessionTally:
    """The sessions one ingest transaction touched, and the FAQ answers and inbox items it added.

    Attributes:
        sessions: the current session of each sender seen, by sender id.
        faq_answers: FAQ answers recorded.
        unanswered: inbox items added.
    """

    def __init__(self, db: Session, zone: ZoneInfo) -> None:
        self.db = db
        self.zone = zone
        self.sessions: dict[str, ConversationSession] = {}
        self.events: dict[int, Event] = {}
        self.items: set[int] = set()
        self.faq_answers = 0
        self.unanswered = 0

    def day(self, at: dt.datetime) -> dt.date:
        return as_utc(at).astimezone(self.zone).date()

    # ------------------------------------------------------------------ sessions
    def current(self, sender_id: str) -> ConversationSession | None:
        if sender_id not in self.sessions:
            found = self.db.execute(
                select(ConversationSession).where(ConversationSession.sender_id == sender_id)
                .order_by(ConversationSession.started_at.desc(), ConversationSession.id.desc()).limit(1)
            ).scalar_one_or_none()
            if found is None:
                return None
            self.sessions[sender_id] = found
        return self.sessions[sender_id]

    def open_session(self, event: Event) -> ConversationSession:
        key = f"{event.sender_id}#{event.id}"
        session: ConversationSession | None = self.db.execute(
            select(ConversationSession).where(ConversationSession.session_key == key)
        ).scalar_one_or_none()
        if session is None:
            session = ConversationSession(
                session_key=key, sender_id=event.sender_id, channel="", day=self.day(event.at), started_at=event.at,
                last_event_at=event.at, user_turns=0, faq_answers=0, fallbacks=0, out_of_scope=0,
                handed_over=False, contained=False,
            )
            self.db.add(session)
            self.db.flush()
        self.sessions[event.sender_id] = session
        return session

    def session_of(self, event: Event) -> ConversationSession:
        session = self.current(event.sender_id)
        if event.type == "session_started":
            # Rasa logs action_session_start just before; a session with nothing in it is reused
            if session is not None and not (session.user_turns or session.faq_answers or session.handed_over):
                return session
            return self.open_session(event)
        return session if session is not None else self.open_session(event)

    # ------------------------------------------------------------------ events
    def apply(self, event: Event) -> None:
        session = self.session_of(event)
        if as_utc(session.last_event_at) < event.at:
            session.last_event_at = event.at
        if event.type == "user" and event.is_customer_message:
            self.events[event.id] = event
            session.user_turns += 1
            if not session.channel and event.channel:
                session.channel = event.channel[:64]
            session.last_user_event_id = event.id
            if event.intent not in NOT_QUESTIONS:
                session.last_question_event_id = event.id
        elif event.type == "bot" and event.utter_action and event.utter_action.startswith(FAQ_PREFIX):
            faq_id = event.utter_action[len(FAQ_PREFIX):][:64]
            if faq_id:
                session.faq_answers += 1
                self.db.add(FaqAnswer(event_id=event.id, session_id=session.id, faq_id=faq_id, at=event.at,
                                      day=self.day(event.at)))
                self.faq_answers += 1
        elif event.type == "action":
            if event.name == FALLBACK_ACTION:
                self.unanswered_item(session, self.user_event(session.last_user_event_id), "fallback")
            elif event.name == OUT_OF_SCOPE_ACTION:
                self.unanswered_item(session, self.user_event(session.last_user_event_id), "out_of_scope")
            elif event.name == HANDOFF_ACTION:
                session.handed_over = True
                trigger = self.user_event(session.last_user_event_id)
                if trigger is not None and trigger.intent == FALLBACK_INTENT:
                    self.unanswered_item(session, trigger, "fallback")
                elif trigger is not None and trigger.intent not in NOT_QUESTIONS:
                    self.unanswered_item(session, trigger, "handoff")
                else:
                    self.unanswered_item(session, self.user_event(session.last_question_event_id), "handoff")
        session.contained = bool(session.user_turns) and not session.handed_over

    def user_event(self, event_id: int | None) -> Event | None:
        if event_id is None:
            return None
        if event_id not in self.events:
            row = self.db.get(ConversationEvent, event_id)
            if row is None:
                return None
            try:
                self.events[event_id] = parse_event(row)
            except MalformedEvent:
                return None
        return self.events[event_id]

    def unanswered_item(self, session: ConversationSession, event: Event | None, kind: str) -> None:
        if event is None or event.id in self.items:
            return
        self.items.add(event.id)
        if self.db.execute(select(UnansweredMessage.id).where(UnansweredMessage.event_id == event.id)).first():
            return
        text = (mask_pii(event.text) or "").strip()[:MAX_TEXT]
        if not text:
            return
        if kind == "fallback":
            session.fallbacks += 1
        elif kind == "out_of_scope":
            session.out_of_scope += 1
        self.db.add(UnansweredMessage(
            event_id=event.id, session_id=session.id, sender_id=session.sender_id, channel=session.channel or "",
            kind=kind, text=text, normalized=normalize(text), at=event.at, day=self.day(event.at), status="open",
        ))
        self.unanswered += 1
