"""Staff accounts: passwords, logins and the account re-check cache.

Tokens are tested in test_tokens.py.
"""

import pytest
from sqlalchemy import delete, update

from kefu.auth import AccountRoles, User, authenticate, ensure_user, hash_password, verify_password
from kefu.db import session_scope
from kefu.tokens import Principal


def test_password_hash_round_trip_and_salt():
    first, second = hash_password("秘密 secret"), hash_password("秘密 secret")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("秘密 secret", first) and not verify_password("secret", first)
    assert not verify_password("x", "garbage")


def test_the_role_cache_sees_a_deleted_or_demoted_account_within_its_max_age(database_url):
    ensure_user(database_url, username="ann", role="admin", password="pw")
    ensure_user(database_url, username="bob", role="agent", password="pw")
    now = [1000.0]
    roles = AccountRoles(database_url, max_age=60, clock=lambda: now[0])
    assert roles.role("ann") == "admin" and roles.role("bob") == "agent"
    with session_scope(database_url) as session:
        session.execute(update(User).where(User.username == "ann").values(role="agent"))
        session.execute(delete(User).where(User.username == "bob"))
    now[0] += 59
    assert roles.fresh("ann") == (True, "admin")  # at most once a minute per account
    assert roles.role("bob") == "agent"
    now[0] += 1.5
    assert roles.fresh("ann") == (False, None)
    assert roles.role("ann") == "agent" and roles.role("bob") is None
    roles.remember("carl", "editor")  # a login tells the cache what it just read
    assert roles.fresh("carl") == (True, "editor")


def test_authenticate_returns_the_principal_of_the_account(database_url):
    ensure_user(database_url, username="dee", role="editor", password="pw-dee")
    assert authenticate(database_url, "dee", "pw-dee") == Principal("dee", "editor")
    assert authenticate(database_url, "dee", "pw-other") is None
