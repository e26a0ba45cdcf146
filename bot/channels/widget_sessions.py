"""The site widget's sessions: issued by the server, signed, never chosen by a browser.

A browser holds its session as a token ``<id>.<sig>``: ``id`` is 22 random URL-safe characters
(128 bits, :func:`secrets.token_urlsafe`), ``sig`` the HMAC-SHA256 of ``id`` under the widget's
sub-key (``settings.key(kefu.keys.WIDGET_SESSIONS)``), truncated to 128 bits, URL-safe base64.
The conversation's sender id — Rasa's tracker key, the handoff's ``sender_id``, analytics, the
logs — is ``web:<id>``, never the token: whoever sees sender ids (staff, log readers) cannot
make a valid token from one, so cannot take the session over.

Nothing is stored: any Rasa replica with the same ``KEFU_SECRET_KEY`` checks any token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from bot.channels.senders import WIDGET_PREFIX

#: random bytes of a session id (22 characters of URL-safe base64)
ID_BYTES = 16
#: bytes of the HMAC kept in the token (22 characters)
SIGNATURE_BYTES = 16
#: the longest token read at all
MAX_TOKEN = 128

_ID = re.compile(r"[A-Za-z0-9_-]{22,64}")


@dataclass(frozen=True)
class WidgetSession:
    """One widget conversation: its id and the token its browser holds."""

    id: str
    token: str

    @property
    def sender_id(self) -> str:
        """The conversation's sender id, ``web:<id>``."""
        return WIDGET_PREFIX + self.id


def _signature(key: bytes, session_id: str) -> str:
    digest = hmac.new(key, session_id.encode("ascii"), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_session(key: bytes) -> WidgetSession:
    """A new session with a fresh random id."""
    session_id = secrets.token_urlsafe(ID_BYTES)
    return WidgetSession(session_id, f"{session_id}.{_signature(key, session_id)}")


def read_session(token: object, key: bytes) -> WidgetSession | None:
    """The session of a token this server issued; ``None`` for anything else (missing, made up,
    tampered with, a legacy id, another key's)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        return None
    session_id, dot, signature = token.partition(".")
    if not dot or not _ID.fullmatch(session_id):
        return None
    expected = _signature(key, session_id)
    if not hmac.compare_digest(signature.encode("utf-8"), expected.encode("ascii")):
        return None
    return WidgetSession(session_id, token)
