"""Masking of personal data in text that leaves the conversation: logs, analytics, exports.

Shoppers type phone numbers, e-mail addresses, ID-card numbers and street addresses into the chat.
What the bot needs it reads from the live message; anything written elsewhere goes through
:func:`mask_pii` first. Masking keeps the shape (the last digits of a phone number, the city of an
address) so that an operator can still tell messages apart without learning who sent them.
"""

from __future__ import annotations

import re

# Full-width digits and the separators people put inside numbers; mask before normalising nothing.
_DIGIT = r"[0-9０-９]"
_SEP = r"[ \-‐－—·.]?"

# Mainland mobile numbers (optionally +86), with spaces or dashes: 138 1234 5678, +86-13812345678.
_MOBILE = re.compile(
    rf"(?<![0-9０-９])(?:(?:\+|＋)?(?:86|８６){_SEP})?[1１][3-9３-９]{_DIGIT}(?:{_SEP}{_DIGIT}){{8}}(?![0-9０-９])")
# Landlines with area code: 010-12345678, 0755 8888 6666.
_LANDLINE = re.compile(rf"(?<![0-9０-９])[0０]{_DIGIT}{{2,3}}[\-－ ]{_DIGIT}{{7,8}}(?![0-9０-９])")
# Resident ID-card numbers: 17 digits and a digit or X.
_ID_CARD = re.compile(rf"(?<![0-9０-９]){_DIGIT}{{17}}[0-9０-９xXｘＸ](?![0-9０-９])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# A Chinese street address: whatever follows the city/district up to a house, building or room number.
_ADDRESS = re.compile(
    r"(?P<keep>[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|区|县|镇))"
    r"(?P<rest>[\u4e00-\u9fff0-9０-９A-Za-z\-－#]{0,30}?(?:路|街|道|巷|弄|村|小区|大厦|花园|号楼|栋|幢|单元|号|室)"
    r"[\u4e00-\u9fff0-9０-９A-Za-z\-－#]*)")
_EN_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,4}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd)\b\.?")


def _keep_tail(match: re.Match, keep: int = 4) -> str:
    text = match.group(0)
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    visible = set(digits[-keep:])
    return "".join(ch if (i in visible or not ch.isdigit()) else "*" for i, ch in enumerate(text))


def mask_pii(text: str | None) -> str | None:
    """``text`` with phone numbers, ID numbers, e-mail addresses and street addresses masked.

    >>> mask_pii("电话13812345678，寄到上海市浦东新区世纪大道100号")
    '电话*******5678，寄到上海市***'
    """
    if not text:
        return text
    text = _ID_CARD.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], text)
    text = _MOBILE.sub(_keep_tail, text)
    text = _LANDLINE.sub(_keep_tail, text)
    text = _EMAIL.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1], text)
    text = _ADDRESS.sub(lambda m: m.group("keep") + "***", text)
    text = _EN_ADDRESS.sub("*** (address)", text)
    return text
