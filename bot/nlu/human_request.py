"""An explicit ask for a person wins wherever it stands in the message.

"我的包裹好几天没动了，转人工" reads like an order question to the intent classifier; the shopper
has asked for a human. :class:`HumanRequestDetector` runs last in the pipeline: when the message
holds an explicit ask for a person (转人工, 人工客服, 找真人, 搵真人, 我要人工, 搵个人嚟处理吓, 叫个人出嚟,
talk to a human, real person, agent please ...), the intent becomes ``request_human`` whatever the
classifier, the fallback or the sentiment check made of it. The intent before is kept in the parse result under
``human_request.intent_before``. The dialogue's rules then hand over, inside a form too
(data/rules/orders.yml), and the handoff records the reason ``customer_request``.

A phrase that is negated ("不用转人工", "不要人工", "唔使搵真人", "I don't need a human") or that
asks what the bot is ("你是真人吗", "are you a real person?") is no ask; nor is 人工智能 (AI). An
impatient "not" is an ask: "怎么还不转人工", "再不给我转人工我就投诉", "仲唔幫我轉人工", "why won't you let me
talk to a human", "you never let me speak to a real person".
When the classifier itself says ``request_human`` for a message that only declines a person
("不要人工"), the intent becomes the next one it ranked (not a complaint; ``deny``, "no", when
it ranked none with at least :data:`MIN_NEXT`).

:func:`asks_for_human` is the rule itself, on normalised text (:func:`kefu.text.normalize`:
simplified characters, lower case, half-width).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

HUMAN_REQUEST = "human_request"
REQUEST_HUMAN = "request_human"
DENY = "deny"
COMPLAINT = "complaint"
#: A declined person's message takes the classifier's next intent only when it saw one this likely.
MIN_NEXT = 0.1

_PERSON_ZH = r"(?:真人|人工|活人|真人客服|人工客服|客服人员|客服专员|工作人员)"
#: What a bare 人 is fetched for: "搵个人嚟处理吓", "叫个人出嚟", "找人帮我看看"; not "找人代收快递", "叫人来取件".
_HANDLE_ZH = r"(?:处理|跟进|解决|回复|回答|答复|解答|对接|接手|负责|沟通|倾|聊|谈|讲|睇|看|查|搞|弄|覆|check)(?!过|咗|完|好)"
_COME_ZH = r"(?:过来|出来|出嚟|上嚟|来|嚟|黎)"
_ENDING_ZH = r"(?:啦|吧|呀|啊|喇|嘞|先|下|吓|一下|好唔好|得唔得|可以吗|好吗|得吗)?(?:\W|$)"
_ASK_ZH = re.compile(
    r"转(?:接)?(?:到|去|给)?(?:一下|下)?(?:人工|真人)"          # 转人工, 转接人工, 转下真人
    r"|(?:人工|真人)(?:客服|服务|坐席|座席|接待)"                 # 人工客服, 真人服务
    r"|(?:找|要|搵|揾|叫|接|换|请|联系|呼叫|畀|俾|同|跟|和|让)(?:个|一个|一下|下|位|返|我)?" + _PERSON_ZH
    + r"|(?:有没有|有冇|有无|有木有)" + _PERSON_ZH
    + r"|^\W*(?:人工|真人)\W*$"                                  # the whole message: 人工！
    # a bare 人 (or 职员, 店员) to come and handle it (搵个人嚟处理吓, 叫个人出嚟, 帮我找个人吧, 揾个职员同我倾);
    # not 个人发票 (要 is left out), nor someone already found (已经找人处理了, 我自己揾人整)
    + r"|(?<!已经)(?<!已)(?<!自己)(?:揾|搵|找|叫|喊)(?:个|一个|位|一位|返个|番个)?(?:人|职员|店员)"
    + r"(?=" + _COME_ZH + r"?(?:(?:帮|同|跟|和|畀|俾|给)(?:我|手|下|吓)?)?" + _HANDLE_ZH
    + r"|" + _COME_ZH + r"?" + _ENDING_ZH + r")"
)
#: 人工智能 (AI), 人工费 (labour cost) ... are no ask for a person.
_NOT_A_PERSON = re.compile(r"^(?:智能|费|成本|合成|降雨|湖)")
_ASK_EN = re.compile(
    r"\b(?:talk|speak|chat)(?:ing)?\s+(?:to|with)\s+(?:a\s+|an\s+|some\s+|your\s+|the\s+)?"
    r"(?:real\s+|live\s+|actual\s+)?(?:human|person|people|agent|someone|somebody|representative|operator|staff)\b"
    r"|\b(?:real|live|actual)\s+(?:human|person|agent|people)\b"
    r"|\bhuman\s+(?:agent|being|please|support|operator)\b"
    r"|\bagent\s*,?\s*(?:please|pls|plz)\b"
    r"|\b(?:get|want|need|give)\s+(?:me\s+)?(?:a\s+|an\s+)?(?:human|live agent|real agent|representative|operator)\b"
    r"|\b(?:connect|transfer|put)\s+me\s+(?:to|with|through to)\s+(?:a\s+|an\s+|some\s+)?"
    r"(?:human|person|agent|someone|representative|operator|staff)\b"
    r"|^\W*(?:human|agent|representative|operator)\s*(?:please|pls|plz)?\W*$"
)
#: Words that, just before the phrase in the same clause, make it no ask.
_NEGATED_ZH = re.compile(r"(?:不用|不要|不需要?|不必|不想|不再|别|莫|勿|无需|毋须|唔使|唔驶|唔洗|唔要|唔需要|唔想|"
                         r"唔好|冇需要|没必要|免|不|唔)(?:再|帮我|给我|替我|帮|给|同我|去|了|先|直接)?$")
_NEGATED_EN = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|didn'?t|no need|not|never|without|no)\b(?:\s+\w+){0,3}\s*$"
)
#: An impatient or rhetorical "not" is a demand, no decline: "怎么还不转人工", "为什么不转人工", "再不给我转人工
#: 我就投诉", "仲唔帮我转人工" (normalised 仲唔幫我轉人工), "点解唔转人工"; a real decline (不用/不要/唔使 ...) is
#: not a bare 不/唔 and stays one.
_IMPATIENT_ZH = re.compile(r"(?:还|再|怎么|怎样|为什么|为何|为啥|咋|干嘛|干吗|凭什么|仲|点解|做咩|做乜)(?:还|又|仲|就)?"
                           r"(?:不|唔)(?:帮我|给我|替我|帮|给|同我|畀我|俾我|去|直接)?$")
#: "why won't you let me talk to a human", "why can I not speak to a person", "you never let me speak to a
#: real person", "you still won't put me through to an agent"; not "you don't have to connect me to an agent".
_IMPATIENT_EN = re.compile(
    r"\bwhy\b.*\b(?:don'?t|doesn'?t|didn'?t|won'?t|can'?t|cannot|wouldn'?t|not|never)\b(?:\s+\w+){0,4}\s*$"
    r"|\b(?:you|u|they|nobody|no one)\s+(?:still\s+|just\s+)?(?:never|don'?t|won'?t|didn'?t|wouldn'?t|can'?t|will not)"
    r"\s+(?:ever\s+)?(?:let|put|connect|transfer|get|give|find)\b(?:\s+\w+){0,2}\s*$"
)
#: Asking what the bot is: "你是真人吗", "are you a real person?", "am I talking to a human?"
_WHAT_IS_IT = re.compile(
    r"(?:你|您|这|呢个|你地|你哋)(?:是|系|係)(?:不是|唔系|咪)?(?:真人|人工)"
    r"|\b(?:are|r)\s+(?:you|u)\b|\bam\s+i\s+(?:talking|speaking|chatting)\b|\bis\s+(?:this|it)\s+a\b"
    # "could you tell me if you're a real person", "is it true your a real person" (CLINC150's are_you_a_bot)
    r"|\b(?:(?:you|u)(?:'|’)?re|you\s+are|your|ur)\s+(?:a\s+|an\s+)?(?:real|live|actual)\s+(?:human|person)\b"
)
_CLAUSE = re.compile(r"[，,。.!！?？；;：:\n~～]")


def _clause_before(text: str, start: int) -> str:
    """The part of the phrase's clause in front of it."""
    pieces = _CLAUSE.split(text[:start])
    return pieces[-1] if pieces else ""


def _phrases(text: str) -> list[str]:
    """Each person phrase of a normalised message: ``ask``, ``negated`` or ``question`` (what the bot is)."""
    found = []
    for pattern, negated, impatient in ((_ASK_ZH, _NEGATED_ZH, _IMPATIENT_ZH), (_ASK_EN, _NEGATED_EN, _IMPATIENT_EN)):
        for match in pattern.finditer(text):
            if _NOT_A_PERSON.match(text[match.end():]):
                continue
            before = _clause_before(text, match.start())
            if negated.search(before) and not impatient.search(before):
                found.append("negated")
                continue
            clause_end = _CLAUSE.search(text, match.end())
            clause = before + text[match.start():clause_end.start() if clause_end else len(text)]
            found.append("question" if _WHAT_IS_IT.search(clause) else "ask")
    return found


def asks_for_human(text: str) -> bool:
    """Whether a normalised message holds an explicit, unnegated ask for a person."""
    return "ask" in _phrases(text)


def declines_human(text: str) -> bool:
    """Whether a normalised message names a person only to say no to one ("不要人工", "不用转人工")."""
    phrases = _phrases(text)
    return "negated" in phrases and "ask" not in phrases


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class HumanRequestDetector(GraphComponent):
    """Sets intent ``request_human`` when the message explicitly asks for a person."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> HumanRequestDetector:
        return cls()

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if name != REQUEST_HUMAN and asks_for_human(text):
                message.set(HUMAN_REQUEST, {"intent_before": name}, add_to_output=True)
                message.set(INTENT, {INTENT_NAME_KEY: REQUEST_HUMAN, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True)
            elif name == REQUEST_HUMAN and declines_human(text):
                # "不要人工": the word 人工 made the classifier think of a handoff; the next intent it saw
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                           if r.get(INTENT_NAME_KEY) not in (REQUEST_HUMAN, COMPLAINT, None)
                           and float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= MIN_NEXT]
                instead = ranking[0] if ranking else {INTENT_NAME_KEY: DENY, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(HUMAN_REQUEST, {"intent_before": name, "declined": True}, add_to_output=True)
                message.set(INTENT, dict(instead), add_to_output=True)
        return messages
