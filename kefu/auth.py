"""Accounts of shop staff (agents, content editors): passwords, logins, the current role of an account.

Passwords are stored as scrypt hashes (``hashlib.scrypt``, n=2**14, r=8, p=1, 16-byte salt).
A login costs one scrypt whether the account exists or not (:data:`DUMMY_HASH`), so its duration
does not tell which user names exist. Tokens are in :mod:`kefu.tokens`; an account's current
role (a token's is the role at login) is read through :class:`AccountRoles`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Mapped

from kefu.db import Base, column, session_scope
from kefu.tokens import ROLES, Principal

__all__ = ["ROLES", "AccountRoles", "Principal", "User", "authenticate", "current_role", "display_name",
           "ensure_user", "hash_password", "verify_password"]

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
#: What an unknown user's password is checked against: a well-formed hash (16-byte salt, 32-byte
#: digest) that no password matches, so the check costs exactly one scrypt, as for a real account.
DUMMY_HASH = "scrypt$a2VmdTogbm8gdXNlciA6KA==$a2VmdTogdGhpcyBoYXNoIG1hdGNoZXMgbm90aGluZy4="


class User(Base):
    """A staff account of the web app."""

    __tablename__ = "users"

    id: Mapped[int] = column(sa.Integer, primary_key=True)
    #: login name, unique
    username: Mapped[str] = column(sa.String(64), nullable=False, unique=True)
    #: one of ROLES: agents work the handoff queue, editors own the FAQ content
    role: Mapped[str] = column(sa.String(16), nullable=False)
    #: "scrypt$<salt b64>$<hash b64>"
    password_hash: Mapped[str] = column(sa.String(200), nullable=False)
    #: name shown to customers when the agent writes to them
    display_name: Mapped[str] = column(sa.String(64), nullable=False, default="")
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), **_SCRYPT)
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def authenticate(database_url: str, username: str, password: str) -> Principal | None:
    """Checks a login; the same answer (``None``) for an unknown user and a wrong password."""
    with session_scope(database_url) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            verify_password(password, DUMMY_HASH)  # one scrypt, as for a real account
            return None
        if not verify_password(password, user.password_hash):
            return None
        return Principal(user.username, user.role)


def ensure_user(
    database_url: str, *, username: str, role: str, password: str, display_name: str = "",
    reset_password: bool = False,
) -> bool:
    """Creates the account unless it exists; returns True when it was created.

    Args:
        reset_password: when the account exists, make ``password`` its password (used when an
            operator sets the demo password through the environment).
    """
    with session_scope(database_url) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is not None:
            if reset_password and not verify_password(password, user.password_hash):
                user.password_hash = hash_password(password)
            return False
        session.add(User(username=username, role=role, password_hash=hash_password(password),
                         display_name=display_name or username))
        return True


def current_role(database_url: str, username: str) -> str | None:
    """The role the account has now; ``None`` when it no longer exists."""
    with session_scope(database_url) as session:
        return session.execute(select(User.role).where(User.username == username)).scalar_one_or_none()


def display_name(database_url: str, username: str) -> str:
    """The name customers see when this account writes to them (its user name when it has none,
    or no longer exists)."""
    with session_scope(database_url) as session:
        name = session.execute(select(User.display_name).where(User.username == username)).scalar_one_or_none()
    return name or username


class AccountRoles:
    """What each account's role is, read from the database at most once per ``max_age`` seconds.

    Staff tokens carry the role given at login; the web app compares it with the account's role
    from here on every request, so a deleted or demoted account loses its rights within
    ``max_age`` (one per process: each web replica keeps its own).

    Args:
        database_url: the app database.
        max_age: seconds an entry is trusted (``KEFU_STAFF_RECHECK_SECONDS``, at most 60).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, database_url: str, *, max_age: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 capacity: int = 10_000) -> None:
        self.database_url = database_url
        self.max_age = max_age
        self.clock = clock
        self.capacity = capacity
        self._entries: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def fresh(self, username: str) -> tuple[bool, str | None]:
        """``(True, role)`` when the account was read less than ``max_age`` ago, else ``(False, None)``."""
        with self._lock:
            entry = self._entries.get(username)
        if entry is None or self.clock() - entry[1] >= self.max_age:
            return False, None
        return True, entry[0]

    def remember(self, username: str, role: str | None) -> None:
        """Records what was just read from the database (a login knows the role it found)."""
        with self._lock:
            self._entries.pop(username, None)
            self._entries[username] = (role, self.clock())
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def load(self, username: str) -> str | None:
        """Reads the account's role from the database now (blocking) and remembers it."""
        role = current_role(self.database_url, username)
        self.remember(username, role)
        return role

    def role(self, username: str) -> str | None:
        """The account's role: from the cache when fresh, else from the database (blocking)."""
        known, role = self.fresh(username)
        return role if known else self.load(username)
