"""Passwords, staff tokens and customer tokens."""

import time

import jwt

from kefu.auth import (
    Principal,
    hash_password,
    issue_customer_token,
    issue_token,
    read_customer_token,
    read_token,
    verify_password,
)

KEY = "k" * 40


def test_password_hash_round_trip_and_salt():
    first, second = hash_password("秘密 secret"), hash_password("秘密 secret")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("秘密 secret", first) and not verify_password("secret", first)
    assert not verify_password("x", "garbage")


def test_staff_token_round_trip_and_rejections():
    token = issue_token(Principal("agent", "agent"), KEY)
    assert read_token(token, KEY) == Principal("agent", "agent")
    assert read_token(token, "other key") is None
    assert read_token(issue_token(Principal("agent", "agent"), KEY, lifetime=-10), KEY) is None
    forged = jwt.encode({"sub": "x", "role": "root", "aud": "staff", "exp": time.time() + 60}, KEY, algorithm="HS256")
    assert read_token(forged, KEY) is None


def test_customer_token_is_not_a_staff_token_and_vice_versa():
    customer = issue_customer_token("C1001", KEY)
    assert read_customer_token(customer, KEY) == "C1001"
    assert read_token(customer, KEY) is None
    assert read_customer_token(issue_token(Principal("agent", "agent"), KEY), KEY) is None


def test_tampered_or_unsigned_customer_tokens_are_anonymous():
    token = issue_customer_token("C1001", KEY)
    header, payload, signature = token.split(".")
    assert read_customer_token(f"{header}.{payload}.{signature[::-1]}", KEY) is None
    unsigned = jwt.encode({"sub": "C1002", "aud": "customer"}, key=None, algorithm="none")
    assert read_customer_token(unsigned, KEY) is None
    assert read_customer_token(None, KEY) is None and read_customer_token(123, KEY) is None
