"""Reading order numbers, phone endings and yes/no out of what shoppers type.

Shoppers write ``订单号：２６１１ ０３００ ４８１７``, ``261103004817 尾号8123``, ``phone ends with
0926`` or their whole mobile number. Text is first put in the canonical form of
:func:`kefu.text.normalize` (full-width → ASCII digits, traditional → simplified, lower case);
digit groups separated by spaces or dashes are then read together when together they make an
order number (12 digits) or a phone ending (4 digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kefu.text import normalize

#: Digits in an order number (the fixtures README: ``26`` + month + day + sequence).
ORDER_ID_DIGITS = 12
PHONE_DIGITS = 4

# A run of digit groups joined by single spaces or dashes: "2611 0300 4817", "2611-1800-0033".
_DIGIT_RUN = re.compile(r"(?<![\d])(\+?)(\d+(?:[ \-]\d+)*)(?![\d])")
_LETTER = re.compile(r"[a-z]")
_PHONE_CONTEXT = re.compile(
    r"尾号|尾数|[后尾末][四4][位码]|手机|电话|phone|mobile|last ?(?:4|four)|ending|ends? (?:in|with)"
)
_KEEP = re.compile(r"不取消|别取消|不要取消|先不取消|不用取消|暂不取消|保留|留着|算了|先不|还是不|再想想|"
                   r"don'?t cancel|do not cancel|not cancel|keep (?:it|the order|my order)|never ?mind")
#: Cantonese ways of saying no (in the normalised, simplified form: 唔係 → 唔系): 唔好, 唔使, 唔要,
#: 唔係 ... but not 唔該 ("please", "thanks") nor 唔好意思 ("sorry"), which are polite words.
_NO = re.compile(r"唔(?:好(?!意思)|使|驶|要|系|啱|得|想|用|需要|取消|cancel)|冇需要|咪住|唔该唔使")
_YES = re.compile(r"^(?:是|是的|对|对的|好|好的|嗯|确认|确定|取消吧|取消|可以|行|系|啱|得|冇问题|没问题|"
                  r"yes|y|yeah|yep|ok|okay|sure|confirm)"
                  r"[呀啊啦喇嘅哦喔吖咯嘞]*(?:[\s,，。.!！~～]|$)")
#: Words that say yes. NLU's ``affirm`` (or ``cancel_order``) counts as a yes to a question only
#: when the reply holds one of them: "这个呢" / "那个" / "what about this one" carry no consent,
#: whatever intent the classifier gives them. Cantonese: 系 (係), 啱, 得, 冇问题.
_CONSENT = re.compile(r"是|对|好|嗯|行|可以|确认|确定|取消|没错|没问题|系|啱|得|冇问题|"
                      r"(?<![a-z])(?:yes|yeah|yep|yup|y|ok|okay|sure|confirm|correct|right|go ahead|do it|please)"
                      r"(?![a-z])")
#: A reply that is itself a question ("嗯？", "可以取消吗", "cancel?", Cantonese "取消咗未呀",
#: "系咪取消", "得唔得") is not an answer.
_ASKS = re.compile(r"(?:[?]|吗|么|咩|未呀|未啊|未)[\s.。!！~～]*$")
#: Cantonese questions by their shape, wherever they stand: 係咪 / 係唔係 / A唔A (要唔要, 得唔得).
_ASKS_A_NOT_A = re.compile(r"系咪|(.)唔\1|可唔可以")


@dataclass
class Answer:
    """What a message holds for the order lookup.

    Attributes:
        order_ids: 12-digit numbers, in the order written.
        phone_endings: 4-digit groups, and the last 4 digits of whole phone numbers.
        malformed: something that looks like an attempt at a number but is not one (letters
            inside, too long, too short).
        phone_context: the message speaks of a phone (尾号, 后四位, phone ends with ...).
    """

    order_ids: list[str] = field(default_factory=list)
    phone_endings: list[str] = field(default_factory=list)
    malformed: bool = False
    phone_context: bool = False

    @property
    def order_id(self) -> str | None:
        return self.order_ids[0] if self.order_ids else None

    @property
    def phone_last4(self) -> str | None:
        return self.phone_endings[0] if self.phone_endings else None

    @property
    def has_numbers(self) -> bool:
        return bool(self.order_ids or self.phone_endings or self.malformed)


def _touches_letter(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(_LETTER.match(before) or _LETTER.match(after))


def _split_run(groups: list[str]) -> tuple[list[str], list[str]] | None:
    """Reads digit groups as order number(s) and/or a phone ending; ``None`` when they are neither."""
    joined = "".join(groups)
    if len(joined) == ORDER_ID_DIGITS:
        return [joined], []
    if len(joined) == PHONE_DIGITS:
        return [], [joined]
    # "261103004817 8123": an order number followed by a phone ending
    for cut in range(1, len(groups)):
        head, tail = "".join(groups[:cut]), "".join(groups[cut:])
        if len(head) == ORDER_ID_DIGITS and len(tail) == PHONE_DIGITS:
            return [head], [tail]
    return None


def read_answer(text: str | None, entities: list[dict[str, Any]] | None = None) -> Answer:
    """Finds order numbers and phone endings in a message.

    Args:
        text: the message as the shopper wrote it (or already normalised).
        entities: the message's entities; ``order_id`` / ``phone_last4`` values sent by buttons
            (``/inform{"order_id": "261..."}``) are read like typed text.
    """
    answer = Answer()
    pieces = [normalize(text or "")]
    for entity in entities or []:
        if entity.get("entity") in ("order_id", "phone_last4") and isinstance(entity.get("value"), (str, int)):
            pieces.append(normalize(str(entity["value"])))
    for piece in pieces:
        if _PHONE_CONTEXT.search(piece):
            answer.phone_context = True
        for match in _DIGIT_RUN.finditer(piece):
            plus, run = match.group(1), match.group(2)
            groups = re.split(r"[ \-]", run)
            joined = "".join(groups)
            if _touches_letter(piece, match.start(), match.end()):
                answer.malformed = True
                continue
            if plus or (len(joined) == 11 and joined.startswith("1")):
                # a whole phone number: +886 912 345 601, 13812345678
                if 8 <= len(joined) <= 15:
                    answer.phone_endings.append(joined[-PHONE_DIGITS:])
                    answer.phone_context = True
                else:
                    answer.malformed = True
                continue
            split = _split_run(groups)
            if split is None:
                # a lone digit or two ("第1单") is not an attempt at a number; longer runs are
                if len(joined) >= 3:
                    answer.malformed = True
                continue
            answer.order_ids.extend(split[0])
            answer.phone_endings.extend(split[1])
    return answer


def read_decision(text: str | None, intent: str | None) -> bool | None:
    """Reads a yes/no reply to "cancel this order?".

    Returns:
        True to go ahead, False to keep the order, ``None`` when the reply is neither (the
        question is asked again). "不取消了" is recognised as cancel_order by NLU yet means "keep
        it", so the words decide first. A yes must be said: the reply is a yes when it starts with
        a yes word ("是的", "ok", Cantonese "係呀", "得", "冇問題"), or when NLU reads it as affirm /
        cancel_order and it holds a word of consent ("嗯嗯 没错", "sure go ahead"); a question
        ("嗯？", "可以取消吗", "要唔要取消") is never a yes. Cantonese no-words (唔好, 唔使, 唔要,
        唔係) are a no, whatever intent NLU gave the reply ("唔好" is "好" to an n-gram model).
    """
    normalized = normalize(text or "").strip()
    if intent == "deny" or _KEEP.search(normalized):
        return False
    if _ASKS_A_NOT_A.search(normalized):
        return None
    if _NO.search(normalized):
        return False
    if _ASKS.search(normalized):
        return None
    if _YES.match(normalized) or (intent in ("affirm", "cancel_order") and _CONSENT.search(normalized)):
        return True
    return None
