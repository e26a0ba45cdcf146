"""bot.patches.faults: which errors mean "the database or Redis is unavailable", and the apology's language."""

from __future__ import annotations

import pytest
import redis.exceptions
import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.lock_store import LockError

from bot.patches.faults import APOLOGY, APOLOGY_BOTH, apology_for, is_unavailable


def real_operational_error() -> sqlalchemy.exc.OperationalError:
    engine = sa.create_engine("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.OperationalError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("port 1 answered")


def test_database_and_redis_failures_count_as_unavailable():
    error = real_operational_error()
    assert is_unavailable(error)
    try:  # wrapped, as Rasa's processor might re-raise it
        try:
            raise error
        except sqlalchemy.exc.OperationalError as inner:
            raise RuntimeError("turn failed") from inner
    except RuntimeError as outer:
        assert is_unavailable(outer)
    assert is_unavailable(LockError("Error while acquiring lock"))
    assert is_unavailable(redis.exceptions.ConnectionError("Connection refused"))


@pytest.mark.parametrize("error", [ValueError("bad"), KeyError("slot"), sqlalchemy.exc.IntegrityError("x", {}, None)])
def test_bugs_are_not_hidden_behind_an_apology(error):
    assert not is_unavailable(error)


@pytest.mark.parametrize("text, apology", [
    ("我的订单到哪了", APOLOGY["zh-Hans"]),
    ("我的訂單到哪了", APOLOGY["zh-Hant"]),
    ("where is my order?", APOLOGY["en"]),
    ("261103004817", APOLOGY_BOTH),
    (None, APOLOGY_BOTH),
])
def test_the_apology_speaks_the_messages_language(text, apology):
    assert apology_for(text) == apology


async def test_an_unreachable_action_server_gets_a_friendly_reply_and_a_human_offered(restored):
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActiveLoop, BotUttered, FollowupAction, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.patches import faults
    from tests.stack import free_port

    faults.install()  # for this test only (``restored`` puts Rasa's own methods back afterwards)
    domain = Domain.from_yaml("""
version: "3.1"
actions: [action_order_status]
slots:
  language: {type: text, influence_conversation: false, mappings: [{type: custom}]}
forms:
  order_lookup_form: {required_slots: []}
""")
    tracker = DialogueStateTracker.from_events("shopper-1", [SlotSet("language", "en"), ActiveLoop("order_lookup_form")],
                                               slots=domain.slots)
    channel = CollectingOutputChannel()
    action = RemoteAction("action_order_status", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    events = await action.run(channel, TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain)
    assert channel.messages == [{"recipient_id": "shopper-1", "text": faults.ACTIONS_DOWN["en"],
                                 "buttons": [{"title": "human", "payload": "human"}]}]
    assert isinstance(events[0], BotUttered) and events[0].text == faults.ACTIONS_DOWN["en"]
    assert ActiveLoop(None) in events and events[-1] == FollowupAction("action_listen")
