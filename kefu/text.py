"""Text normalisation and language detection for shopper messages.

Shoppers type full-width digits (２６１１), traditional characters (訂單), control characters
pasted from apps, and mix Chinese with English. NLU sees one canonical form:
NFKC (full-width → half-width), Taiwan/Hong Kong traditional → simplified (OpenCC ``tw2sp``,
which also maps regional vocabulary such as 軟體 → 软件), lower-case Latin, single spaces.

Replies go the other way: :func:`to_traditional` turns simplified answer text into traditional
characters for customers who wrote in traditional characters, in the forms of their region
(:mod:`kefu.regional`: Hong Kong or Taiwan).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal, Protocol

from kefu.regional import detect_region, to_regional

Language = Literal["zh-Hans", "zh-Hant", "en"]

#: Longest text NLU looks at; longer messages are cut (the tracker keeps the original).
MAX_NLU_CHARS = 500

#: Taiwan / Hong Kong shopping vocabulary that OpenCC's phrase tables leave alone, mapped to the
#: mainland words the training data uses (Taiwanese shoppers write them in either script).
REGIONAL_TERMS = {
    "保固": "保修",
    "出货": "发货",
    "点数": "积分",
    "红利点数": "积分",
    "客诉": "投诉",
    "宅配": "快递",
    "超商取货": "自提",
    "鉴赏期": "无理由退货期",
    "退费": "退款",
    "刷卡": "信用卡支付",
    "折价券": "优惠券",
    "优惠码": "优惠券",
    "会员卡": "会员",
    "埋单": "付款",
    "唛头": "标签",
    "速递": "快递",
    "顺丰速运": "顺丰",
}
_REGIONAL = re.compile("|".join(sorted(map(re.escape, REGIONAL_TERMS), key=len, reverse=True)))
#: Variant characters OpenCC's tables produce that simplified Chinese writes otherwise (Cantonese
#: 嗰 and 喎 become characters outside the common planes, which tokenisers split off).
_VARIANT_FIXES = str.maketrans({"擡": "抬", "𠮶": "嗰", "㖞": "喎"})
#: Characters Hong Kong and Taiwan write as they are although OpenCC's ``s2t`` changes them
#: (台 → 臺; Cantonese 晒 "all" as in 唔該晒 → 曬): no sign of simplified writing.
_SHARED_CHARS = frozenset("台晒")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SPACES = re.compile(r"\s+")


class _Converter(Protocol):
    """An OpenCC converter (``opencc.OpenCC``; the library ships no types)."""

    def convert(self, text: str) -> str: ...


@functools.cache
def _converter(config: str) -> _Converter:
    import opencc  # imported lazily: importing this module must stay cheap

    converter: _Converter = opencc.OpenCC(f"{config}.json")
    return converter


def _clean_char(char: str) -> str:
    """Maps control and format characters (zero-width space, BOM, bidi marks) to space or nothing."""
    category = unicodedata.category(char)
    if category == "Cc":
        return " "
    if category in ("Cf", "Co", "Cs"):
        return ""
    return char


def normalize(text: str | None) -> str:
    """Returns the canonical form of a shopper message for NLU.

    Args:
        text: the raw message; ``None`` is treated as empty.

    Returns:
        NFKC-normalised, simplified-Chinese, lower-cased text with single spaces, at most
        :data:`MAX_NLU_CHARS` characters long. Empty when the message holds nothing readable.
    """
    if not text:
        return ""
    text = "".join(_clean_char(c) for c in text[: MAX_NLU_CHARS * 2])
    text = unicodedata.normalize("NFKC", text)
    if _HAN.search(text):
        # tw2sp also maps Taiwan vocabulary but mangles text that is already simplified
        # (怎么 → 怎幺), so it only sees traditional text; t2s fixes stray traditional characters.
        if _is_traditional(text):
            text = _converter("tw2sp").convert(text).translate(_VARIANT_FIXES)
        else:
            text = _converter("t2s").convert(text).translate(_VARIANT_FIXES)
        text = _REGIONAL.sub(lambda match: REGIONAL_TERMS[match.group(0)], text)
    text = _SPACES.sub(" ", text).strip().lower()
    return text[:MAX_NLU_CHARS]


def detect_language(text: str | None) -> Language | None:
    """Tells which language a message is written in.

    Han characters are weighed against Latin words (a Chinese message with one English word is
    Chinese; an English sentence naming a Chinese city is English; a tie goes to Chinese).
    Chinese text is traditional when it holds more traditional-only than simplified-only
    characters, or when it holds as many (often none: 唔好, 冇呀, 安安) and is written in
    Cantonese or Taiwanese usage (:func:`kefu.regional.detect_region`), which is written in
    traditional characters.

    Returns:
        ``"zh-Hans"``, ``"zh-Hant"``, ``"en"``, or ``None`` when the message has no words at all
        (digits, emoji, punctuation), so that the conversation keeps its language.
    """
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    han = _HAN.findall(text)
    latin_words = len(_LATIN_WORD.findall(text))
    if not han:
        return "en" if latin_words else None
    if latin_words > len(han):
        return "en"
    traditional, simplified = _script_counts(text)
    if traditional > simplified or (traditional == simplified and detect_region(text)):
        return "zh-Hant"
    return "zh-Hans"


def is_script_neutral(text: str | None) -> bool:
    """True for Chinese that both scripts write alike and that shows no region: 好的, 不用了, 先不要.

    :func:`detect_language` calls such a message ``zh-Hans`` (it is Chinese, and a tie goes to
    simplified); a reply to it may keep the script the customer wrote before (``bot.nlg``).
    """
    if not text:
        return False
    text = unicodedata.normalize("NFKC", text)
    if detect_language(text) != "zh-Hans":
        return False
    return _script_counts(text) == (0, 0) and detect_region(text) is None


def _script_counts(text: str) -> tuple[int, int]:
    """How many distinct traditional-only and simplified-only Han characters the text holds."""
    chars = "".join(c for c in dict.fromkeys(_HAN.findall(text)) if c not in _SHARED_CHARS)
    traditional_only = sum(1 for a, b in zip(chars, _converter("t2s").convert(chars)) if a != b)
    simplified_only = sum(1 for a, b in zip(chars, _converter("s2t").convert(chars)) if a != b)
    return traditional_only, simplified_only


def _is_traditional(text: str) -> bool:
    """True when the text holds more traditional-only than simplified-only Han characters."""
    traditional, simplified = _script_counts(text)
    return traditional > simplified


def to_traditional(text: str, region: str | None = None) -> str:
    """Converts simplified Chinese text to traditional characters as readers in ``region`` write
    them (``hk``, ``tw``; ``None``: Taiwan's character forms), see :func:`kefu.regional.to_regional`."""
    return to_regional(text, region)


def is_blank(text: str | None) -> bool:
    """True when the message holds nothing but whitespace, control and format characters."""
    return not text or all(c.isspace() or unicodedata.category(c)[0] == "C" for c in text)
