"""The return reason a shopper already gave in the message that asked for the return.

"我要退货，尺码不合适", "件衫太大想退", "I want to return it, it's the wrong size": the reason is
there, so ``return_form`` does not ask it again. :func:`stated_reason` recognises the common ones
(size, a quality problem or defect, a wrong item, not as described, changed mind) in Mandarin,
Cantonese and English, and gives back the shopper's own words of that clause (the warehouse keeps
the shopper's words, ``ShopAdapter.request_after_sales``), without order numbers or phone endings.
Anything else ("我要退货", "想退 261117000611") states no reason and the form asks it.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from kefu.text import normalize
from shop.policy import MAX_REASON

#: Common reasons, on normalised text (simplified characters, lower case, half-width).
_REASONS = re.compile(
    # size
    r"尺码(?:不|唔|有问题)|尺寸(?:不|唔)|码数(?:不|唔)|码(?:不对|唔啱)|不合身|唔合身|唔啱身|穿不下|穿不上|着唔落|"
    r"太大|太小|太细|太长|太短|太紧|太松|偏大|偏小|大了|小了|大咗|细咗|"
    r"wrong size|too (?:big|small|large|tight|loose|long|short)|(?:does ?n[o']?t|did ?n[o']?t|won'?t) fit|"
    r"(?:size|fit) is (?:wrong|off)|"
    # quality problem or defect
    r"质量|品质|瑕疵|次品|坏了|坏咗|破了|破咗|破损|烂了|烂咗|开线|脱线|掉色|褪色|起球|污渍|故障|用不了|"
    r"不能用|唔用得|"
    r"defect|broken|damaged|faulty|(?:poor|bad) quality|quality (?:issue|problem)|"
    r"(?:does ?n[o']?t|did ?n[o']?t|stopped) work|not working|torn|ripped|stain|"
    # a wrong item
    r"发错|寄错|送错|错发|错寄|不是我(?:买|订|要)的|唔系我(?:买|订|要)嘅|"
    r"wrong (?:item|colou?r|product|one|thing)|not (?:what|the one) i ordered|sent (?:me )?the wrong|"
    # not as described
    r"(?:与|和|跟|同)(?:描述|图片|图|照片|网上|详情)(?:不|唔)|(?:描述|图片)不符|货不对板|色差|实物不符|"
    r"not as described|(?:does ?n[o']?t|did ?n[o']?t) (?:match|look like)|"
    r"different from the (?:picture|photo|description|pictures|photos)|"
    # changed mind
    r"不想要|唔想要|不要了|唔要喇|唔要了|不(?:太|是很|怎么)?喜欢|唔(?:系好|太)?钟意|买错|拍错|下错单|买多了|"
    r"改变主意|后悔|"
    r"changed? (?:my|of) mind|do ?n[o']?t (?:like|want|need) it|do not (?:like|want|need) it|"
    r"no longer (?:want|need)|ordered (?:it )?by mistake"
)
_CLAUSE = re.compile(r"[，,。.!！?？；;\n~～]+")
#: Order numbers and phone endings are no part of a reason ("订单261117000611的大衣", "手机尾号9043").
_NUMBERS = re.compile(r"(?:订单号?|訂單號?|单号|單號|order(?: number| no\.?)?)\s*[:：#]?\s*\d{4,}\s*的?"
                      r"|(?:手机|手機|电话|電話)?尾(?:号|號|数|數)?\s*\d{4}|phone (?:number )?ends? (?:with|in) \d{4}|\d{4,}",
                      re.IGNORECASE)


def stated_reason(text: str) -> str | None:
    """The clause of ``text`` that states a common return reason, in the shopper's words, or ``None``."""
    found = []
    for clause in _CLAUSE.split(text):
        if _REASONS.search(normalize(clause)):
            words = " ".join(_NUMBERS.sub("", clause).split()).strip(" ：:")
            if words:
                found.append(words)
    if not found:
        return None
    return (", " if all(words.isascii() for words in found) else "，").join(found)[:MAX_REASON]


def request_text(tracker: Tracker) -> str:
    """What the shopper wrote in the message that asked for this return (the latest ``return_request``
    of this session)."""
    for event in reversed(tracker.events or []):
        if event.get("event") in ("session_started", "restart"):
            break
        if (event.get("event") == "user"
                and ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "return_request"):
            return event.get("text") or ""
    return ""
