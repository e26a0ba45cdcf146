"""Which channel an agent's messages go out on: the handoff's own, never the latest writer's."""

from handoff.rasa_client import reply_channel


def test_the_handoffs_recorded_channel_is_used():
    assert reply_channel("socketio", "web:abc") == "socketio"
    assert reply_channel("telegram", "tg:12345") == "telegram"
    assert reply_channel("rest", "tg:12345") == "rest"  # what was recorded wins over the id's look


def test_without_a_recorded_channel_the_sender_id_names_it():
    assert reply_channel("", "tg:12345") == "telegram"
    assert reply_channel(None, "wx:oAbC") == "wechat"
    assert reply_channel("", "web:3f2a.sig") == "socketio"
    assert reply_channel("", "order-42") == "rest"
    assert reply_channel("", "tgx:1") == "rest"
