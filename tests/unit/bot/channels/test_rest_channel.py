"""The REST channel's body checks: other channels' sender ids, metadata, the bearer token."""

from __future__ import annotations

import json
import uuid

import pytest

from bot.channels.rest import BadRequest, bearer_matches, parse_body


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize("sender", ["tg:1", "wx:oAbc", "web:AbCdEfGhIjKlMnOpQrStUv", uuid.uuid4().hex, " TG:1 "])
def test_sender_ids_of_other_channels_are_refused(sender):
    with pytest.raises(BadRequest) as refused:
        parse_body(body(sender=sender, message="你好"))
    assert "reserved" in str(refused.value)


def test_own_sender_and_known_metadata_pass():
    assert parse_body(body(sender=" shop-user-1 ", message="你好", metadata={"locale": "en"})) == {
        "sender": "shop-user-1", "message": "你好", "metadata": {"locale": "en"}}


def test_unknown_metadata_is_refused():
    with pytest.raises(BadRequest) as refused:
        parse_body(body(sender="shop-user-1", message="你好", metadata={"page": "/"}))
    assert "'page'" in str(refused.value)


def test_bearer_token():
    assert bearer_matches("Bearer s3cret", "s3cret") and bearer_matches("bearer   s3cret ", "s3cret")
    for header in (None, "", "s3cret", "Basic s3cret", "Bearer", "Bearer s3cre", "Bearer s3cretx", "Bearer 秘密"):
        assert not bearer_matches(header, "s3cret"), header
