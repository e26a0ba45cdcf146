"""An agent's console preferences: the language summaries are written in (``zh`` default, ``en``)."""

from __future__ import annotations

from assist.models import AgentPreference
from kefu.clock import utcnow
from kefu.db import session_scope

LANGUAGES = ("zh", "en")


def language_of(database_url: str, username: str) -> str:
    with session_scope(database_url) as db:
        row = db.get(AgentPreference, username)
        return row.language if row is not None and row.language in LANGUAGES else "zh"


def set_language(database_url: str, username: str, language: str) -> str:
    with session_scope(database_url) as db:
        row = db.get(AgentPreference, username)
        if row is None:
            db.add(AgentPreference(username=username, language=language, updated_at=utcnow()))
        else:
            row.language, row.updated_at = language, utcnow()
    return language
