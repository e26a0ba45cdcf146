"""Widget session tokens: issued by the server, signed, checked without storage."""

from __future__ import annotations

import re
import uuid

from bot.channels.widget_sessions import issue_session, read_session
from kefu.keys import WIDGET_SESSIONS, derive_key

KEY = derive_key("m" * 40, WIDGET_SESSIONS)


def test_an_issued_token_reads_back_as_its_session():
    session = issue_session(KEY)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", session.id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}", session.token)
    assert session.sender_id == f"web:{session.id}" and session.token not in session.sender_id
    assert read_session(session.token, KEY) == session
    assert issue_session(KEY).id != session.id


def test_anything_the_server_did_not_issue_is_no_session():
    session = issue_session(KEY)
    session_id, signature = session.token.split(".")
    other_id = ("A" if session_id[0] != "A" else "B") + session_id[1:]
    for bad in (
        session_id, session.sender_id, f"{session_id}.", f".{signature}", f"{other_id}.{signature}",
        f"{session_id}.{signature[:-1]}", f"{session_id}.{signature}x", f"{session_id}.{signature.swapcase()}",
        issue_session(derive_key("n" * 40, WIDGET_SESSIONS)).token, uuid.uuid4().hex, f"{session_id}.签名",
        f"{session_id[:21]}.{signature}", "x" * 200, "", None, 42, {"token": session.token}, [session.token],
    ):
        assert read_session(bad, KEY) is None, bad
