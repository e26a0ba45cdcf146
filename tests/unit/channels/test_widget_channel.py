"""The widget channel's message metadata (customer tokens) and conversation history."""

from __future__ import annotations

import json

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.channels.widget import KefuSocketIOOutput, clean_metadata, transcript
from kefu.tokens import CustomerTokens, Principal, StaffTokens

KEY = "k" * 40
TOKENS = CustomerTokens(secret=KEY)


def issue_customer_token(customer_id: str, key: str, *, lifetime: int = 600) -> str:
    return CustomerTokens(secret=key).issue(customer_id, lifetime=lifetime)


def test_valid_customer_token_is_passed_on():
    token = issue_customer_token("C1001", KEY)
    assert clean_metadata({"customer_token": token, "page": "/cart"}, TOKENS) == {"customer_token": token, "page": "/cart"}
    assert clean_metadata(json.dumps({"customer_token": token}), TOKENS) == {"customer_token": token}


def test_tampered_forged_or_expired_tokens_are_dropped():
    token = issue_customer_token("C1001", KEY)
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")])
    for bad in (tampered, issue_customer_token("C1001", "another-key" * 4), issue_customer_token("C1001", KEY, lifetime=-120),
                StaffTokens(KEY.encode()).issue(Principal("admin", "admin")), "not-a-jwt", 42, None):
        assert clean_metadata({"customer_token": bad, "page": "/"}, TOKENS) == {"page": "/"}
    assert clean_metadata({"customer_token": token}, None) == {}


def test_odd_metadata_becomes_empty():
    assert clean_metadata(None, TOKENS) == {}
    assert clean_metadata("not json", TOKENS) == {}
    assert clean_metadata([1, 2], TOKENS) == {}
    assert clean_metadata({"blob": "x" * 5000}, TOKENS) == {}


def test_transcript_shows_what_the_customer_saw():
    events = [
        ActionExecuted("action_session_start"),
        UserUttered("你好", timestamp=1.0),
        BotUttered("您好！\n\n请问有什么可以帮您？", {"buttons": [{"title": "查订单", "payload": "/order_status"}]},
                   {"utter_action": "utter_greet"}, timestamp=2.0),
        UserUttered("/order_status", timestamp=3.0),
        SlotSet("language", "zh-Hans"),
        BotUttered("我是小林", metadata={"agent": "小林"}, timestamp=4.0),
        UserUttered("   ", timestamp=5.0),
    ]
    assert transcript(events) == [
        {"role": "user", "text": "你好", "ts": 1.0},
        {"role": "bot", "text": "您好！", "ts": 2.0},
        {"role": "bot", "text": "请问有什么可以帮您？", "ts": 2.0,
         "quick_replies": [{"title": "查订单", "payload": "/order_status"}]},
        {"role": "user", "text": "查订单", "ts": 3.0},
        {"role": "agent", "text": "我是小林", "ts": 4.0, "agent": "小林"},
    ]


class FakeSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data=None, room=None, **_kwargs):
        self.emitted.append((event, data, room))


async def test_agent_messages_carry_the_agents_name_to_the_widget():
    sio = FakeSio()
    output = KefuSocketIOOutput(sio, "bot_uttered")
    await output.send_response("s1", {"text": "您好", "agent": "小林", "timestamp": 1})
    await output.send_response("s1", {"text": "机器人回复", "utter_action": "utter_greet"})
    await output.send_response("s1", {"text": "评分", "buttons": [{"title": "5", "payload": "/rate"}], "agent": "小林"})
    assert sio.emitted == [
        ("bot_uttered", {"text": "您好", "metadata": {"agent": "小林"}}, "s1"),
        ("bot_uttered", {"text": "机器人回复"}, "s1"),
        ("bot_uttered", {"text": "评分", "quick_replies": [{"content_type": "text", "title": "5", "payload": "/rate"}],
                         "metadata": {"agent": "小林"}}, "s1"),
    ]


def test_session_ids_like_rasas_channel_but_printable():
    from bot.channels.widget import session_id_of

    assert session_id_of({"session_id": "0f" * 16}) == "0f" * 16
    assert session_id_of({"session_id": "user-1"}) == "user-1"
    assert session_id_of({"session_id": 42}) == "42"
    for bad in ({"session_id": ""}, {"session_id": "a\nb"}, {"session_id": "x" * 129}, {"session_id": None},
                {"session_id": True}, {}, None, "abc"):
        assert session_id_of(bad) is None
