"""Keys and tokens on the real stack (issue 16, item 3).

* The key a shop signs customer tokens with (``python -m bot customer-key``) mints no staff token.
* Both kinds of token need ``exp``, ``iat``, ``sub`` and ``aud``.
* A shop with its own key pair: Kefu accepts that key's signatures only and holds no secret.
* Staff tokens are re-checked against the account; ``?token=`` works on the live stream only,
  and the stream ends when its token expires or the account goes.

Tokens with chosen claims are minted here with the staff sub-key derived from ``var/secret_key``
(what an operator holding the master key could do), so each test shows one rule at a time.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.client import HTTPConnection

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import delete, update

from kefu import keys
from kefu.auth import User, ensure_user
from kefu.db import session_scope
from tests.stack import ROOT, Stack, http, make_stack

pytestmark = pytest.mark.stack

RECHECK_SECONDS = 1


def master_key(stack: Stack) -> str:
    return (stack.var_dir / "secret_key").read_text().strip()


def staff_token(stack: Stack, *, lifetime: int = 600, drop: tuple[str, ...] = (), **extra) -> str:
    now = int(time.time())
    claims = {"sub": "agent", "role": "agent", "aud": "staff", "iat": now, "exp": now + lifetime, **extra}
    claims = {k: v for k, v in claims.items() if k not in drop}
    return jwt.encode(claims, keys.derive_key(master_key(stack), keys.STAFF_TOKENS), algorithm="HS256")


def customer_claims(customer_id: str = "C1001", drop: tuple[str, ...] = ()) -> dict:
    now = int(time.time())
    claims = {"sub": customer_id, "aud": "customer", "iat": now, "exp": now + 600}
    return {k: v for k, v in claims.items() if k not in drop}


def customer_key_command(stack: Stack) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "customer-key"], check=False, cwd=ROOT, env=stack.env,
                          capture_output=True, text=True, timeout=60)


def sender() -> str:
    return f"tokens-{uuid.uuid4().hex[:12]}"


def sees_own_orders(stack: Stack, token: str) -> bool:
    """Whether the bot takes the shopper as C1001 (lists their orders without asking).

    The REST channel refuses a token it does not accept outright (400 naming
    ``metadata.customer_token``): that too is "not signed in".
    """
    status, replies = http("POST", f"{stack.bot_url}/webhooks/rest/webhook",
                           {"sender": sender(), "message": "我的订单", "metadata": {"customer_token": token}})
    if status == 400:
        assert "customer_token" in replies["error"], replies
        return False
    assert status == 200, (status, replies)
    text = "\n".join(r.get("text", "") for r in replies)
    return "261120000612" in text and "261112000345" in text


def handoffs_status(stack: Stack, token: str) -> int:
    return stack.api("GET", "/api/handoffs", token=token)[0]


class Stream:
    """An open ``/api/handoffs/stream`` (server-sent events), read to its end by a thread."""

    def __init__(self, stack: Stack, token: str, *, timeout: float = 30) -> None:
        self.connection = HTTPConnection("127.0.0.1", stack.web_port, timeout=timeout)
        self.connection.request("GET", f"/api/handoffs/stream?token={token}")
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.received = b""
        self.ended_at: float | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        if self.status == 200:
            self._reader.start()

    def _read(self) -> None:
        try:
            while chunk := self.response.read1(65536):
                self.received += chunk
        except OSError:  # the client's timeout: the stream did not end
            return
        self.ended_at = time.monotonic()

    def is_open(self) -> bool:
        return self._reader.is_alive()

    def wait_end(self, timeout: float) -> float | None:
        """When the server ended the stream (time.monotonic), or None if it is still open."""
        self._reader.join(timeout)
        return self.ended_at

    def close(self) -> None:
        if self.connection.sock is not None:  # wakes the reader (a plain close waits for its read)
            with contextlib.suppress(OSError):
                self.connection.sock.shutdown(socket.SHUT_RDWR)
        if self._reader.is_alive():
            self._reader.join(5)
        self.connection.close()


# -- one key per kind of token ------------------------------------------------------------------
def test_the_key_a_shop_signs_customer_tokens_with_cannot_mint_a_staff_token(stack):
    result = customer_key_command(stack)
    assert result.returncode == 0, result.stderr
    shop_key = result.stdout.strip()
    assert shop_key and shop_key != master_key(stack)
    assert sees_own_orders(stack, jwt.encode(customer_claims(), shop_key, algorithm="HS256"))
    now = int(time.time())
    forged = jwt.encode({"sub": "admin", "role": "admin", "aud": "staff", "iat": now, "exp": now + 600},
                        shop_key, algorithm="HS256")
    assert handoffs_status(stack, forged) == 401
    # the demo storefront's token is a customer token, never a staff one
    status, demo = http("POST", f"{stack.web_url}/demo/customer-token", {"customer_id": "C1001"})
    assert status == 200 and sees_own_orders(stack, demo["token"])
    assert handoffs_status(stack, demo["token"]) == 401
    # and a staff token opens no shopper's orders
    assert not sees_own_orders(stack, stack.login("agent"))


def test_a_staff_token_needs_exp_iat_sub_and_aud(stack):
    assert handoffs_status(stack, staff_token(stack)) == 200
    for claim in ("exp", "iat", "sub", "aud"):
        assert handoffs_status(stack, staff_token(stack, drop=(claim,))) == 401, claim


def test_a_customer_token_without_exp_leaves_the_shopper_anonymous(stack):
    shop_key = keys.derive_text(master_key(stack), keys.CUSTOMER_TOKENS)
    assert sees_own_orders(stack, jwt.encode(customer_claims(), shop_key, algorithm="HS256"))
    for claim in ("exp", "iat", "aud"):
        assert not sees_own_orders(stack, jwt.encode(customer_claims(drop=(claim,)), shop_key, "HS256")), claim


# -- query tokens and the live stream -----------------------------------------------------------
def test_a_query_token_is_accepted_on_the_live_stream_only(stack):
    agent, editor = stack.login("agent"), stack.login("editor")
    for path, token in (("/api/handoffs", agent), ("/api/complaints", agent), ("/api/faqs", editor),
                        ("/api/handoffs/1/details", agent)):
        status, body = http("GET", f"{stack.web_url}{path}?token={token}")
        assert status == 401, (path, status, body)
    assert stack.api("GET", "/api/handoffs", token=agent)[0] == 200  # the header still works
    stream = Stream(stack, agent)
    try:
        assert stream.status == 200
        time.sleep(1)
        assert stream.is_open() and b"retry:" in stream.received
    finally:
        stream.close()


def test_an_open_stream_ends_when_its_token_expires(stack):
    token = staff_token(stack, lifetime=4)
    opened = time.monotonic()
    stream = Stream(stack, token)
    try:
        assert stream.status == 200
        ended = stream.wait_end(timeout=10)
    finally:
        stream.close()
    assert ended is not None and ended - opened < 4 + 3, stream.received
    assert b"event: expired" in stream.received
    again = Stream(stack, token)  # and the expired token opens no new one
    assert again.status == 401
    again.close()


# -- a stack whose shop has its own key pair; staff accounts re-checked every second --------------
@pytest.fixture(scope="module")
def shop_private_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def keys_stack(tmp_path_factory, trained_model, shop_private_key) -> Stack:
    var_dir = tmp_path_factory.mktemp("keys-stack")
    public = var_dir.parent / f"{var_dir.name}-shop.pub.pem"
    public.write_bytes(shop_private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    running = make_stack(var_dir, env={
        "HANDOFF_SERVICE_HOURS": "00:00-24:00",
        "KEFU_CUSTOMER_TOKEN_PUBLIC_KEY": str(public),
        "KEFU_STAFF_RECHECK_SECONDS": str(RECHECK_SECONDS),
    })
    running.start()
    yield running
    running.stop()


def test_with_the_shops_own_key_pair_only_its_signatures_open_orders(keys_stack, shop_private_key):
    assert sees_own_orders(keys_stack, jwt.encode(customer_claims(), shop_private_key, algorithm="EdDSA"))
    master = master_key(keys_stack)
    for key in (master, keys.derive_text(master, keys.CUSTOMER_TOKENS)):  # Kefu holds no customer secret
        assert not sees_own_orders(keys_stack, jwt.encode(customer_claims(), key, algorithm="HS256"))
    other = ed25519.Ed25519PrivateKey.generate()
    assert not sees_own_orders(keys_stack, jwt.encode(customer_claims(), other, algorithm="EdDSA"))
    result = customer_key_command(keys_stack)  # nothing to hand out: the shop signs with its private key
    assert result.returncode != 0 and "KEFU_CUSTOMER_TOKEN_PUBLIC_KEY" in result.stderr and not result.stdout
    status, body = http("POST", f"{keys_stack.web_url}/demo/customer-token", {"customer_id": "C1001"})
    assert status == 409 and "token" not in body and "KEFU_CUSTOMER_TOKEN_PUBLIC_KEY" in body["error"]


def new_account(stack: Stack, role: str) -> tuple[str, str]:
    username, password = f"temp-{role}-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    ensure_user(f"sqlite:///{stack.var_dir / 'app.db'}", username=username, role=role, password=password)
    return username, password


def log_in(stack: Stack, username: str, password: str) -> str:
    status, body = http("POST", f"{stack.web_url}/api/auth/login", {"username": username, "password": password})
    assert status == 200, body
    return body["token"]


def test_a_deleted_or_demoted_account_loses_its_rights_within_the_recheck_interval(keys_stack):
    database_url = f"sqlite:///{keys_stack.var_dir / 'app.db'}"
    leaving, demoted = new_account(keys_stack, "agent"), new_account(keys_stack, "admin")
    tokens = {name: log_in(keys_stack, name, password) for name, password in (leaving, demoted)}
    assert {handoffs_status(keys_stack, token) for token in tokens.values()} == {200}
    with session_scope(database_url) as session:
        session.execute(delete(User).where(User.username == leaving[0]))
        session.execute(update(User).where(User.username == demoted[0]).values(role="editor"))
    changed = time.monotonic()
    while {handoffs_status(keys_stack, token) for token in tokens.values()} != {401}:
        assert time.monotonic() - changed < RECHECK_SECONDS + 5, "the old tokens still work"
        time.sleep(0.2)
    assert handoffs_status(keys_stack, log_in(keys_stack, *demoted)) == 403  # an editor now


def test_an_open_stream_ends_when_its_account_is_deleted(keys_stack):
    database_url = f"sqlite:///{keys_stack.var_dir / 'app.db'}"
    username, password = new_account(keys_stack, "agent")
    stream = Stream(keys_stack, log_in(keys_stack, username, password))
    try:
        assert stream.status == 200
        time.sleep(RECHECK_SECONDS + 2)
        assert stream.is_open()  # past the first re-checks, the account is there: still open
        with session_scope(database_url) as session:
            session.execute(delete(User).where(User.username == username))
        deleted = time.monotonic()
        ended = stream.wait_end(timeout=RECHECK_SECONDS + 10)
    finally:
        stream.close()
    assert ended is not None and ended - deleted < RECHECK_SECONDS + 5, stream.received
    assert b"event: expired" in stream.received
