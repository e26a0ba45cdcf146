"""The editors' inbox: what shoppers asked that the bot could not answer, grouped.

Items are :class:`analytics.models.UnansweredMessage` rows (written by :mod:`analytics.ingest`).
The editor turns a group into a new FAQ or a variant of an existing one and then marks its
items ``resolved`` with that FAQ's id, or ``dismissed`` when they are noise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from analytics.grouping import Group, Question, group_questions
from analytics.models import ITEM_STATUSES, UnansweredMessage
from kefu.clock import as_utc, utcnow
from kefu.db import rowcount, session_scope
from kefu.privacy import mask_pii
from kefu.text import normalize

#: Newest items grouped at most (older ones wait until these are handled).
MAX_ITEMS = 2000

FaqSource = Callable[[], Sequence[Any]]


def file_faqs(content_dir: Path) -> FaqSource:
    """An FAQ source reading the editor-owned YAML files, reloaded when a file changes."""
    cache: dict[str, Any] = {"key": None, "faqs": []}

    def load() -> Sequence[Any]:
        from faq.loader import load_catalogue

        key = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(content_dir.glob("*.yml")))
        if key != cache["key"]:
            cache["faqs"] = load_catalogue(content_dir)[0].faqs
            cache["key"] = key
        faqs: Sequence[Any] = cache["faqs"]
        return faqs

    return load


def load_questions(database_url: str, *, statuses: Iterable[str] = ("open",), since: dt.datetime | None = None,
                   limit: int = MAX_ITEMS) -> list[Question]:
    """The newest inbox items in the given statuses (optionally only those after ``since``)."""
    query = select(UnansweredMessage).where(UnansweredMessage.status.in_(list(statuses)))
    if since is not None:
        query = query.where(UnansweredMessage.at >= as_utc(since))
    query = query.order_by(UnansweredMessage.at.desc(), UnansweredMessage.id.desc()).limit(limit)
    with session_scope(database_url) as db:
        rows = db.execute(query).scalars().all()
        return [Question(id=r.id, text=r.text, kind=r.kind, at=as_utc(r.at), channel=r.channel) for r in rows]


def inbox_groups(database_url: str, faqs: Sequence[Any] = (), *, status: str = "open",
                 since: dt.datetime | None = None, limit: int = 50) -> list[Group]:
    """The inbox: groups of similar items, biggest first, each with a suggested FAQ when one is close."""
    return group_questions(load_questions(database_url, statuses=(status,), since=since), faqs)[:limit]


def _matching(ids: Sequence[int] | None, texts: Sequence[str] | None) -> ColumnElement[Boolean]:
    conditions: list[ColumnElement[Boolean]] = []
    if ids:
        conditions.append(UnansweredMessage.id.in_(list(ids)))
    if texts:
        forms = {normalize(mask_pii(text)) for text in texts} | {normalize(text) for text in texts}
        conditions.append(UnansweredMessage.normalized.in_(sorted(forms)))
    return or_(*conditions)


def _close(database_url: str, status: str, *, ids: Sequence[int] | None, texts: Sequence[str] | None,
           by: str, faq_id: str | None = None) -> int:
    if status not in ITEM_STATUSES or not (ids or texts):
        return 0
    with session_scope(database_url) as db:
        return rowcount(db.execute(
            update(UnansweredMessage)
            .where(UnansweredMessage.status == "open", _matching(ids, texts))
            .values(status=status, resolved_faq_id=faq_id, resolved_at=utcnow(), resolved_by=by[:64])
            .execution_options(synchronize_session=False)
        ))


def resolve(database_url: str, *, faq_id: str, by: str, ids: Sequence[int] | None = None,
            texts: Sequence[str] | None = None) -> int:
    """Marks open items answered by ``faq_id`` (by item id, or by text: same normalised wording).

    Returns:
        How many items changed (items already resolved or dismissed are left alone).
    """
    return _close(database_url, "resolved", ids=ids, texts=texts, by=by, faq_id=faq_id)


def dismiss(database_url: str, *, by: str, ids: Sequence[int] | None = None,
            texts: Sequence[str] | None = None) -> int:
    """Marks open items as noise; returns how many changed."""
    return _close(database_url, "dismissed", ids=ids, texts=texts, by=by)
