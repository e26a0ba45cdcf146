"""The widget channel's conversation history and agent messages (metadata: test_channel_metadata.py,
sessions: test_widget_sessions.py)."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.channels.widget import KefuSocketIOOutput, transcript


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
