"""Personal data typed into the chat is masked before it is logged or exported."""

import pytest

from kefu.privacy import mask_pii


@pytest.mark.parametrize("text, expected", [
    ("电话13812345678，寄到上海市浦东新区世纪大道100号", "电话*******5678，寄到上海市***"),
    ("手机 138 1234 5678 谢谢", "手机 *** **** 5678 谢谢"),
    ("call me at +86 138-1234-5678", "call me at +** ***-****-5678"),
    ("１３８１２３４５６７８", "*******５６７８"),
    ("座机010-12345678", "座机***-****5678"),
    ("身份证11010519491231002X", "身份证**************002X"),
    ("mail a.b@example.com", "mail a***@example.com"),
    ("send to 12 Baker Street please", "send to *** (address) please"),
    ("我在北京市朝阳区建国路88号SOHO现代城2号楼1201室", "我在北京市***"),
])
def test_personal_data_is_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", [
    "订单261103004817到哪了",  # order numbers are not personal data and stay searchable
    "我要退货，区别是什么",
    "where is my order 261103004817",
    "",
])
def test_ordinary_messages_are_unchanged(text):
    assert mask_pii(text) == text


def test_event_data_without_secrets_is_stored_as_published_and_secrets_only_from_a_copy():
    from kefu.conversation import _without_secrets

    clean = {"event": "user", "parse_data": {"intent": {"name": "faq"}, "intent_ranking": [{"name": "faq"}]},
             "metadata": {"page": "/orders"}}
    assert _without_secrets(clean) is clean  # nothing to remove: no copy
    secret = {"event": "user", "metadata": {"page": "/orders", "customer_token": "jwt", "auth": {"Password": "x"}},
              "parse_data": {"entities": [{"api_secret": 1, "value": "v"}]}}
    original = repr(secret)
    assert _without_secrets(secret) == {"event": "user", "metadata": {"page": "/orders", "auth": {}},
                                        "parse_data": {"entities": [{"value": "v"}]}}
    assert repr(secret) == original  # the published event itself is left as it was
