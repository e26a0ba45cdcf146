"""FAQ drafts from agents' answers: the bot could not answer, an agent did; the editor decides.

:func:`collect` looks at the open unanswered messages of the editors' inbox
(:class:`analytics.models.UnansweredMessage`, written by the analytics ingest) and, for each one an
agent answered (the first agent message after it in its conversation, no other shopper question
between), writes a :class:`assist.models.FaqDraft`: the question, the agent's reply as the answer,
both masked (:mod:`assist.masking`: numbers, phone, addresses, the customer's and the agent's names),
the category of the closest FAQ as a guess, and that FAQ as a "variant of" proposal when it is
close (:data:`VARIANT_THRESHOLD`). Nothing goes live: the editor turns a draft into an FAQ or a
variant in the working copy, and publishes; the draft is then marked ``used``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from analytics.models import UnansweredMessage
from assist.masking import mask_personal
from assist.models import FaqDraft
from assist.pairs import asks_something, is_agent_message
from faq.similarity import QuestionIndex
from handoff.models import Handoff
from kefu.clock import as_utc, utcnow
from kefu.db import session_scope
from kefu.events import ConversationEvent
from kefu.text import detect_language

#: Similarity from which a draft is proposed as a variant of an existing FAQ.
VARIANT_THRESHOLD = 0.5
#: Similarity from which the closest FAQ's category is suggested.
CATEGORY_THRESHOLD = 0.2
#: How far back unanswered messages are looked at, and how long an agent's reply may come after.
LOOK_BACK = dt.timedelta(days=14)
REPLY_WITHIN = dt.timedelta(hours=24)
MAX_SCAN = 500
STATUSES = ("open", "used", "dismissed")

NamesOf = Callable[[str | None], list[str]]


class DraftNotFound(LookupError):
    def __init__(self, draft_id: int) -> None:
        super().__init__(f"FAQ draft {draft_id} not found")


def as_json(draft: FaqDraft) -> dict[str, Any]:
    return {"id": draft.id, "question": draft.question, "answer": draft.answer, "language": draft.language,
            "category": draft.category, "close_faq": ({"id": draft.close_faq_id, "score": round(draft.close_score or 0, 3)}
                                                      if draft.close_faq_id else None),
            "status": draft.status, "faq_id": draft.faq_id,
            "created_at": draft.created_at.isoformat() if draft.created_at else None}


def _answer_of(db: Any, item: UnansweredMessage) -> ConversationEvent | None:
    """The first agent message after the item in its conversation, when no shopper message came between."""
    events = db.execute(
        sa.select(ConversationEvent).where(
            ConversationEvent.sender_id == item.sender_id, ConversationEvent.id > item.event_id,
            ConversationEvent.type.in_(("user", "bot")),
            ConversationEvent.timestamp <= (as_utc(item.at) or utcnow()) + REPLY_WITHIN)
        .order_by(ConversationEvent.id).limit(50)).scalars().all()
    for event in events:
        if is_agent_message(event) and (event.text or "").strip():
            answer: ConversationEvent = event
            return answer
        if asks_something(event):
            return None  # the shopper asked something else first: the reply may answer that
    return None


def collect(database_url: str, faqs: Sequence[Any], *, names_of: NamesOf | None = None) -> int:
    """Writes the drafts of newly answered inbox items; returns how many.

    Args:
        faqs: the FAQ entries (working copy) to find the close one and the category in.
        names_of: the names known for a customer id (their registered name), to mask.
    """
    index = QuestionIndex.of_faqs(faqs)
    categories = {faq.id: faq.category for faq in faqs}
    names_of = names_of or (lambda _customer_id: [])
    made = 0
    with session_scope(database_url) as db:
        drafted = sa.select(FaqDraft.question_event_id)
        items = db.execute(
            sa.select(UnansweredMessage).where(
                UnansweredMessage.status == "open", UnansweredMessage.at >= utcnow() - LOOK_BACK,
                UnansweredMessage.event_id.not_in(drafted))
            .order_by(UnansweredMessage.id.desc()).limit(MAX_SCAN)).scalars().all()
        for item in items:
            reply = _answer_of(db, item)
            if reply is None:
                continue
            customer = db.execute(sa.select(Handoff.customer_id).where(
                Handoff.sender_id == item.sender_id, Handoff.customer_id.is_not(None))
                .order_by(Handoff.id.desc()).limit(1)).scalar_one_or_none()
            names = names_of(customer)
            agent = str((reply.event_metadata or {}).get("agent") or "")
            question = mask_personal(item.text, names=names)
            answer = mask_personal(reply.text or "", names=names, agent_names=[agent])
            best = index.best(question)
            close_id = best.faq_id if best is not None and best.score >= VARIANT_THRESHOLD else None
            category = categories.get(best.faq_id, "") if best is not None and best.score >= CATEGORY_THRESHOLD else ""
            db.add(FaqDraft(question_event_id=item.event_id, reply_event_id=reply.id, sender_id=item.sender_id,
                            question=question, answer=answer, language="en" if detect_language(question) == "en" else "zh",
                            category=category, close_faq_id=close_id, close_score=best.score if close_id and best else None,
                            status="open", created_at=utcnow()))
            made += 1
    return made


def list_drafts(database_url: str, *, status: str = "open", limit: int = 100) -> list[dict[str, Any]]:
    with session_scope(database_url) as db:
        rows = db.execute(sa.select(FaqDraft).where(FaqDraft.status == status)
                          .order_by(FaqDraft.id.desc()).limit(limit)).scalars().all()
        return [as_json(row) for row in rows]


def close_draft(database_url: str, draft_id: int, *, status: str, by: str, faq_id: str | None = None
                ) -> dict[str, Any]:
    """Marks a draft ``used`` (with the FAQ it became or joined) or ``dismissed``; the inbox item too.

    Raises:
        DraftNotFound: no draft has that id.
    """
    with session_scope(database_url) as db:
        draft = db.get(FaqDraft, draft_id)
        if draft is None:
            raise DraftNotFound(draft_id)
        draft.status, draft.faq_id, draft.resolved_by, draft.resolved_at = status, faq_id, by[:64], utcnow()
        item_status = "resolved" if status == "used" else "dismissed"
        db.execute(sa.update(UnansweredMessage)
                   .where(UnansweredMessage.event_id == draft.question_event_id, UnansweredMessage.status == "open")
                   .values(status=item_status, resolved_faq_id=faq_id, resolved_at=utcnow(), resolved_by=by[:64])
                   .execution_options(synchronize_session=False))
        db.flush()
        return as_json(draft)
