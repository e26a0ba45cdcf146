"""Accounts of shop staff (agents, content editors) and the tokens they use on the web APIs.

Passwords are stored as scrypt hashes (``hashlib.scrypt``, n=2**14, r=8, p=1, 16-byte salt).
Session tokens are JWTs (PyJWT, HS256) signed with the settings' secret key; they carry the
user name and role and expire after :data:`TOKEN_LIFETIME`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
import sqlalchemy as sa
from sqlalchemy import select

from kefu.db import Base, session_scope

ROLES = ("agent", "editor", "admin")
TOKEN_LIFETIME = 12 * 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class User(Base):
    """A staff account of the web app."""

    __tablename__ = "users"

    id = sa.Column(sa.Integer, primary_key=True)
    #: login name, unique
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    #: one of ROLES: agents work the handoff queue, editors own the FAQ content
    role = sa.Column(sa.String(16), nullable=False)
    #: "scrypt$<salt b64>$<hash b64>"
    password_hash = sa.Column(sa.String(200), nullable=False)
    #: name shown to customers when the agent writes to them
    display_name = sa.Column(sa.String(64), nullable=False, default="")
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


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


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user name and a role."""

    username: str
    role: str


def issue_token(principal: Principal, secret_key: str, *, lifetime: int = TOKEN_LIFETIME) -> str:
    now = int(time.time())
    claims = {"sub": principal.username, "role": principal.role, "iat": now, "exp": now + lifetime, "aud": "staff"}
    return jwt.encode(claims, secret_key, algorithm="HS256")


def read_token(token: str, secret_key: str) -> Principal | None:
    """Returns the principal of a valid staff token, or ``None`` for any bad token."""
    try:
        claims: dict[str, Any] = jwt.decode(token, secret_key, algorithms=["HS256"], audience="staff")
    except jwt.PyJWTError:
        return None
    if claims.get("role") not in ROLES or not claims.get("sub"):
        return None
    return Principal(claims["sub"], claims["role"])


def authenticate(database_url: str, username: str, password: str) -> Principal | None:
    """Checks a login; the same answer (``None``) for an unknown user and a wrong password."""
    with session_scope(database_url) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            verify_password(password, hash_password("timing equaliser"))
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


#: How long a signed customer token (widget login) stays valid.
CUSTOMER_TOKEN_LIFETIME = 24 * 3600


def issue_customer_token(customer_id: str, secret_key: str, *, lifetime: int = CUSTOMER_TOKEN_LIFETIME) -> str:
    """A token by which a shop page vouches for a logged-in customer (sent as message metadata).

    The shop's site issues it after its own login and passes it to the widget; the bot's actions
    accept order questions for that customer without the phone check.
    """
    now = int(time.time())
    claims = {"sub": customer_id, "iat": now, "exp": now + lifetime, "aud": "customer"}
    return jwt.encode(claims, secret_key, algorithm="HS256")


def read_customer_token(token: object, secret_key: str) -> str | None:
    """The customer id of a valid customer token; ``None`` for a missing, forged or expired one."""
    if not isinstance(token, str) or not token:
        return None
    try:
        claims = jwt.decode(token, secret_key, algorithms=["HS256"], audience="customer")
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) and subject else None
