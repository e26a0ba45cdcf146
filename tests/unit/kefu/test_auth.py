"""Staff accounts: passwords, logins (equal work for unknown users) and the account re-check cache.

Tokens are tested in test_tokens.py.
"""

import hashlib

import pytest
from sqlalchemy import delete, update

from kefu import auth
from kefu.auth import AccountRoles, User, authenticate, ensure_user, hash_password, verify_password
from kefu.db import session_scope
from kefu.tokens import Principal


def test_password_hash_round_trip_and_salt():
    first, second = hash_password("秘密 secret"), hash_password("秘密 secret")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("秘密 secret", first) and not verify_password("secret", first)
    assert not verify_password("x", "garbage")


@pytest.fixture()
def scrypt_calls(monkeypatch) -> list[int]:
    """Counts calls of the real scrypt (it still runs: the count is of real work done)."""
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(auth.hashlib, "scrypt", counting)
    return calls


def test_an_unknown_user_costs_exactly_the_work_of_a_known_one(database_url, scrypt_calls):
    ensure_user(database_url, username="lin", role="agent", password="right-password")
    scrypt_calls.clear()
    work = {}
    for case, (username, password) in {"known, wrong password": ("lin", "wrong"),
                                        "known, right password": ("lin", "right-password"),
                                        "unknown user": ("nobody", "wrong"),
                                        "unknown user again": ("nobody-else", "right-password")}.items():
        before = len(scrypt_calls)
        authenticate(database_url, username, password)
        work[case] = len(scrypt_calls) - before
    assert set(work.values()) == {1}, work


def test_the_unknown_user_stand_in_hash_matches_no_password(database_url):
    assert authenticate(database_url, "nobody", "") is None
    assert not verify_password("", auth.DUMMY_HASH) and not verify_password("timing equaliser", auth.DUMMY_HASH)


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
