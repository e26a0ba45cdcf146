"""Canned replies (快捷回复): the team's list, and filling in a reply for one conversation.

A reply has a shortcut (typed as ``/<shortcut>`` in the console's reply box), a title and its
text in Chinese and English. Two placeholders are filled from the conversation's verified data
only (:func:`assist.conversation.verified_data`): ``{name}`` (the verified customer's name) and
``{order}`` (the verified order number). A placeholder the conversation cannot fill stays as
typed, and the reply says which ones are missing, so the agent fills it in before sending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assist.conversation import VerifiedData
from assist.models import CannedReply
from kefu.clock import utcnow
from kefu.db import session_scope
from kefu.inputs import InvalidInput

SHORTCUT = re.compile(r"\A[\w-]{1,32}\Z")
PLACEHOLDERS = ("name", "order")
_PLACEHOLDER = re.compile(r"\{(name|order)\}")
_ANY_BRACE = re.compile(r"\{([^{}]*)\}")
MAX_TEXT = 2000
MAX_TITLE = 80
#: Canned replies a team may keep.
MAX_REPLIES = 500


class CannedReplyNotFound(LookupError):
    def __init__(self, reply_id: int) -> None:
        super().__init__(f"canned reply {reply_id} not found")


class ShortcutTaken(ValueError):
    def __init__(self, shortcut: str) -> None:
        super().__init__(f"shortcut '/{shortcut}' is taken: pick another one or edit that reply")
        self.details = {"field": "shortcut"}


@dataclass(frozen=True)
class ReplyInput:
    shortcut: str
    title: str
    text_zh: str
    text_en: str


def _text(body: dict[str, Any], name: str, *, limit: int) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(name, "must be a string")
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(name, f"must be at most {limit} characters")
    for inner in _ANY_BRACE.findall(value):
        if inner not in PLACEHOLDERS:
            raise InvalidInput(name, f"unknown placeholder {{{inner}}}: only {{name}} and {{order}} are filled in")
    return value


def reply_input(body: dict[str, Any]) -> ReplyInput:
    """A canned reply's fields from a JSON body; :class:`InvalidInput` (422) naming the field."""
    shortcut = body.get("shortcut")
    if not isinstance(shortcut, str) or not SHORTCUT.match(shortcut.strip().lstrip("/")):
        raise InvalidInput("shortcut", "is required: 1-32 letters, digits, _ or - (e.g. refund_time or 退款)")
    text_zh, text_en = _text(body, "text_zh", limit=MAX_TEXT), _text(body, "text_en", limit=MAX_TEXT)
    if not text_zh and not text_en:
        raise InvalidInput("text_zh", "give the reply's text in Chinese (text_zh), English (text_en) or both")
    return ReplyInput(shortcut.strip().lstrip("/").lower(), _text(body, "title", limit=MAX_TITLE), text_zh, text_en)


def as_json(reply: CannedReply) -> dict[str, Any]:
    return {"id": reply.id, "shortcut": reply.shortcut, "title": reply.title, "text_zh": reply.text_zh,
            "text_en": reply.text_en, "updated_by": reply.updated_by,
            "updated_at": reply.updated_at.isoformat() if reply.updated_at else None}


class CannedReplies:
    """The team's canned replies in the app database."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def list(self) -> list[dict[str, Any]]:
        with session_scope(self.database_url) as db:
            rows = db.execute(select(CannedReply).order_by(CannedReply.shortcut)).scalars().all()
            return [as_json(row) for row in rows]

    def get(self, reply_id: int) -> dict[str, Any]:
        with session_scope(self.database_url) as db:
            row = db.get(CannedReply, reply_id)
            if row is None:
                raise CannedReplyNotFound(reply_id)
            return as_json(row)

    def by_shortcut(self, shortcut: str) -> CannedReply | None:
        with session_scope(self.database_url) as db:
            row = db.execute(select(CannedReply).where(CannedReply.shortcut == shortcut.lower())).scalar_one_or_none()
            if row is not None:
                db.expunge(row)
            found: CannedReply | None = row
            return found

    def create(self, data: ReplyInput, author: str) -> dict[str, Any]:
        now = utcnow()
        try:
            with session_scope(self.database_url) as db:
                if db.query(CannedReply).count() >= MAX_REPLIES:
                    raise InvalidInput("shortcut", f"a team keeps at most {MAX_REPLIES} canned replies")
                row = CannedReply(shortcut=data.shortcut, title=data.title, text_zh=data.text_zh,
                                  text_en=data.text_en, created_by=author, updated_by=author, created_at=now,
                                  updated_at=now)
                db.add(row)
                db.flush()
                return as_json(row)
        except IntegrityError:
            raise ShortcutTaken(data.shortcut) from None

    def update(self, reply_id: int, data: ReplyInput, author: str) -> dict[str, Any]:
        try:
            with session_scope(self.database_url) as db:
                row = db.get(CannedReply, reply_id)
                if row is None:
                    raise CannedReplyNotFound(reply_id)
                row.shortcut, row.title, row.text_zh, row.text_en = (data.shortcut, data.title, data.text_zh,
                                                                     data.text_en)
                row.updated_by, row.updated_at = author, utcnow()
                db.flush()
                return as_json(row)
        except IntegrityError:
            raise ShortcutTaken(data.shortcut) from None

    def delete(self, reply_id: int) -> None:
        with session_scope(self.database_url) as db:
            row = db.get(CannedReply, reply_id)
            if row is None:
                raise CannedReplyNotFound(reply_id)
            db.delete(row)


def fill(text: str, data: VerifiedData) -> tuple[str, list[str]]:
    """``text`` with ``{name}`` and ``{order}`` filled from verified data; the placeholders left open."""
    values = {"name": data.name, "order": data.order_id}
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if not value:
            if match.group(1) not in missing:
                missing.append(match.group(1))
            return match.group(0)
        return value

    return _PLACEHOLDER.sub(substitute, text), missing


def text_for(reply: CannedReply | dict[str, Any], language: str) -> str:
    """The reply's text in the shopper's language (the other one when that one is empty)."""
    zh = str(reply["text_zh"] if isinstance(reply, dict) else reply.text_zh)
    en = str(reply["text_en"] if isinstance(reply, dict) else reply.text_en)
    if language == "en":
        return en or zh
    return zh or en
