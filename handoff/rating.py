"""Reading a 1-5 satisfaction rating from what the customer typed.

Accepts digits (``5``, ``５``, ``5分``, ``5星``, ``5/5``, ``4 stars``), Chinese numerals
(``五分``, ``五星``), star emoji (``⭐⭐⭐⭐``) and words (``非常满意`` 5, ``满意`` 4, ``一般`` 3,
``不满意`` 2, ``非常不满意`` 1; ``excellent`` 5 ... ``terrible`` 1). Anything else is ``None``.
"""

from __future__ import annotations

import re
import unicodedata

from kefu.text import normalize

_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
#: Phrases, longest first so that 非常不满意 wins over 满意.
_WORDS: tuple[tuple[str, int], ...] = tuple(sorted({
    "非常满意": 5, "十分满意": 5, "特别满意": 5, "很满意": 5, "超级满意": 5, "太棒了": 5, "完美": 5,
    "满意": 4, "比较满意": 4, "挺好": 4, "还不错": 4, "不错": 4, "好评": 5,
    "一般": 3, "还行": 3, "还可以": 3, "凑合": 3, "马马虎虎": 3,
    "不太满意": 2, "不满意": 2, "不好": 2, "较差": 2,
    "非常不满意": 1, "很不满意": 1, "极不满意": 1, "特别不满意": 1, "太差": 1, "很差": 1, "非常差": 1, "差评": 1,
    "excellent": 5, "perfect": 5, "amazing": 5, "very satisfied": 5, "great": 5,
    "good": 4, "satisfied": 4,
    "ok": 3, "okay": 3, "average": 3, "so so": 3, "so-so": 3, "fine": 3,
    "not satisfied": 2, "not bad": 4, "unsatisfied": 2, "dissatisfied": 2, "poor": 2, "bad": 2, "not good": 2,
    "very bad": 1, "terrible": 1, "awful": 1, "horrible": 1, "very dissatisfied": 1, "worst": 1,
}.items(), key=lambda item: -len(item[0])))
#: Answers that name no rating even though they contain a rating word (不好 in 说不好).
_NON_ANSWERS = ("说不好", "不好说", "说不清", "不知道", "不清楚", "随便", "无所谓", "not sure", "don't know", "dont know")
_NUMBER = re.compile(r"(?<!\d)(\d+)(?:\s*(?:/\s*5|分|星|颗星|stars?|points?))?(?!\d)")
_CHINESE = re.compile(r"([一二两三四五])\s*(?:分|星|颗星)")


def parse_rating(text: str | None) -> int | None:
    """The rating 1-5 in a message, or ``None`` when it holds none (or an impossible one)."""
    if not text:
        return None
    stars = sum(1 for c in text if c in "⭐★🌟")
    if stars and not re.sub(r"[⭐★🌟\s]", "", text):
        return stars if stars <= 5 else None
    canonical = normalize(unicodedata.normalize("NFKC", text))
    if any(phrase in canonical for phrase in _NON_ANSWERS):
        return None
    numbers = _NUMBER.findall(canonical)
    if len(numbers) == 1:
        value = int(numbers[0])
        return value if 1 <= value <= 5 else None
    if len(numbers) > 1:
        return None
    chinese = _CHINESE.findall(canonical)
    if len(chinese) == 1:
        return _CHINESE_DIGITS[chinese[0]]
    if canonical in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[canonical]
    for phrase, value in _WORDS:
        if phrase.isascii():
            if re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", canonical):
                return value
        elif phrase in canonical:
            return value
    return None
