"""Message metadata: the known keys only, capped; REST refuses the rest, the widget drops it."""

from __future__ import annotations

import json

import pytest

from bot.channels.metadata import MAX_METADATA_BYTES, METADATA_KEYS, MetadataError, checked_metadata, cleaned_metadata
from kefu.tokens import CustomerTokens, Principal, StaffTokens

KEY = "k" * 40
TOKENS = CustomerTokens(secret=KEY)


def issue_customer_token(customer_id: str, key: str, *, lifetime: int = 600) -> str:
    return CustomerTokens(secret=key).issue(customer_id, lifetime=lifetime)


def test_the_known_keys():
    assert METADATA_KEYS == ("customer_token", "locale", "product_sku")


def test_widget_keeps_a_valid_customer_token_and_the_locale():
    token = issue_customer_token("C1001", KEY)
    assert cleaned_metadata({"customer_token": token, "locale": "zh-CN"}, TOKENS) == {"customer_token": token,
                                                                                     "locale": "zh-CN"}
    assert cleaned_metadata(json.dumps({"customer_token": token}), TOKENS) == {"customer_token": token}


def test_widget_drops_tampered_forged_or_expired_tokens():
    token = issue_customer_token("C1001", KEY)
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    for bad in (tampered, issue_customer_token("C1001", "another-key" * 4), issue_customer_token("C1001", KEY, lifetime=-120),
                StaffTokens(KEY.encode()).issue(Principal("admin", "admin")), "not-a-jwt", 42, None):
        assert cleaned_metadata({"customer_token": bad, "locale": "en"}, TOKENS) == {"locale": "en"}
    assert cleaned_metadata({"customer_token": token}, None) == {}


def test_widget_drops_unknown_keys_and_odd_metadata():
    assert cleaned_metadata({"page": "/cart", "locale": "en", "agent": "小林"}, TOKENS) == {"locale": "en"}
    assert cleaned_metadata({"locale": "<script>"}, TOKENS) == {}
    assert cleaned_metadata(None, TOKENS) == {}
    assert cleaned_metadata("not json", TOKENS) == {}
    assert cleaned_metadata([1, 2], TOKENS) == {}
    assert cleaned_metadata({"locale": "en", "blob": "x" * 5000}, TOKENS) == {}


def test_rest_takes_known_valid_keys():
    token = issue_customer_token("C1001", KEY)
    assert checked_metadata(None, TOKENS) == {}
    assert checked_metadata({}, TOKENS) == {}
    assert checked_metadata({"customer_token": token, "locale": "en-US"}, TOKENS) == {"customer_token": token,
                                                                                    "locale": "en-US"}


@pytest.mark.parametrize("metadata, named", [
    ({"page": "/cart"}, "'page'"),
    ({"locale": "en", "agent": "小林"}, "'agent'"),
    ({"customer_token": "forged"}, "customer_token"),
    ({"customer_token": issue_customer_token("C1001", KEY, lifetime=-120)}, "expiry"),
    ({"locale": 5}, "locale"),
    ({"locale": "x" * 5000}, str(MAX_METADATA_BYTES)),
    ({"blob": "大" * 1400}, str(MAX_METADATA_BYTES)),  # 4,200 bytes of UTF-8
    ([1, 2], "JSON object"),
    ("text", "JSON object"),
])
def test_rest_refuses_the_rest_naming_the_key_or_the_size(metadata, named):
    with pytest.raises(MetadataError) as refused:
        checked_metadata(metadata, TOKENS)
    assert named in str(refused.value)


def test_the_product_page_sku_is_kept_when_shaped_like_a_sku_and_refused_otherwise():
    assert cleaned_metadata({"product_sku": "LM-AP-001", "locale": "zh-CN"}, TOKENS) == {"product_sku": "LM-AP-001",
                                                                                         "locale": "zh-CN"}
    for bad in ("<img src=x>", "LM AP 001", "", 7, "A" * 40, ["LM-AP-001"]):
        assert cleaned_metadata({"product_sku": bad}, TOKENS) == {}, bad
        with pytest.raises(MetadataError, match="product_sku"):
            checked_metadata({"product_sku": bad}, TOKENS)
