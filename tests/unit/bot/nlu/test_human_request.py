"""The explicit ask for a person (bot.nlu.human_request): found anywhere in a message, never when negated."""

import pytest

from bot.nlu.human_request import asks_for_human
from kefu.text import normalize


@pytest.mark.parametrize("message", [
    "我的包裹好几天没动了，转人工",
    "转人工",
    "人工客服",
    "人工！",
    "找真人",
    "我要人工",
    "算了直接帮我转人工吧",
    "你们有没有真人客服啊",
    "包裹一直不动转人工",
    "轉人工",
    "我要搵真人",
    "唔該幫我轉人工客服",
    "搵真人同我傾",
    "my parcel hasn't moved for days, talk to a human please",
    "I want to speak to a real person",
    "agent please",
    "Human please",
    "can you connect me to an agent",
    "订单号忘了，转人工吧",
])
def test_an_explicit_ask_for_a_person(message):
    assert asks_for_human(normalize(message))


@pytest.mark.parametrize("message", [
    "不用转人工",
    "不要人工",
    "不需要人工客服，你帮我查就行",
    "先别转人工，我再试试",
    "唔使轉人工",
    "唔好搵真人住",
    "你是真人吗",
    "你係咪真人嚟㗎",
    "are you a real person?",
    "am I talking to a human?",
    "I don't need a human, just tell me the status",
    "no need to talk to an agent",
    "你们用的是人工智能吗",
    "我的包裹好几天没动了",
    "运费怎么算",
    "人工费怎么收",
])
def test_no_ask_when_negated_or_only_mentioned(message):
    assert not asks_for_human(normalize(message))
