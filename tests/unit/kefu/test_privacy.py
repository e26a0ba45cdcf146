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


@pytest.mark.parametrize("text, expected", [
    # international numbers: every digit but the last four, the country code included
    ("电话 +886 912 345 678", "电话 +*** *** **5 678"),
    ("+886-2-2345-6789", "+***-*-****-6789"),
    ("call +852 9123 4567 after 6pm", "call +*** **** 4567 after 6pm"),
    ("WhatsApp: +85291234567", "WhatsApp: +*******4567"),
    ("澳门 +853 6612 3456", "澳门 +*** **** 3456"),
    ("my number is +1 415 555 0100.", "my number is +* *** *** 0100."),
    ("+1 (415) 555-0100", "+* (***) ***-0100"),
    ("ring +44 20 7946 0958", "ring +** ** **** 0958"),
    ("＋８５２ ９１２３ ４５６７", "＋*** **** ４５６７"),
    # Taiwanese mobiles and landlines
    ("手機0912-345-678", "手機****-**5-678"),
    ("手機 0912345678 謝謝", "手機 ******5678 謝謝"),
    ("市話 02-2345-6789", "市話 **-****-6789"),
    # Hong Kong and Macau 8-digit numbers after a word that says they are one
    ("電話 9123 4567", "電話 **** 4567"),
    ("我的电话是91234567", "我的电话是****4567"),
    ("手機：6612 3456", "手機：**** 3456"),
    ("phone 2345-6789 please", "phone ****-6789 please"),
    ("my phone number is 91234567", "my phone number is ****4567"),
    ("聯絡電話：28881234", "聯絡電話：****1234"),
])
def test_hong_kong_macau_taiwan_and_international_numbers_are_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("地址香港九龙弥敦道100号", "地址香港***"),
    ("寄到九龍旺角彌敦道100號3樓", "寄到九龍***"),
    ("住在新界沙田", "住在新界***"),
    ("新界沙田火炭路1號", "新界***"),
    ("香港铜锣湾轩尼诗道500号", "香港***"),
    ("送去澳門新馬路12號", "送去澳門***"),
    ("澳门氹仔孙逸仙大马路88号", "澳门***"),
    ("台北市信義區信義路五段7號", "台北市***"),
    ("臺中市西屯區台灣大道三段99號", "臺中市***"),
    ("寄到高雄市前鎮區中山二路2號8樓", "寄到高雄市***"),
    ("上海市浦東新區世紀大道100號", "上海市***"),
])
def test_hong_kong_macau_and_taiwan_addresses_keep_only_the_region(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", [
    "订单261103004817到哪了",  # order numbers are not personal data and stay searchable
    "订单261117000611，手机尾号8123",  # nor are the phone endings the bot asks for
    "訂單 261117000611 電話後四位 0611",
    "phone ending 8123, order 261117000611",
    "电话 261117000611",  # an order number after a phone word is still an order number
    "我要退货，区别是什么",
    "where is my order 261103004817",
    "寄到香港要几天",
    "香港可以发货吗？澳门呢",
    "台湾运费多少",
    "满199减20，积分+100",
    "",
])
def test_ordinary_messages_are_unchanged(text):
    assert mask_pii(text) == text


def test_event_data_without_secrets_is_stored_as_published_and_secrets_only_from_a_copy():
    from kefu.events import without_secrets

    clean = {"event": "user", "parse_data": {"intent": {"name": "faq"}, "intent_ranking": [{"name": "faq"}],
                                             "text_tokens": [[0, 2]]},  # Rasa's word positions: no credential
             "metadata": {"page": "/orders"}}
    assert without_secrets(clean) is clean  # nothing to remove: no copy
    secret = {"event": "user", "metadata": {"page": "/orders", "customer_token": "jwt", "auth": {"Password": "x"}},
              "parse_data": {"entities": [{"api_secret": 1, "value": "v"}]}}
    original = repr(secret)
    assert without_secrets(secret) == {"event": "user", "metadata": {"page": "/orders", "auth": {}},
                                        "parse_data": {"entities": [{"value": "v"}]}}
    assert repr(secret) == original  # the published event itself is left as it was
