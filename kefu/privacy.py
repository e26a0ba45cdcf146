"""Masking of personal data in text that leaves the conversation: logs, analytics, exports.

Shoppers type phone numbers, e-mail addresses, ID-card numbers and street addresses into the chat.
What the bot needs it reads from the live message; anything written elsewhere goes through
:func:`mask_pii` first. Masking keeps the shape (the last digits of a phone number, the city of an
address) so that an operator can still tell messages apart without learning who sent them.

What is masked (every digit but the last four of a number; an address after its city or region):

* mainland mobiles (``138 1234 5678``, ``+86-13812345678``) and landlines (``010-12345678``);
* international numbers written with ``+`` and a country code (``+886 912 345 678``,
  ``+852 9123 4567``, ``+1 (415) 555-0100``, ``+44 20 7946 0958``);
* Taiwanese mobiles (``0912-345-678``) and landlines with two separators (``02-2345-6789``);
* Hong Kong and Macau 8-digit numbers after a word that says they are one (电话, 電話, 手机,
  手機, 联系, 聯絡, phone, tel, mobile, call, WhatsApp ...): a bare 8-digit number is not masked;
* resident ID-card numbers, e-mail addresses;
* street addresses in simplified and traditional characters: mainland and Taiwanese ones after
  their city, district or county (上海市***, 台北市***); Hong Kong and Macau ones after the region
  (香港***, 九龍***, 新界***, 澳門***) when a street, building or house number or a district follows.

Order numbers (12 digits) and the 4-digit phone endings the bot asks for are never masked: they
are what agents and the analytics need, and they identify nobody.
"""

from __future__ import annotations

import re

# Full-width digits and the separators people put inside numbers; mask before normalising nothing.
_DIGIT = r"[0-9０-９]"
_SEP = r"[ \-‐－—·.]?"
_NOT_DIGIT_BEFORE = r"(?<![0-9０-９])"
_NOT_DIGIT_AFTER = r"(?![0-9０-９])"

# Mainland mobile numbers (optionally +86), with spaces or dashes: 138 1234 5678, +86-13812345678.
_MOBILE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}(?:(?:\+|＋)?(?:86|８６){_SEP})?[1１][3-9３-９]{_DIGIT}(?:{_SEP}{_DIGIT}){{8}}{_NOT_DIGIT_AFTER}")
# Landlines with area code: 010-12345678, 0755 8888 6666.
_LANDLINE = re.compile(rf"{_NOT_DIGIT_BEFORE}[0０]{_DIGIT}{{2,3}}[\-－ ]{_DIGIT}{{7,8}}{_NOT_DIGIT_AFTER}")
# Any number written with "+" and a country code: 8 to 15 digits, separated by at most two of
# space, dash, dot or brackets: +886 912 345 678, +852 9123 4567, +1 (415) 555-0100.
_INTERNATIONAL = re.compile(
    rf"(?<![0-9０-９A-Za-z+＋])[+＋]{_DIGIT}(?:[ \-‐－—·.()（）]{{0,2}}{_DIGIT}){{7,14}}{_NOT_DIGIT_AFTER}")
# Taiwanese mobiles (09xx-xxx-xxx) and landlines with two separators (02-2345-6789, 04-2345-6789).
_TW_MOBILE = re.compile(rf"{_NOT_DIGIT_BEFORE}[0０][9９]{_DIGIT}{{2}}(?:[\-－ ]?{_DIGIT}{{3}}){{2}}{_NOT_DIGIT_AFTER}")
_TW_LANDLINE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}[0０]{_DIGIT}{{1,3}}[\-－ ]{_DIGIT}{{3,4}}[\-－ ]{_DIGIT}{{4}}{_NOT_DIGIT_AFTER}")
# Hong Kong / Macau numbers have 8 digits, like many other numbers: masked only after a word
# saying it is a phone number (the number group alone is masked).
_PHONE_WORDS = (r"电话|電話|手机|手機|手提|联系|聯繫|聯絡|联络|号码|號碼|phone|tel|mobile|cell|call|whatsapp"
                r"|wechat|signal")
_HK_NUMBER = re.compile(rf"{_NOT_DIGIT_BEFORE}[2-9２-９]{_DIGIT}{{3}}[ \-－]?{_DIGIT}{{4}}{_NOT_DIGIT_AFTER}")
_PHONE_WORD_BEFORE = re.compile(rf"(?i)(?:{_PHONE_WORDS})[^0-9０-９\n]{{0,12}}$")
# Resident ID-card numbers: 17 digits and a digit or X.
_ID_CARD = re.compile(rf"{_NOT_DIGIT_BEFORE}{_DIGIT}{{17}}[0-9０-９xXｘＸ]{_NOT_DIGIT_AFTER}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")

_ADDRESS_CHARS = r"[\u4e00-\u9fff0-9０-９A-Za-z\-－#]"
# What ends the street part of an address: a road, lane, estate, building, house or room.
_STREET = (r"路|街|道|巷|弄|村|邨|苑|小区|小區|大厦|大廈|花园|花園|号楼|號樓|栋|棟|幢|单元|單元|号|號|室|楼|樓"
           r"|座|广场|廣場|中心")
# A mainland or Taiwanese address: whatever follows the city/district up to a street or number.
_ADDRESS = re.compile(
    r"(?P<keep>[\u4e00-\u9fff]{1,8}?(?:省|自治区|自治區|市|区|區|县|縣|镇|鎮))"
    rf"(?P<rest>{_ADDRESS_CHARS}{{0,30}}?(?:{_STREET}){_ADDRESS_CHARS}*)")
# Hong Kong and Macau write no city: the region comes first (香港 / 九龍 / 新界 / 澳門 ...), then a
# district, a street and a number. Masked when a street part or a district follows the region, so
# that "寄到香港要几天" stays as it is.
_HK_MO_REGIONS = r"香港島|香港岛|港島|港岛|香港|九龍|九龙|新界|澳門|澳门|氹仔|路環|路环"
_HK_MO_DISTRICTS = (
    r"中西區|中西区|灣仔|湾仔|油尖旺|深水埗|九龍城|九龙城|黃大仙|黄大仙|觀塘|观塘|葵青|葵涌|荃灣|荃湾|屯門|屯门|元朗"
    r"|大埔|沙田|西貢|西贡|離島|离岛|旺角|尖沙咀|尖沙嘴|油麻地|銅鑼灣|铜锣湾|中環|中环|上環|上环|金鐘|金钟"
    r"|將軍澳|将军澳|火炭|大圍|大围|馬鞍山|马鞍山|天水圍|天水围|上水|粉嶺|粉岭|青衣|東涌|东涌|紅磡|红磡|土瓜灣"
    r"|土瓜湾|太子|長沙灣|长沙湾|荔枝角|美孚|北角|鰂魚涌|鲗鱼涌|筲箕灣|筲箕湾|柴灣|柴湾|香港仔|薄扶林|跑馬地"
    r"|跑马地|半山|氹仔|路環|路环|路氹")
_REGION_ADDRESS = re.compile(
    rf"(?P<keep>{_HK_MO_REGIONS})"
    rf"(?P<rest>(?:{_HK_MO_DISTRICTS}){_ADDRESS_CHARS}*|{_ADDRESS_CHARS}{{0,30}}?(?:{_STREET}){_ADDRESS_CHARS}*)")
_EN_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,4}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd)\b\.?")


def _mask_digits(text: str, keep: int = 4) -> str:
    """``text`` with every digit but the last ``keep`` replaced by ``*``."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    visible = set(digits[-keep:])
    return "".join(ch if (i in visible or not ch.isdigit()) else "*" for i, ch in enumerate(text))


def _keep_tail(match: re.Match[str]) -> str:
    return _mask_digits(match.group(0))


def _hk_number(match: re.Match[str]) -> str:
    """An 8-digit number masked when a phone word comes shortly before it."""
    before = match.string[max(0, match.start() - 24):match.start()]
    return _mask_digits(match.group(0)) if _PHONE_WORD_BEFORE.search(before) else match.group(0)


def mask_pii(text: str | None) -> str | None:
    """``text`` with phone numbers, ID numbers, e-mail addresses and street addresses masked.

    >>> mask_pii("电话13812345678，寄到上海市浦东新区世纪大道100号")
    '电话*******5678，寄到上海市***'
    >>> mask_pii("電話 +852 9123 4567，地址香港九龙弥敦道100号")
    '電話 +*** **** 4567，地址香港***'
    """
    if not text:
        return text
    text = _ID_CARD.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], text)
    text = _MOBILE.sub(_keep_tail, text)
    text = _INTERNATIONAL.sub(_keep_tail, text)
    text = _TW_MOBILE.sub(_keep_tail, text)
    text = _TW_LANDLINE.sub(_keep_tail, text)
    text = _LANDLINE.sub(_keep_tail, text)
    text = _HK_NUMBER.sub(_hk_number, text)
    text = _EMAIL.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1], text)
    text = _REGION_ADDRESS.sub(lambda m: m.group("keep") + "***", text)
    text = _ADDRESS.sub(lambda m: m.group("keep") + "***", text)
    text = _EN_ADDRESS.sub("*** (address)", text)
    return text
