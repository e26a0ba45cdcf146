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
    "you are useless, I want a real person",
    "your a bot, get me a human",
])
def test_an_explicit_ask_for_a_person(message):
    assert asks_for_human(normalize(message))


@pytest.mark.parametrize("message", [
    "搵個人嚟處理吓",
    "搵人嚟跟進下啦",
    "叫個人出嚟啦",
    "叫個人同我傾",
    "唔該搵人幫我睇下件衫",
    "要個真人",
    "可唔可以搵個職員同我傾",
    "找个人来处理一下",
    "帮我找个人吧",
    "麻烦叫个人来跟进",
    "找人帮我看看这个订单",
])
def test_asking_for_someone_to_come_and_handle_it(message):
    # no word for a person but 人 ("a person to handle it"): an ask, in Cantonese and Mandarin
    assert asks_for_human(normalize(message))


@pytest.mark.parametrize("message", [
    "我搵咗好耐都搵唔到",
    "搵唔到人簽收點算",
    "我要個人發票",
    "发票抬头要个人",
    "我跟店员说过了",
    "在哪里找个人中心",
    "找人代收快递可以吗",
    "可以叫人上门取件吗",
    "叫人来取件要收费吗",
    "我已经找人处理了",
    "我自己搵人整好咗",
    "唔使搵人，我自己嚟",
    "不用找人了，我再试试",
    # English "someone" is left to the classifier: "i need someone to look at it" is CLINC150's car
    # maintenance as often as a shop's person (bench.datasets)
    "I need someone to look at it",
    "someone told me the parcel was lost",
])
def test_someone_mentioned_but_not_asked_for(message):
    assert not asks_for_human(normalize(message))


@pytest.mark.parametrize("message", [
    "怎么还不转人工",
    "为什么不转人工",
    "再不给我转人工我就投诉",
    "咋还不给我转人工啊",
    "仲唔幫我轉人工",
    "点解仲唔转人工",
    "都等了半天了還不轉人工？",
    "why won't you let me talk to a human",
    "why don't you just let me speak to a person",
    "you never let me speak to a real person",
    "you still won't put me through to an agent",
])
def test_an_impatient_not_is_an_ask_for_a_person(message):
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
    "could you tell me if you're a real person",
    "is it true your a real person",
    "I don't need a human, just tell me the status",
    "no need to talk to an agent",
    "你们用的是人工智能吗",
    "我的包裹好几天没动了",
    "运费怎么算",
    "人工费怎么收",
    "不再转人工了",
    "no need for a human",
    "you don't have to connect me to an agent",
])
def test_no_ask_when_negated_or_only_mentioned(message):
    assert not asks_for_human(normalize(message))


@pytest.mark.parametrize("message, declines", [
    ("不要人工", True), ("不用转人工，运费怎么算", True), ("I don't need a human", True),
    ("不用转人工了，算了还是转人工吧", False), ("不需要人工", True), ("唔使轉人工", True),
    ("怎么还不转人工", False), ("再不给我转人工我就投诉", False), ("you never let me speak to a real person", False), ("转人工", False), ("你是真人吗", False),
])
def test_declining_a_person(message, declines):
    from bot.nlu.human_request import declines_human

    assert declines_human(normalize(message)) is declines


def _parsed(text: str, intent: str, ranking: list[tuple[str, float]]):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": normalize(text)})
    message.set("intent", {"name": intent, "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message


def test_the_detector_sets_request_human_over_the_classifiers_intent():
    from bot.nlu.human_request import HumanRequestDetector

    message = _parsed("我的包裹好几天没动了，转人工", "order_status", [("order_status", 0.98), ("faq", 0.01)])
    [out] = HumanRequestDetector().process([message])
    assert out.get("intent")["name"] == "request_human"
    assert out.get("human_request") == {"intent_before": "order_status"}


def test_the_detector_undoes_the_classifiers_handoff_for_a_declined_person():
    from bot.nlu.human_request import HumanRequestDetector

    declined = _parsed("不要人工", "request_human", [("request_human", 0.7), ("complaint", 0.2), ("deny", 0.05)])
    [out] = HumanRequestDetector().process([declined])
    assert out.get("intent")["name"] == "deny"  # neither a handoff nor a complaint
    status = _parsed("不用转人工 帮我查下订单", "request_human", [("request_human", 0.6), ("order_status", 0.35)])
    [out] = HumanRequestDetector().process([status])
    assert out.get("intent")["name"] == "order_status"
    impatient = _parsed("怎么还不转人工", "request_human", [("request_human", 0.8), ("deny", 0.15)])
    [out] = HumanRequestDetector().process([impatient])
    assert out.get("intent")["name"] == "request_human"  # a demand for a person, not a decline
    plain = _parsed("你好", "greet", [("greet", 0.99)])
    [out] = HumanRequestDetector().process([plain])
    assert out.get("intent")["name"] == "greet" and out.get("human_request") is None
