"""Every place that reads a customer token uses the one verifier built from the settings: the
widget channel (``cleaned_metadata``), the orders flow (``signed_in_customer``) and the handoff
actions (``known_customer``)."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from rasa_sdk import Tracker

from actions.human_handoff.common import known_customer
from actions.orders.access import signed_in_customer
from bot.channels.metadata import cleaned_metadata as clean_metadata
from kefu import keys
from kefu.settings import load_settings
from kefu.tokens import Principal, customer_tokens, staff_tokens

MASTER = "master-" + "m" * 40
SHOP_SECRET = "shop-shared-secret-" + "s" * 20


def claims(customer_id: str = "C1001") -> dict:
    now = int(time.time())
    return {"sub": customer_id, "aud": "customer", "iat": now, "exp": now + 600}


def tracker(token: str) -> Tracker:
    latest = {"text": "我的订单", "intent": {"name": "order_status"}, "entities": [],
              "metadata": {"customer_token": token}}
    return Tracker("shopper", {"customer_id": None}, latest, [], False, None, {}, "action_listen")


def readers(token: str) -> list[str | None]:
    """What the three call sites make of one token."""
    metadata = clean_metadata({"customer_token": token}, customer_tokens(load_settings()))
    return [metadata.get("customer_token") and "passed", signed_in_customer(tracker(token)),
            known_customer(tracker(token))]


@pytest.fixture()
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_SECRET_KEY", MASTER)
    for name in ("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", "KEFU_CUSTOMER_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_a_shop_key_the_sites_accept_the_customer_sub_key_only(env):
    good = jwt.encode(claims(), keys.derive_text(MASTER, keys.CUSTOMER_TOKENS), "HS256")
    assert readers(good) == ["passed", "C1001", "C1001"]
    for bad in (jwt.encode(claims(), MASTER, "HS256"),  # the master key is no customer key
                staff_tokens(load_settings()).issue(Principal("admin", "admin")),
                jwt.encode({k: v for k, v in claims().items() if k != "exp"}, keys.derive_text(MASTER, keys.CUSTOMER_TOKENS), "HS256")):
        assert readers(bad) == [None, None, None]


def test_with_a_shared_secret_the_sites_accept_it(env):
    env.setenv("KEFU_CUSTOMER_TOKEN_SECRET", SHOP_SECRET)
    assert readers(jwt.encode(claims("C1002"), SHOP_SECRET, "HS256")) == ["passed", "C1002", "C1002"]
    assert readers(jwt.encode(claims(), keys.derive_text(MASTER, keys.CUSTOMER_TOKENS), "HS256")) == [None] * 3


@pytest.mark.parametrize("private, algorithm", [
    (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
    (ed25519.Ed25519PrivateKey.generate(), "EdDSA"),
])
def test_with_the_shops_public_key_the_sites_accept_its_signatures_only(env, private, algorithm):
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    assert readers(jwt.encode(claims("C1003"), private, algorithm)) == ["passed", "C1003", "C1003"]
    assert readers(jwt.encode(claims(), keys.derive_text(MASTER, keys.CUSTOMER_TOKENS), "HS256")) == [None] * 3


def test_the_sites_read_the_one_key_the_channels_let_through(env):
    """``customerToken`` never passes the channels' metadata filter, so no reader takes it either."""
    good = jwt.encode(claims(), keys.derive_text(MASTER, keys.CUSTOMER_TOKENS), "HS256")
    latest = {"text": "转人工", "intent": {"name": "request_human"}, "entities": [], "metadata": {"customerToken": good}}
    camel = Tracker("shopper", {}, latest, [], False, None, {}, "action_listen")
    assert clean_metadata({"customerToken": good}, customer_tokens(load_settings())) == {}
    assert signed_in_customer(camel) is None and known_customer(camel) is None
