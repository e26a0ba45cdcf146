"""Regional Chinese: who writes Hong Kong Cantonese or Taiwanese usage, and replies in their forms.

Written Cantonese (Hong Kong, Macau) and Taiwanese usage are both "traditional Chinese", but they
differ in words and in the standard forms of characters. :func:`detect_region` tells them apart by
what only one of them writes: Cantonese particles and verbs (唔該, 係咪, 咗, 嘅, 啲, 冇, 喺, 睇, 搵 ...)
for Hong Kong, Taiwan's own words and habits (宅配, 超商, 客訴, 鑑賞期, 統編, 載具, 末四碼, 安安, 喔,
bopomofo such as ㄇ) for Taiwan. Most messages carry neither and say nothing about the region.

Replies are written in simplified Chinese and converted for the reader (:func:`to_regional`):

* ``hk``: OpenCC ``s2hk``, Hong Kong's standard character forms (為, 裏, 着, 衞, 台);
* ``tw``: OpenCC ``s2tw``, Taiwan's standard forms (為, 裡, 著, 衛), with 台 and 帳 as Taiwan writes
  them (OpenCC gives 臺, 賬), and the few vocabulary changes of ``s2twp`` that are plainly right in
  a shop's replies (:data:`TAIWAN_PHRASES`: 簡訊, 登入, 設定, 資訊, 影片, 預設 ...); not the others
  (``s2twp`` turns 註銷 into 登出 "log out" and 審核 into 稽核 "audit");
* no region known: Taiwan's character forms without its vocabulary (``s2tw`` with 台). More people
  read traditional characters in Taiwan than anywhere else, and its forms are those of everyday
  writing in Hong Kong too (為, 台, 線), unlike OpenCC's generic ``s2t`` (爲, 裏, 臺), which neither
  region writes.
"""

from __future__ import annotations

import functools
import re
from typing import Literal, Protocol

Region = Literal["hk", "tw"]
REGIONS: tuple[Region, ...] = ("hk", "tw")

# ---------------------------------------------------------------------------------- detection
#: Characters only written Cantonese uses (in either script: the normaliser's simplified forms too).
_CANTONESE_CHARS = "咗嘅啲冇嘢喺嚟㗎咩乜佢哋嗰𠮶噉攞搵揾睇嘥啱嬲瞓噃喎㖞冚揸咁哂嚿攰"
_CANTONESE = re.compile(
    "|".join([
        f"[{_CANTONESE_CHARS}]",
        # 唔 + a word (唔該, 唔係, 唔好 ...); Mandarin writes 唔 only as "hmm" (唔，好吧 / 唔不要)
        r"唔(?=[\u4e00-\u9fff])(?![不嗯唔])",
        # 係 as the verb "to be" (係咪, 唔係, 就係, 係呀), not in 關係, 聯係, 體係, 係數
        r"(?<![關关聯联干派體体維维])係(?![數数統统])",
        # 晒 "all, completely" after a verb (唔該晒, 多謝晒, 賣晒), not 晒 "to dry in the sun"
        r"(?<=[該该謝谢苦煩烦賣卖完齊齐用搞])晒",
        r"(?<![a-z])m(?:該|该|係|系|好|使|要|識|识|知)",
        r"(?<![a-z])m ?goi",
        # an English verb + 下 "a bit" (check下, send下); Mandarin says check一下
        r"(?<=[a-z])下(?![载載单單午面次周週])",
        r"點解|点解|點樣|点样|邊度|边度|邊個|边个|幾耐|几耐|傾偈|倾偈|八達通|八达通|埋單|埋单|著數|着数",
        # 傾 "to chat" (同真人傾, 傾下), not Mandarin's 傾向 / 傾斜
        r"[傾倾](?=$|[\s!！?？。，,下吓紧緊咗啦喇])",
        # a classifier as possessive (我張單, 我個包裹, 你條褲): Mandarin says 我的; not 我个人
        r"[我你佢][張张條条](?=[\u4e00-\u9fffa-z])|[我你佢][個个](?![人别別性子])(?=[\u4e00-\u9fffa-z])",
        r"[張张](?:單|单|order)",
    ])
)
_TAIWANESE = re.compile(
    "|".join([  # noqa: FLY002 - one alternative a line, each with its comment
        r"[\u3105-\u312f\u31a0-\u31bf]",  # bopomofo typed for a syllable: 可以ㄇ, 好ㄉ
        r"安安|宅配|超商|客訴|客诉|鑑賞期|鉴赏期|統編|统编|載具|载具|保固|紅利|红利|黑貓(?!投訴)|黑猫(?!投诉)|蝦皮|虾皮",
        r"[末後后][三四3４4]碼|[末後后][三四3４4]码",
        r"喔",
        r"耶(?=[\s!！~～。，,?？]|$)",
    ])
)


def detect_region(text: str | None) -> Region | None:
    """Tells whether a Chinese message is written in Cantonese (``hk``) or Taiwanese usage (``tw``).

    Args:
        text: the message (raw or NFKC-normalised; either script).

    Returns:
        The region whose marks the message holds more of; ``None`` when it holds none (or as many
        of each): most messages say nothing about where their writer is from.
    """
    if not text:
        return None
    lowered = text.lower()
    hk = len(_CANTONESE.findall(lowered))
    tw = len(_TAIWANESE.findall(lowered))
    if hk > tw:
        return "hk"
    if tw > hk:
        return "tw"
    return None


def region_of_locale(locale: str | None) -> Region | None:
    """The region of a profile's language tag: ``zh-HK``, ``zh-MO`` → ``hk``; ``zh-TW`` → ``tw``."""
    code = (locale or "").strip().lower().replace("_", "-")
    if code in ("zh-hk", "zh-mo", "yue", "yue-hk", "zh-hant-hk", "zh-hant-mo"):
        return "hk"
    if code in ("zh-tw", "zh-hant-tw"):
        return "tw"
    return None


# ---------------------------------------------------------------------------------- replies
#: Characters as Taiwan writes them where OpenCC's ``s2tw`` gives another standard form.
_TAIWAN_CHARS = str.maketrans({"臺": "台"})
_TAIWAN_ONLY_CHARS = str.maketrans({"賬": "帳"})
#: ``s2twp`` vocabulary that is plainly right in a shop's replies to Taiwan (after ``s2tw``).
#: Left out on purpose: 支援 for 支持 (wrong in 支持專櫃驗貨), 繫結 for 綁定, 登出 for 註銷 (that is
#: "log out", not "close the account"), 稽核 for 審核 ("audit"), 儲存 for 保存, 效能 for 性能,
#: 檢視 for 查看, 線上 for a lone 在線 (24小時在線 is Taiwanese too).
TAIWAN_PHRASES = {
    "短信": "簡訊",
    "登錄": "登入",
    "點擊": "點選",
    "設置": "設定",
    "創建": "建立",
    "信息": "資訊",
    "消息": "訊息",
    "視頻": "影片",
    "智能客服": "智慧客服",
    "在線客服": "線上客服",
    "聯繫": "聯絡",
    "通過": "透過",
    "發送": "傳送",
    "默認": "預設",
    "網絡": "網路",
    "借記卡": "簽帳金融卡",
    "郵箱": "信箱",
    "質量": "品質",
}
_TAIWAN_PHRASE = re.compile("|".join(sorted(map(re.escape, TAIWAN_PHRASES), key=len, reverse=True)))


class _Converter(Protocol):
    """An OpenCC converter (``opencc.OpenCC``; the library ships no types)."""

    def convert(self, text: str) -> str: ...


@functools.cache
def _converter(config: str) -> _Converter:
    import opencc  # imported lazily: importing this module must stay cheap

    converter: _Converter = opencc.OpenCC(f"{config}.json")
    return converter


def to_regional(text: str, region: str | None = None) -> str:
    """Converts simplified Chinese reply text into the traditional forms its reader writes.

    Args:
        text: simplified Chinese (English and digits pass through unchanged).
        region: ``hk``, ``tw``, or ``None`` when the reader's region is not known (see the module
            docstring for what each gives).
    """
    if region == "hk":
        return _converter("s2hk").convert(text)
    converted = _converter("s2tw").convert(text).translate(_TAIWAN_CHARS)
    if region != "tw":
        return converted
    converted = converted.translate(_TAIWAN_ONLY_CHARS)
    return _TAIWAN_PHRASE.sub(lambda match: TAIWAN_PHRASES[match.group(0)], converted)
