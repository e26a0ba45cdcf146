"""The event stream on a running stack (issue 19 item 5): with ``RABBITMQ_URL`` set, a shop's data
team's consumer receives every event of a conversation in Rasa's JSON, once each, in order, the
same events the tracker holds; when RabbitMQ goes away mid-conversation the shopper is still
answered, and the events of that time arrive once it is back (those in flight at the break may
come twice, with the same message id: at least once, and a consumer drops the second).

RabbitMQ is this machine's real server, reached through a relay the test can cut
(:class:`tests.rabbitmq.Outage`), so the server itself stays up for everyone else.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests import rabbitmq
from tests.stack import Stack, make_stack

pytestmark = [pytest.mark.stack,
              pytest.mark.skipif(not rabbitmq.available(), reason="needs RabbitMQ on 127.0.0.1:5672")]


@pytest.fixture(scope="module")
def streaming(tmp_path_factory, trained_model):
    exchange, queue = rabbitmq.names("kefu-stack")
    outage = rabbitmq.Outage()
    outage.restore()
    running = make_stack(tmp_path_factory.mktemp("event-stream"), env={
        "HANDOFF_SERVICE_HOURS": "00:00-24:00", "RABBITMQ_URL": outage.url,
        "RABBITMQ_EXCHANGE": exchange, "RABBITMQ_QUEUES": queue})
    running.start()
    yield running, outage, queue
    running.stop()
    outage.close()
    rabbitmq.delete(exchange, queue)


def tracker_events(stack: Stack, sender: str) -> list[dict]:
    time.sleep(1)  # Rasa saves the tracker (and publishes its events) just after replying
    return [{"sender_id": sender, **event} for event in stack.tracker(sender)["events"]]


def of(sender: str, messages: list[dict]) -> list[dict]:
    return [m for m in messages if m.get("sender_id") == sender]


def test_a_conversations_events_reach_the_data_team_once_each_in_order_as_the_tracker_holds_them(streaming):
    stack, _, queue = streaming
    sender = f"stream-{uuid.uuid4().hex[:8]}"
    for text in ("你好呀", "運費幾錢啊？", "我想退貨 唔該", "thx 拜拜"):
        assert stack.say(sender, text)
    expected = tracker_events(stack, sender)
    messages = rabbitmq.consume_with_ids(queue, expect=len(expected))
    assert len({message_id for message_id, _ in messages}) == len(messages)  # each message once
    received = of(sender, [body for _, body in messages])
    assert [m["event"] for m in expected][:3] == ["action", "session_started", "action"]
    assert [m["text"] for m in received if m["event"] == "user"] == ["你好呀", "運費幾錢啊？", "我想退貨 唔該", "thx 拜拜"]
    assert received == expected  # Rasa's event JSON, every event once, in the tracker's order
    assert "RabbitMQ event stream: publishing to exchange" in stack.log()


def test_the_shopper_is_answered_while_rabbitmq_is_away_and_the_events_arrive_once_it_is_back(streaming):
    stack, outage, queue = streaming
    sender = f"outage-{uuid.uuid4().hex[:8]}"
    assert stack.say(sender, "你好")
    outage.cut()
    try:
        started = time.monotonic()
        for text in ("我個訂單到咗未呀", "係咪要等好耐", "點解仲未發貨"):
            assert stack.say(sender, text)  # answered as usual
        answered_in = (time.monotonic() - started) / 3
    finally:
        outage.restore()
    assert answered_in < 5, answered_in
    assert stack.say(sender, "好的，唔該")
    time.sleep(6)  # the broker reconnects every 5 s
    expected = tracker_events(stack, sender)
    messages = rabbitmq.consume_with_ids(queue, expect=len(expected), timeout=60)
    received = of(sender, rabbitmq.first_of_each(messages))
    shown = [[(m["event"], round(m["timestamp"] % 1000, 3)) for m in side] for side in (received, expected)]
    # none lost, each once by its message id; the order is not asserted across the outage: a turn
    # taken after RabbitMQ is back but before the broker reconnects (every 5 s) can be published
    # before the events kept during the outage (seen once under load, docs/operators/events-for-the-data-team.md)
    def key(event: dict) -> str:
        return json.dumps(event, sort_keys=True, ensure_ascii=False)

    assert sorted(received, key=key) == sorted(expected, key=key), shown
    # sent twice at most: the events RabbitMQ took just as the connection broke (one turn's)
    assert len(messages) - len(received) <= 12, len(messages) - len(received)
    log = stack.log()  # the terminal and every var/logs file (after the banner a line is in both)
    rasa_log = (stack.var_dir / "logs" / "rasa.log").read_text(errors="replace")
    assert rasa_log.count("RabbitMQ event stream: publishing to 127.0.0.1") == 1  # one line for the outage
    assert "是咪要等好耐" not in log and "係咪要等好耐" not in log and "guest:guest@" not in log
