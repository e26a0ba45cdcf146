"""What leaves a conversation for another one (a suggestion, a draft) carries no personal data, and an
agent's reply is paired with the shopper's question, not with their "转人工"."""

from __future__ import annotations

import pytest

from assist.masking import mask_personal
from assist.pairs import pairs_of
from kefu.events import ConversationEvent


@pytest.mark.parametrize("text,names,masked", [
    ("王芳您好，订单261120000612已发货", ["王芳"], "{name}您好，订单{order}已发货"),
    ("订单２６１１２００００６１２到咗未", [], "订单{order}到咗未"),  # full-width digits
    ("打我手机138 1234 5678或者電話 9123 4567", [], "打我手机****或者電話 ****"),
    ("地址上海市浦东新区世纪大道100号", [], "地址上海市***"),
    ("Hi Li Lei, call +852 9123 4567 or mail li@example.com", ["Li Lei"], "Hi {name}, call **** or mail l***@example.com"),
    ("尾号5678已经验证", [], "尾号****已经验证"),
    ("运费满99元包邮，3天到", [], "运费满99元包邮，3天到"),  # prices and days are no personal data
])
def test_mask_personal(text, names, masked):
    assert mask_personal(text, names=names) == masked


def event(id_: int, type_: str, text: str, *, intent: str | None = None, agent: str | None = None,
          sender: str = "s1") -> ConversationEvent:
    return ConversationEvent(id=id_, sender_id=sender, type=type_, text=text, intent=intent,
                             event_metadata={"agent": agent} if agent else None)


def test_the_reply_answers_the_question_not_the_request_for_a_human():
    events = [
        event(1, "user", "羽绒服可以机洗吗", intent="nlu_fallback"),
        event(2, "bot", "抱歉，我没太明白"),
        event(3, "user", "转人工", intent="request_human"),
        event(4, "user", "在吗", intent="nlu_fallback"),
        event(5, "user", "hello?", intent="greet", sender="s2"),
        event(6, "bot", "建议手洗", agent="小林"),
        event(7, "bot", "还有别的问题吗", agent="小林"),  # a second message answers nothing new
        event(8, "bot", "您好", agent="小王", sender="s2"),  # a greeting asks nothing
    ]
    pairs = pairs_of(events)
    assert [(p.question, p.reply, p.agent) for p in pairs] == [("羽绒服可以机洗吗", "建议手洗", "小林")]


def test_the_open_questions_kept_are_the_most_recently_asked():
    """A long-running reader keeps only so many unanswered questions (most are answered by the bot)."""
    from assist.pairs import Pairing

    pairing = Pairing(max_open=2)
    events = [ConversationEvent(id=n, sender_id=sender, type="user", text=f"{sender}的订单怎么还没到啊", intent="faq")
              for n, sender in enumerate(["a", "b", "a", "c"], start=1)]
    for event in events:
        assert pairing.feed(event) is None
    assert list(pairing.open) == ["a", "c"]  # b asked before a asked again
    reply = ConversationEvent(id=9, sender_id="a", type="bot", text="马上查", event_metadata={"agent": "小林"})
    assert pairing.feed(reply).question_event_id == 3 and list(pairing.open) == ["c"]
